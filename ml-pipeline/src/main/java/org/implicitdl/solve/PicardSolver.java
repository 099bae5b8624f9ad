package org.implicitdl.solve;

import org.implicitdl.linalg.Blas;
import org.implicitdl.linalg.LowRank;
import org.implicitdl.linalg.Matrix;

/**
 * Picard iteration X ← φ(AX + Z) on a whole block (one dgemm per sweep). With a certificate of
 * contraction κ in the weighted norm ‖·‖_s, the error after a step of size δ is at most
 * κ/(1−κ)·δ (paper §3), which is the stopping test. Columns are independent fixed-point
 * problems, so each column stops as soon as its own bound meets the tolerance and leaves the
 * {@link ActiveColumns}: later sweeps multiply only the columns still moving, and those are
 * Anderson-mixed column by column ({@link ColumnAnderson}), which leaves the bound as it is. A
 * column's result therefore does not depend on which other columns share its block.
 */
public final class PicardSolver implements FixedPointSolver {
  private final SolverSettings settings;
  private final LowRank factors;

  public PicardSolver(SolverSettings settings) {
    this(settings, null);
  }

  /**
   * Sweeps with A = L Rᵀ applied as L(RᵀX) (paper §6.3): 2nk flops per column instead of n².
   * The factors must be those of the A passed to {@link #solve}; the certificate is A's.
   */
  public PicardSolver(SolverSettings settings, LowRank factors) {
    this.settings = settings;
    this.factors = factors;
  }

  @Override
  public FixedPointResult solve(Matrix a, Matrix drive, Activation activation, Certificate certificate, Matrix start) {
    int n = FixedPointSolver.requireShapes(a, drive, start);
    ActiveColumns columns = new ActiveColumns(start == null ? Matrix.zeros(n, drive.cols()) : start, drive);
    double[] inverse = inverseWeights(certificate);
    // the certified bound κ/(1−κ)·step in the certificate's norm; the plain step without one
    boolean certified = certificate.isWellPosed();
    ActiveColumns.StopTest test = (previous, current, from, to, out) -> {
      stepSizes(previous, current, inverse, n, from, to, out);
      out[1] = certified ? certificate.errorBoundFromStep(out[1]) : out[0];
    };
    if (factors != null) {
      factors.left().requireShape("L of A = L R^T", n, factors.rank());
    }
    double[] inner = factors == null ? null : new double[Math.max(1, factors.rank() * drive.cols())];
    for (int t = 1; t <= settings.maxIterations(); t++) {
      if (factors == null) {
        sweep(a, columns.carried(0), activation, columns.states(), columns.next(), columns.active());
      } else {
        int cols = columns.active();
        System.arraycopy(columns.carried(0), 0, columns.next(), 0, n * cols);
        factors.multiply(columns.states(), 1.0, columns.next(), cols, inner);
        activation.applyInPlace(columns.next(), 0, n * cols);
      }
      if (!columns.retireConverged(test, settings.tolerance())) {
        return result(columns, t, false, Double.POSITIVE_INFINITY);
      }
      if (columns.active() == 0) {
        return result(columns, t, true, certified ? columns.maxBound() : Double.POSITIVE_INFINITY);
      }
    }
    return result(columns, settings.maxIterations(), false, certified ? columns.maxBound() : Double.POSITIVE_INFINITY);
  }

  private FixedPointResult result(ActiveColumns columns, int sweeps, boolean converged, double bound) {
    return new FixedPointResult(columns.result(), sweeps, columns.maxStep(), bound, converged, name());
  }

  private String name() {
    return factors == null ? "picard" : "picard-low-rank";
  }

  /** out ← φ(A·x + Z). */
  static void sweep(Matrix a, Matrix drive, Activation activation, Matrix x, Matrix out) {
    sweep(a, drive.data(), activation, x.data(), out.data(), drive.cols());
  }

  /** The same on the first {@code cols} columns of column-major n-row buffers. */
  static void sweep(Matrix a, double[] drive, Activation activation, double[] x, double[] out, int cols) {
    int n = a.rows();
    System.arraycopy(drive, 0, out, 0, n * cols);
    Blas.gemm(false, false, n, cols, n, 1.0, a.data(), 0, Math.max(1, n), x, 0, Math.max(1, n), 1.0, out, 0, Math.max(1, n));
    activation.applyInPlace(out, 0, n * cols);
  }

  /** 1/s_i of the certificate's scaling, or null when every s_i is 1 (the weighted norm is then ‖·‖∞). */
  static double[] inverseWeights(Certificate certificate) {
    double[] w = certificate.weights();
    boolean unit = true;
    for (int i = 0; i < w.length; i++) {
      unit &= w[i] == 1.0;
      w[i] = 1.0 / w[i];
    }
    return unit ? null : w;
  }

  /**
   * {‖cur − prev‖∞, ‖cur − prev‖_s} given {@link #inverseWeights} (null: unit weights); NaN as soon
   * as a difference is NaN. Loops by column, no per-entry modulo.
   */
  static double[] stepSizes(double[] previous, double[] current, double[] inverse, int n) {
    double[] out = new double[2];
    stepSizes(previous, current, inverse, n, 0, current.length, out);
    return out;
  }

  /**
   * The same over entries [from, to) (whole columns), written into {@code out}: no allocation per column per sweep.
   * The unweighted maximum is branch-free (a NaN difference propagates through Math.max), so that loop — the
   * ‖·‖∞ certificate's — vectorizes; it runs once per active column per sweep.
   */
  static void stepSizes(double[] previous, double[] current, double[] inverse, int n, int from, int to, double[] out) {
    double inf = 0;
    double weighted = 0;
    if (inverse == null) {
      for (int k = from; k < to; k++) {
        inf = Math.max(inf, Math.abs(current[k] - previous[k]));
      }
      weighted = inf;
    } else {
      for (int base = from; base < to; base += n) {
        for (int i = 0; i < n; i++) {
          double d = Math.abs(current[base + i] - previous[base + i]);
          inf = Math.max(inf, d);
          double scaled = d * inverse[i];
          if (scaled > weighted) {
            weighted = scaled;
          }
        }
      }
    }
    if (inf != inf) {
      inf = Double.NaN;
      weighted = Double.NaN;
    }
    out[0] = inf;
    out[1] = weighted;
  }
}
