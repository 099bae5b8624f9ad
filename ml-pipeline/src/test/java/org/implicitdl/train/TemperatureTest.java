package org.implicitdl.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.solve.SolverSettings;
import org.junit.jupiter.api.Test;

/** Temperature scaling of BCD's readout: validation log loss down, every argmax (the accuracy) unchanged. */
class TemperatureTest {
  @Test
  void calibrationLowersTheValidationLogLossAndKeepsEveryPrediction() {
    Fit fit = Fit.onBlobs(9);
    ImplicitModel calibrated = Temperature.calibrate(fit.bcd(), fit.validation(), FIXED_POINT);
    double before = logLoss(fit.bcd(), fit.valid());
    double after = logLoss(calibrated, fit.valid());
    System.out.printf("validation log loss: BCD %.4f, calibrated %.4f%n", before, after);
    assertTrue(after < before, "log loss " + before + " -> " + after);
    assertArrayEquals(argmax(fit.bcd().predict(fit.valid()[0])), argmax(calibrated.predict(fit.valid()[0])), "the same class for every row");
  }

  /**
   * {@link Temperature#shrunk}: an overconfident readout is shrunk as {@link Temperature#calibrate} shrinks it; one that
   * classifies its validation rows without error, whose log loss every sharpening lowers, is kept as it is, where
   * calibrate sharpens it.
   */
  @Test
  void shrinkingOnlyShrinksAndOnlyWhereCalibrationWould() {
    Fit fit = Fit.onBlobs(10);
    ImplicitModel bcd = fit.bcd();
    ImplicitModel calibrated = Temperature.calibrate(bcd, fit.validation(), FIXED_POINT);
    double shrinkage = calibrated.c().maxAbs() / bcd.c().maxAbs();
    assertTrue(shrinkage < 1, "the overconfident readout is shrunk: " + shrinkage);
    assertArrayEquals(calibrated.c().data(), Temperature.shrunk(bcd, fit.validation(), FIXED_POINT).c().data(), 0.0, "as calibrate shrinks it");

    Matrix[] separated = blobs(new Random(11), 30, bcd.inputDim(), bcd.outputDim());
    Matrix predicted = Matrix.zeros(bcd.outputDim(), 30);
    int[] classes = argmax(bcd.predict(separated[0]));
    for (int k = 0; k < 30; k++) {
      predicted.set(classes[k], k, 1.0);
    }
    LocalBlockStore withoutError = LocalBlockStore.of(separated[0], predicted, 30);
    assertTrue(Temperature.calibrate(bcd, withoutError, FIXED_POINT).c().maxAbs() > bcd.c().maxAbs(),
        "calibrate sharpens a model its rows find without error");
    assertSame(bcd, Temperature.shrunk(bcd, withoutError, FIXED_POINT), "shrunk keeps it as it is");
  }

  private static final BcdSettings SETTINGS = BcdSettings.defaults(8, Loss.CROSS_ENTROPY).withPenalties(1e-6, 0, 0).withEpochs(5);
  private static final SolverSettings FIXED_POINT = SETTINGS.fixedPoint();

  /** BCD's nearly unregularized readout on overlapping classes (6 inputs, 3 classes), and 300 validation rows. */
  private record Fit(ImplicitModel bcd, Matrix[] valid, LocalBlockStore validation) {
    static Fit onBlobs(long seed) {
      Random r = new Random(seed);
      Matrix[] train = blobs(r, 600, 6, 3);
      Matrix[] valid = blobs(r, 300, 6, 3);
      ImplicitModel bcd = new BlockCoordinateDescent(LocalBlockStore.of(train[0], train[1], 200), SETTINGS, 6, 3, null).train(null).model();
      return new Fit(bcd, valid, LocalBlockStore.of(valid[0], valid[1], 300));
    }
  }

  private static double logLoss(ImplicitModel m, Matrix[] data) {
    return Loss.CROSS_ENTROPY.total(data[1], m.predict(data[0])) / data[0].cols();
  }

  private static int[] argmax(Matrix logits) {
    int[] out = new int[logits.cols()];
    for (int k = 0; k < out.length; k++) {
      out[k] = logits.argmaxInColumn(k);
    }
    return out;
  }

  /** Overlapping Gaussian classes (a tenth of the labels flipped): a confident readout is overconfident here. */
  private static Matrix[] blobs(Random r, int m, int p, int q) {
    Matrix u = Matrix.zeros(p, m);
    Matrix y = Matrix.zeros(q, m);
    for (int k = 0; k < m; k++) {
      int c = k % q;
      for (int i = 0; i < p; i++) {
        u.set(i, k, r.nextGaussian() + (i == c ? 1.5 : 0));
      }
      y.set(r.nextDouble() < 0.1 ? r.nextInt(q) : c, k, 1.0);
    }
    return new Matrix[] {u, y};
  }
}
