package org.implicitdl.solve;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Random;
import org.implicitdl.TestData;
import org.implicitdl.linalg.Matrix;
import org.junit.jupiter.api.Test;

class WellPosednessTest {

  @Test
  void normsOfAKnownMatrix() {
    Matrix a = Matrix.fromRows(new double[][] {{1, -2}, {3, 4}});
    assertEquals(7.0, WellPosedness.infNorm(a), 0);
    assertEquals(6.0, WellPosedness.oneNorm(a), 0);
    // singular values of [[1,-2],[3,4]]: sqrt of eigenvalues of AᵀA = [[10,10],[10,20]]
    double largest = Math.sqrt(15 + Math.sqrt(125));
    assertEquals(largest, WellPosedness.twoNorm(a), 1e-10);
  }

  @Test
  void projectionIsFeasibleIdempotentAndNotFartherThanAnyFeasiblePoint() {
    Random r = new Random(3);
    for (int trial = 0; trial < 20; trial++) {
      Matrix a = TestData.gaussian(3, 3, 1.0, 100 + trial);
      double kappa = 0.3 + 0.6 * r.nextDouble();
      Matrix proj = WellPosedness.projectInfNorm(a, kappa);
      assertTrue(WellPosedness.infNorm(proj) <= kappa + 1e-12);
        assertTrue(TestData.maxAbsDiff(proj, WellPosedness.projectInfNorm(proj, kappa)) <= 1e-15, "projection must be idempotent");
      double dist = distance(a, proj);
      // brute force: random feasible points, each row scaled into the ball, are never closer
      for (int s = 0; s < 4000; s++) {
        Matrix cand = TestData.gaussian(3, 3, 0.6, 10_000L * trial + s);
        for (int i = 0; i < 3; i++) {
          double l1 = Math.abs(cand.get(i, 0)) + Math.abs(cand.get(i, 1)) + Math.abs(cand.get(i, 2));
          double shrink = l1 > kappa ? kappa / l1 : 1.0;
          for (int j = 0; j < 3; j++) {
            cand.set(i, j, cand.get(i, j) * shrink);
          }
        }
        assertTrue(distance(a, cand) >= dist - 1e-12, "found a feasible point closer than the projection");
      }
    }
  }

  /** The sort-based threshold (Duchi et al. 2008) the linear-time one replaced: the reference it must equal. */
  private static double[] sortedProjection(double[] v, double radius) {
    double[] u = new double[v.length];
    double l1 = 0;
    for (int k = 0; k < v.length; k++) {
      u[k] = Math.abs(v[k]);
      l1 += u[k];
    }
    if (l1 <= radius) {
      return v.clone();
    }
    if (radius == 0) {
      return new double[v.length]; // the ball is the origin (the sort-based loop below would keep θ = 0 here)
    }
    java.util.Arrays.sort(u);
    double cumulative = 0;
    double theta = 0;
    for (int j = 1; j <= u.length; j++) {
      cumulative += u[u.length - j];
      double t = (cumulative - radius) / j;
      if (u[u.length - j] - t > 0) {
        theta = t;
      } else {
        break;
      }
    }
    double[] out = new double[v.length];
    for (int k = 0; k < v.length; k++) {
      out[k] = Math.signum(v[k]) * Math.max(Math.abs(v[k]) - theta, 0.0);
    }
    return out;
  }

  @Test
  void theLinearTimeProjectionEqualsTheSortBasedOne() {
    java.util.Random r = new java.util.Random(17);
    for (int trial = 0; trial < 3000; trial++) {
      int k = 1 + r.nextInt(trial % 3 == 0 ? 4 : 300);
      double[] v = new double[k];
      for (int i = 0; i < k; i++) {
        // zeros, ties and spread magnitudes
        v[i] = r.nextInt(5) == 0 ? 0.0 : r.nextInt(4) == 0 ? 0.25 * (r.nextBoolean() ? 1 : -1) : r.nextGaussian() * Math.pow(10, r.nextInt(3) - 1);
      }
      double radius = trial % 7 == 0 ? 0.0 : Math.abs(r.nextGaussian()) * (trial % 2 == 0 ? 0.05 : 2.0);
      double[] expected = sortedProjection(v, radius);
      double[] got = v.clone();
      WellPosedness.projectL1Ball(got, radius);
      double l1 = 0;
      for (int i = 0; i < k; i++) {
        assertEquals(expected[i], got[i], 1e-12 * (1 + Math.abs(v[i])), "trial " + trial + ", entry " + i);
        l1 += Math.abs(got[i]);
      }
      // rounding: |v| − θ cancels, so the slack scales with the entries' own size
      double scale = java.util.Arrays.stream(v).map(Math::abs).sum();
      assertTrue(l1 <= radius + 1e-14 * scale, "trial " + trial + ": outside the ball, " + l1 + " > " + radius);
    }
    double[] nan = {0.5, Double.NaN, -2.0};
    WellPosedness.projectL1Ball(nan, 0.5);
    assertTrue(Double.isNaN(nan[0]) && Double.isNaN(nan[2]), "a NaN entry must not pass as a projection");
  }

  @Test
  void projectionMatchesAGridSearchInTwoDimensions() {
    double[] v = {0.9, -0.4};
    double kappa = 0.5;
    double[] p = v.clone();
    WellPosedness.projectL1Ball(p, kappa);
    double best = Double.POSITIVE_INFINITY;
    double[] bestPoint = null;
    for (int i = -500; i <= 500; i++) {
      for (int j = -500; j <= 500; j++) {
        double x = i * kappa / 500;
        double y = j * kappa / 500;
        if (Math.abs(x) + Math.abs(y) <= kappa + 1e-15) {
          double dd = (x - v[0]) * (x - v[0]) + (y - v[1]) * (y - v[1]);
          if (dd < best) {
            best = dd;
            bestPoint = new double[] {x, y};
          }
        }
      }
    }
    assertEquals(bestPoint[0], p[0], 2e-3);
    assertEquals(bestPoint[1], p[1], 2e-3);
  }

  @Test
  void perronFrobeniusCertifiesAMatrixWhoseInfNormExceedsOne() {
    // ‖A‖∞ = 2 but λ_pf(|A|) = sqrt(0.2): well-posed after diagonal scaling.
    Matrix a = Matrix.fromRows(new double[][] {{0.1, 2.0}, {0.1, 0.0}});
    Certificate cert = WellPosedness.certify(a, Activation.TANH);
    assertEquals(Certificate.Condition.PERRON_FROBENIUS, cert.condition());
    double lambda = (0.1 + Math.sqrt(0.01 + 0.8)) / 2;
    assertEquals(lambda, cert.perronFrobenius(), 1e-6);
    assertTrue(cert.perronFrobenius() >= lambda);
    assertTrue(cert.contraction() >= lambda && cert.contraction() < 1, "contraction " + cert.contraction());
    assertTrue(cert.infNorm() > 1);
    // the certified contraction really holds in the weighted norm: ‖S⁻¹|A|S‖∞ = contraction
    double[] s = cert.weights();
    for (int i = 0; i < 2; i++) {
      double row = (Math.abs(a.get(i, 0)) * s[0] + Math.abs(a.get(i, 1)) * s[1]) / s[i];
      assertTrue(row <= cert.contraction() + 1e-12);
    }
  }

  @Test
  void infNormConditionAndNoneAreReported() {
    Matrix small = Matrix.fromRows(new double[][] {{0.2, -0.3}, {0.1, 0.4}});
    assertEquals(Certificate.Condition.INF_NORM, WellPosedness.certify(small, Activation.RELU).condition());
    Matrix big = Matrix.fromRows(new double[][] {{0.9, 0.5}, {0.5, 0.9}});
    Certificate none = WellPosedness.certify(big, Activation.RELU);
    assertEquals(Certificate.Condition.NONE, none.condition());
    assertFalse(none.isWellPosed());
  }

  @Test
  void triangularStructureIsRecognised() {
    Matrix a = Matrix.fromRows(new double[][] {{0.5, 3.0}, {0.0, 0.0}});
    assertEquals(Certificate.Condition.TRIANGULAR, WellPosedness.certify(a, Activation.RELU).condition());
    // a non-zero diagonal cannot be back-substituted exactly for tanh; PF still certifies it
    assertEquals(Certificate.Condition.PERRON_FROBENIUS, WellPosedness.certify(a, Activation.TANH).condition());
  }

  @Test
  void illPosedKappaIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> WellPosedness.requireKappa(1.0));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> WellPosedness.requireKappa(1.5));
    assertTrue(e.getMessage().contains("kappa") && e.getMessage().contains("1.5"));
    assertThrows(IllegalArgumentException.class, () -> WellPosedness.requireKappa(Double.NaN));
    assertEquals(0.95, WellPosedness.requireKappa(0.95));
  }

  @Test
  void nanInAIsRefusedByName() {
    Matrix a = Matrix.fromRows(new double[][] {{0.1, Double.NaN}, {0, 0}});
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> WellPosedness.certify(a, Activation.RELU));
    assertTrue(e.getMessage().startsWith("A has a non-finite entry NaN at (0, 1)"), e.getMessage());
  }

  private static double distance(Matrix x, Matrix y) {
    double s = 0;
    for (int k = 0; k < x.data().length; k++) {
      double d = x.data()[k] - y.data()[k];
      s += d * d;
    }
    return Math.sqrt(s);
  }
}
