package org.implicitdl.robust;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Random;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.solve.Activation;
import org.implicitdl.solve.Certificate;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.solve.WellPosedness;
import org.implicitdl.solve.SolverSettings;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * Soundness of the certified bounds (paper §5): on random well-posed models — every activation,
 * contraction up to 0.95, and models certified only by Perron–Frobenius scaling — no sampled point
 * of the box (corners, uniform points, the attack's iterates) leaves the bounds; the interval
 * bounds are never looser than the closed form; no certified column is broken by the attack.
 */
class IntervalAnalysisTest {
  private static final SolverSettings EXACT = new SolverSettings(1e-12, 100_000);
  private static final double SLACK = 1e-9;

  static Matrix gaussian(int rows, int cols, Random r, double scale) {
    double[] d = new double[rows * cols];
    for (int k = 0; k < d.length; k++) {
      d[k] = scale * r.nextGaussian();
    }
    return new Matrix(rows, cols, d);
  }

  /** ‖A‖∞ = κ; with {@code scaledOnly}, A = S Â S⁻¹ for a wide diagonal S: ‖A‖∞ ≫ 1, λpf(|A|) = κ. */
  static ImplicitModel randomModel(Activation phi, double kappa, boolean scaledOnly, long seed) {
    Random r = new Random(seed);
    int n = 9;
    int p = 4;
    int q = 3;
    Matrix a = WellPosedness.projectInfNorm(gaussian(n, n, r, 1), kappa);
    Matrix scaled = a.copy();
    for (int i = 0; i < n; i++) {
      double row = Math.pow(4, i % 4);
      for (int j = 0; j < n; j++) {
        scaled.set(i, j, a.get(i, j) * row / Math.pow(4, j % 4));
      }
    }
    // keep the spectral radius of |A| (a similarity by a positive diagonal), sharpen by rescaling
    Matrix chosen = scaledOnly ? scaled : a;
    if (scaledOnly) {
      double rho = WellPosedness.perronFrobeniusBound(chosen);
      chosen = chosen.scaled(Math.min(1.0, kappa / rho));
    }
    return new ImplicitModel(chosen, gaussian(n, p + 1, r, 1), gaussian(q, n, r, 1), gaussian(q, p + 1, r, 0.5), phi, true);
  }

  static java.util.stream.Stream<Arguments> cases() {
    java.util.List<Arguments> out = new java.util.ArrayList<>();
    long seed = 1;
    for (Activation phi : Activation.values()) {
      for (double kappa : new double[] {0.5, 0.95}) {
        out.add(Arguments.of(phi, kappa, false, seed++));
      }
      out.add(Arguments.of(phi, 0.9, true, seed++));
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0}, κ={1}, scaled only={2}")
  @MethodSource("cases")
  void noSampledPointOfTheBoxLeavesTheBoundsAndIntervalIsInsideClosedForm(Activation phi, double kappa, boolean scaledOnly, long seed) {
    ImplicitModel model = randomModel(phi, kappa, scaledOnly, seed);
    Certificate cert = model.certificate();
    assertTrue(cert.isWellPosed(), cert.toString());
    if (scaledOnly) {
      assertEquals(Certificate.Condition.PERRON_FROBENIUS, cert.condition(), "this case must rest on the scaled certificate only");
      assertTrue(cert.infNorm() > 1, "‖A‖∞ = " + cert.infNorm());
    }
    IntervalAnalysis analysis = new IntervalAnalysis(model);
    Random r = new Random(seed * 7);
    int p = model.inputDim();
    int m = 6;
    Matrix u = gaussian(p, m, r, 1);
    Matrix radius = new InputBox(new double[] {0.05, 0.2, 0.0, 0.1}, 1.0).radii(m);
    Bounds interval = analysis.interval(u, radius, new SolverSettings(1e-10, 100_000));
    Bounds closed = analysis.closedForm(u, radius, EXACT);
    assertTrue(interval.converged());
    assertInside(interval.stateLower(), interval.stateUpper(), closed.stateLower(), closed.stateUpper(), "states");
    assertInside(interval.outputLower(), interval.outputUpper(), closed.outputLower(), closed.outputUpper(), "outputs");
    for (int j = 0; j < m; j++) {
      assertTrue(interval.worstMargins()[j] >= closed.worstMargins()[j] - SLACK, "interval margin looser than closed form");
    }
    int samples = 0;
    for (int j = 0; j < m; j++) {
      for (int s = 0; s < 1000; s++) {
        double[] point = new double[p];
        for (int f = 0; f < p; f++) {
          double rf = radius.get(f, j);
          double t = s < 16 ? (((s >> f) & 1) == 0 ? -1 : 1) : 2 * r.nextDouble() - 1;
          point[f] = u.get(f, j) + t * rf;
        }
        checkPoint(model, point, interval, j);
        samples++;
      }
    }
    int[] labels = new int[m];
    for (int j = 0; j < m; j++) {
      labels[j] = (interval.predicted()[j] + j) % model.outputDim();
    }
    PgdAttack.Result attacked = PgdAttack.attack(model, u, labels, radius, 10, EXACT);
    for (int j = 0; j < m; j++) {
      checkPoint(model, attacked.adversarial().columnCopy(j), interval, j);
      if (interval.certified(j) && labels[j] == interval.predicted()[j]) {
        assertFalse(attacked.broken()[j], "the attack broke a certified column " + j);
      }
    }
    assertEquals(6000, samples);
  }

  private static void checkPoint(ImplicitModel model, double[] point, Bounds bounds, int j) {
    Matrix col = Matrix.column(point);
    Matrix x = model.solveStates(col, EXACT).states();
    Matrix y = model.readout(x, col);
    for (int i = 0; i < x.rows(); i++) {
      assertTrue(x.get(i, 0) >= bounds.stateLower().get(i, j) - SLACK && x.get(i, 0) <= bounds.stateUpper().get(i, j) + SLACK,
          "state " + i + " of column " + j + " = " + x.get(i, 0) + " outside [" + bounds.stateLower().get(i, j) + ", "
              + bounds.stateUpper().get(i, j) + "]");
    }
    int top = bounds.predicted()[j];
    for (int k = 0; k < y.rows(); k++) {
      assertTrue(y.get(k, 0) >= bounds.outputLower().get(k, j) - SLACK && y.get(k, 0) <= bounds.outputUpper().get(k, j) + SLACK,
          "output " + k + " outside its bounds");
      if (k != top) {
        assertTrue(y.get(top, 0) - y.get(k, 0) >= bounds.worstMargins()[j] - SLACK, "margin below its certified lower bound");
      }
    }
  }

  private static void assertInside(Matrix lo, Matrix hi, Matrix outerLo, Matrix outerHi, String what) {
    for (int k = 0; k < lo.data().length; k++) {
      assertTrue(lo.data()[k] >= outerLo.data()[k] - SLACK && hi.data()[k] <= outerHi.data()[k] + SLACK,
          what + ": interval bound looser than the closed form at " + k);
      assertTrue(lo.data()[k] <= hi.data()[k] + SLACK, what + ": empty interval at " + k);
    }
  }

  @Test
  void zeroRadiusGivesTheNominalPointAndTheRadiusIsCertifiedButNotFarBeyond() {
    ImplicitModel model = randomModel(Activation.RELU, 0.8, false, 99);
    IntervalAnalysis analysis = new IntervalAnalysis(model);
    Matrix u = gaussian(4, 5, new Random(3), 1);
    Bounds at0 = analysis.interval(u, Matrix.zeros(4, 5), EXACT);
    Matrix y = model.predict(u);
    for (int k = 0; k < y.data().length; k++) {
      assertEquals(y.data()[k], at0.outputLower().data()[k], 1e-8);
      assertEquals(y.data()[k], at0.outputUpper().data()[k], 1e-8);
    }
    double[] sigma = {1, 1, 1, 1};
    double[] radii = CertifiedRadius.of(analysis, u, sigma, EXACT, 30);
    for (int j = 0; j < 5; j++) {
      assertTrue(radii[j] > 0 && Double.isFinite(radii[j]), "radius " + radii[j]);
      double[] one = {radii[j]};
      Matrix col = u.columnSlice(j, j + 1);
      assertTrue(analysis.interval(col, new InputBox(sigma, 1).radii(one), EXACT).certified(0), "the radius found must be certified");
      double[] beyond = {radii[j] * 1.01};
      assertFalse(analysis.interval(col, new InputBox(sigma, 1).radii(beyond), EXACT).certified(0),
          "1% beyond the bisected radius is still certified: bisection stopped early");
    }
    double[] sens = analysis.sensitivityTotals();
    assertEquals(4, sens.length);
    for (double s : sens) {
      assertTrue(s > 0);
    }
  }

  @Test
  void badBoxesAndIllPosedModelsAreRefusedWithTheirReason() {
    ImplicitModel model = randomModel(Activation.TANH, 0.5, false, 5);
    IntervalAnalysis analysis = new IntervalAnalysis(model);
    assertTrue(assertThrows(IllegalArgumentException.class, () -> InputBox.uniform(4, -0.1)).getMessage().contains("epsilon"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> InputBox.uniform(4, Double.NaN)).getMessage().contains("epsilon"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> InputBox.of(new double[3], 0.1, 4)).getMessage().contains("3 entries"));
    assertThrows(IllegalArgumentException.class, () -> analysis.interval(Matrix.zeros(3, 2), Matrix.zeros(3, 2), EXACT));
    Matrix big = Matrix.identity(3).scaled(1.5);
    ImplicitModel illPosed = new ImplicitModel(big, Matrix.zeros(3, 2), Matrix.zeros(2, 3), Matrix.zeros(2, 2), Activation.TANH, false);
    String message = assertThrows(IllegalArgumentException.class, () -> new IntervalAnalysis(illPosed)).getMessage();
    assertTrue(message.contains("ill-posed"), message);
  }
}
