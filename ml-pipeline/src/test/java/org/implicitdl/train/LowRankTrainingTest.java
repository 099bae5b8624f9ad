package org.implicitdl.train;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.implicitdl.linalg.LowRank;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.solve.WellPosedness;
import org.implicitdl.solve.SolverSettings;
import org.junit.jupiter.api.Test;

/**
 * Training with rank(A) ≤ k (paper §6.3): the gradient solver's projected steps and BCD's
 * alternation over L and R both end with a low-rank, certified A, and BCD's objective never
 * increases.
 */
class LowRankTrainingTest {

  private static void checkLowRank(String solver, ImplicitModel m, int k, double kappa) {
    int rank = LowRank.exact(m.a()).rank();
    assertTrue(rank <= k, solver + ": rank(A) = " + rank + " > " + k);
    assertTrue(rank >= 1, solver + ": A collapsed to zero");
    assertTrue(WellPosedness.infNorm(m.a()) <= kappa + 1e-12, solver + ": ||A||_inf = " + WellPosedness.infNorm(m.a()));
    assertTrue(m.certificate().isWellPosed());
  }

  @Test
  void gradientSolverKeepsTheRankAndFits() {
    Matrix[] train = RobustTrainingTest.data(600, 1);
    Matrix[] test = RobustTrainingTest.data(300, 2);
    GradientSettings settings = GradientSettings.defaults(24, Loss.CROSS_ENTROPY).withEpochs(10).withOptimizer(50, 0.02, 0.95);
    ImplicitModel dense = new GradientTrainer(LocalBlockStore.of(train[0], train[1], 128), null, settings, 4, 3, null).train(null).model();
    ImplicitModel low = new GradientTrainer(LocalBlockStore.of(train[0], train[1], 128), null,
        settings.withShape(StateShape.DENSE.withRank(3)), 4, 3, null).train(null).model();
    checkLowRank("gradient", low, 3, settings.kappa());
    double a0 = StatePenaltyTest.accuracy(dense, test[0], test[1]);
    double a1 = StatePenaltyTest.accuracy(low, test[0], test[1]);
    System.out.printf("gradient: dense accuracy %.4f, rank 3 %.4f%n", a0, a1);
    assertTrue(a1 >= a0 - 0.03, "rank 3: " + a1 + " vs dense " + a0);
  }

  @Test
  void bcdAlternatesOverTheFactorsWithoutIncreasingItsObjective() {
    Matrix[] train = RobustTrainingTest.data(600, 1);
    Matrix[] test = RobustTrainingTest.data(300, 2);
    BcdSettings settings = BcdSettings.defaults(24, Loss.CROSS_ENTROPY).withEpochs(8).withPenalties(1e-2, 0, 0)
        .withFixedPoint(new SolverSettings(1e-9, 1000));
    ImplicitModel dense = new BlockCoordinateDescent(LocalBlockStore.of(train[0], train[1], 128), settings, 4, 3, null).train(null).model();
    BlockCoordinateDescent.Result low = new BlockCoordinateDescent(LocalBlockStore.of(train[0], train[1], 128),
        settings.withShape(StateShape.DENSE.withRank(2)), 4, 3, null).train(null);
    checkLowRank("bcd", low.model(), 2, settings.kappa());
    List<EpochRecord> history = low.history();
    for (int e = 1; e < history.size(); e++) {
      assertTrue(history.get(e).objective() <= history.get(e - 1).objective() * (1 + 1e-9) + 1e-9,
          "objective rose at epoch " + e + ": " + history.get(e - 1).objective() + " -> " + history.get(e).objective());
    }
    double a0 = StatePenaltyTest.accuracy(dense, test[0], test[1]);
    double a1 = StatePenaltyTest.accuracy(low.model(), test[0], test[1]);
    System.out.printf("bcd: dense accuracy %.4f, rank 2 %.4f%n", a0, a1);
    assertTrue(a1 >= a0 - 0.03, "rank 2: " + a1 + " vs dense " + a0);
  }

  @Test
  void aRankAtOrAboveTheStatesIsRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> GradientSettings.defaults(8, Loss.SQUARED).withShape(StateShape.DENSE.withRank(8)));
    assertTrue(e.getMessage().contains("rank must be below hiddenDim = 8"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> StateShape.DENSE.withRank(-1));
  }

  @Test
  void aTrainedModelCutToRankKIsCertifiedAndKeepsItsBias() {
    java.util.Random random = new java.util.Random(23);
    int n = 40;
    Matrix a = Matrix.zeros(n, n);
    for (int k = 0; k < a.data().length; k++) {
      a.data()[k] = random.nextGaussian();
    }
    a = a.scaled(3.0 / WellPosedness.infNorm(a));
    ImplicitModel illPosedDense = new ImplicitModel(a, Matrix.zeros(n, 3), Matrix.zeros(2, n), Matrix.zeros(2, 3),
        org.implicitdl.solve.Activation.RELU, true);
    for (int k : new int[] {1, 5, 39}) {
      ImplicitModel low = ApproximatePruning.toRank(illPosedDense, k, 0.9);
      checkLowRank("toRank " + k, low, k, 0.9);
      assertEquals(illPosedDense.b(), low.b());
      assertEquals(illPosedDense.c(), low.c());
    }
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ApproximatePruning.toRank(illPosedDense, 40, 0.9));
    assertTrue(e.getMessage().contains("rank must lie in [1, 39] for a model with 40 states, got 40"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> ApproximatePruning.toRank(illPosedDense, 0, 0.9));
    assertThrows(IllegalArgumentException.class, () -> ApproximatePruning.toRank(illPosedDense, 3, 1.5));
  }
}
