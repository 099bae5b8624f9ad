package org.implicitdl.train;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Random;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.solve.WellPosedness;
import org.junit.jupiter.api.Test;

/** Unit checks of the small pieces the solvers are built from: {@link Prox}, {@link Loss}, {@link Mergeable}, {@link QuadraticStep}. */
class ProxAndLossTest {

  @Test
  void proxMinimizesItsProblemAndKeepsTheConstraint() {
    Random r = new Random(1);
    int n = 4;
    int p = 3;
    Prox prox = new Prox(n, p, 0.0, 0.1, 0.2, Architecture.Structure.INF_NORM, 0.8).withStateGroups(0.3, 0.25);
    Matrix v = gaussian(n, n + p + 1, r);
    double eta = 0.5;
    Matrix x = v.copy();
    prox.apply(x, eta);
    assertTrue(WellPosedness.infNorm(x.block(0, n, 0, n)) <= 0.8 + 1e-12, "the ℓ1-ball constraint on the state block");
    // the proximal point is at least as good as random nearby feasible points for ½‖x − v‖² + η·penalty
    double best = objective(x, v, prox, eta);
    for (int trial = 0; trial < 200; trial++) {
      Matrix y = x.copy();
      for (int k = 0; k < y.data().length; k++) {
        y.data()[k] += 1e-3 * r.nextGaussian();
      }
      Matrix feasible = y.copy();
      new Prox(n, p, 0, 0, 0, Architecture.Structure.INF_NORM, 0.8).apply(feasible, 0);
      assertTrue(objective(feasible, v, prox, eta) >= best - 1e-3, "a nearby point beats the proximal map by a margin");
    }
    Matrix zeroGroups = Matrix.zeros(n, n + p + 1);
    assertEquals(0.0, prox.value(zeroGroups));
  }

  /** ℓ1 + group + ridge (but the bias) on an unconstrained readout: the map beats nearby points; the bias column only moves by nothing. */
  @Test
  void proxWithARidgeMinimizesItsProblemAndLeavesTheBias() {
    Random r = new Random(4);
    int n = 3;
    int p = 4;
    Prox prox = Prox.unconstrained(n, p, 0.1, 0.2).withRidge(3.0);
    Matrix v = gaussian(2, n + p + 1, r);
    double eta = 0.4;
    Matrix x = v.copy();
    prox.apply(x, eta);
    assertEquals(v.get(0, n + p), x.get(0, n + p), 0.0, "the bias is not shrunk");
    assertEquals(v.get(1, n + p), x.get(1, n + p), 0.0, "the bias is not shrunk");
    double best = objective(x, v, prox, eta);
    for (int trial = 0; trial < 300; trial++) {
      Matrix y = x.copy();
      for (int k = 0; k < y.data().length; k++) {
        y.data()[k] += 1e-3 * r.nextGaussian();
      }
      assertTrue(objective(y, v, prox, eta) >= best - 1e-12, "a nearby point beats the proximal map");
    }
    assertThrows(IllegalArgumentException.class, () -> new Prox(n, p, 0, 0, 0, Architecture.Structure.INF_NORM, 0.8).withRidge(1.0));
  }

  private static double objective(Matrix x, Matrix v, Prox prox, double eta) {
    double s = 0;
    for (int k = 0; k < x.data().length; k++) {
      s += 0.5 * (x.data()[k] - v.data()[k]) * (x.data()[k] - v.data()[k]);
    }
    return s + eta * prox.value(x);
  }

  @Test
  void lossGradientsMatchFiniteDifferencesAndCurvatureBoundsHold() {
    Random r = new Random(2);
    int q = 4;
    for (Loss loss : Loss.values()) {
      double[] y = new double[q];
      if (loss == Loss.CROSS_ENTROPY) {
        y[2] = 1;
      } else {
        for (int i = 0; i < q; i++) {
          y[i] = r.nextGaussian();
        }
      }
      double[] yHat = new double[q];
      for (int i = 0; i < q; i++) {
        yHat[i] = r.nextGaussian();
      }
      double[] g = new double[q];
      loss.gradient(y, yHat, q, 0, g);
      for (int i = 0; i < q; i++) {
        double[] plus = yHat.clone();
        double[] minus = yHat.clone();
        plus[i] += 1e-6;
        minus[i] -= 1e-6;
        double fd = (loss.value(y, plus, q, 0) - loss.value(y, minus, q, 0)) / 2e-6;
        assertEquals(fd, g[i], 1e-6, loss + " gradient " + i);
        // curvature: the gradient changes by at most curvature·|step| along a coordinate
        double[] gPlus = new double[q];
        loss.gradient(y, plus, q, 0, gPlus);
        assertTrue(Math.abs(gPlus[i] - g[i]) <= loss.curvature() * 1e-6 * (1 + 1e-6) + 1e-15, loss + " curvature");
      }
    }
  }

  @Test
  void statisticsMergeSumsElementwiseAndMaximaByMax() {
    RuleMetrics a = new RuleMetrics(1, 2, 3, 0, 4, 0.5, 7);
    RuleMetrics b = new RuleMetrics(10, 20, 30, 5, 40, 0.25, 9);
    assertEquals(new RuleMetrics(11, 22, 33, 5, 44, 0.5, 9), a.merge(b));
    GradientSums g = new GradientSums(Matrix.identity(2), Matrix.zeros(2, 1), Matrix.zeros(1, 2), Matrix.zeros(1, 1), a)
        .merge(new GradientSums(Matrix.identity(2).scaled(2), Matrix.zeros(2, 1), Matrix.zeros(1, 2), Matrix.zeros(1, 1), b));
    assertEquals(3.0, g.dA().get(0, 0));
    assertEquals(0.0, g.dA().get(0, 1));
    assertEquals(44.0, g.weight());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Mergeable.add(Matrix.zeros(2, 2), Matrix.zeros(2, 3)));
    assertTrue(e.getMessage().contains("shapes 2x2 and 2x3"), e.getMessage());
    Mergeable.Both<RuleMetrics, BcdStatistics.Objective> both = new Mergeable.Both<>(a, new BcdStatistics.Objective(1, 2, 3))
        .merge(new Mergeable.Both<>(b, new BcdStatistics.Objective(4, 5, 6)));
    assertEquals(new BcdStatistics.Objective(5, 7, 9), both.second());
    assertEquals(11.0, both.first().loss());
  }

  @Test
  void quadraticStepSolvesAnUnpenalizedQuadraticAndNeverIncreasesTheObjective() {
    Random r = new Random(3);
    Matrix g = gaussian(5, 5, r);
    Matrix q = org.implicitdl.linalg.Blas.multiply(g, false, g, true);
    for (int i = 0; i < 5; i++) {
      q.set(i, i, q.get(i, i) + 1);
    }
    Matrix l = gaussian(2, 5, r);
    Matrix w = QuadraticStep.solve(Matrix.zeros(2, 5), q, l, new double[] {1, 1}, Prox.unconstrained(0, 4, 0, 0), 3000);
    // the minimizer solves W Q = L
    Matrix residual = org.implicitdl.linalg.Blas.multiply(w, q);
    for (int k = 0; k < residual.data().length; k++) {
      assertEquals(l.data()[k], residual.data()[k], 1e-6);
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
