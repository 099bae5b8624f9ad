package org.implicitdl.train;

import org.implicitdl.linalg.Blas;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.solve.WellPosedness;

/**
 * The robust (A, B) majorizer (eq. 18) with |B| linearized at the round's start, |B_i| = s_i∘B_i
 * for s_i = sgn(B_i): row i sees the inputs shifted by v_i = s_i∘r, so its Gram matrix is
 * G_i = G + μṽ_iᵀ + ṽ_iμᵀ + m ṽ_iṽ_iᵀ (ṽ_i = [0; v_i; 0], μ = Σ_j w_j[x_j; u'_j] = G's bias
 * column, m = Σ_j w_j) and its moments h̃_i = h_i + (Σ_j w_j t_ij)ṽ_i (the bias entry of h_i).
 * Rank-two corrections per row, so the operator costs one product with G plus O(n(n + p)).
 */
final class RobustRows implements QuadraticStep.Operator {
  private final Matrix g;
  private final double[] mu;
  private final double mass;
  private final Matrix v;
  private final double norm;

  RobustRows(Matrix gWithRidge, Matrix xu, Matrix uu, Matrix w, int n, double[] radius) {
    this.g = gWithRidge;
    int k = gWithRidge.rows();
    int bias = k - 1;
    this.mu = new double[k];
    for (int i = 0; i < n; i++) {
      mu[i] = xu.get(i, xu.cols() - 1);
    }
    for (int i = n; i < k; i++) {
      mu[i] = uu.get(i - n, uu.cols() - 1);
    }
    this.mass = uu.get(uu.rows() - 1, uu.cols() - 1);
    this.v = Matrix.zeros(n, k);
    double vNorm = 0;
    for (int i = 0; i < n; i++) {
      double row = 0;
      for (int f = 0; f < radius.length; f++) {
        double value = Math.signum(w.get(i, n + f)) * radius[f];
        v.set(i, n + f, value);
        row += value * value;
      }
      vNorm = Math.max(vNorm, Math.sqrt(row));
    }
    double muNorm = Math.sqrt(Blas.dot(mu, mu));
    this.norm = WellPosedness.twoNorm(gWithRidge) + 2 * muNorm * vNorm + mass * vNorm * vNorm;
    assert bias == n + radius.length;
  }

  @Override
  public Matrix apply(Matrix w) {
    Matrix out = Blas.parallelMultiply(w, g);
    int rows = w.rows();
    int k = g.rows();
    for (int i = 0; i < rows; i++) {
      double wv = 0;
      double wmu = 0;
      for (int c = 0; c < k; c++) {
        wv += w.get(i, c) * v.get(i, c);
        wmu += w.get(i, c) * mu[c];
      }
      for (int c = 0; c < k; c++) {
        out.set(i, c, out.get(i, c) + wv * mu[c] + (wmu + mass * wv) * v.get(i, c));
      }
    }
    return out;
  }

  @Override
  public double norm() {
    return norm;
  }

  /** h̃_i = h_i + h_i[bias]·ṽ_i. */
  Matrix moments(Matrix h) {
    Matrix out = h.copy();
    int bias = h.cols() - 1;
    for (int i = 0; i < h.rows(); i++) {
      double total = h.get(i, bias);
      for (int c = 0; c < h.cols(); c++) {
        out.set(i, c, out.get(i, c) + total * v.get(i, c));
      }
    }
    return out;
  }
}
