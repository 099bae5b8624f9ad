package org.implicitdl.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.model.ImplicitModel;
import org.junit.jupiter.api.Test;

/** Temperature scaling of BCD's readout: validation log loss down, every argmax (the accuracy) unchanged. */
class TemperatureTest {
  @Test
  void calibrationLowersTheValidationLogLossAndKeepsEveryPrediction() {
    Random r = new Random(9);
    int p = 6;
    int q = 3;
    Matrix[] train = blobs(r, 600, p, q);
    Matrix[] valid = blobs(r, 300, p, q);
    LocalBlockStore store = LocalBlockStore.of(train[0], train[1], 200);
    LocalBlockStore validation = LocalBlockStore.of(valid[0], valid[1], 300);
    BcdSettings settings = BcdSettings.defaults(8, Loss.CROSS_ENTROPY).withPenalties(1e-6, 0, 0).withEpochs(5);
    ImplicitModel bcd = new BlockCoordinateDescent(store, settings, p, q, null).train(null).model();
    ImplicitModel calibrated = Temperature.calibrate(bcd, validation, settings.fixedPoint());
    double before = logLoss(bcd, valid);
    double after = logLoss(calibrated, valid);
    System.out.printf("validation log loss: BCD %.4f, calibrated %.4f%n", before, after);
    assertTrue(after < before, "log loss " + before + " -> " + after);
    assertArrayEquals(argmax(bcd.predict(valid[0])), argmax(calibrated.predict(valid[0])), "the same class for every row");
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
