package org.implicitdl.train;

import org.implicitdl.linalg.Blas;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.model.WellPosedness;

/**
 * The driver-side convex steps of BCD, written as one problem on W (rows × k):
 * min_W Σ_i ω_i (½ w_i Q w_iᵀ − l_i·w_i) + Prox-penalty(W), with row weights ω (λ_i in the
 * (A, B)-step, 1 in the (C, D)-step). Solved by monotone FISTA (Beck–Teboulle MFISTA): the
 * objective never increases, so each BCD block step is a descent step on problem (10).
 * Rows decouple except through the column-group penalty.
 */
public final class QuadraticStep {
  private QuadraticStep() {}

  /** Objective value at W. */
  public static double objective(Matrix w, Matrix q, Matrix l, double[] rowWeights, Prox prox) {
    Matrix wq = Blas.multiply(w, q);
    double s = 0;
    for (int j = 0; j < w.cols(); j++) {
      for (int i = 0; i < w.rows(); i++) {
        double wij = w.get(i, j);
        s += rowWeights[i] * (0.5 * wq.get(i, j) * wij - l.get(i, j) * wij);
      }
    }
    return s + prox.value(w);
  }

  /** Minimizes from the start W0 (feasible); returns the new W, never worse than W0. */
  public static Matrix solve(Matrix start, Matrix q, Matrix l, double[] rowWeights, Prox prox, int iterations) {
    double maxWeight = 0;
    for (double w : rowWeights) {
      maxWeight = Math.max(maxWeight, w);
    }
    double lipschitz = 1.05 * maxWeight * WellPosedness.twoNorm(q);
    if (lipschitz == 0) {
      return start.copy();
    }
    double eta = 1.0 / lipschitz;
    Matrix x = start.copy();
    double fx = objective(x, q, l, rowWeights, prox);
    Matrix y = x.copy();
    double t = 1.0;
    for (int it = 0; it < iterations; it++) {
      Matrix z = y.copy();
      Matrix grad = Blas.multiply(y, q);
      double[] gd = grad.data();
      double[] ld = l.data();
      double[] zd = z.data();
      int rows = y.rows();
      for (int k = 0; k < gd.length; k++) {
        zd[k] -= eta * rowWeights[k % rows] * (gd[k] - ld[k]);
      }
      prox.apply(z, eta);
      double fz = objective(z, q, l, rowWeights, prox);
      double tNext = (1 + Math.sqrt(1 + 4 * t * t)) / 2;
      Matrix previous = x;
      if (fz <= fx) {
        x = z;
        fx = fz;
      }
      // y = x + (t/tNext)(z − x) + ((t − 1)/tNext)(x − previous)
      y = x.copy();
      double[] yd = y.data();
      double[] xd = x.data();
      double[] pd = previous.data();
      for (int k = 0; k < yd.length; k++) {
        yd[k] += (t / tNext) * (zd[k] - xd[k]) + ((t - 1) / tNext) * (xd[k] - pd[k]);
      }
      t = tNext;
    }
    return x;
  }
}
