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

/** Mixtures of two models (a trained one and a linear model of the inputs; two trained ones side by side), and the weight chosen on the validation rows. */
class BlendTest {
  private static final SolverSettings FIXED_POINT = new SolverSettings(1e-12, 500);

  /**
   * The pass's loss at every weight is the mixed model's ({@link Blend#withLinear}) loss summed row by row as a direct loop
   * does, and its row-by-row difference of the two models is {@link LossDifference#of}'s.
   */
  @Test
  void theBlockedLossesAreTheMixedModelsLossesRowByRow() {
    SyntheticData.Generated g = SyntheticData.implicitRelu(5, 4, 2, 50, 4, 0.5, 0.05, 6);
    LocalBlockStore store = LocalBlockStore.of(g.data().inputs(), g.data().targets(), 16);
    Random r = new Random(3);
    ImplicitModel trained = new ImplicitModel(gaussian(r, 5, 5, 0.1), gaussian(r, 5, 5, 1), gaussian(r, 2, 5, 1), gaussian(r, 2, 5, 1),
        Activation.RELU, true);
    ImplicitModel linear = linear(gaussian(r, 2, 5, 1), 5);
    Blend.Scores scores = Blend.scores(store, Loss.SQUARED, FIXED_POINT, trained, linear);
    double[] losses = scores.losses();
    for (int k : new int[] {0, 7, Blend.GRID / 2, Blend.GRID}) {
      ImplicitModel mixed = Blend.withLinear(trained, linear, k / (double) Blend.GRID);
      double sum = 0;
      for (int c = 0; c < 50; c++) {
        Matrix row = g.data().inputs().columnSlice(c, c + 1);
        sum += Loss.SQUARED.value(g.data().targets().columnSlice(c, c + 1).data(), mixed.readout(mixed.solveStates(row, FIXED_POINT).states(), row).data(), 2, 0);
      }
      assertEquals(sum / 50, losses[k], 1e-9 * (1 + sum / 50), "weight " + k + "/" + Blend.GRID);
    }
    LossDifference paired = LossDifference.of(store, Loss.SQUARED, FIXED_POINT, trained, linear);
    assertTrue(paired.standardError() > 0, "the two models differ row by row");
    assertEquals(paired.mean(), scores.difference().mean(), 1e-12 * (1 + Math.abs(paired.mean())));
    assertEquals(paired.standardError(), scores.difference().standardError(), 1e-12 * (1 + paired.standardError()));
    assertEquals(losses[Blend.GRID] - losses[0], scores.difference().mean(), 1e-9 * (1 + Math.abs(losses[0])));
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
    Matrix y = Blend.withLinear(trained, linear, 0.5).predict(u);
    LocalBlockStore validation = LocalBlockStore.of(u, y, 25);
    Blend.Scores scores = Blend.scores(validation, Loss.SQUARED, FIXED_POINT, trained, linear);
    assertEquals(0.5, scores.bestWeight(), 0.0);
    double[] losses = scores.losses();
    assertEquals(0, losses[Blend.GRID / 2], 1e-12);
    assertTrue(losses[0] > 0.01 && losses[Blend.GRID] > 0.01, "each alone misses: " + losses[0] + ", " + losses[Blend.GRID]);
    // a trained model that is better alone keeps its whole weight
    Matrix own = trained.predict(u);
    assertEquals(1.0, Blend.scores(LocalBlockStore.of(u, own, 25), Loss.SQUARED, FIXED_POINT, trained, linear).bestWeight(), 0.0);
  }

  /**
   * Two models' states side by side predict the mixture of their predictions, row by row, and are well-posed as each is;
   * the weight 1 (0) is the first (second) model itself; models of other inputs are refused.
   */
  @Test
  void stackedModelsPredictTheMixtureOfTheirPredictions() {
    Random r = new Random(21);
    ImplicitModel first = new ImplicitModel(gaussian(r, 6, 6, 0.1), gaussian(r, 6, 5, 1), gaussian(r, 2, 6, 1), gaussian(r, 2, 5, 1),
        Activation.RELU, true);
    ImplicitModel second = new ImplicitModel(gaussian(r, 4, 4, 0.15), gaussian(r, 4, 5, 1), gaussian(r, 2, 4, 1), gaussian(r, 2, 5, 1),
        Activation.RELU, true);
    Matrix u = gaussian(r, 4, 30, 1);
    ImplicitModel stacked = Blend.stacked(first, second, 0.3);
    assertEquals(10, stacked.hiddenDim());
    assertTrue(stacked.certificate().isWellPosed(), "a block-diagonal A is as well-posed as its blocks");
    Matrix y = stacked.predict(u);
    Matrix y1 = first.predict(u);
    Matrix y2 = second.predict(u);
    for (int i = 0; i < y.data().length; i++) {
      assertEquals(0.3 * y1.data()[i] + 0.7 * y2.data()[i], y.data()[i], 1e-9 * (1 + Math.abs(y.data()[i])));
    }
    assertTrue(Blend.stacked(first, second, 1) == first && Blend.stacked(first, second, 0) == second);
    ImplicitModel otherInputs = new ImplicitModel(gaussian(r, 4, 4, 0.1), gaussian(r, 4, 6, 1), gaussian(r, 2, 4, 1), gaussian(r, 2, 6, 1),
        Activation.RELU, true);
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> Blend.stacked(first, otherInputs, 0.5));
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
