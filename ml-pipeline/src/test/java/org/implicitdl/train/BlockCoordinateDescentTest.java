package org.implicitdl.train;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.implicitdl.data.LabeledBlock;
import org.implicitdl.data.SyntheticData;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.solve.Certificate;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.solve.WellPosedness;
import org.junit.jupiter.api.Test;

class BlockCoordinateDescentTest {

  @Test
  void objectiveNeverIncreasesForSquaredLoss() {
    SyntheticData.Generated g = SyntheticData.implicitRelu(20, 30, 2, 300, 15, 0.5, 0.05, 11);
    BcdSettings st = BcdSettings.defaults(10, Loss.SQUARED).withPenalties(1e-3, 1e-3, 0.5).withEpochs(15).withLambdaMu(new double[] {2}, 2);
    assertMonotone(train(g.data(), st, 30, 2));
  }

  /**
   * BCD with tanh states (the divergence f_tanh and its P-step map) under the §2.2 layer pattern of
   * a 6-4-3-2 network: the objective never increases, no entry outside the pattern is ever non-zero,
   * and the real rule fits better than at the start.
   */
  @Test
  void tanhStatesUnderALayerPatternDescendAndKeepThePattern() {
    SyntheticData.Generated g = SyntheticData.sparseUniformTanhNetwork(new int[] {6, 4, 3, 2}, 0.6, 300, 21);
    LayerMask layers = new LayerMask(new int[] {4, 3});
    BcdSettings st = BcdSettings.defaults(7, Loss.SQUARED).withActivation(org.implicitdl.solve.Activation.TANH)
        .withStructure(Architecture.Structure.TRIANGULAR, 0.95).withShape(StateShape.DENSE.withLayers(layers))
        .withLambdaMu(new double[] {0.1}, 0.1).withEpochs(8);
    BlockCoordinateDescent.Result r = train(g.data(), st, 6, 2);
    assertMonotone(r);
    ImplicitModel m = r.model();
    assertEquals(org.implicitdl.solve.Activation.TANH, m.activation());
    assertOutside(Matrix.hstack(m.a(), m.b()), layers.hiddenPattern(6));
    assertOutside(Matrix.hstack(m.c(), m.d()), layers.readoutPattern(6, 2));
    assertTrue(r.finalRecord().realMetric() < 0.9 * r.history().get(0).realMetric(),
        "real-rule RMSE " + r.history().get(0).realMetric() + " -> " + r.finalRecord().realMetric());
  }

  /** A trainer can be reused: with λ and μ growing each epoch (continuation), a second train() gives the first one's model exactly. */
  @Test
  void aTrainerRunsTwiceToTheSameModel() {
    SyntheticData.Generated g = SyntheticData.implicitRelu(10, 8, 1, 200, 8, 0.5, 0.01, 5);
    BcdSettings st = BcdSettings.defaults(6, Loss.SQUARED).withEpochs(4).withLambdaMu(new double[] {0.5}, 0.5).withLambdaGrowth(1.5);
    BlockCoordinateDescent trainer = new BlockCoordinateDescent(LocalBlockStore.of(g.data().inputs(), g.data().targets(), 50), st, 8, 1, null);
    ImplicitModel first = trainer.train(null).model();
    ImplicitModel second = trainer.train(null).model();
    assertArrayEquals(first.a().data(), second.a().data());
    assertArrayEquals(first.b().data(), second.b().data());
    assertArrayEquals(first.c().data(), second.c().data());
    assertArrayEquals(first.d().data(), second.d().data());
  }

  /** A network converted by fromFeedforward lies in its LayerMask's patterns, and they allow nothing it could not hold. */
  @Test
  void layerPatternsAreTheFeedforwardLayout() {
    java.util.Random rnd = new java.util.Random(3);
    int[] widths = {5, 4, 3, 2};
    List<org.implicitdl.model.DenseLayer> net = new java.util.ArrayList<>();
    for (int l = 0; l + 1 < widths.length; l++) {
      Matrix w = Matrix.zeros(widths[l + 1], widths[l]);
      for (int k = 0; k < w.data().length; k++) {
        w.data()[k] = 1 + rnd.nextDouble();
      }
      double[] bias = new double[widths[l + 1]];
      java.util.Arrays.fill(bias, 0.5);
      net.add(new org.implicitdl.model.DenseLayer(w, bias, l + 2 == widths.length ? null : org.implicitdl.solve.Activation.TANH));
    }
    ImplicitModel m = org.implicitdl.model.ModelAlgebra.fromFeedforward(net);
    LayerMask layers = new LayerMask(new int[] {4, 3});
    Matrix ab = Matrix.hstack(m.a(), m.b());
    Matrix cd = Matrix.hstack(m.c(), m.d());
    Matrix hidden = layers.hiddenPattern(5);
    Matrix readout = layers.readoutPattern(5, 2);
    for (int k = 0; k < ab.data().length; k++) {
      assertEquals(hidden.data()[k] != 0, ab.data()[k] != 0, "[A B] entry " + k);
    }
    for (int k = 0; k < cd.data().length; k++) {
      assertEquals(readout.data()[k] != 0, cd.data()[k] != 0, "[C D] entry " + k);
    }
    assertThrows(IllegalArgumentException.class, () -> StateShape.DENSE.withLayers(layers).requireFor(8, Architecture.Structure.TRIANGULAR));
  }

  private static void assertOutside(Matrix w, Matrix pattern) {
    for (int k = 0; k < w.data().length; k++) {
      if (pattern.data()[k] == 0) {
        assertEquals(0.0, w.data()[k], "entry " + k + " lies outside the layer pattern");
      }
    }
  }

  @Test
  void objectiveNeverIncreasesForCrossEntropyWithPerStateLambda() {
    SyntheticData.Generated g = SyntheticData.implicitRelu(15, 20, 3, 300, 20, 0.5, 0.0, 12);
    int[] labels = new int[300];
    for (int j = 0; j < 300; j++) {
      labels[j] = org.implicitdl.train.LocalSteps.argmax(g.data().targets(), j);
    }
    LabeledBlock data = new LabeledBlock(g.data().inputs(), LabeledBlock.oneHot(labels, 3), labels);
    double[] lambda = new double[8];
    for (int i = 0; i < 8; i++) {
      lambda[i] = 0.5 + i;
    }
    BcdSettings st = BcdSettings.defaults(8, Loss.CROSS_ENTROPY).withPenalties(1e-3, 0, 0).withEpochs(12).withLambdaMu(lambda, 1.0);
    BlockCoordinateDescent.Result r = train(data, st, 20, 3);
    assertMonotone(r);
    assertTrue(r.finalRecord().realMetric() > 0.6, "training accuracy of the real rule " + r.finalRecord().realMetric());
  }

  @Test
  void continuationRunsEveryEpochAndKeepsTheModelWellPosed() {
    SyntheticData.Generated g = SyntheticData.implicitRelu(20, 30, 1, 200, 15, 0.5, 0.05, 15);
    BcdSettings st = BcdSettings.defaults(10, Loss.SQUARED).withEpochs(5).withLambdaMu(new double[] {0.1}, 0.1).withLambdaGrowth(3);
    BlockCoordinateDescent.Result r = train(g.data(), st, 30, 1);
    assertEquals(6, r.history().size(), "continuation must not stop early on a changing objective");
    assertTrue(WellPosedness.infNorm(r.model().a()) <= 0.95 + 1e-12);
    assertTrue(r.finalRecord().realMetric() < r.history().get(0).realMetric(), "real-rule rmse did not improve");
    assertThrows(IllegalArgumentException.class, () -> st.withLambdaGrowth(0.5));
  }

  @Test
  void handOffToGradientSkipsTheRefitAndResetsTheReadout() {
    SyntheticData.Generated g = SyntheticData.implicitRelu(20, 30, 1, 200, 15, 0.5, 0.05, 16);
    BcdSettings st = BcdSettings.defaults(10, Loss.SQUARED).withEpochs(3);
    BlockCoordinateDescent.Result full = train(g.data(), st, 30, 1);
    LocalBlockStore store = LocalBlockStore.of(g.data().inputs(), g.data().targets(), 64);
    BlockCoordinateDescent.Result unrefitted = new BlockCoordinateDescent(store, st, 30, 1, null).withoutReadoutRefit().train(null);
    BlockCoordinateDescent.Result handOff = new BlockCoordinateDescent(LocalBlockStore.of(g.data().inputs(), g.data().targets(), 64), st, 30, 1,
        null).trainAsWarmStart(null);
    assertEquals(full.history().size(), handOff.history().size());
    assertEquals(full.history().get(full.history().size() - 1).objective(), handOff.finalRecord().objective(), 0.0,
        "same epochs, no refit record");
    assertTrue(full.finalRecord().realLoss() <= handOff.finalRecord().realLoss() * (1 + 1e-6), "the refit lowers the real rule's loss");
    ImplicitModel start = handOff.model();
    assertEquals(unrefitted.model().a(), start.a());
    assertEquals(unrefitted.model().b(), start.b());
    assertEquals(0.0, start.c().maxAbs());
    assertEquals(0.0, start.d().maxAbs());
  }

  @Test
  void trainedModelsAreCertifiedWellPosed() {
    SyntheticData.Generated g = SyntheticData.implicitRelu(20, 30, 1, 200, 15, 0.5, 0.05, 13);
    BlockCoordinateDescent.Result r = train(g.data(), BcdSettings.defaults(10, Loss.SQUARED).withEpochs(5), 30, 1);
    assertTrue(WellPosedness.infNorm(r.model().a()) <= 0.95 + 1e-12);
    assertTrue(r.model().certificate().isWellPosed());
    BlockCoordinateDescent.Result tri = train(g.data(), BcdSettings.defaults(10, Loss.SQUARED).withEpochs(5)
        .withStructure(Architecture.Structure.TRIANGULAR, Double.NaN), 30, 1);
    assertEquals(Certificate.Condition.TRIANGULAR, tri.model().certificate().condition());
    assertMonotone(tri);
  }

  @Test
  void illPosedSettingsAreRefusedWithTheParameterNamed() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> BcdSettings.defaults(10, Loss.SQUARED).withStructure(Architecture.Structure.INF_NORM, 1.0));
    assertTrue(e.getMessage().contains("kappa"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> BcdSettings.defaults(10, Loss.SQUARED).withLambdaMu(new double[] {1, 2}, 1));
    assertTrue(e.getMessage().contains("lambda has 2 entries; expected 1 or hiddenDim = 10"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> BcdSettings.defaults(10, Loss.SQUARED).withLambdaMu(new double[] {1}, -1));
    assertTrue(e.getMessage().contains("mu"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> new LocalBlockStore(List.of()).aggregate("x", null,
        (BlockStore.BlockFunction<java.io.Serializable, RuleMetrics>) (p, b) -> null));
    assertTrue(e.getMessage().contains("empty"), e.getMessage());
  }

  @Test
  void integerWeightsTrainLikeRepeatedRows() {
    SyntheticData.Generated g = SyntheticData.implicitRelu(10, 8, 1, 60, 8, 0.5, 0.05, 14);
    Matrix u = g.data().inputs();
    Matrix y = g.data().targets();
    double[] weights = new double[60];
    java.util.List<Integer> repeat = new java.util.ArrayList<>();
    for (int j = 0; j < 60; j++) {
      weights[j] = j % 3;
      for (int r = 0; r < j % 3; r++) {
        repeat.add(j);
      }
    }
    Matrix ur = Matrix.zeros(8, repeat.size());
    Matrix yr = Matrix.zeros(1, repeat.size());
    for (int k = 0; k < repeat.size(); k++) {
      ur.setBlock(0, k, u.columnSlice(repeat.get(k), repeat.get(k) + 1));
      yr.setBlock(0, k, y.columnSlice(repeat.get(k), repeat.get(k) + 1));
    }
    BcdSettings st = BcdSettings.defaults(5, Loss.SQUARED).withPenalties(1e-3, 1e-3, 0.1).withEpochs(4)
        .withFixedPoint(new org.implicitdl.solve.SolverSettings(1e-13, 5000));
    BlockCoordinateDescent.Result weighted = new BlockCoordinateDescent(LocalBlockStore.of(u, y, new Matrix(1, 60, weights), 7), st, 8, 1, null)
        .train(null);
    BlockCoordinateDescent.Result repeated = new BlockCoordinateDescent(LocalBlockStore.of(ur, yr, 11), st, 8, 1, null).train(null);
    for (Matrix[] pair : new Matrix[][] {{weighted.model().a(), repeated.model().a()}, {weighted.model().b(), repeated.model().b()},
        {weighted.model().c(), repeated.model().c()}, {weighted.model().d(), repeated.model().d()}}) {
      assertTrue(org.implicitdl.TestData.maxAbsDiff(pair[0], pair[1]) <= 1e-9 * Math.max(1, pair[1].maxAbs()));
    }
    assertEquals(repeated.finalRecord().objective(), weighted.finalRecord().objective(), 1e-9 * repeated.finalRecord().objective());
  }

  static BlockCoordinateDescent.Result train(LabeledBlock data, BcdSettings st, int p, int q) {
    LocalBlockStore store = LocalBlockStore.of(data.inputs(), data.targets(), 64);
    return new BlockCoordinateDescent(store, st, p, q, null).train(null);
  }

  static void assertMonotone(BlockCoordinateDescent.Result r) {
    List<EpochRecord> h = r.history();
    for (int e = 1; e < h.size(); e++) {
      double before = h.get(e - 1).objective();
      double after = h.get(e).objective();
      assertTrue(after <= before * (1 + 1e-10), "objective rose at epoch " + e + ": " + before + " -> " + after);
    }
  }

}
