package org.implicitdl.model;

import org.implicitdl.solve.Activation;
import static org.junit.jupiter.api.Assertions.*;

import org.implicitdl.TestData;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.solve.FixedPointResult;
import org.implicitdl.solve.SolverSettings;
import org.junit.jupiter.api.Test;

class ImplicitModelTest {

  @Test
  void singleInputPredictionSolvesTheRuleByHand() {
    // n = 1: x = relu(0.5 x + 2u + 1), u = 1 → x = 3 / 0.5 = 6; ŷ = 2x + 3u + 0.5 = 15.5
    ImplicitModel m = new ImplicitModel(Matrix.fromRows(new double[][] {{0.5}}), Matrix.fromRows(new double[][] {{2, 1}}),
        Matrix.fromRows(new double[][] {{2}}), Matrix.fromRows(new double[][] {{3, 0.5}}), Activation.RELU, true);
    assertArrayEquals(new double[] {15.5}, m.predict(new double[] {1.0}), 1e-12);
  }

  /**
   * A model made from another with the same A (a new readout, a temperature) keeps the certificate worked out from A
   * rather than certifying again; one with another A, or another activation, gets its own.
   */
  @Test
  void aModelWithTheSameAKeepsItsCertificateAndAnotherAGetsItsOwn() {
    ImplicitModel m = ModelAlgebraTest.randomImplicit(10, 4, 2, 0.9, true, 5);
    // worked out before the new model is made: what the new one keeps
    m.certificate();
    m.components();
    ImplicitModel newReadout = m.withCD(TestData.gaussian(2, 15, 1.0, 7));
    assertSame(m.certificate(), newReadout.certificate());
    assertSame(m.components(), newReadout.components());
    Matrix a = m.a().scaled(0.5);
    ImplicitModel otherA = m.with(a, m.b(), m.c(), m.d());
    assertNotSame(m.certificate(), otherA.certificate());
    assertEquals(org.implicitdl.solve.WellPosedness.certify(a, m.activation()).toString(), otherA.certificate().toString());
  }

  @Test
  void blockPredictionEqualsColumnByColumn() {
    ImplicitModel m = ModelAlgebraTest.randomImplicit(10, 4, 2, 0.9, true, 5);
    Matrix u = TestData.gaussian(4, 20, 1.0, 6);
    Matrix block = m.predict(u);
    for (int j = 0; j < 20; j++) {
      assertArrayEquals(block.columnCopy(j), m.predict(u.columnCopy(j)), 1e-9);
    }
  }

  /** The interpolation checks what it writes in its own pass: a mix whose difference overflows is an error naming the matrix, as any model's. */
  @Test
  void anInterpolationThatOverflowsIsRefusedAndAFiniteOneIsTheEntrywiseMix() {
    ImplicitModel x = ModelAlgebraTest.randomImplicit(3, 2, 1, 0.5, true, 11);
    ImplicitModel y = ModelAlgebraTest.randomImplicit(3, 2, 1, 0.5, true, 12);
    ImplicitModel mix = x.interpolated(y, 0.25);
    for (int k = 0; k < mix.b().data().length; k++) {
      assertEquals(x.b().data()[k] + 0.25 * (y.b().data()[k] - x.b().data()[k]), mix.b().data()[k], 0.0);
    }
    ImplicitModel high = x.with(x.a(), x.b(), x.c(), Matrix.fromRows(new double[][] {{1e308, 1e308, 1e308}}));
    ImplicitModel low = x.with(x.a(), x.b(), x.c(), Matrix.fromRows(new double[][] {{-1e308, -1e308, -1e308}}));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> high.interpolated(low, 0.5));
    assertTrue(e.getMessage().contains("non-finite"), e.getMessage());
    assertTrue(e.getMessage().startsWith("D "), "names the matrix, as a model's own check does: " + e.getMessage());
  }

  @Test
  void aStepWritesNewMatricesFromTheCurrentOnesAndARefusedEntryIsNamed() {
    ImplicitModel x = ModelAlgebraTest.randomImplicit(3, 2, 1, 0.5, true, 11);
    ImplicitModel doubled = x.stepped((k, current, next) -> {
      for (int i = 0; i < next.length; i++) {
        next[i] = 2 * current[i];
      }
      return true;
    });
    assertEquals(x.b().scaled(2), doubled.b());
    assertEquals(x.a().scaled(2), doubled.a());
    assertNotEquals(x.b(), doubled.b(), "the model stepped from keeps its own matrices");
    ImplicitModel.Step overflowInC = (k, current, next) -> {
      java.util.Arrays.fill(next, k == 2 ? Double.POSITIVE_INFINITY : 0.0);
      return k != 2;
    };
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> x.stepped(overflowInC));
    assertTrue(e.getMessage().startsWith("C has a non-finite entry"), e.getMessage());
  }

  @Test
  void modelIsImmutable() {
    ImplicitModel m = ModelAlgebraTest.randomImplicit(3, 2, 1, 0.5, false, 9);
    Matrix a = m.a();
    a.set(0, 0, 42);
    assertNotEquals(42, m.a().get(0, 0));
  }

  @Test
  void wrongShapesAndNonFiniteEntriesAreRefusedByName() {
    Matrix a = Matrix.zeros(3, 3);
    Matrix b = Matrix.zeros(3, 2);
    Matrix c = Matrix.zeros(1, 3);
    Matrix d = Matrix.zeros(1, 2);
    assertMessage("B must be 3x2, got 4x2", () -> new ImplicitModel(a, Matrix.zeros(4, 2), c, d, Activation.RELU, false));
    assertMessage("C must be 1x3, got 1x4", () -> new ImplicitModel(a, b, Matrix.zeros(1, 4), d, Activation.RELU, false));
    assertMessage("D must be 1x2, got 1x3", () -> new ImplicitModel(a, b, c, Matrix.zeros(1, 3), Activation.RELU, false));
    assertMessage("A must be 3x3, got 3x2", () -> new ImplicitModel(Matrix.zeros(3, 2), b, c, d, Activation.RELU, false));
    Matrix nanB = b.copy();
    nanB.set(2, 1, Double.NaN);
    assertMessage("B has a non-finite entry NaN at (2, 1)", () -> new ImplicitModel(a, nanB, c, d, Activation.RELU, false));
    Matrix infC = c.copy();
    infC.set(0, 0, Double.POSITIVE_INFINITY);
    assertMessage("C has a non-finite entry Infinity at (0, 0)", () -> new ImplicitModel(a, b, infC, d, Activation.RELU, false));
    ImplicitModel ok = new ImplicitModel(a, b, c, d, Activation.RELU, true);
    assertMessage("input block U must be 1x5, got 2x5", () -> ok.predict(Matrix.zeros(2, 5)));
  }

  @Test
  void nonConvergingFixedPointIsFlaggedAndPredictRefuses() {
    Matrix a = Matrix.fromRows(new double[][] {{1.0, 0.6}, {0.6, 1.0}});
    ImplicitModel m = new ImplicitModel(a, Matrix.fromRows(new double[][] {{1}, {1}}), Matrix.fromRows(new double[][] {{1, 1}}),
        Matrix.zeros(1, 1), Activation.RELU, false);
    assertFalse(m.certificate().isWellPosed());
    FixedPointResult r = m.solveStates(Matrix.fromRows(new double[][] {{1.0}}), new SolverSettings(1e-9, 100));
    assertFalse(r.converged());
    ArithmeticException e = assertThrows(ArithmeticException.class, () -> m.predict(new double[] {1.0}));
    assertTrue(e.getMessage().contains("did not converge"));
  }

  private static void assertMessage(String expected, org.junit.jupiter.api.function.Executable call) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
    assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
  }
}
