package org.implicitdl.train;

import java.io.Serializable;
import java.util.Arrays;
import org.implicitdl.linalg.Inputs;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.linalg.SparseColumns;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.robust.InputBox;

/**
 * Training in standard units, predicting in the user's: inputs are centred and scaled to unit
 * variance, u' = (u − m) ⊘ s, and regression targets centred per output and scaled by one common
 * factor, y' = (y − ȳ)/σ, so that penalties, step sizes and initial scales mean the same on any
 * data. Because the rule (1) is affine in u and the readout affine in ŷ, the scaling folds exactly
 * into the model afterwards: B u' = (B ⊘ sᵀ) u − (B ⊘ sᵀ) m goes into B's columns and its bias
 * column, likewise D, and ŷ = σ ŷ' + ȳ multiplies C and D and shifts D's bias. A is untouched,
 * so the certificate is the standardized model's. A constant input (s = 0) is only centred.
 * Sparse inputs ({@link Moments} saw a sparse block) are only scaled, m = 0, by their root mean
 * square: centring would fill every zero, and a wide sparse block would become dense.
 *
 * @param mean m, one per input
 * @param scale s, one per input (1 where the input is constant)
 * @param targetMean ȳ, one per output (empty for classification)
 * @param targetScale σ (1 for classification)
 */
public record Standardization(double[] mean, double[] scale, double[] targetMean, double targetScale) implements Serializable {

  /** The largest spread, relative to the mean, that is rounding rather than data: an input so spread is constant. */
  static final double CONSTANT = 1e-12;

  /** Inputs and targets as they are. */
  public static Standardization identity(int inputs, int outputs, boolean regression) {
    double[] ones = new double[inputs];
    Arrays.fill(ones, 1.0);
    return new Standardization(new double[inputs], ones, new double[regression ? outputs : 0], 1.0);
  }

  /**
   * From input means and standard deviations, and, for regression, target means and their common scale. An input
   * whose spread is rounding next to its mean (at most {@value #CONSTANT} of it, or zero) is constant: scale 1. The
   * test is relative only: an input measured in small units (farads, 10⁻¹³) has a spread far below 1 and is a feature
   * like any other.
   */
  public static Standardization of(double[] mean, double[] std, double[] targetMean, double targetScale) {
    double[] scale = new double[std.length];
    for (int k = 0; k < std.length; k++) {
      scale[k] = std[k] > CONSTANT * Math.abs(mean[k]) && std[k] > 0 && Double.isFinite(std[k]) ? std[k] : 1.0;
    }
    return new Standardization(mean.clone(), scale, targetMean.clone(), targetScale > 0 && Double.isFinite(targetScale) ? targetScale : 1.0);
  }

  /** Standardizes the p raw inputs of one column in place, starting at {@code offset} (the bias entry after them is left alone). */
  public void inputsInPlace(double[] u, int offset) {
    for (int k = 0; k < mean.length; k++) {
      u[offset + k] = (u[offset + k] - mean[k]) / scale[k];
    }
  }

  /** The same input box in these standard units: feature f's scale σ_f becomes σ_f / scale_f. */
  public InputBox inStandardUnits(InputBox raw) {
    double[] sigma = raw.sigma();
    for (int f = 0; f < sigma.length; f++) {
      sigma[f] /= scale[f];
    }
    return new InputBox(sigma, raw.epsilon());
  }

  /** Standardizes one column of regression targets in place. */
  public void targetsInPlace(double[] y, int offset) {
    for (int i = 0; i < targetMean.length; i++) {
      y[offset + i] = (y[offset + i] - targetMean[i]) / targetScale;
    }
  }

  /** A block in these standard units: its inputs (not the bias row), and its targets when {@code regression}. */
  public TrainingBlock standardized(TrainingBlock block, boolean regression) {
    Inputs inputs = block.u() instanceof SparseColumns s && scalesOnly() ? scaled(s)
        : standardizedDense(block.u().dense());
    Matrix y = block.y();
    if (regression) {
      double[] t = y.data().clone();
      for (int j = 0; j < block.size(); j++) {
        targetsInPlace(t, j * y.rows());
      }
      y = new Matrix(y.rows(), y.cols(), t);
    }
    return new TrainingBlock(inputs, y, block.x(), block.p(), block.w());
  }

  /** Whether these units only scale (every mean 0): then sparse inputs stay sparse, a zero staying zero. */
  public boolean scalesOnly() {
    for (double m : mean) {
      if (m != 0) {
        return false;
      }
    }
    return true;
  }

  /** Sparse inputs with each non-zero of input k divided by its scale (the bias row, index p, as it is); for units that only scale. */
  public SparseColumns scaled(SparseColumns u) {
    double[] v = u.values().clone();
    int[] index = u.indices();
    for (int k = 0; k < v.length; k++) {
      if (index[k] < scale.length) {
        v[k] /= scale[index[k]];
      }
    }
    return u.withValues(v);
  }

  private Matrix standardizedDense(Matrix dense) {
    double[] u = dense.data().clone();
    int p = dense.rows() - 1;
    for (int j = 0; j < dense.cols(); j++) {
      inputsInPlace(u, j * (p + 1));
    }
    return new Matrix(p + 1, dense.cols(), u);
  }

  /** A metric or RMSE of standardized targets in the user's units. */
  public double rmseInUserUnits(double standardized) {
    return standardized * targetScale;
  }

  /** The model on raw inputs and targets that predicts exactly what {@code m} predicts on standardized ones. */
  public ImplicitModel toRaw(ImplicitModel m) {
    requireBias(m);
    Matrix b = foldInputs(m.b(), 1);
    Matrix d = foldInputs(m.d(), 1);
    Matrix c = m.c().copy();
    if (targetMean.length > 0) {
      c = scaled(c, targetScale);
      d = scaled(d, targetScale);
      int bias = d.cols() - 1;
      for (int i = 0; i < d.rows(); i++) {
        d.set(i, bias, d.get(i, bias) + targetMean[i]);
      }
    }
    return new ImplicitModel(m.a(), b, c, d, m.activation(), true);
  }

  /** The inverse of {@link #toRaw}: a model on raw units (a warm start) as the standardized problem sees it. */
  public ImplicitModel toStandardized(ImplicitModel m) {
    requireBias(m);
    Matrix c = m.c().copy();
    Matrix d = m.d().copy();
    if (targetMean.length > 0) {
      int bias = d.cols() - 1;
      for (int i = 0; i < d.rows(); i++) {
        d.set(i, bias, d.get(i, bias) - targetMean[i]);
      }
      c = scaled(c, 1 / targetScale);
      d = scaled(d, 1 / targetScale);
    }
    return new ImplicitModel(m.a(), foldInputs(m.b(), -1), c, foldInputs(d, -1), m.activation(), true);
  }

  /**
   * direction 1: W' = W ⊘ sᵀ on the input columns and bias' = bias − W' m; direction −1 the
   * inverse, W = W' ⊙ sᵀ and bias = bias' + W' m.
   */
  private Matrix foldInputs(Matrix w, int direction) {
    Matrix out = w.copy();
    int bias = w.cols() - 1;
    for (int i = 0; i < w.rows(); i++) {
      double shift = 0;
      for (int k = 0; k < mean.length; k++) {
        double raw = direction > 0 ? w.get(i, k) / scale[k] : w.get(i, k);
        out.set(i, k, direction > 0 ? raw : w.get(i, k) * scale[k]);
        shift += raw * mean[k];
      }
      out.set(i, bias, w.get(i, bias) - direction * shift);
    }
    return out;
  }

  private static Matrix scaled(Matrix m, double factor) {
    double[] d = m.data().clone();
    for (int k = 0; k < d.length; k++) {
      d[k] *= factor;
    }
    return new Matrix(m.rows(), m.cols(), d);
  }

  private void requireBias(ImplicitModel m) {
    if (!m.inputBias() || m.inputDim() != mean.length) {
      throw new IllegalArgumentException("standardization of " + mean.length + " inputs needs a model with those inputs and a bias column, got "
          + m);
    }
  }
}
