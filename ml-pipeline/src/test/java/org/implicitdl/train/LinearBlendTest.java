package org.implicitdl.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.implicitdl.data.SyntheticData;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.solve.Activation;
import org.implicitdl.solve.SolverSettings;
import org.junit.jupiter.api.Test;

/** The mixture of a trained model and a linear model of the inputs, and its weight chosen on the validation rows. */
class LinearBlendTest {
  private static final SolverSettings FIXED_POINT = new SolverSettings(1e-12, 500);

  /** The pass's loss at every weight is the mixed model's ({@link LinearBlend#mixed}) loss summed row by row as a direct loop does. */
  @Test
  void theBlockedLossesAreTheMixedModelsLossesRowByRow() {
    SyntheticData.Generated g = SyntheticData.implicitRelu(5, 4, 2, 50, 4, 0.5, 0.05, 6);
    LocalBlockStore store = LocalBlockStore.of(g.data().inputs(), g.data().targets(), 16);
    Random r = new Random(3);
    ImplicitModel trained = new ImplicitModel(gaussian(r, 5, 5, 0.1), gaussian(r, 5, 5, 1), gaussian(r, 2, 5, 1), gaussian(r, 2, 5, 1),
        Activation.RELU, true);
    ImplicitModel linear = linear(gaussian(r, 2, 5, 1), 5);
    double[] losses = LinearBlend.losses(store, Loss.SQUARED, FIXED_POINT, trained, linear);
    for (int k : new int[] {0, 7, LinearBlend.GRID / 2, LinearBlend.GRID}) {
      ImplicitModel mixed = LinearBlend.mixed(trained, linear, k / (double) LinearBlend.GRID);
      double sum = 0;
      for (int c = 0; c < 50; c++) {
        Matrix row = g.data().inputs().columnSlice(c, c + 1);
        sum += Loss.SQUARED.value(g.data().targets().columnSlice(c, c + 1).data(), mixed.readout(mixed.solveStates(row, FIXED_POINT).states(), row).data(), 2, 0);
      }
      assertEquals(sum / 50, losses[k], 1e-9 * (1 + sum / 50), "weight " + k + "/" + LinearBlend.GRID);
    }
  }

  /**
   * Targets that are exactly half the trained model's outputs and half the linear model's: the weight 1/2 is chosen, its
   * loss zero, where either model alone is off.
   */
  @Test
  void theWeightWhereTheMixtureFitsIsChosen() {
    Random r = new Random(9);
    Matrix u = gaussian(r, 4, 60, 1);
    ImplicitModel trained = new ImplicitModel(gaussian(r, 6, 6, 0.1), gaussian(r, 6, 5, 1), gaussian(r, 1, 6, 1), gaussian(r, 1, 5, 1),
        Activation.RELU, true);
    ImplicitModel linear = linear(gaussian(r, 1, 5, 1), 6);
    Matrix y = LinearBlend.mixed(trained, linear, 0.5).predict(u);
    LocalBlockStore validation = LocalBlockStore.of(u, y, 25);
    assertEquals(0.5, LinearBlend.bestWeight(validation, Loss.SQUARED, FIXED_POINT, trained, linear), 0.0);
    double[] losses = LinearBlend.losses(validation, Loss.SQUARED, FIXED_POINT, trained, linear);
    assertEquals(0, losses[LinearBlend.GRID / 2], 1e-12);
    assertTrue(losses[0] > 0.01 && losses[LinearBlend.GRID] > 0.01, "each alone misses: " + losses[0] + ", " + losses[LinearBlend.GRID]);
    // a trained model that is better alone keeps its whole weight
    Matrix own = trained.predict(u);
    assertEquals(1.0, LinearBlend.bestWeight(LocalBlockStore.of(u, own, 25), Loss.SQUARED, FIXED_POINT, trained, linear), 0.0);
  }

  /** A model of {@code n} states that reads none of them: ŷ = D u. */
  private static ImplicitModel linear(Matrix d, int n) {
    return new ImplicitModel(Matrix.zeros(n, n), Matrix.zeros(n, d.cols()), Matrix.zeros(d.rows(), n), d, Activation.RELU, true);
  }

  private static Matrix gaussian(Random r, int rows, int cols, double scale) {
    Matrix m = Matrix.zeros(rows, cols);
    for (int i = 0; i < m.data().length; i++) {
      m.data()[i] = scale * r.nextGaussian();
    }
    return m;
  }
}
