package org.implicitdl.solve;

import org.implicitdl.linalg.Matrix;

/**
 * Column-wise fixed-point iterations on a block: each column is its own problem (the real rule
 * x = φ(Ax + Bu) of §3, or the adjoint v = Cᵀg + Aᵀ(J v) of the implicit gradient), so a column
 * leaves the iteration as soon as its own stopping bound holds. The columns still iterating are
 * packed to the front of column-major buffers (the states, the next states, and any per-column
 * data the sweep reads, such as the drive Bu), so a sweep multiplies only them; a column's
 * result therefore does not depend on which other columns share its block. A column whose sweeps
 * shrink its step by less than a factor 1/{@value #MIX_ABOVE} is Anderson-mixed from then on
 * ({@link ColumnAnderson}), on its own: where plain sweeps converge that fast, mixing would cost
 * more than the sweeps it saves.
 */
public final class ActiveColumns {
  /**
   * A column's step size and error bound from its previous and current states over [from, to),
   * written to out[0], out[1]; NaN when not finite.
   */
  @FunctionalInterface
  public interface StopTest {
    void measure(double[] previous, double[] current, int from, int to, double[] out);
  }

  /** The plain step ‖x_{t+1} − x_t‖∞ of a column (n rows) as its own bound. */
  public static StopTest plainStep(int n) {
    return (previous, current, from, to, out) -> PicardSolver.stepSizes(previous, current, null, n, from, to, out);
  }

  /** A column starts mixing once a sweep's step is more than this fraction of the step before. */
  static final double MIX_ABOVE = 0.3;

  private final int n;
  private final Matrix result;
  private final int[] index;
  private final double[][] carried;
  private double[] x;
  private double[] next;
  private int active;
  private double maxStep;
  private double maxBound;
  private ColumnAnderson anderson;
  /** Per active column (packed like the states): its last step ‖x_{t+1} − x_t‖∞, and whether it mixes. */
  private final double[] lastStep;
  private final boolean[] mixing;

  /**
   * @param start the initial states (n × m), copied
   * @param carried per-column data of the same shape the sweep reads (copied, packed with the states)
   */
  public ActiveColumns(Matrix start, Matrix... carried) {
    this.n = start.rows();
    int m = start.cols();
    this.result = start.copy();
    this.x = result.data().clone();
    this.next = new double[x.length];
    this.carried = new double[carried.length][];
    for (int k = 0; k < carried.length; k++) {
      if (carried[k].rows() != n || carried[k].cols() != m) {
        throw new IllegalArgumentException("per-column data " + carried[k].shape() + " does not match the states " + start.shape());
      }
      this.carried[k] = carried[k].data().clone();
    }
    this.index = new int[m];
    for (int j = 0; j < m; j++) {
      index[j] = j;
    }
    this.active = m;
    this.lastStep = new double[m];
    java.util.Arrays.fill(lastStep, Double.POSITIVE_INFINITY);
    this.mixing = new boolean[m];
  }

  /** The current states of the active columns (the first {@link #active()} columns). */
  public double[] states() {
    return x;
  }

  /** Where a sweep writes the next states of the active columns. */
  public double[] next() {
    return next;
  }

  /** The k-th per-column data, packed like the states. */
  public double[] carried(int k) {
    return carried[k];
  }

  public int active() {
    return active;
  }

  public double maxStep() {
    return maxStep;
  }

  public double maxBound() {
    return maxBound;
  }

  /**
   * After a sweep: measures each active column's step, writes out those whose bound meets the
   * tolerance, packs the rest to the front and makes the next states current. False, with every
   * column written out, when a step is not finite.
   */
  public boolean retireConverged(StopTest test, double tolerance) {
    int kept = 0;
    double[] out = result.data();
    maxStep = 0;
    maxBound = 0;
    double[] sizes = new double[2];
    for (int j = 0; j < active; j++) {
      test.measure(x, next, j * n, (j + 1) * n, sizes);
      if (!Double.isFinite(sizes[0]) || !Double.isFinite(sizes[1])) {
        writeOut(next);
        maxStep = Double.POSITIVE_INFINITY;
        return false;
      }
      maxStep = Math.max(maxStep, sizes[0]);
      maxBound = Math.max(maxBound, sizes[1]);
      if (sizes[1] <= tolerance) {
        System.arraycopy(next, j * n, out, index[j] * n, n);
      } else {
        if (!mixing[j] && sizes[0] > MIX_ABOVE * lastStep[j]) {
          mixing[j] = true;
          if (anderson == null) {
            anderson = ColumnAnderson.forColumns(n, active);
          }
        }
        if (mixing[j]) {
          anderson.mix(j, x, next);
        }
        lastStep[j] = sizes[0];
        if (kept != j) {
          System.arraycopy(next, j * n, next, kept * n, n);
          for (double[] c : carried) {
            System.arraycopy(c, j * n, c, kept * n, n);
          }
          index[kept] = index[j];
          lastStep[kept] = lastStep[j];
          mixing[kept] = mixing[j];
          if (anderson != null) {
            anderson.move(j, kept);
          }
        }
        kept++;
      }
    }
    active = kept;
    double[] swap = x;
    x = next;
    next = swap;
    return true;
  }

  /** The states of every column: retired ones as they left, active ones as they are now. */
  public Matrix result() {
    writeOut(x);
    return result;
  }

  private void writeOut(double[] states) {
    for (int j = 0; j < active; j++) {
      System.arraycopy(states, j * n, result.data(), index[j] * n, n);
    }
    active = 0;
    if (anderson != null) {
      anderson.release();
      anderson = null;
    }
  }
}
