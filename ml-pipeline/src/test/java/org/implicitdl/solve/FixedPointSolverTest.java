package org.implicitdl.solve;

import static org.junit.jupiter.api.Assertions.*;

import org.implicitdl.TestData;
import org.implicitdl.linalg.Blas;
import org.implicitdl.linalg.Matrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class FixedPointSolverTest {
  private static final int N = 30;
  private static final int M = 50;

  private static Matrix contractiveA(double kappa, long seed) {
    return WellPosedness.projectInfNorm(TestData.gaussian(N, N, 1.0, seed), kappa);
  }

  /** The fixed point to machine precision: Picard run far past any tolerance. */
  private static Matrix reference(Matrix a, Matrix z, Activation phi) {
    Certificate cert = WellPosedness.certify(a, phi);
    return new PicardSolver(new SolverSettings(1e-300, 5000)).solve(a, z, phi, cert, null).states();
  }

  @ParameterizedTest
  @EnumSource(Activation.class)
  void picardMeetsItsCertifiedBound(Activation phi) {
    Matrix a = contractiveA(0.9, 1);
    Matrix z = TestData.gaussian(N, M, 1.0, 2);
    Certificate cert = WellPosedness.certify(a, phi);
    assertEquals(Certificate.Condition.INF_NORM, cert.condition());
    Matrix exact = reference(a, z, phi);
    for (double tol : new double[] {1e-2, 1e-5, 1e-9}) {
      FixedPointResult r = new PicardSolver(new SolverSettings(tol, 10_000)).solve(a, z, phi, cert, null);
      assertTrue(r.converged());
      assertTrue(r.errorBound() <= tol);
      double err = TestData.maxAbsDiff(r.states(), exact);
      assertTrue(err <= r.errorBound() + 1e-15, "error " + err + " exceeds certified bound " + r.errorBound());
      // and the linear rate: κ^t bounds the distance from the cold start
      assertTrue(err <= Math.pow(0.9, r.iterations()) * exact.maxAbs() + 1e-15);
    }
  }

  @Test
  void picardColumnsStopOnTheirOwnAndDoNotDependOnTheirBlockMates() {
    Matrix a = contractiveA(0.95, 11);
    Matrix z = TestData.gaussian(N, M, 1.0, 12);
    // one column driven a thousand times harder needs many more sweeps than the others
    for (int i = 0; i < N; i++) {
      z.set(i, 7, 1000 * z.get(i, 7));
    }
    Certificate cert = WellPosedness.certify(a, Activation.RELU);
    PicardSolver solver = new PicardSolver(new SolverSettings(1e-9, 10_000));
    FixedPointResult block = solver.solve(a, z, Activation.RELU, cert, null);
    Matrix exact = reference(a, z, Activation.RELU);
    assertTrue(block.converged());
    assertTrue(TestData.maxAbsDiff(block.states(), exact) <= block.errorBound() + 1e-15);
    int slowest = 0;
    int fastest = Integer.MAX_VALUE;
    for (int j = 0; j < M; j++) {
      FixedPointResult alone = solver.solve(a, z.columnSlice(j, j + 1), Activation.RELU, cert, null);
      slowest = Math.max(slowest, alone.iterations());
      fastest = Math.min(fastest, alone.iterations());
      for (int i = 0; i < N; i++) {
        assertEquals(alone.states().get(i, 0), block.states().get(i, j), 1e-12, "column " + j + " row " + i);
      }
    }
    assertEquals(slowest, block.iterations(), "the block takes as many sweeps as its slowest column");
    assertTrue(fastest < slowest, "the driven column needs more sweeps: " + fastest + " vs " + slowest);
  }

  @Test
  void picardUnderPerronFrobeniusScalingMeetsItsBound() {
    int n = 6;
    Matrix a = Matrix.zeros(n, n);
    for (int i = 0; i + 1 < n; i++) {
      a.set(i, i + 1, 2.0);
      a.set(i + 1, i, 0.05);
    }
    Certificate cert = WellPosedness.certify(a, Activation.TANH);
    assertEquals(Certificate.Condition.PERRON_FROBENIUS, cert.condition());
    assertTrue(cert.infNorm() > 1);
    Matrix z = TestData.gaussian(n, M, 1.0, 5);
    Matrix exact = reference(a, z, Activation.TANH);
    FixedPointResult r = new PicardSolver(new SolverSettings(1e-8, 100_000)).solve(a, z, Activation.TANH, cert, null);
    assertTrue(r.converged());
    assertTrue(TestData.maxAbsDiff(r.states(), exact) <= r.errorBound() + 1e-15);
    assertTrue(fixedPointResidual(a, z, Activation.TANH, r.states()) < 1e-7);
  }

  @ParameterizedTest
  @EnumSource(Activation.class)
  void andersonAgreesWithPicardWithinItsBound(Activation phi) {
    Matrix a = contractiveA(0.97, 7);
    Matrix z = TestData.gaussian(N, M, 1.0, 8);
    Certificate cert = WellPosedness.certify(a, phi);
    FixedPointResult r = new AndersonSolver(new SolverSettings(1e-9, 2000), 5).solve(a, z, phi, cert, null);
    assertTrue(r.converged(), "anderson did not converge: " + r);
    double err = TestData.maxAbsDiff(r.states(), reference(a, z, phi));
    assertTrue(err <= r.errorBound() + 1e-14, "error " + err + " vs bound " + r.errorBound());
  }

  @Test
  void backSubstitutionEqualsPicardOnTriangularA() {
    Matrix a = TestData.gaussian(N, N, 0.8, 11);
    for (int j = 0; j < N; j++) {
      for (int i = j; i < N; i++) {
        a.set(i, j, i == j ? 0.3 * (j % 3) : 0.0);
      }
    }
    Matrix z = TestData.gaussian(N, M, 1.0, 12);
    for (Activation phi : new Activation[] {Activation.RELU, Activation.LEAKY_RELU}) {
      Certificate cert = WellPosedness.certify(a, phi);
      assertEquals(Certificate.Condition.TRIANGULAR, cert.condition());
      FixedPointResult exact = new TriangularSolver().solve(a, z, phi, cert, null);
      assertTrue(exact.converged());
      assertTrue(fixedPointResidual(a, z, phi, exact.states()) < 1e-12, phi + " residual");
    }
  }

  @Test
  void nonConvergenceIsAResultNotAnException() {
    Matrix a = Matrix.identity(N);
    for (int i = 0; i < N; i++) {
      a.set(i, i, 1.5);
    }
    Matrix z = TestData.gaussian(N, M, 1.0, 13);
    Certificate cert = WellPosedness.certify(a, Activation.LEAKY_RELU);
    assertFalse(cert.isWellPosed());
    FixedPointResult r = new PicardSolver(new SolverSettings(1e-9, 50)).solve(a, z, Activation.LEAKY_RELU, cert, null);
    assertFalse(r.converged());
    assertEquals(Double.POSITIVE_INFINITY, r.errorBound());
  }

  @Test
  void wrongShapesAreExceptionsNamingTheMatrix() {
    Matrix a = contractiveA(0.5, 1);
    Matrix z = TestData.gaussian(N + 1, M, 1.0, 2);
    Certificate cert = WellPosedness.certify(a, Activation.RELU);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new PicardSolver(SolverSettings.DEFAULT).solve(a, z, Activation.RELU, cert, null));
    assertTrue(e.getMessage().contains("BU must be 30x50, got 31x50"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new SolverSettings(0, 10));
    assertThrows(IllegalArgumentException.class, () -> new SolverSettings(1e-9, 0));
  }

  static double fixedPointResidual(Matrix a, Matrix z, Activation phi, Matrix x) {
    Matrix y = z.copy();
    Blas.gemm(1.0, a, false, x, false, 1.0, y);
    phi.applyInPlace(y.data());
    return TestData.maxAbsDiff(x, y);
  }
}
