package org.implicitdl.train;

import org.implicitdl.linalg.Blas;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.solve.WellPosedness;

/**
 * The driver-side convex steps of BCD, written as one problem on W (rows × k):
 * min_W Σ_i ω_i (½ w_i Q w_iᵀ − l_i·w_i) + Prox-penalty(W), with row weights ω (λ_i in the
 * (A, B)-step, 1 in the (C, D)-step). Solved by monotone FISTA (Beck–Teboulle MFISTA): the
 * objective never increases, so each BCD block step is a descent step on problem (10).
 * Rows decouple except through the column-group penalty.
 */
public final class QuadraticStep {
  private QuadraticStep() {}

  /** The smooth part Σ_i ω_i (½ w_i Q w_iᵀ − l_i·w_i), given WQ. */
  private static double objective(Matrix w, Matrix wq, Matrix l, double[] rowWeights) {
    double[] wd = w.data();
    double[] qd = wq.data();
    double[] ld = l.data();
    int rows = w.rows();
    // every row's sum in one pass down the columns (each row's terms still added in column order)
    double[] row = new double[rows];
    for (int k = 0; k < wd.length; k += rows) {
      for (int i = 0; i < rows; i++) {
        row[i] += (0.5 * qd[k + i] - ld[k + i]) * wd[k + i];
      }
    }
    double s = 0;
    for (int i = 0; i < rows; i++) {
      s += rowWeights[i] * row[i];
    }
    return s;
  }

  /**
   * Minimizes from the start W0 (feasible); returns the new W, never worse than W0. One product
   * with Q per iteration: the extrapolated point Y is a linear combination of iterates whose
   * products with Q are known, so YQ is combined from them instead of recomputed.
   */
  public static Matrix solve(Matrix start, Matrix q, Matrix l, double[] rowWeights, Prox prox, int iterations) {
    return solve(start, Operator.of(q), l, rowWeights, prox, iterations);
  }

  /**
   * The linear map W ↦ WQ of the smooth part, row by row (a row may have its own Q_i, as in the
   * robust (A, B)-step), with a bound on its norm for the step size.
   */
  public interface Operator {
    Matrix apply(Matrix w);

    /** An upper bound on max_i ‖Q_i‖₂. */
    double norm();

    static Operator of(Matrix q) {
      double norm = WellPosedness.twoNorm(q);
      return new Operator() {
        @Override public Matrix apply(Matrix w) { return Blas.parallelMultiply(w, q); }
        @Override public double norm() { return norm; }
      };
    }
  }

  /** As {@link #solve(Matrix, Matrix, Matrix, double[], Prox, int)} with row-wise Q_i given as an operator. */
  public static Matrix solve(Matrix start, Operator q, Matrix l, double[] rowWeights, Prox prox, int iterations) {
    double maxWeight = 0;
    for (double w : rowWeights) {
      maxWeight = Math.max(maxWeight, w);
    }
    double lipschitz = 1.05 * maxWeight * q.norm();
    if (lipschitz == 0) {
      return start.copy();
    }
    double eta = 1.0 / lipschitz;
    int rows = start.rows();
    double[] stepOfRow = new double[rows];
    for (int i = 0; i < rows; i++) {
      stepOfRow[i] = eta * rowWeights[i];
    }
    Matrix x = start.copy();
    Matrix xq = q.apply(x);
    double fx = objective(x, xq, l, rowWeights) + prox.value(x);
    Matrix y = x.copy();
    Matrix yq = xq.copy();
    double t = 1.0;
    for (int it = 0; it < iterations; it++) {
      Matrix z = gradientStep(y, yq, l, stepOfRow);
      prox.apply(z, eta);
      Matrix zq = q.apply(z);
      double fz = objective(z, zq, l, rowWeights) + prox.value(z);
      double tNext = (1 + Math.sqrt(1 + 4 * t * t)) / 2;
      Matrix previous = x;
      Matrix previousQ = xq;
      if (fz <= fx) {
        x = z;
        xq = zq;
        fx = fz;
      }
      // y = x + (t/tNext)(z − x) + ((t − 1)/tNext)(x − previous), and the same for yQ
      extrapolate(y, x, z, previous, t / tNext, (t - 1) / tNext);
      extrapolate(yq, xq, zq, previousQ, t / tNext, (t - 1) / tNext);
      t = tNext;
    }
    return x;
  }

  /** Z = Y − η ω_i (YQ − L)_i row by row. */
  private static Matrix gradientStep(Matrix y, Matrix yq, Matrix l, double[] stepOfRow) {
    Matrix z = y.copy();
    double[] zd = z.data();
    double[] gd = yq.data();
    double[] ld = l.data();
    int rows = y.rows();
    for (int k = 0; k < zd.length; k += rows) {
      for (int i = 0; i < rows; i++) {
        zd[k + i] -= stepOfRow[i] * (gd[k + i] - ld[k + i]);
      }
    }
    return z;
  }

  /** out = x + α(z − x) + β(x − previous). */
  private static void extrapolate(Matrix out, Matrix x, Matrix z, Matrix previous, double alpha, double beta) {
    double[] od = out.data();
    double[] xd = x.data();
    double[] zd = z.data();
    double[] pd = previous.data();
    for (int k = 0; k < od.length; k++) {
      od[k] = xd[k] + alpha * (zd[k] - xd[k]) + beta * (xd[k] - pd[k]);
    }
  }
}
