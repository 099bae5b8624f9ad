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
 * Adam's step on the model's matrices: Adam's formulas entry by entry, then the projection of A's
 * rows (the default configuration's whole proximal map), and the same iterate whether ∇B holds
 * only the columns of the inputs a sparse batch touches or every column.
 */
class AdamStateTest {
  private static final int N = 5;
  private static final int P = 400;
  private static final int Q = 3;

  private static ImplicitModel model() {
    return new ImplicitModel(WellPosedness.projectInfNorm(TestData.gaussian(N, N, 1.0, 1), 0.9), TestData.gaussian(N, P + 1, 0.1, 2),
        TestData.gaussian(Q, N, 0.7, 3), TestData.gaussian(Q, P + 1, 0.1, 4), Activation.RELU, true);
  }

  /** A sparse batch of m columns, 12 hashed inputs each, and the bias row. */
  private static SparseColumns batch(int m, long seed) {
    Random r = new Random(seed);
    Matrix u = Matrix.zeros(P + 1, m);
    for (int j = 0; j < m; j++) {
      for (int k = 0; k < 12; k++) {
        u.set(r.nextInt(P), j, 1 + r.nextInt(4));
      }
      u.set(P, j, 1.0);
    }
    return SparseColumns.of(u);
  }

  private static GradientSums gradient(ImplicitModel m, SparseColumns u, long seed) {
    Matrix y = org.implicitdl.data.LabeledBlock.oneHot(new Random(seed).ints(u.cols(), 0, Q).toArray(), Q);
    Matrix w = Matrix.zeros(1, u.cols());
    java.util.Arrays.fill(w.data(), 1.0);
    return ImplicitGradient.compute(m, m.certificate(), u, y, w, Loss.CROSS_ENTROPY, new SolverSettings(1e-12, 5_000));
  }

  @Test
  void aColumnSparseGradientGivesTheDenseGradientsIterate() {
    GradientSettings st = GradientSettings.defaults(N, Loss.CROSS_ENTROPY).withPenalties(0, 0, 1e-3);
    AdamState sparseAdam = AdamState.zeros(N, P, Q);
    AdamState denseAdam = AdamState.zeros(N, P, Q);
    ImplicitModel sparseModel = model();
    ImplicitModel denseModel = model();
    for (int step = 0; step < 4; step++) {
      SparseColumns u = batch(30, 10 + step);
      GradientSums g = gradient(sparseModel, u, step);
      assertTrue(g.dB().storedColumns() < P, "a batch of 30 rows touches few of the " + P + " inputs");
      GradientSums dense = new GradientSums(g.dA(), g.dB().dense(), g.dC(), g.dD(), g.rule());
      assertTrue(dense.dB().allColumns());
      sparseModel = sparseAdam.step(sparseModel, g, 0.01, st, P);
      denseModel = denseAdam.step(denseModel, dense, 0.01, st, P);
      assertEquals(denseModel.b(), sparseModel.b(), "B after step " + step);
      assertEquals(denseModel.a(), sparseModel.a(), "A after step " + step);
      for (int k = 0; k < 4; k++) {
        assertEquals(denseAdam.first[k], sparseAdam.first[k], "first moment " + k);
        assertEquals(denseAdam.second[k], sparseAdam.second[k], "second moment " + k);
      }
    }
  }

  @Test
  void aStepIsAdamsFormulasThenTheProjectionOfA() {
    double rate = 0.05;
    double decay = 1e-2;
    GradientSettings st = GradientSettings.defaults(N, Loss.CROSS_ENTROPY).withPenalties(0, 0, decay);
    ImplicitModel m = model();
    GradientSums g = gradient(m, batch(40, 7), 3);
    AdamState adam = AdamState.zeros(N, P, Q);
    Matrix[] before = {m.a(), m.b(), m.c(), m.d()};
    ImplicitModel next = adam.step(m, g, rate, st, P);
    // the step reads the current weights where the model holds them and writes new ones: the model it started from is unchanged
    Matrix[] after = {m.a(), m.b(), m.c(), m.d()};
    for (int k = 0; k < 4; k++) {
      assertEquals(before[k], after[k], "the model stepped from, matrix " + k);
    }
    Matrix[] sums = g.byMatrix();
    Matrix[] expected = new Matrix[4];
    for (int k = 0; k < 4; k++) {
      expected[k] = before[k].copy();
      double[] w = expected[k].data();
      for (int i = 0; i < w.length; i++) {
        double gi = sums[k].data()[i] / g.weight() + decay * w[i];
        double first = (1 - AdamState.BETA1) * gi / (1 - AdamState.BETA1);
        double second = (1 - AdamState.BETA2) * gi * gi / (1 - AdamState.BETA2);
        w[i] -= rate * first / (Math.sqrt(second) + AdamState.EPSILON);
      }
    }
    Matrix projected = WellPosedness.projectInfNorm(expected[0], st.kappa());
    assertTrue(WellPosedness.infNorm(next.a()) <= st.kappa() + 1e-12);
    Matrix[] actual = {next.a(), next.b(), next.c(), next.d()};
    Matrix[] wanted = {projected, expected[1], expected[2], expected[3]};
    for (int k = 0; k < 4; k++) {
      assertTrue(TestData.maxAbsDiff(wanted[k], actual[k]) < 1e-12, "matrix " + k + " differs by " + TestData.maxAbsDiff(wanted[k], actual[k]));
    }
    // the first step moves every weight by about the rate (Adam's normalized step), decay included
    assertTrue(TestData.maxAbsDiff(before[1], next.b()) > 0.5 * rate);
  }

  @Test
  void aStepThatOverflowsIsRefusedNamingTheMatrix() {
    ImplicitModel m = model();
    GradientSums g = gradient(m, batch(40, 7), 3);
    assertTrue(java.util.Arrays.stream(g.dD().data()).anyMatch(v -> v < 0), "some of ∇D is negative: Adam moves those entries up");
    Matrix huge = Matrix.zeros(Q, P + 1);
    java.util.Arrays.fill(huge.data(), Double.MAX_VALUE);
    ImplicitModel high = m.with(m.a(), m.b(), m.c(), huge);
    GradientSettings st = GradientSettings.defaults(N, Loss.CROSS_ENTROPY);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AdamState.zeros(N, P, Q).step(high, g, 1e300, st, P));
    assertTrue(e.getMessage().startsWith("D has a non-finite entry"), e.getMessage());
  }
}
