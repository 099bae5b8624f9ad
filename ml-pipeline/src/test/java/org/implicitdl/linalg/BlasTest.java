package org.implicitdl.linalg;

import static org.junit.jupiter.api.Assertions.*;

import org.implicitdl.TestData;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BlasTest {

  /** Sizes on both sides of the blocked-Cholesky threshold, and not a multiple of the block. */
  @ParameterizedTest
  @ValueSource(ints = {5, 150, 433})
  void solveSpdSolvesAndRefusesWhatIsNotPositiveDefinite(int n) {
    Matrix x = TestData.gaussian(n, n + 20, 1.0, n);
    Matrix g = Blas.multiply(x, false, x, true);
    for (int i = 0; i < n; i++) {
      g.set(i, i, g.get(i, i) + 1e-3);
    }
    Matrix r = TestData.gaussian(n, 7, 1.0, n + 1);
    Matrix solution = r.copy();
    assertTrue(Blas.solveSpd(g, solution));
    Matrix back = Blas.multiply(g, solution);
    assertTrue(TestData.maxAbsDiff(back, r) <= 1e-8 * (1 + r.maxAbs()), "residual " + TestData.maxAbsDiff(back, r));

    Matrix indefinite = g.copy();
    indefinite.set(n - 1, n - 1, -1.0);
    assertFalse(Blas.solveSpd(indefinite, r.copy()));
  }

  /** One factor serves right-hand sides that arrive one after another, and refuses a wrong height. */
  @org.junit.jupiter.api.Test
  void oneCholeskyFactorSolvesSuccessiveRightHandSides() {
    int n = 230;
    Matrix x = TestData.gaussian(n, n + 5, 1.0, 3);
    Matrix g = Blas.multiply(x, false, x, true);
    Blas.Cholesky factor = Blas.Cholesky.of(g);
    assertNotNull(factor);
    for (int seed = 0; seed < 3; seed++) {
      Matrix r = TestData.gaussian(n, 1 + seed, 1.0, 10 + seed);
      Matrix solution = r.copy();
      factor.solve(solution);
      assertTrue(TestData.maxAbsDiff(Blas.multiply(g, solution), r) <= 1e-8 * (1 + r.maxAbs()));
    }
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> factor.solve(Matrix.zeros(n - 1, 2)));
    assertTrue(e.getMessage().contains("230x230"), e.getMessage());
  }

  /** The offset axpy adds one column into another and refuses a range past an array's end. */
  @org.junit.jupiter.api.Test
  void offsetAxpyAddsOneColumnIntoAnother() {
    double[] x = {1, 2, 3, 4, 5, 6};
    double[] y = {10, 20, 30, 40};
    Blas.axpy(2, 0.5, x, 4, y, 2);
    assertArrayEquals(new double[] {10, 20, 32.5, 43}, y);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Blas.axpy(3, 1.0, x, 4, y, 0));
    assertTrue(e.getMessage().contains("runs past"), e.getMessage());
  }
}
