package org.implicitdl.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.solve.Activation;
import org.implicitdl.solve.SolverSettings;
import org.junit.jupiter.api.Test;

/**
 * The ridge leaves the readout's intercept alone (as glmnet and MLlib do): under a ridge strong enough to zero every
 * weight, the (C, D)-step's outputs are the label's mean — the class frequencies of imbalanced classes — not zero
 * (uniform probabilities), in the exact and the first-order forms; the ridge path goes from there to the weak ridge.
 */
class ReadoutInterceptTest {
  private static final SolverSettings FIXED_POINT = new SolverSettings(1e-10, 500);

  @Test
  void aStrongRidgeLeavesTheClassFrequencies() {
    Random r = new Random(21);
    int p = 6;
    int m = 500;
    Matrix u = Matrix.zeros(p, m);
    Matrix y = Matrix.zeros(2, m);
    int minority = 0;
    for (int k = 0; k < m; k++) {
      for (int j = 0; j < p; j++) {
        u.set(j, k, r.nextGaussian());
      }
      boolean rare = r.nextDouble() < 0.2 + 0.1 * Math.tanh(u.get(0, k));
      minority += rare ? 1 : 0;
      y.set(rare ? 1 : 0, k, 1);
    }
    double frequency = minority / (double) m;
    BcdSettings base = BcdSettings.defaults(3, Loss.CROSS_ENTROPY).withFixedPoint(FIXED_POINT).withEpochs(1);
    // enough majorize–minimize rounds to converge (Böhning's bound is loose by 0.5 / (f(1 − f)) at frequency f)
    BcdSettings settings = base.with(d -> d.inner = new InnerSolver(base.inner().pxIterations(), 60, base.inner().fistaIterations()));
    ImplicitModel zero = ImplicitModel.zero(3, p, 2, Activation.RELU);
    for (boolean firstOrder : new boolean[] {false, true}) {
      BlockCoordinateDescent bcd = new BlockCoordinateDescent(LocalBlockStore.of(u, y, 100), settings, p, 2, null);
      List<ImplicitModel> path = (firstOrder ? bcd.withFirstOrderSteps() : bcd).fitReadoutPath(zero, new double[] {1e6, 1e-4}, fit -> true);
      Matrix strong = path.get(0).d();
      double logit = strong.get(1, p) - strong.get(0, p);
      assertEquals(frequency, 1 / (1 + Math.exp(-logit)), 1e-3, "first-order " + firstOrder + ": the minority's frequency");
      for (int j = 0; j < p; j++) {
        assertEquals(0, strong.get(1, j) - strong.get(0, j), 1e-4, "input " + j + " shrunk away");
      }
      Matrix weak = path.get(1).d();
      assertTrue(weak.get(1, 0) - weak.get(0, 0) > 0.1, "first-order " + firstOrder + ": the weak ridge reads input 0: " + weak.get(1, 0));
    }
  }
}
