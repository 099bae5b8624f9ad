package org.implicitdl.train;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Random;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.solve.Activation;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.solve.WellPosedness;
import org.implicitdl.robust.InputBox;
import org.implicitdl.solve.SolverSettings;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The robust objective's gradient through the interval fixed point equals central finite
 * differences of the objective itself, for every parameter block, for both losses.
 */
class RobustGradientTest {
  private static final SolverSettings EXACT = new SolverSettings(1e-13, 100_000);

  @ParameterizedTest
  @EnumSource(Loss.class)
  void gradientEqualsFiniteDifferencesOfTheRobustObjective(Loss loss) {
    Random r = new Random(loss.ordinal() + 11);
    int n = 6;
    int p = 3;
    int q = 3;
    int m = 5;
    Matrix a = WellPosedness.projectInfNorm(gaussian(n, n, r, 0.6), 0.7);
    ImplicitModel model = new ImplicitModel(a, gaussian(n, p + 1, r, 1), gaussian(q, n, r, 1), gaussian(q, p + 1, r, 0.5),
        Activation.TANH, true);
    Matrix uAug = Matrix.vstack(gaussian(p, m, r, 1), TrainingBlock.unitWeights(m));
    Matrix y = Matrix.zeros(q, m);
    for (int j = 0; j < m; j++) {
      if (loss == Loss.CROSS_ENTROPY) {
        y.set(j % q, j, 1);
      } else {
        for (int i = 0; i < q; i++) {
          y.set(i, j, r.nextGaussian());
        }
      }
    }
    Matrix w = new Matrix(1, m, new double[] {1, 0.5, 2, 1, 0.25});
    RobustObjective objective = new RobustObjective(new InputBox(new double[] {1, 0.5, 2}, 0.1), 0.7, 0);
    GradientSums grad = RobustGradient.compute(model, model.certificate(), uAug, y, w, loss, EXACT, objective);
    double base = value(model, uAug, y, w, loss, objective);
    assertEquals(base, grad.rule().loss(), 1e-9, "the loss the gradient reports is the objective");
    Matrix[] params = {model.a(), model.b(), model.c(), model.d()};
    String[] names = {"A", "B", "C", "D"};
    double h = 1e-6;
    for (int k = 0; k < 4; k++) {
      for (int e = 0; e < params[k].data().length; e++) {
        if (k == 0 && params[k].data()[e] == 0) {
          continue; // |A| has a kink at 0: the symmetric subgradient is not a derivative there
        }
        Matrix[] plus = copies(params);
        Matrix[] minus = copies(params);
        plus[k].data()[e] += h;
        minus[k].data()[e] -= h;
        double fd = (value(model.with(plus[0], plus[1], plus[2], plus[3]), uAug, y, w, loss, objective)
            - value(model.with(minus[0], minus[1], minus[2], minus[3]), uAug, y, w, loss, objective)) / (2 * h);
        double analytic = grad.byMatrix()[k].data()[e];
        assertEquals(fd, analytic, 1e-5 * Math.max(1, Math.abs(fd)), names[k] + "[" + e + "] (" + loss + ")");
      }
    }
  }

  private static double value(ImplicitModel m, Matrix uAug, Matrix y, Matrix w, Loss loss, RobustObjective objective) {
    return RobustGradient.metrics(m, m.certificate(), uAug, y, w, loss, EXACT, objective).loss();
  }

  private static Matrix[] copies(Matrix[] ms) {
    Matrix[] out = new Matrix[ms.length];
    for (int k = 0; k < ms.length; k++) {
      out[k] = ms[k].copy();
    }
    return out;
  }

  private static Matrix gaussian(int rows, int cols, Random r, double scale) {
    double[] d = new double[rows * cols];
    for (int k = 0; k < d.length; k++) {
      d[k] = scale * r.nextGaussian();
    }
    return new Matrix(rows, cols, d);
  }
}
