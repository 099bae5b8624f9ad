package org.implicitdl.solve;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ActivationTest {

  @ParameterizedTest
  @EnumSource(Activation.class)
  void divergenceIsZeroExactlyOnTheGraphOfPhi(Activation phi) {
    for (double z = -3; z <= 3; z += 0.25) {
      assertEquals(0.0, phi.divergence(phi.apply(z), z), 1e-12, "at z=" + z);
      double off = phi.apply(z) + 0.05;
      double d = phi.divergence(off, z);
      assertTrue(d > 1e-6, phi + " divergence off the graph must be positive at z=" + z + ", got " + d);
    }
  }

  @ParameterizedTest
  @EnumSource(Activation.class)
  void derivativeMatchesFiniteDifferences(Activation phi) {
    for (double z = -2.9; z <= 3; z += 0.37) {
      double h = 1e-6;
      double fd = (phi.apply(z + h) - phi.apply(z - h)) / (2 * h);
      assertEquals(fd, phi.derivative(z), 1e-6, phi + " at " + z);
    }
  }

  /**
   * proxRemainder(v, t) minimizes ½(p − v)² + t·(F(p) − ½p²) — the P-step's proximal map — where
   * F(p) − ½p² is read off the divergence at z = 0 (f_φ(p, 0) = F(p) + F*(0)): no point of a fine grid
   * over φ's range does better, for steps t below, at and above 1.
   */
  @ParameterizedTest
  @EnumSource(Activation.class)
  void proxRemainderMinimizesItsObjective(Activation phi) {
    for (double t : new double[] {0.01, 0.5, 1.0, 3.0}) {
      for (double v = -3; v <= 3; v += 0.3) {
        double best = phi.proxRemainder(v, t);
        double at = proxObjective(phi, best, v, t);
        assertTrue(Double.isFinite(at), phi + ": the map left φ's range at v=" + v + ", t=" + t + ": " + best);
        for (double q = -3; q <= 3; q += 1e-3) {
          double other = proxObjective(phi, q, v, t);
          assertTrue(at <= other + 1e-10, phi + " at v=" + v + ", t=" + t + ": p=" + best + " scores " + at + ", p=" + q + " scores " + other);
        }
      }
    }
  }

  private static double proxObjective(Activation phi, double p, double v, double t) {
    return 0.5 * (p - v) * (p - v) + t * (phi.divergence(p, 0) - 0.5 * p * p);
  }

  @ParameterizedTest
  @EnumSource(Activation.class)
  void isNonExpansive(Activation phi) {
    for (double z = -4; z <= 4; z += 0.1) {
      assertTrue(Math.abs(phi.apply(z + 0.1) - phi.apply(z)) <= 0.1 + 1e-15);
    }
  }

  @Test
  void reluDivergenceIsThePapersFormula() {
    double p = 1.5;
    double z = -0.7;
    assertEquals(0.5 * p * p + 0 - p * z, Activation.RELU.divergence(p, z), 1e-15);
    assertEquals(Double.POSITIVE_INFINITY, Activation.RELU.divergence(-0.1, 1.0));
  }

  @Test
  void parsesNamesAndRejectsUnknownOnes() {
    assertEquals(Activation.LEAKY_RELU, Activation.parse("Leaky-ReLU"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Activation.parse("swish"));
    assertTrue(e.getMessage().contains("swish"));
  }
}
