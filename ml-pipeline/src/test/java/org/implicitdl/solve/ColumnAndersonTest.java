package org.implicitdl.solve;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import org.implicitdl.TestData;
import org.implicitdl.linalg.Blas;
import org.implicitdl.linalg.Matrix;
import org.junit.jupiter.api.Test;

/** Anderson mixing in the column-wise fixed-point solves: fewer sweeps, the same certified answer. */
class ColumnAndersonTest {
  private static final int N = 40;
  private static final int M = 60;

  /** A ≥ 0 with every row summing to κ: ‖A‖∞ = λ_pf = κ, so plain Picard contracts by κ per sweep on positive states. */
  private static Matrix slowContraction(double kappa, long seed) {
    Random r = new Random(seed);
    Matrix a = Matrix.zeros(N, N);
    for (int i = 0; i < N; i++) {
      double sum = 0;
      for (int j = 0; j < N; j++) {
        double v = r.nextDouble();
        a.set(i, j, v);
        sum += v;
      }
      for (int j = 0; j < N; j++) {
        a.set(i, j, kappa * a.get(i, j) / sum);
      }
    }
    return a;
  }

  /** Plain Picard sweeps X ← φ(AX + Z) until κ/(1−κ)·step ≤ tol, as the solver did before mixing: the sweeps it took. */
  private static int plainSweeps(Matrix a, Matrix z, Activation phi, double kappa, double tol) {
    Matrix x = Matrix.zeros(N, z.cols());
    for (int t = 1; t < 100_000; t++) {
      Matrix next = z.copy();
      Blas.gemm(1.0, a, false, x, false, 1.0, next);
      phi.applyInPlace(next.data(), 0, next.data().length);
      double step = TestData.maxAbsDiff(next, x);
      x = next;
      if (kappa / (1 - kappa) * step <= tol) {
        return t;
      }
    }
    throw new AssertionError("plain Picard did not converge");
  }

  @Test
  void mixingCutsTheSweepsOfASlowContractionAndKeepsTheCertifiedBound() {
    double kappa = 0.97;
    Matrix a = slowContraction(kappa, 3);
    Matrix z = TestData.gaussian(N, M, 1.0, 4);
    for (Activation phi : new Activation[] {Activation.RELU, Activation.TANH}) {
      Certificate cert = WellPosedness.certify(a, phi);
      assertEquals(kappa, cert.contraction(), 1e-12);
      Matrix exact = new PicardSolver(new SolverSettings(1e-300, 20_000)).solve(a, z, phi, cert, null).states();
      FixedPointResult mixed = new PicardSolver(new SolverSettings(1e-9, 10_000)).solve(a, z, phi, cert, null);
      assertTrue(mixed.converged());
      double err = TestData.maxAbsDiff(mixed.states(), exact);
      assertTrue(err <= mixed.errorBound() + 1e-14 && mixed.errorBound() <= 1e-9, phi + ": error " + err + ", bound " + mixed.errorBound());
      int plain = plainSweeps(a, z, phi, kappa, 1e-9);
      assertTrue(mixed.iterations() * 4 <= plain, phi + ": " + mixed.iterations() + " mixed sweeps against " + plain + " plain ones");
    }
  }

  @Test
  void aFastContractionIsLeftToPlainSweeps() {
    // ‖A‖∞ = 0.05: each sweep shrinks the step twentyfold, below the mixing threshold, so the solve is plain Picard's to the bit
    double kappa = 0.05;
    Matrix a = slowContraction(kappa, 12);
    Matrix z = TestData.gaussian(N, 1, 1.0, 13);
    Certificate cert = WellPosedness.certify(a, Activation.TANH);
    FixedPointResult r = new PicardSolver(new SolverSettings(1e-12, 1000)).solve(a, z, Activation.TANH, cert, null);
    Matrix x = Matrix.zeros(N, 1);
    int sweeps = 0;
    double step;
    do {
      Matrix next = z.copy();
      Blas.gemm(1.0, a, false, x, false, 1.0, next);
      Activation.TANH.applyInPlace(next.data(), 0, N);
      step = TestData.maxAbsDiff(next, x);
      x = next;
      sweeps++;
    } while (cert.contraction() / (1 - cert.contraction()) * step > 1e-12);
    assertEquals(sweeps, r.iterations());
    assertArrayEquals(x.data(), r.states().data(), 0.0);
  }

  @Test
  void theAdjointSolveMatchesTheDirectSolutionInFewerSweepsThanPicardNeeds() {
    double kappa = 0.97;
    Matrix a = slowContraction(kappa, 5);
    Matrix g = TestData.gaussian(N, M, 1.0, 6);
    Matrix jac = Matrix.zeros(N, M);
    Random r = new Random(7);
    for (int k = 0; k < jac.data().length; k++) {
      jac.data()[k] = r.nextDouble() < 0.8 ? 1.0 : 0.0;
    }
    Adjoint.Result v = Adjoint.solve(a, g, jac, new SolverSettings(1e-12, 10_000));
    assertTrue(v.converged());
    // each column: (I − Aᵀ J) v = g
    for (int j = 0; j < M; j++) {
      Matrix system = Matrix.zeros(N, N);
      for (int i = 0; i < N; i++) {
        for (int l = 0; l < N; l++) {
          system.set(i, l, (i == l ? 1.0 : 0.0) - a.get(l, i) * jac.get(l, j));
        }
      }
      Matrix column = g.columnSlice(j, j + 1).copy();
      assertTrue(Blas.solveGeneral(system, column));
      for (int i = 0; i < N; i++) {
        assertEquals(column.get(i, 0), v.v().get(i, j), 1e-9, "column " + j + " row " + i);
      }
    }
  }

  @Test
  void buffersReusedBetweenSolvesLeaveNoTrace() throws Exception {
    Matrix a = slowContraction(0.95, 8);
    Matrix z = TestData.gaussian(N, M, 1.0, 9);
    Matrix other = TestData.gaussian(N, 2 * M, 3.0, 10);
    Certificate cert = WellPosedness.certify(a, Activation.RELU);
    PicardSolver solver = new PicardSolver(new SolverSettings(1e-9, 10_000));
    FixedPointResult first = solver.solve(a, z, Activation.RELU, cert, null);
    solver.solve(a, other, Activation.RELU, cert, null);
    FixedPointResult again = solver.solve(a, z, Activation.RELU, cert, null);
    AtomicReference<FixedPointResult> fresh = new AtomicReference<>();
    Thread t = new Thread(() -> fresh.set(solver.solve(a, z, Activation.RELU, cert, null)));
    t.start();
    t.join();
    for (FixedPointResult r : new FixedPointResult[] {again, fresh.get()}) {
      assertEquals(first.iterations(), r.iterations());
      assertArrayEquals(first.states().data(), r.states().data(), 0.0);
    }
  }
}
