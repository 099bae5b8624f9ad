package org.implicitdl.train;

import org.implicitdl.linalg.Matrix;

/**
 * The data-fit term L(Y, Ŷ) of problem (10): squared loss ½‖Y − Ŷ‖² or softmax cross-entropy
 * (paper eq. 4), with the gradient in Ŷ and a bound on its curvature (1 for squared; ½ for
 * cross-entropy, Böhning's bound) that sets safe step sizes and majorizers.
 */
public enum Loss {
  SQUARED {
    @Override public double value(double[] y, double[] yHat, int q, int col) {
      double s = 0;
      for (int i = 0; i < q; i++) {
        double r = yHat[col * q + i] - y[col * q + i];
        s += 0.5 * r * r;
      }
      return s;
    }
    @Override public void gradient(double[] y, double[] yHat, int q, int col, double[] out) {
      for (int i = 0; i < q; i++) {
        out[col * q + i] = yHat[col * q + i] - y[col * q + i];
      }
    }
    @Override public double curvature() { return 1.0; }
  },
  CROSS_ENTROPY {
    @Override public double value(double[] y, double[] yHat, int q, int col) {
      double max = Double.NEGATIVE_INFINITY;
      for (int i = 0; i < q; i++) {
        max = Math.max(max, yHat[col * q + i]);
      }
      double sum = 0;
      for (int i = 0; i < q; i++) {
        sum += Math.exp(yHat[col * q + i] - max);
      }
      double logZ = max + Math.log(sum);
      double s = 0;
      for (int i = 0; i < q; i++) {
        s += y[col * q + i] * (logZ - yHat[col * q + i]);
      }
      return s;
    }
    @Override public void gradient(double[] y, double[] yHat, int q, int col, double[] out) {
      double max = Double.NEGATIVE_INFINITY;
      for (int i = 0; i < q; i++) {
        max = Math.max(max, yHat[col * q + i]);
      }
      double sum = 0;
      for (int i = 0; i < q; i++) {
        out[col * q + i] = Math.exp(yHat[col * q + i] - max);
        sum += out[col * q + i];
      }
      for (int i = 0; i < q; i++) {
        out[col * q + i] = out[col * q + i] / sum - y[col * q + i];
      }
    }
    @Override public double curvature() { return 0.5; }
  };

  /** ℓ(y, ŷ) for column {@code col} of column-major q-row blocks. */
  public abstract double value(double[] y, double[] yHat, int q, int col);

  /** ∂ℓ/∂ŷ for column {@code col}, written into the same column of {@code out}. */
  public abstract void gradient(double[] y, double[] yHat, int q, int col, double[] out);

  /** An upper bound on the Hessian of ℓ in ŷ (as a multiple of the identity). */
  public abstract double curvature();

  /** Σ over columns of ℓ(y_j, ŷ_j). */
  public double total(Matrix y, Matrix yHat) {
    double s = 0;
    for (int j = 0; j < y.cols(); j++) {
      s += value(y.data(), yHat.data(), y.rows(), j);
    }
    return s;
  }

  /** Σ over columns of w_j ℓ(y_j, ŷ_j) (w is 1×m). */
  public double total(Matrix y, Matrix yHat, Matrix w) {
    double s = 0;
    for (int j = 0; j < y.cols(); j++) {
      s += w.data()[j] * value(y.data(), yHat.data(), y.rows(), j);
    }
    return s;
  }

  /** ∂L/∂Ŷ for a whole block. */
  public Matrix gradient(Matrix y, Matrix yHat) {
    Matrix g = Matrix.zeros(y.rows(), y.cols());
    for (int j = 0; j < y.cols(); j++) {
      gradient(y.data(), yHat.data(), y.rows(), j, g.data());
    }
    return g;
  }
}
