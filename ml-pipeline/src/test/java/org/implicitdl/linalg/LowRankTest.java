package org.implicitdl.linalg;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Random;
import org.implicitdl.solve.Activation;
import org.implicitdl.solve.Certificate;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.solve.WellPosedness;
import org.implicitdl.solve.FixedPointResult;
import org.implicitdl.solve.PicardSolver;
import org.implicitdl.solve.SolverSettings;
import org.junit.jupiter.api.Test;

/** A = L Rᵀ (paper §6.3): factorizations, discovery, the O(nk) sweep and the rank-one certificate. */
class LowRankTest {

  static Matrix gaussian(int rows, int cols, Random random, double scale) {
    Matrix m = Matrix.zeros(rows, cols);
    for (int k = 0; k < m.data().length; k++) {
      m.data()[k] = scale * random.nextGaussian();
    }
    return m;
  }

  /** A random rank-k A scaled to ‖A‖∞ = kappa. */
  static Matrix lowRankA(int n, int k, double kappa, Random random) {
    Matrix a = Blas.multiply(gaussian(n, k, random, 1), false, gaussian(n, k, random, 1), true);
    Blas.scal(kappa / WellPosedness.infNorm(a), a.data());
    return a;
  }

  private static double maxDifference(Matrix x, Matrix y) {
    double m = 0;
    for (int k = 0; k < x.data().length; k++) {
      m = Math.max(m, Math.abs(x.data()[k] - y.data()[k]));
    }
    return m;
  }

  @Test
  void truncationIsExactOnLowRankAndBestOtherwise() {
    Random random = new Random(3);
    Matrix a = lowRankA(40, 4, 0.9, random);
    assertTrue(maxDifference(LowRank.truncated(a, 4).product(), a) < 1e-13);
    assertTrue(maxDifference(LowRank.truncated(a, 10).product(), a) < 1e-13);
    assertEquals(4, LowRank.exact(a).rank());
    Matrix full = gaussian(30, 30, random, 1);
    LowRank two = LowRank.truncated(full, 2);
    assertEquals(2, two.rank());
    // Eckart–Young: no other rank-2 matrix (here: random ones) is closer in Frobenius norm
    double best = difference(full, two.product()).frobenius();
    for (int t = 0; t < 20; t++) {
      Matrix other = LowRank.truncated(difference(full, gaussian(30, 30, random, 0.1)), 2).product();
      assertTrue(difference(full, other).frobenius() >= best - 1e-12);
    }
    assertThrows(IllegalArgumentException.class, () -> LowRank.truncated(full, 0));
    assertThrows(IllegalArgumentException.class, () -> LowRank.truncated(Matrix.zeros(3, 4), 1));
  }

  private static Matrix difference(Matrix x, Matrix y) {
    Matrix d = x.copy();
    Blas.axpy(-1.0, y.data(), d.data());
    return d;
  }

  @Test
  void discoveryFindsExactLowRankAndOnlyThat() {
    Random random = new Random(5);
    for (int[] shape : new int[][] {{64, 1}, {64, 7}, {120, 20}, {200, 3}}) {
      Matrix a = lowRankA(shape[0], shape[1], 0.8, random);
      LowRank found = LowRank.discover(a);
      assertNotNull(found, "rank " + shape[1] + " of n = " + shape[0] + " not found");
      assertEquals(shape[1], found.rank());
      assertTrue(maxDifference(found.product(), a) <= 1e-12 * a.maxAbs());
    }
    assertNull(LowRank.discover(gaussian(64, 64, random, 1)), "a full-rank A is not low rank");
    assertNull(LowRank.discover(lowRankA(64, 20, 0.8, random)), "rank 20 of 64 saves too little to count");
    Matrix nearly = lowRankA(64, 3, 0.8, random);
    Blas.axpy(1.0, gaussian(64, 64, random, 1e-8).data(), nearly.data());
    assertNull(LowRank.discover(nearly), "a low-rank A plus full-rank noise is not exactly low rank");
    Matrix plusOne = lowRankA(64, 3, 0.8, random);
    plusOne.set(5, 7, plusOne.get(5, 7) + 1e-6);
    assertEquals(4, LowRank.discover(plusOne).rank(), "rank 3 plus one entry is rank 4");
  }

  @Test
  void lowRankSweepsEqualDenseOnes() {
    Random random = new Random(7);
    for (Activation phi : new Activation[] {Activation.RELU, Activation.TANH, Activation.LEAKY_RELU}) {
      int n = 80;
      Matrix a = lowRankA(n, 6, 0.9, random);
      Matrix z = gaussian(n, 33, random, 1);
      Certificate cert = WellPosedness.certify(a, phi);
      SolverSettings settings = new SolverSettings(1e-12, 5000);
      FixedPointResult dense = new PicardSolver(settings).solve(a, z, phi, cert, null);
      FixedPointResult factored = new PicardSolver(settings, LowRank.discover(a)).solve(a, z, phi, cert, null);
      assertTrue(dense.converged() && factored.converged());
      assertEquals("picard-low-rank", factored.method());
      assertTrue(maxDifference(dense.states(), factored.states()) < 1e-11, phi + ": " + maxDifference(dense.states(), factored.states()));
    }
  }

  @Test
  void modelsUseTheFactorsAndPredictTheSame() {
    Random random = new Random(11);
    int n = 64;
    Matrix a = lowRankA(n, 4, 0.95, random);
    ImplicitModel model = new ImplicitModel(a, gaussian(n, 6, random, 1), gaussian(3, n, random, 1), gaussian(3, 6, random, 1),
        Activation.RELU, true);
    assertEquals(4, model.sweepRank());
    Matrix u = gaussian(5, 50, random, 1);
    FixedPointResult states = model.solveStates(u, new SolverSettings(1e-12, 5000));
    assertEquals("picard-low-rank", states.method());
    FixedPointResult dense = new PicardSolver(new SolverSettings(1e-12, 5000)).solve(a, model.drive(u), Activation.RELU, model.certificate(), null);
    assertTrue(maxDifference(states.states(), dense.states()) < 1e-11);
  }

  @Test
  void rankOneIsWellPosedWhenTheInnerProductOfAbsoluteFactorsIsBelowOne() {
    Random random = new Random(13);
    for (int t = 0; t < 50; t++) {
      int n = 5 + random.nextInt(40);
      double[] p = gaussian(n, 1, random, 1).data();
      double[] q = gaussian(n, 1, random, 1).data();
      double inner = 0;
      for (int i = 0; i < n; i++) {
        inner += Math.abs(p[i]) * Math.abs(q[i]);
      }
      double target = 0.05 + 0.9 * random.nextDouble();
      Blas.scal(target / inner, p);
      Matrix a = Blas.multiply(Matrix.column(p), false, Matrix.column(q), true);
      Certificate cert = WellPosedness.certify(a, Activation.TANH);
      assertTrue(cert.isWellPosed(), "|p|^T|q| = " + target + " < 1 but " + cert);
      // λ_pf(|p||q|ᵀ) = |q|ᵀ|p| exactly: the bound is tight
      assertEquals(target, cert.perronFrobenius(), 1e-6 * target + 1e-9);
    }
  }
}
