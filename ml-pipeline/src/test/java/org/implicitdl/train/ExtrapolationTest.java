package org.implicitdl.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.solve.Activation;
import org.implicitdl.solve.SolverSettings;
import org.junit.jupiter.api.Test;

/**
 * The cross-entropy (C, D)-step's rounds with {@link Extrapolation}: on many classes, where Böhning's bound ½ is loose by
 * about the classes' count, the rounds a linear fit gets (25) come near the minimum that thousands of rounds find, and
 * twice as many reach it.
 */
class ExtrapolationTest {
  private static final SolverSettings FIXED_POINT = new SolverSettings(1e-10, 500);
  private static final int P = 6;
  private static final int CLASSES = 20;

  @Test
  void manyClassesReachTheMinimumInTheLinearFitsRounds() {
    Random r = new Random(33);
    int m = 800;
    Matrix u = Matrix.zeros(P, m);
    Matrix y = Matrix.zeros(CLASSES, m);
    Matrix w = Matrix.zeros(CLASSES, P);
    for (int i = 0; i < w.data().length; i++) {
      w.data()[i] = r.nextGaussian();
    }
    for (int k = 0; k < m; k++) {
      for (int j = 0; j < P; j++) {
        u.set(j, k, r.nextGaussian());
      }
      int best = 0;
      double top = Double.NEGATIVE_INFINITY;
      for (int c = 0; c < CLASSES; c++) {
        double score = r.nextGaussian();
        for (int j = 0; j < P; j++) {
          score += w.get(c, j) * u.get(j, k);
        }
        if (score > top) {
          top = score;
          best = c;
        }
      }
      y.set(best, k, 1);
    }
    double minimum = loss(fit(u, y, 3000), u, y);
    // plain rounds (a step of the bound's length from the last iterate) leave 30% above the minimum after 25 rounds, 15% after 50
    double linearFitsRounds = loss(fit(u, y, 25), u, y);
    assertTrue(linearFitsRounds - minimum < 0.05 * minimum, "25 rounds from zero: loss " + linearFitsRounds + " against the minimum " + minimum);
    double twice = loss(fit(u, y, 50), u, y);
    assertTrue(twice - minimum < 1e-3 * minimum, "50 rounds from zero: loss " + twice + " against the minimum " + minimum);
    assertTrue(twice <= linearFitsRounds, "50 rounds " + twice + " against 25 rounds " + linearFitsRounds);
  }

  /** The linear readout (B = C = 0) at a small ridge after {@code rounds} majorize–minimize rounds from zero. */
  private static ImplicitModel fit(Matrix u, Matrix y, int rounds) {
    BcdSettings base = BcdSettings.defaults(3, Loss.CROSS_ENTROPY).withFixedPoint(FIXED_POINT).withEpochs(1);
    BcdSettings settings = base.with(d -> d.inner = new InnerSolver(base.inner().pxIterations(), rounds, base.inner().fistaIterations()));
    ImplicitModel zero = ImplicitModel.zero(3, P, CLASSES, Activation.RELU);
    return new BlockCoordinateDescent(LocalBlockStore.of(u, y, 200), settings, P, CLASSES, null).fitReadoutPath(zero, new double[] {1e-4}, f -> true)
        .get(0);
  }

  /** Mean cross-entropy of the readout D·[u; 1] (the states are zero). */
  private static double loss(ImplicitModel model, Matrix u, Matrix y) {
    Matrix d = model.d();
    double total = 0;
    for (int k = 0; k < u.cols(); k++) {
      double[] s = new double[CLASSES];
      double max = Double.NEGATIVE_INFINITY;
      for (int c = 0; c < CLASSES; c++) {
        s[c] = d.get(c, P);
        for (int j = 0; j < P; j++) {
          s[c] += d.get(c, j) * u.get(j, k);
        }
        max = Math.max(max, s[c]);
      }
      double sum = 0;
      int label = 0;
      for (int c = 0; c < CLASSES; c++) {
        sum += Math.exp(s[c] - max);
        label = y.get(c, k) == 1 ? c : label;
      }
      total += Math.log(sum) + max - s[label];
    }
    return total / u.cols();
  }
}
