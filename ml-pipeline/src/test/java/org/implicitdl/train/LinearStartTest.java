package org.implicitdl.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.solve.Activation;
import org.junit.jupiter.api.Test;

class LinearStartTest {
  /** y = w·u + 3 + a small curvature + noise over 6 inputs in standard units (as the fit sees them), m rows. */
  private static Matrix[] nearlyLinear(Random r, int m) {
    Matrix u = Matrix.zeros(6, m);
    Matrix y = Matrix.zeros(1, m);
    double[] w = {2, -1, 0.5, 3, 0, 1};
    for (int k = 0; k < m; k++) {
      double s = 3;
      for (int j = 0; j < 6; j++) {
        u.set(j, k, r.nextGaussian());
        s += w[j] * u.get(j, k);
      }
      y.set(0, k, s + 0.2 * u.get(0, k) * u.get(0, k) + 0.1 * r.nextGaussian());
    }
    return new Matrix[] {u, y};
  }

  private static double meanLoss(LocalBlockStore store, ImplicitModel m, GradientSettings st) {
    return store.aggregate("loss", new GradientTrainer.StepPayload(m, m.certificate(), 0, 1, st), GradientTrainer::evaluate).meanLoss();
  }

  /**
   * A regression's gradient fit starts where the linear model is: its D is the ridge fit at the ridge generalized
   * cross-validation chose (here one of the two weakest: the data are nearly linear and plentiful), so the start's loss is
   * the linear fit's but for C's tenth — far below the D = 0 start's.
   */
  @Test
  void aRegressionStartsFromTheLinearModel() {
    Matrix[] data = nearlyLinear(new Random(4), 400);
    LocalBlockStore store = LocalBlockStore.of(data[0], data[1], 100);
    GradientSettings st = GradientSettings.defaults(8, Loss.SQUARED).withEpochs(1);
    ImplicitModel start = new GradientTrainer(store, null, st, 6, 1, null).initialModel();
    BcdStatistics.Constants sums = store.aggregate("sums", Boolean.TRUE, (Boolean unused, TrainingBlock b) -> LocalSteps.constants(null, b));
    double weakest = Double.POSITIVE_INFINITY;
    for (int k = LinearStart.RIDGES.length - 2; k < LinearStart.RIDGES.length; k++) {
      Matrix d = LinearStart.fit(sums, LinearStart.RIDGES[k] * sums.weight());
      double gap = 0;
      for (int i = 0; i < d.data().length; i++) {
        gap = Math.max(gap, Math.abs(d.data()[i] - start.d().data()[i]));
      }
      weakest = Math.min(weakest, gap);
    }
    assertEquals(0, weakest, 1e-9, "D is the ridge fit at one of the two weakest ridges");
    ImplicitModel linear = start.with(start.a(), start.b(), Matrix.zeros(1, 8), start.d());
    ImplicitModel zeroReadout = start.with(start.a(), start.b(), start.c().scaled(1 / LinearStart.READOUT_SCALE), Matrix.zeros(1, 7));
    double linearLoss = meanLoss(store, linear, st);
    // the residual sum of squares from the statistics is the one a pass over the rows finds
    assertEquals(2 * linearLoss * sums.weight(), LinearStart.residualSquares(sums, start.d(), 2 * meanLoss(store, linear.with(linear.a(), linear.b(),
        linear.c(), Matrix.zeros(1, 7)), st) * sums.weight()), 1e-6 * linearLoss * sums.weight());
    assertTrue(meanLoss(store, start, st) < 2 * linearLoss + 0.05, "the start predicts as the linear model: " + meanLoss(store, start, st) + " vs " + linearLoss);
    assertTrue(meanLoss(store, zeroReadout, st) > 100 * linearLoss, "the D = 0 start is far off: " + meanLoss(store, zeroReadout, st));
  }

  /** Classes, too few rows, too many inputs and a penalty on the input columns keep the D = 0 start. */
  @Test
  void classesAndFewRowsStartFromZero() {
    Matrix[] data = nearlyLinear(new Random(5), 12);
    LocalBlockStore few = LocalBlockStore.of(data[0], data[1], 100);
    assertEquals(0.0, new GradientTrainer(few, null, GradientSettings.defaults(8, Loss.SQUARED), 6, 1, null).initialModel().d().maxAbs(),
        "12 rows for 7 weights: no linear start");
    assertNull(LinearStart.readout(few, 6, () -> new RuleMetrics(1, 0, 0, 0, 12, 0, 0)), "fewer than 2(p + 1) rows");
    Matrix[] many = nearlyLinear(new Random(6), 300);
    Matrix classes = Matrix.zeros(2, 300);
    for (int k = 0; k < 300; k++) {
      classes.set(many[1].get(0, k) > 3 ? 1 : 0, k, 1);
    }
    assertEquals(0.0, new GradientTrainer(LocalBlockStore.of(many[0], classes, 100), null, GradientSettings.defaults(8, Loss.CROSS_ENTROPY), 6, 2, null)
        .initialModel().d().maxAbs(), "classes start from D = 0");
    assertTrue(LinearStart.applies(GradientSettings.defaults(8, Loss.SQUARED), 6));
    assertTrue(!LinearStart.applies(GradientSettings.defaults(8, Loss.SQUARED), LinearStart.MAX_INPUTS + 1));
    assertTrue(!LinearStart.applies(GradientSettings.defaults(8, Loss.SQUARED).withInputPenalty(InputPenalty.keeping(new int[] {0, 2}, 6)), 6),
        "a fit that holds inputs at zero");
    assertTrue(!LinearStart.applies(GradientSettings.defaults(8, Loss.SQUARED).withInputPenalty(InputPenalty.of(0.1)), 6), "a column penalty");
  }
}
