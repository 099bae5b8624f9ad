package org.implicitdl.train;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Random;
import org.implicitdl.TestData;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.linalg.SparseColumns;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.solve.Activation;
import org.implicitdl.solve.SolverSettings;
import org.implicitdl.solve.WellPosedness;
import org.junit.jupiter.api.Test;

/**
 * Sparse input blocks train and score exactly as the same inputs held dense: the gradient sums,
 * the real rule's metrics and the input moments agree to rounding, and sparse data gets a
 * scale-only standardization that keeps it sparse.
 */
class SparseInputsTrainingTest {
  private static final SolverSettings EXACT = new SolverSettings(1e-14, 10_000);

  /** Augmented inputs (p features, about 8% non-zero, then the bias row of ones) for m columns. */
  private static Matrix augmented(int p, int m, long seed) {
    Random r = new Random(seed);
    Matrix u = Matrix.zeros(p + 1, m);
    for (int j = 0; j < m; j++) {
      for (int i = 0; i < p; i++) {
        if (r.nextDouble() < 0.08) {
          u.set(i, j, 5 + 40 * r.nextDouble());
        }
      }
      u.set(p, j, 1.0);
    }
    return u;
  }

  private static void assertClose(Matrix expected, Matrix actual, String what) {
    double scale = Math.max(1, expected.maxAbs());
    for (int k = 0; k < expected.data().length; k++) {
      assertEquals(expected.data()[k], actual.data()[k], 1e-11 * scale, what + " entry " + k);
    }
  }

  @Test
  void gradientSumsAndMetricsEqualTheDenseOnes() {
    int n = 6;
    int p = 50;
    int q = 3;
    int m = 40;
    for (Loss loss : Loss.values()) {
      ImplicitModel model = new ImplicitModel(WellPosedness.projectInfNorm(TestData.gaussian(n, n, 1.0, 1), 0.7),
          TestData.gaussian(n, p + 1, 0.05, 2), TestData.gaussian(q, n, 0.7, 3), TestData.gaussian(q, p + 1, 0.05, 4), Activation.RELU, true);
      Matrix dense = augmented(p, m, 5);
      SparseColumns sparse = SparseColumns.of(dense);
      Matrix y = loss == Loss.SQUARED ? TestData.gaussian(q, m, 1.0, 6) : org.implicitdl.data.LabeledBlock.oneHot(new int[m], q);
      Matrix w = TestData.gaussian(1, m, 1.0, 7).absolute();
      GradientSums a = ImplicitGradient.compute(model, model.certificate(), dense, y, w, loss, EXACT);
      GradientSums b = ImplicitGradient.compute(model, model.certificate(), sparse, y, w, loss, EXACT);
      assertClose(a.dA(), b.dA(), loss + " dA");
      assertClose(a.dB().dense(), b.dB().dense(), loss + " dB");
      assertClose(a.dC(), b.dC(), loss + " dC");
      assertClose(a.dD(), b.dD(), loss + " dD");
      assertEquals(a.rule().loss(), b.rule().loss(), 1e-11 * Math.abs(a.rule().loss()));
      RuleMetrics ra = RealRule.metrics(model, model.certificate(), dense, y, w, loss, EXACT);
      RuleMetrics rb = RealRule.metrics(model, model.certificate(), sparse, y, w, loss, EXACT);
      assertEquals(ra.loss(), rb.loss(), 1e-11 * Math.abs(ra.loss()));
      assertEquals(ra.correct(), rb.correct());
    }
  }

  @Test
  void sparseMomentsEqualTheDenseOnesAndOnlyScale() {
    int p = 30;
    Matrix dense = augmented(p, 64, 11);
    Matrix w = TestData.gaussian(1, 64, 1.0, 12).absolute();
    TrainingBlock denseBlock = new TrainingBlock(dense, TestData.gaussian(2, 64, 3.0, 13), null, null, w);
    TrainingBlock sparseBlock = new TrainingBlock(SparseColumns.of(dense), denseBlock.y(), null, null, w);
    double[] a = Moments.of(denseBlock, true).values();
    double[] b = Moments.of(sparseBlock, true).values();
    for (int k = 0; k < a.length; k++) {
      assertEquals(a[k], b[k], 1e-9 * Math.max(1, Math.abs(a[k])), "moment " + k);
    }
    // merged with a dense block, the sparse one still makes the standardization scale-only
    Standardization units = Moments.of(denseBlock, true).merge(Moments.of(sparseBlock, true)).standardization();
    assertTrue(units.scalesOnly());
    Standardization centred = Moments.of(denseBlock, true).standardization();
    assertFalse(centred.scalesOnly());
    for (int k = 0; k < p; k++) {
      double mean = centred.mean()[k];
      double std = centred.scale()[k];
      double rms = Math.sqrt(std * std + mean * mean);
      assertEquals(rms > 1e-12 ? rms : 1.0, units.scale()[k], 1e-9 * Math.max(1, rms), "scale of input " + k);
    }
    // scale-only units keep a sparse block sparse and give the dense block's numbers
    TrainingBlock scaledSparse = units.standardized(sparseBlock, true);
    assertInstanceOf(SparseColumns.class, scaledSparse.u());
    assertEquals(units.standardized(denseBlock, true).u(), scaledSparse.u().dense());
    // and the model folded back to raw units predicts on raw sparse inputs what the standardized one did on scaled ones
    ImplicitModel std = new ImplicitModel(Matrix.zeros(4, 4), TestData.gaussian(4, p + 1, 0.3, 14), TestData.gaussian(2, 4, 0.5, 15),
        TestData.gaussian(2, p + 1, 0.3, 16), Activation.RELU, true);
    ImplicitModel raw = units.toRaw(std);
    Matrix rawInputs = dense.rowSlice(0, p);
    Matrix scaledInputs = scaledSparse.u().dense().rowSlice(0, p);
    Matrix expected = std.predict(scaledInputs);
    double[] ym = units.targetMean();
    for (int j = 0; j < expected.cols(); j++) {
      for (int i = 0; i < expected.rows(); i++) {
        expected.set(i, j, expected.get(i, j) * units.targetScale() + ym[i]);
      }
    }
    assertClose(expected, raw.predict(SparseColumns.of(rawInputs).dense()), "raw prediction");
    assertClose(expected, raw.readout(raw.solveStates(SparseColumns.of(rawInputs), EXACT).states(), SparseColumns.of(rawInputs)),
        "raw prediction from sparse inputs");
  }
}
