package org.implicitdl.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.solve.Activation;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.solve.SolverSettings;
import org.implicitdl.train.BcdSettings;
import org.implicitdl.train.BlockCoordinateDescent;
import org.implicitdl.train.EpochRecord;
import org.implicitdl.train.LocalBlockStore;
import org.implicitdl.train.Loss;
import org.junit.jupiter.api.Test;

/** A fit with validation rows is never worse there than the linear model of its inputs. */
class StageChoicesTest {
  private static final SolverSettings FIXED_POINT = new SolverSettings(1e-10, 500);

  @Test
  void aStageWorseThanTheLinearModelIsReplacedByItAndABetterOneIsKept() {
    Random r = new Random(6);
    Matrix[] train = linear(r, 300);
    Matrix[] valid = linear(r, 300);
    LocalBlockStore store = LocalBlockStore.of(train[0], train[1], 100);
    LocalBlockStore validation = LocalBlockStore.of(valid[0], valid[1], 300);
    // a model that reads its inputs through random states and a random readout: worse than a linear fit
    ImplicitModel poor = new ImplicitModel(Matrix.zeros(5, 5), gaussian(r, 5, 9), gaussian(r, 1, 5), Matrix.zeros(1, 9), Activation.RELU, true);
    ImplicitTraining.Stage stage = new ImplicitTraining.Stage("gradient", poor, poor, List.of(), record(), new int[0]);
    ImplicitTraining.Stage chosen = StageChoices.notWorseThanLinear(stage, store, validation, Loss.SQUARED, FIXED_POINT, 8, 1);
    assertEquals("linear", chosen.name());
    assertEquals(0.0, chosen.model().b().maxAbs(), "the states are unused: B = 0");
    double linearLoss = TrainingStores.validationLoss(validation, chosen.model(), Loss.SQUARED, FIXED_POINT);
    assertTrue(linearLoss < TrainingStores.validationLoss(validation, poor, Loss.SQUARED, FIXED_POINT));
    assertTrue(linearLoss < 0.5 * 0.05 * 0.05 * 1.5, "close to the noise floor: " + linearLoss);

    // the linear model itself, as a stage, is kept (no strictly better linear fit exists)
    ImplicitTraining.Stage good = new ImplicitTraining.Stage("gradient", chosen.model(), chosen.model(), List.of(), record(), new int[0]);
    assertSame(good, StageChoices.notWorseThanLinear(good, store, validation, Loss.SQUARED, FIXED_POINT, 8, 1));
  }

  /** Once the validation rows chose the linear model, it is refit on the training and validation rows together. */
  @Test
  void theChosenLinearModelIsRefitOnEveryRow() {
    Random r = new Random(8);
    Matrix[] train = linear(r, 200);
    Matrix[] valid = linear(r, 100);
    ImplicitModel poor = new ImplicitModel(Matrix.zeros(5, 5), gaussian(r, 5, 9), gaussian(r, 1, 5), Matrix.zeros(1, 9), Activation.RELU, true);
    ImplicitTraining.Stage stage = new ImplicitTraining.Stage("gradient", poor, poor, List.of(), record(), new int[0]);
    ImplicitModel chosen = StageChoices.notWorseThanLinear(stage, LocalBlockStore.of(train[0], train[1], 100),
        LocalBlockStore.of(valid[0], valid[1], 100), Loss.SQUARED, FIXED_POINT, 8, 1).model();
    ImplicitModel zero = new ImplicitModel(Matrix.zeros(5, 5), Matrix.zeros(5, 9), Matrix.zeros(1, 5), Matrix.zeros(1, 9), Activation.RELU, true);
    BcdSettings settings = BcdSettings.defaults(5, Loss.SQUARED).withFixedPoint(FIXED_POINT).withEpochs(1);
    ImplicitModel everyRow = new BlockCoordinateDescent(LocalBlockStore.of(Matrix.hstack(train[0], valid[0]), Matrix.hstack(train[1], valid[1]), 100),
        settings, 8, 1, null).fitReadout(zero);
    ImplicitModel trainingRows = new BlockCoordinateDescent(LocalBlockStore.of(train[0], train[1], 100), settings, 8, 1, null).fitReadout(zero);
    for (int k = 0; k < 9; k++) {
      assertEquals(everyRow.d().get(0, k), chosen.d().get(0, k), 1e-9, "D entry " + k);
    }
    assertTrue(differs(trainingRows.d(), chosen.d()), "the training rows' own fit was returned, not the refit");
  }

  private static boolean differs(Matrix a, Matrix b) {
    for (int k = 0; k < a.data().length; k++) {
      if (Math.abs(a.data()[k] - b.data()[k]) > 1e-6) {
        return true;
      }
    }
    return false;
  }

  private static EpochRecord record() {
    return new EpochRecord(1, 0, 0, 0, 0, 0, 0, 0, 0, 0, new double[4]);
  }

  /** y = w·u + 0.05 noise over 8 inputs. */
  private static Matrix[] linear(Random r, int m) {
    Random fixed = new Random(1);
    double[] w = new double[8];
    for (int j = 0; j < 8; j++) {
      w[j] = fixed.nextGaussian();
    }
    Matrix u = gaussian(r, 8, m);
    Matrix y = Matrix.zeros(1, m);
    for (int k = 0; k < m; k++) {
      double s = 0.05 * r.nextGaussian();
      for (int j = 0; j < 8; j++) {
        s += w[j] * u.get(j, k);
      }
      y.set(0, k, s);
    }
    return new Matrix[] {u, y};
  }

  private static Matrix gaussian(Random r, int rows, int cols) {
    Matrix m = Matrix.zeros(rows, cols);
    for (int k = 0; k < m.data().length; k++) {
      m.data()[k] = r.nextGaussian();
    }
    return m;
  }
}
