package org.implicitdl.solve;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Random;
import org.implicitdl.linalg.Matrix;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link FixedPointSolver} keeps, checked on each implementation: a converged
 * result is a fixed point of x = φ(Ax + Z) within its reported error bound, the bound is honest
 * against a reference solved far tighter, and the drive is not modified.
 */
class FixedPointSolverContractTest {
  private static final SolverSettings SETTINGS = new SolverSettings(1e-8, 10_000);
  private static final SolverSettings REFERENCE = new SolverSettings(1e-14, 100_000);

  private record Case(String name, FixedPointSolver solver, Matrix a) {}

  private static List<Case> cases(Random r) {
    int n = 9;
    Matrix dense = WellPosedness.projectInfNorm(gaussian(n, n, r), 0.9);
    Matrix triangular = Matrix.zeros(n, n);
    for (int i = 0; i < n; i++) {
      for (int j = i + 1; j < n; j++) {
        triangular.set(i, j, 0.4 * r.nextGaussian());
      }
    }
    return List.of(new Case("picard", new PicardSolver(SETTINGS), dense), new Case("anderson", new AndersonSolver(SETTINGS, 5), dense),
        new Case("back-substitution", new TriangularSolver(), triangular),
        new Case("components", new ComponentSolver(SETTINGS, StateComponents.of(triangular)), triangular),
        new Case("components on a dense A", new ComponentSolver(SETTINGS, StateComponents.of(dense)), dense));
  }

  @Test
  void everySolverReturnsACertifiedFixedPointAndLeavesTheDriveAlone() {
    Random r = new Random(21);
    for (Activation phi : new Activation[] {Activation.RELU, Activation.TANH}) {
      for (Case c : cases(r)) {
        Certificate cert = WellPosedness.certify(c.a(), phi);
        Matrix z = gaussian(c.a().rows(), 25, r);
        Matrix zCopy = z.copy();
        FixedPointResult got = c.solver().solve(c.a(), z, phi, cert, null);
        assertEquals(zCopy, z, c.name() + " modified the drive");
        assertTrue(got.converged(), c.name() + " did not converge");
        Matrix reference = new PicardSolver(REFERENCE).solve(c.a(), z, phi, cert, null).states();
        double error = 0;
        for (int k = 0; k < reference.data().length; k++) {
          error = Math.max(error, Math.abs(reference.data()[k] - got.states().data()[k]));
        }
        assertTrue(error <= Math.max(got.errorBound(), 1e-13) + 1e-13,
            c.name() + " (" + phi + "): error " + error + " above its certified bound " + got.errorBound());
        assertTrue(error <= 1e-7, c.name() + ": error " + error);
      }
    }
  }

  private static Matrix gaussian(int rows, int cols, Random r) {
    double[] d = new double[rows * cols];
    for (int k = 0; k < d.length; k++) {
      d[k] = r.nextGaussian();
    }
    return new Matrix(rows, cols, d);
  }
}
