package org.implicitdl.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.implicitdl.linalg.Blas;
import org.implicitdl.linalg.Matrix;
import org.junit.jupiter.api.Test;

class RidgeCrossValidationTest {
  /**
   * df(λ) = tr H(λ) of the weighted ridge with an unpenalized intercept, H = U'ᵀ(U'WU'ᵀ + λP)⁻¹U'W, computed here by
   * brute force; inputs on different scales, unequal row weights, a duplicated input (a singular Gram matrix).
   */
  @Test
  void theDegreesOfFreedomAreTheTraceOfTheHatMatrix() {
    Random r = new Random(3);
    int p = 6;
    int m = 40;
    Matrix u = Matrix.zeros(p + 1, m);
    Matrix w = Matrix.zeros(1, m);
    for (int k = 0; k < m; k++) {
      for (int j = 0; j < p - 1; j++) {
        u.set(j, k, (j + 1) * r.nextGaussian() + j);
      }
      u.set(p - 1, k, u.get(0, k));
      u.set(p, k, 1);
      w.set(0, k, 0.5 + r.nextDouble());
    }
    Matrix weighted = u.copy();
    for (int k = 0; k < m; k++) {
      for (int j = 0; j <= p; j++) {
        weighted.set(j, k, weighted.get(j, k) * w.get(0, k));
      }
    }
    Matrix gram = Blas.multiply(weighted, false, u, true);
    RidgeCrossValidation gcv = RidgeCrossValidation.of(gram, m);
    for (double ridge : new double[] {1e-6, 0.1, 3, 100}) {
      Matrix q = gram.copy();
      for (int j = 0; j < p; j++) {
        q.set(j, j, q.get(j, j) + ridge);
      }
      Matrix solved = gram.copy();
      assertTrue(Blas.solveGeneral(q, solved));
      double trace = 0;
      for (int j = 0; j <= p; j++) {
        trace += solved.get(j, j);
      }
      assertEquals(trace, gcv.degreesOfFreedom(ridge), 1e-8, "ridge " + ridge);
    }
    // five independent inputs and the intercept: six degrees of freedom at no ridge, one (the mean) at an infinite one
    assertEquals(6, gcv.degreesOfFreedom(1e-12), 1e-6);
    assertEquals(1, gcv.degreesOfFreedom(1e15), 1e-6);
  }

  @Test
  void theScoreIsTheMeanLossOverTheSquaredRoomLeftAndInfiniteWithoutRoom() {
    Matrix gram = Matrix.zeros(3, 3);
    // two centred inputs with sums of squares 4 and 1 over 4 rows of weight 1
    gram.set(0, 0, 4);
    gram.set(1, 1, 1);
    gram.set(2, 2, 4);
    RidgeCrossValidation gcv = RidgeCrossValidation.of(gram, 4);
    double df = 1 + 4 / 5.0 + 1 / 2.0;
    assertEquals(df, gcv.degreesOfFreedom(1), 1e-12);
    assertEquals(0.3 / Math.pow(1 - df / 4, 2), gcv.score(0.3, 1), 1e-12);
    assertEquals(Double.POSITIVE_INFINITY, RidgeCrossValidation.of(gram, 2).score(0.3, 1e-9), "df 3 on 2 rows");
  }
}
