package org.implicitdl.model;

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
