package org.implicitdl.train;

import static org.junit.jupiter.api.Assertions.*;

import org.implicitdl.TestData;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.solve.Activation;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.solve.WellPosedness;
import org.implicitdl.solve.SolverSettings;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ImplicitGradientTest {
  private static final SolverSettings EXACT = new SolverSettings(1e-15, 10_000);

  @ParameterizedTest
  @CsvSource({"RELU, true, SQUARED", "RELU, false, CROSS_ENTROPY", "TANH, true, CROSS_ENTROPY", "TANH, false, SQUARED",
      "SIGMOID, true, SQUARED", "SIGMOID, false, CROSS_ENTROPY", "LEAKY_RELU, true, SQUARED"})
  void implicitGradientsEqualFiniteDifferencesOfTheRealRule(Activation phi, boolean withD, Loss loss) {
    int n = 7;
    int p = 5;
    int q = 3;
    Matrix a = WellPosedness.projectInfNorm(TestData.gaussian(n, n, 1.0, 1), 0.8);
    Matrix d = withD ? TestData.gaussian(q, p + 1, 0.5, 4) : Matrix.zeros(q, p + 1);
    ImplicitModel m = new ImplicitModel(a, TestData.gaussian(n, p + 1, 0.7, 2), TestData.gaussian(q, n, 0.7, 3), d, phi, true);
    Matrix u = LocalBlockStore.block(TestData.gaussian(p, 9, 1.0, 5), Matrix.zeros(q, 9)).u().dense();
    Matrix y = loss == Loss.SQUARED ? TestData.gaussian(q, 9, 1.0, 6) : org.implicitdl.data.LabeledBlock.oneHot(new int[] {0, 1, 2, 1, 0, 2, 2, 1, 0}, q);
    GradientSums grad = ImplicitGradient.compute(m, m.certificate(), u, y, TrainingBlock.unitWeights(9), loss, EXACT);
    Matrix[] params = {m.a(), m.b(), m.c(), m.d()};
    String[] names = {"A", "B", "C", "D"};
    for (int k = 0; k < 4; k++) {
      if (k == 3 && !withD) {
        continue;
      }
      for (int e = 0; e < params[k].data().length; e++) {
        double h = 1e-5;
        double plus = lossAt(m, k, e, h, u, y, loss);
        double minus = lossAt(m, k, e, -h, u, y, loss);
        double numeric = (plus - minus) / (2 * h);
        double analytic = grad.byMatrix()[k].data()[e];
        double scale = Math.max(1e-3, Math.abs(numeric));
        assertTrue(Math.abs(numeric - analytic) / scale <= 1e-6,
            names[k] + " entry " + e + ": implicit " + analytic + " vs finite difference " + numeric);
      }
    }
  }

  @org.junit.jupiter.api.Test
  void weightsActLikeRepeatedRows() {
    ImplicitModel m = new ImplicitModel(WellPosedness.projectInfNorm(TestData.gaussian(6, 6, 1.0, 1), 0.8), TestData.gaussian(6, 4, 0.7, 2),
        TestData.gaussian(2, 6, 0.7, 3), TestData.gaussian(2, 4, 0.5, 4), Activation.TANH, true);
    Matrix raw = TestData.gaussian(3, 5, 1.0, 5);
    Matrix y = TestData.gaussian(2, 5, 1.0, 6);
    Matrix w = new Matrix(1, 5, new double[] {1, 2, 0, 3, 1});
    GradientSums weighted = ImplicitGradient.compute(m, m.certificate(), LocalBlockStore.block(raw, y).u(), y, w, Loss.SQUARED, EXACT);
    int[] repeat = {0, 1, 1, 3, 3, 3, 4};
    Matrix rawRepeated = Matrix.zeros(3, repeat.length);
    Matrix yRepeated = Matrix.zeros(2, repeat.length);
    for (int k = 0; k < repeat.length; k++) {
      rawRepeated.setBlock(0, k, raw.columnSlice(repeat[k], repeat[k] + 1));
      yRepeated.setBlock(0, k, y.columnSlice(repeat[k], repeat[k] + 1));
    }
    GradientSums repeated = ImplicitGradient.compute(m, m.certificate(), LocalBlockStore.block(rawRepeated, yRepeated).u(), yRepeated,
        TrainingBlock.unitWeights(repeat.length), Loss.SQUARED, EXACT);
    for (int k = 0; k < 4; k++) {
      assertTrue(TestData.maxAbsDiff(weighted.byMatrix()[k], repeated.byMatrix()[k]) < 1e-12, "gradient " + k);
    }
    assertEquals(repeated.rule().loss(), weighted.rule().loss(), 1e-12);
    assertEquals(7.0, weighted.weight());
  }

  /**
   * At a training tolerance (1e-4, not exact), a block's gradient is the sum of its rows'
   * gradients computed alone: the forward and the adjoint iterations stop column by column, so
   * how rows are blocked does not change the result beyond rounding.
   */
  @org.junit.jupiter.api.Test
  void aBlocksGradientIsTheSumOfItsRowsGradientsAtTrainingTolerance() {
    int n = 8;
    int cols = 40;
    ImplicitModel m = new ImplicitModel(WellPosedness.projectInfNorm(TestData.gaussian(n, n, 1.0, 11), 0.9), TestData.gaussian(n, 6, 0.8, 12),
        TestData.gaussian(3, n, 0.7, 13), TestData.gaussian(3, 6, 0.5, 14), Activation.RELU, true);
    Matrix u = LocalBlockStore.block(TestData.gaussian(5, cols, 1.0, 15), Matrix.zeros(3, cols)).u().dense();
    Matrix y = TestData.gaussian(3, cols, 1.0, 16);
    SolverSettings training = new SolverSettings(1e-4, 1000);
    GradientSums block = ImplicitGradient.compute(m, m.certificate(), u, y, TrainingBlock.unitWeights(cols), Loss.SQUARED, training);
    GradientSums rows = null;
    for (int j = 0; j < cols; j++) {
      GradientSums one = ImplicitGradient.compute(m, m.certificate(), u.columnSlice(j, j + 1), y.columnSlice(j, j + 1), TrainingBlock.unitWeights(1),
          Loss.SQUARED, training);
      rows = rows == null ? one : rows.merge(one);
    }
    for (int k = 0; k < 4; k++) {
      double scale = Math.max(1e-12, block.byMatrix()[k].maxAbs());
      assertTrue(TestData.maxAbsDiff(block.byMatrix()[k], rows.byMatrix()[k]) / scale < 1e-12,
          "gradient " + k + " differs by " + TestData.maxAbsDiff(block.byMatrix()[k], rows.byMatrix()[k]) / scale + " relative");
    }
  }

  private static double lossAt(ImplicitModel m, int which, int entry, double h, Matrix u, Matrix y, Loss loss) {
    Matrix[] params = {m.a(), m.b(), m.c(), m.d()};
    params[which].data()[entry] += h;
    ImplicitModel moved = new ImplicitModel(params[0], params[1], params[2], params[3], m.activation(), true);
    Matrix x = RealRule.states(moved, moved.certificate(), u, EXACT).states();
    return loss.total(y, moved.augmentedReadout(x, u));
  }
}
