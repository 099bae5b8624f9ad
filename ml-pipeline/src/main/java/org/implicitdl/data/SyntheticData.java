package org.implicitdl.data;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.solve.Activation;
import org.implicitdl.model.DenseLayer;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.model.ModelAlgebra;
import org.implicitdl.solve.WellPosedness;

/**
 * Deterministic generators for the paper's synthetic experiments (§7.1, §7.2): the same seed
 * gives the same data on every machine (java.util.Random is specified bit-for-bit).
 */
public final class SyntheticData {
  private SyntheticData() {}

  /** A generated data set with the model that produced it. */
  public record Generated(LabeledBlock data, ImplicitModel truth, boolean[] relevantFeatures) {}

  /**
   * §7.2: targets from an implicit ReLU model with n hidden states, ‖A‖∞ ≤ kappa, and B whose
   * columns are zero except on {@code relevant} of the p inputs (column-sparse B; D likewise),
   * plus Gaussian noise of standard deviation {@code noise}.
   */
  public static Generated implicitRelu(int n, int p, int q, int m, int relevant, double kappa, double noise, long seed) {
    Random r = new Random(seed);
    boolean[] support = new boolean[p];
    List<Integer> order = new ArrayList<>();
    for (int j = 0; j < p; j++) {
      order.add(j);
    }
    java.util.Collections.shuffle(order, r);
    for (int k = 0; k < relevant; k++) {
      support[order.get(k)] = true;
    }
    Matrix a = WellPosedness.projectInfNorm(gaussian(n, n, 1.0, r), kappa);
    Matrix b = gaussian(n, p, 1.0, r);
    Matrix d = gaussian(q, p, 0.3, r);
    for (int j = 0; j < p; j++) {
      if (!support[j]) {
        for (int i = 0; i < n; i++) {
          b.set(i, j, 0.0);
        }
        for (int i = 0; i < q; i++) {
          d.set(i, j, 0.0);
        }
      }
    }
    Matrix c = gaussian(q, n, 1.0 / Math.sqrt(n), r);
    ImplicitModel truth = new ImplicitModel(a, b, c, d, Activation.RELU, false);
    Matrix u = gaussian(p, m, 1.0, r);
    Matrix y = truth.predict(u);
    addNoise(y, noise, r);
    return new Generated(new LabeledBlock(u, y, null), truth, support);
  }

  /**
   * §7.1: a 2-layer tanh network p → h → q whose first-layer weights are sparse (each entry
   * non-zero with probability {@code density}), inputs Gaussian, noise added to the targets.
   */
  public static Generated sparseTanhNetwork(int p, int hidden, int q, int m, double density, double noise, long seed) {
    Random r = new Random(seed);
    Matrix w1 = gaussian(hidden, p, 1.0, r);
    for (int k = 0; k < w1.data().length; k++) {
      if (r.nextDouble() >= density) {
        w1.data()[k] = 0.0;
      }
    }
    org.implicitdl.linalg.Blas.scal(1.0 / Math.sqrt(Math.max(1.0, density * p)), w1.data());
    Matrix w2 = gaussian(q, hidden, 1.0 / Math.sqrt(hidden), r);
    ImplicitModel truth = ModelAlgebra.fromFeedforward(List.of(
        new DenseLayer(w1, new double[hidden], Activation.TANH),
        new DenseLayer(w2, new double[q], null)));
    Matrix u = gaussian(p, m, 1.0, r);
    Matrix y = truth.predict(u);
    addNoise(y, noise, r);
    boolean[] used = new boolean[p];
    for (int j = 0; j < p; j++) {
      for (int i = 0; i < hidden; i++) {
        used[j] |= w1.get(i, j) != 0.0;
      }
    }
    return new Generated(new LabeledBlock(u, y, null), truth, used);
  }

  /**
   * §7.1 as the paper ran it: ŷ = W_L φ(… W₂ φ(W₁u)) with φ = tanh, no biases, widths
   * {@code widths} = (p, h₁, …, q) (the paper's 20, 12, 6, 5); every weight is non-zero with
   * probability {@code density} and then uniform on [−1, 1]; inputs standard Gaussian, no noise.
   */
  public static Generated sparseUniformTanhNetwork(int[] widths, double density, int m, long seed) {
    Random r = new Random(seed);
    List<DenseLayer> layers = new ArrayList<>();
    for (int l = 0; l + 1 < widths.length; l++) {
      Matrix w = Matrix.zeros(widths[l + 1], widths[l]);
      for (int k = 0; k < w.data().length; k++) {
        w.data()[k] = r.nextDouble() < density ? 2 * r.nextDouble() - 1 : 0.0;
      }
      boolean last = l + 2 == widths.length;
      layers.add(new DenseLayer(w, new double[widths[l + 1]], last ? null : Activation.TANH));
    }
    ImplicitModel truth = ModelAlgebra.fromFeedforward(layers);
    Matrix u = gaussian(widths[0], m, 1.0, r);
    boolean[] used = new boolean[widths[0]];
    Matrix w1 = layers.get(0).weights();
    for (int j = 0; j < used.length; j++) {
      for (int i = 0; i < w1.rows(); i++) {
        used[j] |= w1.get(i, j) != 0.0;
      }
    }
    return new Generated(new LabeledBlock(u, truth.predict(u), null), truth, used);
  }

  /** A rows×cols matrix of independent N(0, scale²) entries drawn from {@code r} in column-major order. */
  public static Matrix gaussian(int rows, int cols, double scale, Random r) {
    double[] d = new double[rows * cols];
    for (int k = 0; k < d.length; k++) {
      d[k] = scale * r.nextGaussian();
    }
    return new Matrix(rows, cols, d);
  }

  private static void addNoise(Matrix y, double noise, Random r) {
    for (int k = 0; k < y.data().length; k++) {
      y.data()[k] += noise * r.nextGaussian();
    }
  }
}
