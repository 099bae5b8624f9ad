package org.implicitdl.train;

import static org.junit.jupiter.api.Assertions.*;

import org.implicitdl.linalg.Matrix;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.model.StatePruning;
import org.implicitdl.solve.SolverSettings;
import org.junit.jupiter.api.Test;

/**
 * The state group penalties (paper §6.2) zero whole states in both solvers, so exact pruning
 * shrinks the model with every prediction unchanged and accuracy close to the unpenalized fit.
 */
class StatePenaltyTest {

  static double accuracy(ImplicitModel m, Matrix u, Matrix y) {
    Matrix out = m.predict(u);
    int ok = 0;
    for (int j = 0; j < u.cols(); j++) {
      int top = 0;
      for (int i = 1; i < out.rows(); i++) {
        top = out.get(i, j) > out.get(top, j) ? i : top;
      }
      ok += y.get(top, j) == 1 ? 1 : 0;
    }
    return ok / (double) u.cols();
  }

  private static void check(String solver, ImplicitModel plain, ImplicitModel penalized, Matrix[] test) {
    ImplicitModel pruned = StatePruning.exact(penalized);
    Matrix before = penalized.predict(test[0]);
    Matrix after = pruned.predict(test[0]);
    for (int k = 0; k < before.data().length; k++) {
      assertEquals(before.data()[k], after.data()[k], 1e-8);
    }
    double a0 = accuracy(plain, test[0], test[1]);
    double a1 = accuracy(pruned, test[0], test[1]);
    System.out.printf("%s: %d states -> %d after pruning; accuracy %.4f (unpenalized %.4f)%n", solver, penalized.hiddenDim(),
        pruned.hiddenDim(), a1, a0);
    assertTrue(pruned.hiddenDim() <= penalized.hiddenDim() / 2, solver + ": only " + (penalized.hiddenDim() - pruned.hiddenDim()) + " states pruned");
    assertTrue(a1 >= a0 - 0.03, solver + ": accuracy " + a1 + " vs " + a0);
    assertTrue(pruned.certificate().isWellPosed());
  }

  @Test
  void gradientSolverWithStatePenaltiesPrunesHalfTheStates() {
    Matrix[] train = RobustTrainingTest.data(600, 1);
    Matrix[] test = RobustTrainingTest.data(300, 2);
    GradientSettings settings = GradientSettings.defaults(24, Loss.CROSS_ENTROPY).withEpochs(15).withOptimizer(50, 0.02, 0.95);
    ImplicitModel plain = new GradientTrainer(LocalBlockStore.of(train[0], train[1], 128), null, settings, 4, 3, null).train(null).model();
    ImplicitModel penalized = new GradientTrainer(LocalBlockStore.of(train[0], train[1], 128), null, settings.withStatePenalty(1e-3), 4, 3,
        null).train(null).model();
    check("gradient", plain, penalized, test);
  }

  @Test
  void bcdWithStatePenaltiesPrunesHalfTheStates() {
    Matrix[] train = RobustTrainingTest.data(600, 1);
    Matrix[] test = RobustTrainingTest.data(300, 2);
    BcdSettings settings = BcdSettings.defaults(24, Loss.CROSS_ENTROPY).withEpochs(15).withPenalties(1e-2, 0, 0)
        .withFixedPoint(new SolverSettings(1e-9, 1000));
    ImplicitModel plain = new BlockCoordinateDescent(LocalBlockStore.of(train[0], train[1], 128), settings, 4, 3, null).train(null).model();
    ImplicitModel penalized = new BlockCoordinateDescent(LocalBlockStore.of(train[0], train[1], 128), settings.withStatePenalty(5), 4, 3,
        null).train(null).model();
    check("bcd", plain, penalized, test);
  }
}
