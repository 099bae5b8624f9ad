package org.implicitdl.model;

import org.implicitdl.solve.Activation;
import org.implicitdl.solve.Certificate;
import org.implicitdl.solve.WellPosedness;
import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import org.implicitdl.TestData;
import org.implicitdl.linalg.Blas;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.solve.SolverSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ModelAlgebraTest {

  static List<DenseLayer> randomNet(int[] sizes, Activation phi, long seed) {
    List<DenseLayer> layers = new ArrayList<>();
    for (int k = 0; k + 1 < sizes.length; k++) {
      Matrix w = TestData.gaussian(sizes[k + 1], sizes[k], 1.0 / Math.sqrt(sizes[k]), seed + k);
      double[] b = TestData.gaussian(sizes[k + 1], 1, 0.3, seed + 100 + k).data();
      layers.add(new DenseLayer(w, b, k + 2 < sizes.length ? phi : null));
    }
    return layers;
  }

  static Matrix forward(List<DenseLayer> layers, Matrix u) {
    Matrix h = u;
    for (DenseLayer layer : layers) {
      Matrix next = Matrix.zeros(layer.outputs(), u.cols());
      for (int j = 0; j < u.cols(); j++) {
        next.setBlock(0, j, Matrix.column(layer.bias()));
      }
      Blas.gemm(1.0, layer.weights(), false, h, false, 1.0, next);
      if (layer.activation() != null) {
        layer.activation().applyInPlace(next.data());
      }
      h = next;
    }
    return h;
  }

  @ParameterizedTest
  @EnumSource(Activation.class)
  void convertedFeedforwardNetPredictsLikeItsForwardPass(Activation phi) {
    List<DenseLayer> net = randomNet(new int[] {12, 9, 7, 5, 3}, phi, 40);
    ImplicitModel model = ModelAlgebra.fromFeedforward(net);
    assertEquals(21, model.hiddenDim());
    assertEquals(Certificate.Condition.TRIANGULAR, model.certificate().condition());
    Matrix u = TestData.gaussian(12, 64, 1.0, 41);
    Matrix explicit = forward(net, u);
    Matrix implicit = model.predict(u);
    assertTrue(TestData.maxAbsDiff(explicit, implicit) <= 1e-12, "max diff " + TestData.maxAbsDiff(explicit, implicit));
    // A is strictly upper triangular
    Matrix a = model.a();
    for (int i = 0; i < a.rows(); i++) {
      for (int j = 0; j <= i; j++) {
        assertEquals(0.0, a.get(i, j));
      }
    }
  }

  @Test
  void convertedNetAlsoSolvesByPicard() {
    List<DenseLayer> net = randomNet(new int[] {6, 5, 4, 2}, Activation.TANH, 3);
    ImplicitModel model = ModelAlgebra.fromFeedforward(net);
    Matrix u = TestData.gaussian(6, 10, 1.0, 4);
    Matrix viaPicard = model.readout(new org.implicitdl.solve.PicardSolver(new SolverSettings(1e-14, 100))
        .solve(model.a(), model.drive(u), model.activation(), model.certificate(), null)
        .states(), u);
    assertTrue(TestData.maxAbsDiff(forward(net, u), viaPicard) < 1e-12);
  }

  @Test
  void cascadeEqualsRunningTheModelsInSequence() {
    ImplicitModel first = randomImplicit(8, 5, 4, 0.6, true, 50);
    ImplicitModel second = randomImplicit(6, 4, 3, 0.7, true, 60);
    ImplicitModel both = ModelAlgebra.cascade(first, second);
    assertEquals(14, both.hiddenDim());
    assertTrue(both.certificate().isWellPosed());
    Matrix u = TestData.gaussian(5, 30, 1.0, 61);
    Matrix sequential = second.predict(first.predict(u));
    assertTrue(TestData.maxAbsDiff(sequential, both.predict(u)) < 1e-8);
  }

  @Test
  void cascadeOfIllPosedPartIsIllPosed() {
    ImplicitModel first = randomImplicit(4, 3, 2, 0.5, false, 70);
    Matrix bad = Matrix.identity(4);
    for (int i = 0; i < 4; i++) {
      bad.set(i, i, 1.2);
    }
    ImplicitModel second = new ImplicitModel(bad, TestData.gaussian(4, 2, 1, 71), TestData.gaussian(1, 4, 1, 72),
        Matrix.zeros(1, 2), Activation.RELU, false);
    assertFalse(second.certificate().isWellPosed());
    assertFalse(ModelAlgebra.cascade(first, second).certificate().isWellPosed());
  }

  @Test
  void mismatchedLayersAreRefused() {
    List<DenseLayer> net = new ArrayList<>(randomNet(new int[] {4, 3, 2}, Activation.RELU, 1));
    net.set(1, new DenseLayer(Matrix.zeros(2, 5), new double[2], null));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelAlgebra.fromFeedforward(net));
    assertTrue(e.getMessage().contains("output layer takes 5 inputs"), e.getMessage());
  }

  /**
   * Gaps filled with a column's mean in training and with 0 at prediction: the refilled model on the 0-filled rows
   * predicts what the trained one does on the mean-filled rows, and differently from it without the refill.
   */
  @Test
  void refilledModelPredictsOnZeroFilledRowsWhatTheModelDidOnMeanFilledOnes() {
    ImplicitModel trained = randomImplicit(7, 5, 3, 0.8, true, 70);
    int[] filled = {0, 2};
    int[] indicators = {3, 4};
    double[] means = {41.5, -0.25};
    Matrix meanFilled = TestData.gaussian(5, 40, 1.0, 71);
    for (int col = 0; col < 40; col++) {
      for (int g = 0; g < 2; g++) {
        boolean gap = (col + g) % 3 == 0;
        meanFilled.set(indicators[g], col, gap ? 1.0 : 0.0);
        if (gap) {
          meanFilled.set(filled[g], col, means[g]);
        }
      }
    }
    Matrix zeroFilled = meanFilled.copy();
    for (int col = 0; col < 40; col++) {
      for (int g = 0; g < 2; g++) {
        if (meanFilled.get(indicators[g], col) == 1.0) {
          zeroFilled.set(filled[g], col, 0.0);
        }
      }
    }
    ImplicitModel refilled = ModelAlgebra.refilled(trained, filled, indicators, means);
    Matrix expected = trained.predict(meanFilled);
    assertTrue(TestData.maxAbsDiff(expected, refilled.predict(zeroFilled)) <= 1e-9 * (1 + TestData.maxAbsDiff(expected, Matrix.zeros(3, 40))));
    assertTrue(TestData.maxAbsDiff(expected, trained.predict(zeroFilled)) > 1e-3, "the test's gaps change the outputs");
    assertTrue(TestData.maxAbsDiff(trained.a(), refilled.a()) == 0 && TestData.maxAbsDiff(trained.c(), refilled.c()) == 0);
    ImplicitModel back = ModelAlgebra.refilled(refilled, filled, indicators, new double[] {-means[0], -means[1]});
    assertTrue(TestData.maxAbsDiff(trained.b(), back.b()) <= 1e-12 && TestData.maxAbsDiff(trained.d(), back.d()) <= 1e-12);
    assertThrows(IllegalArgumentException.class, () -> ModelAlgebra.refilled(trained, new int[] {0}, new int[] {0}, new double[] {1}));
    assertThrows(IllegalArgumentException.class, () -> ModelAlgebra.refilled(trained, new int[] {0}, new int[] {5}, new double[] {1}));
  }

  static ImplicitModel randomImplicit(int n, int p, int q, double kappa, boolean bias, long seed) {
    int pb = p + (bias ? 1 : 0);
    Matrix a = WellPosedness.projectInfNorm(TestData.gaussian(n, n, 1.0, seed), kappa);
    return new ImplicitModel(a, TestData.gaussian(n, pb, 1.0, seed + 1), TestData.gaussian(q, n, 1.0, seed + 2),
        TestData.gaussian(q, pb, 1.0, seed + 3), Activation.RELU, bias);
  }
}
