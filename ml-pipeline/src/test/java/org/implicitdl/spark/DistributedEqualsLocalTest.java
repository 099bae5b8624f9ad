package org.implicitdl.spark;

import org.implicitdl.train.Architecture;
import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.implicitdl.data.SyntheticData;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.train.BcdPayload;
import org.implicitdl.train.BcdSettings;
import org.implicitdl.train.BlockCoordinateDescent;
import org.implicitdl.train.BlockStore;
import org.implicitdl.train.LocalBlockStore;
import org.implicitdl.train.LocalSteps;
import org.implicitdl.train.Loss;
import org.implicitdl.train.PrototypeInitialization;
import org.implicitdl.train.Mergeable;
import org.implicitdl.train.SameStatistics;
import org.implicitdl.train.TrainingBlock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DistributedEqualsLocalTest {
  private static final int P = 12;
  private static final int N = 6;
  private static final SyntheticData.Generated DATA = SyntheticData.implicitRelu(8, P, 1, 240, 6, 0.5, 0.01, 3);

  private static double[] labels() {
    return DATA.data().targets().data().clone();
  }

  private static RddBlockStore distributed(int partitions, int blockSize) {
    Dataset<Row> df = SparkTestSession.frame(DATA.data().inputs(), labels()).repartition(partitions);
    JavaRDD<TrainingBlock> blocks = BlockPacking.pack(df, "features", "label", BlockPacking.Task.REGRESSION, P, 1, blockSize);
    return new RddBlockStore(JavaSparkContext.fromSparkContext(SparkTestSession.get().sparkContext()), blocks, 2, 3);
  }

  private static LocalBlockStore local() {
    return LocalBlockStore.of(DATA.data().inputs(), DATA.data().targets(), 10_000);
  }

  private static BcdSettings settings() {
    return BcdSettings.defaults(N, Loss.SQUARED).withPenalties(1e-3, 1e-3, 0.5).withEpochs(4)
        .withFixedPoint(new org.implicitdl.solve.SolverSettings(1e-13, 5000));
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 7})
  void distributedTrainingEqualsOnePartition(int partitions) {
    BlockCoordinateDescent.Result expected = new BlockCoordinateDescent(local(), settings(), P, 1, null).train(null);
    RddBlockStore store = distributed(partitions, 16);
    BlockCoordinateDescent.Result got = new BlockCoordinateDescent(store, settings(), P, 1, null).train(null);
    store.close();
    assertRelativeEquals(expected.model().a(), got.model().a(), "A");
    assertRelativeEquals(expected.model().b(), got.model().b(), "B");
    assertRelativeEquals(expected.model().c(), got.model().c(), "C");
    assertRelativeEquals(expected.model().d(), got.model().d(), "D");
    for (int e = 0; e < expected.history().size(); e++) {
      assertEquals(expected.history().get(e).objective(), got.history().get(e).objective(),
          1e-9 * Math.abs(expected.history().get(e).objective()), "objective at epoch " + e);
    }
  }

  /**
   * BCD with tanh states (its P-step map and majorizer) under a 4-2 layer pattern: every aggregate of
   * an epoch folds on 3 partitions as locally (1e-9), and the whole run predicts the same to 1e-6. The
   * run is not held to 1e-9: measured, the real-rule RMSE differs by 2e-9 relative after one epoch and
   * 6e-9 after four. Rounding that depends on the summation order is amplified by the iterative block
   * solves this configuration takes (MFISTA on [A B] under the pattern, which keeps an iterate by
   * comparing two nearly equal objective values) where the default ReLU run solves its blocks exactly;
   * that is the likely path, not one isolated by experiment.
   */
  @Test
  void tanhLayeredTrainingEqualsTheLocalRun() {
    BcdSettings st = settings().withActivation(org.implicitdl.solve.Activation.TANH).withStructure(Architecture.Structure.TRIANGULAR, 0.95)
        .withShape(org.implicitdl.train.StateShape.DENSE.withLayers(new org.implicitdl.train.LayerMask(new int[] {4, 2})))
        .withPenalties(1e-3, 0, 0);
    BlockCoordinateDescent.Result expected = new BlockCoordinateDescent(local(), st, P, 1, null).train(null);
    RddBlockStore store = distributed(3, 16);
    BlockCoordinateDescent.Result got = new BlockCoordinateDescent(store, st, P, 1, null).train(null);
    store.close();
    Matrix a = expected.model().predict(DATA.data().inputs());
    Matrix b = got.model().predict(DATA.data().inputs());
    for (int k = 0; k < a.data().length; k++) {
      assertEquals(a.data()[k], b.data()[k], 1e-6 * a.maxAbs(), "prediction " + k);
    }
    LocalBlockStore local = local();
    RddBlockStore dist = distributed(3, 7);
    BcdPayload payload = new BcdPayload(expected.model(), st, 0.01, 0.01);
    local.updateStates("states", payload, LocalSteps::initialStates);
    dist.updateStates("states", payload, LocalSteps::initialStates);
    local.updateStates("px", payload, LocalSteps::pxStep);
    dist.updateStates("px", payload, LocalSteps::pxStep);
    for (BlockStore.BlockFunction<BcdPayload, ? extends Mergeable<?>> f : List.<BlockStore.BlockFunction<BcdPayload, ? extends Mergeable<?>>>of(
        LocalSteps::cdStatistics, LocalSteps::abStatistics, LocalSteps::abTargets, LocalSteps::objective, LocalSteps::report)) {
      assertSameFold(local, dist, payload, f, "tanh aggregate");
    }
    dist.close();
  }

  /** Serialized blocks that may spill keep their states on disk (U keeps the memory); every other level keeps both alike. */
  @Test
  void statesGoToDiskOnlyBesideSerializedSpillingBlocks() {
    assertEquals(org.apache.spark.storage.StorageLevel.DISK_ONLY(), RddBlockStore.statesLevel(RddBlockStore.storageLevel("MEMORY_AND_DISK_SER")));
    for (String same : List.of("MEMORY_AND_DISK", "DISK_ONLY", "MEMORY_ONLY", "MEMORY_ONLY_SER")) {
      assertEquals(RddBlockStore.storageLevel(same), RddBlockStore.statesLevel(RddBlockStore.storageLevel(same)), same);
    }
  }

  /** The k-means seeding pass (a merged sample) and every Lloyd pass (cluster sums) fold as locally. */
  @Test
  void prototypeAggregatesEqualTheLocalFold() {
    RddBlockStore dist = distributed(3, 7);
    Matrix expected = PrototypeInitialization.prototypes(local(), N, 9L);
    Matrix got = PrototypeInitialization.prototypes(dist, N, 9L);
    dist.close();
    assertRelativeEquals(expected, got, "prototypes");
  }

  @Test
  void everyAggregateEqualsTheLocalFold() {
    BcdSettings st = settings();
    LocalBlockStore local = local();
    RddBlockStore dist = distributed(3, 7);
    BlockCoordinateDescent.Result trained = new BlockCoordinateDescent(local(), st, P, 1, null).train(null);
    ImplicitModel model = trained.model();
    BcdPayload payload = new BcdPayload(model, st, 0.01, 0.01);
    int inputsRdd = dist.cachedRddIds().get(0);
    local.updateStates("states", payload, LocalSteps::initialStates);
    dist.updateStates("states", payload, LocalSteps::initialStates);
    local.updateStates("px", payload, LocalSteps::pxStep);
    dist.updateStates("px", payload, LocalSteps::pxStep);
    // the state updates rewrote only the states: the blocks' U, Y, w are still the packed RDD's
    assertEquals(List.of(inputsRdd), dist.cachedRddIds().subList(0, 1), "U, Y, w rewritten by a state update");
    assertEquals(2, dist.cachedRddIds().size());
    List<BlockStore.BlockFunction<BcdPayload, ? extends Mergeable<?>>> functions = List.of(LocalSteps::constants, LocalSteps::cdStatistics,
        LocalSteps::cdGradient, LocalSteps::abStatistics, LocalSteps::abGram, LocalSteps::abTargets, LocalSteps::objective, LocalSteps::realRule,
        LocalSteps::report, LocalSteps::cdStatisticsAndGradient, LocalSteps::readoutConstants);
    for (int k = 0; k < functions.size(); k++) {
      assertSameFold(local, dist, payload, functions.get(k), "function " + k);
    }
    // the first-order steps' Gram products (wide inputs), one pass each
    for (org.implicitdl.train.DistributedGram.State state : org.implicitdl.train.DistributedGram.State.values()) {
      org.implicitdl.train.DistributedGram.Payload product = new org.implicitdl.train.DistributedGram.Payload(
          org.implicitdl.TestData.gaussian(2, N + P + 1, 1.0, 5), state);
      SameStatistics.assertSame(local.aggregatePartitions("local", product, org.implicitdl.train.DistributedGram::product),
          dist.aggregatePartitions("distributed", product, org.implicitdl.train.DistributedGram::product), 1e-9, "Gram product with " + state);
    }
    dist.close();
  }

  /** The linear model's ridge path (StageChoices): its row count and every readout fit along it, on RDD blocks as on the local fold. */
  @Test
  void theLinearRidgePathEqualsTheLocalRun() {
    RddBlockStore dist = distributed(3, 7);
    assertEquals(240, StageChoices.rows(local()));
    assertEquals(240, StageChoices.rows(dist));
    ImplicitModel zero = ImplicitModel.zero(N, P, 1, org.implicitdl.solve.Activation.RELU);
    double[] ridges = StageChoices.linearRidges(StageChoices.rows(dist), P);
    // the linear model's own settings: no ℓ1 or group term, so each ridge's fit is one exact solve
    BcdSettings linear = settings().withPenalties(1e-3, 0, 0);
    List<ImplicitModel> onDriver = new BlockCoordinateDescent(local(), linear, P, 1, null).fitReadoutPath(zero, ridges, fit -> true);
    List<ImplicitModel> onRdd = new BlockCoordinateDescent(dist, linear, P, 1, null).fitReadoutPath(zero, ridges, fit -> true);
    assertEquals(ridges.length, onRdd.size());
    for (int k = 0; k < ridges.length; k++) {
      assertRelativeEquals(onDriver.get(k).d(), onRdd.get(k).d(), "D at ridge " + ridges[k]);
    }
    dist.close();
  }

  /**
   * The linear model's ridge chosen by folds ({@link RidgeChoice}, {@link org.implicitdl.train.FoldMask}): every ridge's
   * cross-validated loss on RDD blocks as on the same blocks on the driver (60 rows of two classes, blocks of 13 rows, so
   * that each fold has rows in every block).
   */
  @Test
  void theFoldsRidgeScoresEqualTheLocalRun() {
    java.util.Random r = new java.util.Random(4);
    Matrix u = Matrix.zeros(P, 60);
    Matrix y = Matrix.zeros(2, 60);
    for (int j = 0; j < 60; j++) {
      for (int i = 0; i < P; i++) {
        u.set(i, j, r.nextGaussian());
      }
      y.set(u.get(0, j) - u.get(1, j) + r.nextGaussian() > 0 ? 1 : 0, j, 1);
    }
    LocalBlockStore local = LocalBlockStore.of(u, y, 13);
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(SparkTestSession.get().sparkContext());
    RddBlockStore dist = new RddBlockStore(sc, sc.parallelize(local.blocks(), 3), 2, 0);
    ImplicitModel zero = ImplicitModel.zero(N, P, 2, org.implicitdl.solve.Activation.RELU);
    org.implicitdl.solve.SolverSettings fixedPoint = new org.implicitdl.solve.SolverSettings(1e-10, 500);
    BcdSettings linear = StageChoices.linearFitSettings(zero, Loss.CROSS_ENTROPY, fixedPoint);
    double[] ridges = StageChoices.linearRidges(60, P);
    RidgeChoice onDriver = RidgeChoice.of(new ChoiceRows(local), local, Loss.CROSS_ENTROPY, fixedPoint, P, ridges,
        rows -> StageChoices.linearFoldWalks(rows, linear, P, 2, zero));
    RidgeChoice onRdd = RidgeChoice.of(new ChoiceRows(dist), dist, Loss.CROSS_ENTROPY, fixedPoint, P, ridges,
        rows -> StageChoices.linearFoldWalks(rows, linear, P, 2, zero));
    assertTrue(onRdd.name().contains("fold"), onRdd.name());
    double[] expected = onDriver.foldLosses();
    double[] got = onRdd.foldLosses();
    assertEquals(expected.length, got.length, "ridges walked before the folds' mean loss passed its best");
    for (int k = 0; k < expected.length; k++) {
      assertEquals(expected[k], got[k], 1e-9 * expected[k], "ridge " + ridges[k]);
    }
    dist.close();
  }

  @Test
  void gradientAggregatesEqualTheLocalFold() {
    // fixed points solved to the end: the forward and adjoint iterations stop per row, so blocking changes only rounding
    org.implicitdl.train.GradientSettings gs = org.implicitdl.train.GradientSettings.defaults(N, Loss.SQUARED)
        .withFixedPoint(new org.implicitdl.solve.SolverSettings(1e-13, 5000));
    ImplicitModel model = new BlockCoordinateDescent(local(), settings().withEpochs(1), P, 1, null).train(null).model();
    // one step per epoch: the mini-batch is every row, whatever the blocking
    org.implicitdl.train.GradientTrainer.StepPayload payload = new org.implicitdl.train.GradientTrainer.StepPayload(model,
        model.certificate(), 0, 1, gs);
    RddBlockStore dist = distributed(3, 7);
    assertSameFold(local(), dist, payload, org.implicitdl.train.GradientTrainer::miniBatch, "gradient statistics");
    assertSameFold(local(), dist, payload, org.implicitdl.train.GradientTrainer::evaluate, "real-rule metrics");
    // a synchronous step gathers each partition's share into one batch: the same sums as block by block (the
    // same blocks: a step's columns are a share of each block's)
    LocalBlockStore sameBlocks = LocalBlockStore.ofPartitions(dist.blocks().glom().collect());
    for (int steps : new int[] {1, 3}) {
      org.implicitdl.train.GradientTrainer.StepPayload step = new org.implicitdl.train.GradientTrainer.StepPayload(model,
          model.certificate(), steps - 1, steps, gs);
      SameStatistics.assertSame(sameBlocks.aggregate("blocks", step, org.implicitdl.train.GradientTrainer::miniBatch),
          dist.aggregatePartitions("partitions", step, org.implicitdl.train.GradientTrainer::partitionBatch), 1e-9,
          "mini-batch " + steps + " of " + steps + " gathered per partition");
    }
    dist.close();
  }

  @Test
  void partitionAggregateOnOnePartitionEqualsTheLocalFold() {
    org.implicitdl.train.GradientSettings gs = org.implicitdl.train.GradientSettings.defaults(N, Loss.SQUARED).withSyncsPerEpoch(2)
        .withOptimizer(20, 0.01, 1.0);
    ImplicitModel start = new BlockCoordinateDescent(local(), settings().withEpochs(1), P, 1, null).train(null).model();
    org.implicitdl.train.LocalRounds.Round job = new org.implicitdl.train.LocalRounds.Round(start,
        org.implicitdl.train.AdamState.zeros(N, P, 1), gs, P, 1, 1, 0.01);
    org.implicitdl.train.LocalRounds.Average a = LocalBlockStore.of(DATA.data().inputs(), DATA.data().targets(), 16)
        .aggregatePartitions("local", job, org.implicitdl.train.LocalRounds::run);
    Dataset<Row> df = SparkTestSession.frame(DATA.data().inputs(), labels()).coalesce(1);
    RddBlockStore one = store(BlockPacking.pack(df, "features", "label", BlockPacking.Task.REGRESSION, P, 1, 16));
    org.implicitdl.train.LocalRounds.Average b = one.aggregatePartitions("distributed", job, org.implicitdl.train.LocalRounds::run);
    SameStatistics.assertSame(a, b, 1e-9, "local-steps statistics");
    one.close();
  }

  private static RddBlockStore store(JavaRDD<TrainingBlock> blocks) {
    return new RddBlockStore(JavaSparkContext.fromSparkContext(SparkTestSession.get().sparkContext()), blocks, 2, 0);
  }

  @Test
  void badRowsFailWithTheColumnNamed() {
    Matrix u = DATA.data().inputs().copy();
    u.set(3, 17, Double.NaN);
    Dataset<Row> df = SparkTestSession.frame(u, labels());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> store(BlockPacking.pack(df, "features", "label", BlockPacking.Task.REGRESSION, P, 1, 16)));
    assertTrue(e.getMessage().contains("column 'features' has a non-finite value NaN at index 3"), e.getMessage());

    e = assertThrows(IllegalArgumentException.class, () -> store(BlockPacking.pack(SparkTestSession.frame(DATA.data().inputs(), labels()),
        "features", "label", BlockPacking.Task.REGRESSION, P + 1, 1, 16)));
    assertTrue(e.getMessage().contains("vector of length 12, expected 13"), e.getMessage());

    double[] classes = new double[240];
    classes[5] = 3;
    e = assertThrows(IllegalArgumentException.class, () -> store(BlockPacking.pack(SparkTestSession.frame(DATA.data().inputs(), classes),
        "features", "label", BlockPacking.Task.CLASSIFICATION, P, 3, 16)));
    assertTrue(e.getMessage().contains("column 'label' has label 3.0, expected a class index in 0..2"), e.getMessage());

    RddBlockStore empty = store(BlockPacking.pack(SparkTestSession.frame(DATA.data().inputs(), labels()).limit(0), "features",
        "label", BlockPacking.Task.REGRESSION, P, 1, 16));
    e = assertThrows(IllegalArgumentException.class, () -> new BlockCoordinateDescent(empty, settings(), P, 1, null).train(null));
    assertTrue(e.getMessage().contains("empty"), e.getMessage());
  }

  /** f folded over the local blocks and over the distributed ones: every named statistic equal to 1e-9 relative. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private static <P extends java.io.Serializable> void assertSameFold(BlockStore local, BlockStore dist, P payload,
      BlockStore.BlockFunction<P, ? extends Mergeable<?>> f, String what) {
    BlockStore.BlockFunction raw = f;
    SameStatistics.assertSame(local.aggregate("local", payload, raw), dist.aggregate("distributed", payload, raw), 1e-9, what);
  }

  static void assertRelativeEquals(Matrix expected, Matrix got, String what) {
    assertEquals(expected.shape(), got.shape(), what + " shape");
    double scale = Math.max(1e-300, expected.maxAbs());
    for (int k = 0; k < expected.data().length; k++) {
      assertEquals(expected.data()[k], got.data()[k], 1e-9 * scale, what + " entry " + k);
    }
  }
}
