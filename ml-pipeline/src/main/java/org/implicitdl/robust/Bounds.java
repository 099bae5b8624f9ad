package org.implicitdl.robust;

import org.implicitdl.linalg.Matrix;

/**
 * Certified bounds over an input box for a block of columns ({@link IntervalAnalysis}).
 *
 * @param stateLower lower bounds of the states x (n×m)
 * @param stateUpper upper bounds of the states x (n×m)
 * @param outputLower lower bounds of the raw outputs Cx + Du (q×m)
 * @param outputUpper upper bounds of the raw outputs (q×m)
 * @param nominalOutput the raw outputs at the box centres (q×m)
 * @param predicted the nominal predicted class per column (argmax of the raw outputs)
 * @param worstMargins per column, a lower bound over the box of min_{k≠c}(ŷ_c − ŷ_k), c the
 *     predicted class (NaN for a single output)
 * @param iterations interval-map sweeps (0 for the closed form)
 * @param gap a bound on how far these bounds are from the interval fixed point's (weighted norm);
 *     soundness does not depend on it
 * @param converged whether the sweeps met the tolerance
 */
public record Bounds(Matrix stateLower, Matrix stateUpper, Matrix outputLower, Matrix outputUpper, Matrix nominalOutput,
    int[] predicted, double[] worstMargins, int iterations, double gap, boolean converged) {

  /** Whether column j's predicted class provably cannot change anywhere in its box. */
  public boolean certified(int j) {
    return worstMargins[j] > 0;
  }

  /** The number of columns. */
  public int size() {
    return predicted.length;
  }
}
