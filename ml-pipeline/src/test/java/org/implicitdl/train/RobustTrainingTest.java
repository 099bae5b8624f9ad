package org.implicitdl.train;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Random;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.robust.Bounds;
import org.implicitdl.robust.InputBox;
import org.implicitdl.robust.IntervalAnalysis;
import org.implicitdl.solve.SolverSettings;
import org.junit.jupiter.api.Test;

/**
 * Robust training in both solvers (paper §5) certifies more test points than nominal training
 * with the same settings: the gradient solver on the worst-case loss, BCD with the robust (A, B)-step
 * (eq. 18). The figures of both, side by side, go to the robust bench suite.
 */
class RobustTrainingTest {
  private static final double EPSILON = 0.2;

  /** Three Gaussian classes in 4 features; u (4×m), one-hot y (3×m). */
  static Matrix[] data(int m, long seed) {
    Random r = new Random(seed);
    double[][] means = {{0, 0, 0, 0}, {1.2, 0, 0.6, 0}, {0, 1.2, 0, -0.6}};
    Matrix u = Matrix.zeros(4, m);
    Matrix y = Matrix.zeros(3, m);
    for (int j = 0; j < m; j++) {
      int c = j % 3;
      for (int k = 0; k < 4; k++) {
        u.set(k, j, means[c][k] + 0.35 * r.nextGaussian());
      }
      y.set(c, j, 1);
    }
    return new Matrix[] {u, y};
  }

  static double certifiedAccuracy(ImplicitModel m, Matrix u, Matrix y, double epsilon) {
    Bounds b = new IntervalAnalysis(m).interval(u, InputBox.uniform(4, epsilon).radii(u.cols()), SolverSettings.DEFAULT);
    int ok = 0;
    for (int j = 0; j < u.cols(); j++) {
      ok += b.certified(j) && y.get(b.predicted()[j], j) == 1 ? 1 : 0;
    }
    return ok / (double) u.cols();
  }

  @Test
  void robustBcdCertifiesMoreThanNominalBcd() {
    Matrix[] train = data(600, 1);
    Matrix[] test = data(300, 2);
    BcdSettings settings = BcdSettings.defaults(8, Loss.CROSS_ENTROPY).withEpochs(15).withPenalties(1e-2, 0, 0);
    ImplicitModel nominal = new BlockCoordinateDescent(LocalBlockStore.of(train[0], train[1], 128), settings, 4, 3, null).train(null).model();
    ImplicitModel robust = new BlockCoordinateDescent(LocalBlockStore.of(train[0], train[1], 128), settings, 4, 3, null)
        .robust(InputBox.uniform(4, EPSILON)).train(null).model();
    double n = certifiedAccuracy(nominal, test[0], test[1], EPSILON);
    double r = certifiedAccuracy(robust, test[0], test[1], EPSILON);
    System.out.printf("BCD certified accuracy at eps %.2f: nominal %.4f, robust %.4f; clean %.4f vs %.4f%n", EPSILON, n, r,
        certifiedAccuracy(nominal, test[0], test[1], 0), certifiedAccuracy(robust, test[0], test[1], 0));
    assertTrue(r > n + 0.05, "robust BCD " + r + " vs nominal " + n);
  }

  @Test
  void robustGradientTrainingCertifiesMoreThanNominal() {
    Matrix[] train = data(600, 1);
    Matrix[] test = data(300, 2);
    GradientSettings settings = GradientSettings.defaults(8, Loss.CROSS_ENTROPY).withEpochs(12).withOptimizer(50, 0.02, 0.95);
    ImplicitModel nominal = new GradientTrainer(LocalBlockStore.of(train[0], train[1], 128), null, settings, 4, 3, null).train(null).model();
    ImplicitModel robust = new GradientTrainer(LocalBlockStore.of(train[0], train[1], 128), null, settings, 4, 3, null)
        .robust(new RobustObjective(InputBox.uniform(4, EPSILON), 0.7, 0.5)).train(null).model();
    double n = certifiedAccuracy(nominal, test[0], test[1], EPSILON);
    double r = certifiedAccuracy(robust, test[0], test[1], EPSILON);
    System.out.printf("gradient certified accuracy at eps %.2f: nominal %.4f, robust %.4f; clean %.4f vs %.4f%n", EPSILON, n, r,
        certifiedAccuracy(nominal, test[0], test[1], 0), certifiedAccuracy(robust, test[0], test[1], 0));
    assertTrue(r > n + 0.05, "robust gradient " + r + " vs nominal " + n);
  }
}
