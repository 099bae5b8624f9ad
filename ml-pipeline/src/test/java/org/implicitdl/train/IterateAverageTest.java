package org.implicitdl.train;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.solve.Activation;
import org.implicitdl.solve.WellPosedness;
import org.junit.jupiter.api.Test;

class IterateAverageTest {

  /** A random model whose A is projected onto ‖A‖∞ ≤ κ, as every gradient iterate is. */
  private static ImplicitModel iterate(Random r, double kappa) {
    Matrix ab = Matrix.zeros(4, 4 + 3 + 1);
    for (int k = 0; k < ab.data().length; k++) {
      ab.data()[k] = 3 * r.nextGaussian();
    }
    new Prox(4, 3, 0.0, 0.0, 0.0, Architecture.Structure.INF_NORM, kappa).apply(ab, 0.0);
    Matrix cd = Matrix.zeros(2, 4 + 3 + 1);
    for (int k = 0; k < cd.data().length; k++) {
      cd.data()[k] = r.nextGaussian();
    }
    return ImplicitModel.zero(4, 3, 2, Activation.RELU)
        .withWeights(ab, cd);
  }

  @Test
  void theAverageIsTheExponentiallyWeightedMeanOfTheIteratesWithItsStartBiasCorrected() {
    Random r = new Random(5);
    double horizon = 3.5;
    double beta = 1 - 1 / horizon;
    List<ImplicitModel> seen = new ArrayList<>();
    IterateAverage average = IterateAverage.over(horizon);
    for (int t = 0; t < 9; t++) {
      ImplicitModel next = iterate(r, 0.9);
      seen.add(next);
      average = average.add(next);
      // brute force: Σ_s β^(t−s) θ_s / Σ_s β^(t−s), every matrix entry
      for (int which = 0; which < 4; which++) {
        Matrix got = pick(average.model(), which);
        for (int k = 0; k < got.data().length; k++) {
          double num = 0;
          double den = 0;
          for (int s = 0; s <= t; s++) {
            double w = Math.pow(beta, t - s);
            num += w * pick(seen.get(s), which).data()[k];
            den += w;
          }
          assertEquals(num / den, got.data()[k], 1e-12, "step " + t + ", matrix " + which + ", entry " + k);
        }
      }
      assertTrue(WellPosedness.infNorm(average.model().a()) <= 0.9 + 1e-12, "the average left the set ||A||_inf <= kappa");
    }
    assertNotEquals(seen.get(8).b().data()[0], average.model().b().data()[0], "a horizon of 3.5 steps must not be the last iterate");
  }

  @Test
  void aHorizonOfOneStepIsTheLastIterateAndLessIsAnError() {
    Random r = new Random(6);
    IterateAverage last = IterateAverage.over(1);
    ImplicitModel m = null;
    for (int t = 0; t < 3; t++) {
      m = iterate(r, 0.5);
      last = last.add(m);
    }
    assertEquals(m.b(), last.model().b());
    assertEquals(m.a(), last.model().a());
    assertThrows(IllegalArgumentException.class, () -> IterateAverage.over(0.5));
  }

  @Test
  void onlyConvexStructuresAreAveraged() {
    GradientSettings plain = GradientSettings.defaults(8, Loss.SQUARED);
    assertTrue(IterateAverage.keepsStructure(plain));
    assertFalse(IterateAverage.keepsStructure(plain.withPenalties(1e-3, 0, 0)), "l1");
    assertFalse(IterateAverage.keepsStructure(plain.withPenalties(0, 1e-3, 0)), "group lasso");
    assertFalse(IterateAverage.keepsStructure(plain.withStatePenalty(1e-3)), "state groups");
  }

  private static Matrix pick(ImplicitModel m, int which) {
    return switch (which) {
      case 0 -> m.a();
      case 1 -> m.b();
      case 2 -> m.c();
      default -> m.d();
    };
  }
}
