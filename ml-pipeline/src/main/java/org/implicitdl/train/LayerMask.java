package org.implicitdl.train;

import java.io.Serializable;
import java.util.Arrays;
import org.implicitdl.linalg.Matrix;

/**
 * The feedforward pattern of paper §2.2 for hidden layers of the given widths (first layer first):
 * the layout of {@code ModelAlgebra.fromFeedforward}, states x = (x_L; …; x₁), so layer 1 holds
 * the last w₁ states. A reads layer k − 1 into layer k only (strictly upper block-triangular), B
 * feeds the inputs to layer 1 only, C reads layer L only, D is the output bias alone; every state
 * keeps its bias column. A model trained under it is the network W_{L+1}φ(W_L … φ(W₁u + b₁) … + b_L) + b.
 *
 * @param widths the hidden layers' widths, first (input side) to last (output side), summing to n
 */
public record LayerMask(int[] widths) implements Serializable {
  public LayerMask {
    if (widths.length < 1) {
      throw new IllegalArgumentException("layers needs at least one hidden layer width");
    }
    for (int w : widths) {
      if (w < 1) {
        throw new IllegalArgumentException("layer widths must be >= 1, got " + Arrays.toString(widths));
      }
    }
    widths = widths.clone();
  }

  @Override
  public int[] widths() {
    return widths.clone();
  }

  /** n = the sum of the widths. */
  public int states() {
    return Arrays.stream(widths).sum();
  }

  /** The layer (0 = first) of state i. */
  int layerOf(int i) {
    int row = states();
    for (int k = 0; k < widths.length; k++) {
      row -= widths[k];
      if (i >= row) {
        return k;
      }
    }
    throw new IllegalArgumentException("state " + i + " outside 0.." + (states() - 1));
  }

  /** The 0/1 pattern of [A B] (n × (n + p + 1), bias column last). */
  public Matrix hiddenPattern(int inputs) {
    int n = states();
    Matrix m = Matrix.zeros(n, n + inputs + 1);
    for (int i = 0; i < n; i++) {
      int layer = layerOf(i);
      for (int j = 0; j < n; j++) {
        m.set(i, j, layerOf(j) == layer - 1 ? 1.0 : 0.0);
      }
      for (int j = 0; j < inputs; j++) {
        m.set(i, n + j, layer == 0 ? 1.0 : 0.0);
      }
      m.set(i, n + inputs, 1.0);
    }
    return m;
  }

  /** The 0/1 pattern of [C D] (q × (n + p + 1)): the last layer's states and the bias column. */
  public Matrix readoutPattern(int inputs, int outputs) {
    int n = states();
    Matrix m = Matrix.zeros(outputs, n + inputs + 1);
    for (int j = 0; j < n + inputs + 1; j++) {
      double v = j == n + inputs || (j < n && layerOf(j) == widths.length - 1) ? 1.0 : 0.0;
      for (int i = 0; i < outputs; i++) {
        m.set(i, j, v);
      }
    }
    return m;
  }

  /** A with each allowed block (layer k − 1 → k) Gaussian of scale {@code scale}/√w_{k−1}, zero elsewhere. */
  public Matrix gaussianBlocks(double scale, java.util.Random r) {
    int n = states();
    Matrix a = Matrix.zeros(n, n);
    for (int j = 0; j < n; j++) {
      double s = scale / Math.sqrt(widths[layerOf(j)]);
      for (int i = 0; i < n; i++) {
        if (layerOf(i) == layerOf(j) + 1) {
          a.set(i, j, s * r.nextGaussian());
        }
      }
    }
    return a;
  }

  /** Zeroes the entries of {@code w} outside {@code pattern} (in place) and returns it. */
  public static Matrix restrict(Matrix w, Matrix pattern) {
    if (pattern != null) {
      double[] wd = w.data();
      double[] pd = pattern.data();
      for (int k = 0; k < wd.length; k++) {
        if (pd[k] == 0) {
          wd[k] = 0.0;
        }
      }
    }
    return w;
  }
}
