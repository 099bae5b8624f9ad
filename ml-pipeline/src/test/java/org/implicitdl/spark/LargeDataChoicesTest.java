package org.implicitdl.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.train.BlockStore;
import org.implicitdl.train.LocalBlockStore;
import org.implicitdl.train.TrainingBlock;
import org.junit.jupiter.api.Test;

/**
 * Data past 20,000 rows still chooses on validation rows: an automatic split of 2,000 rows, and a step-size search whose
 * candidates train on an even sample of the training rows before the kept step size trains on all of them once.
 */
class LargeDataChoicesTest {

  @Test
  void theAutomaticSplitIsATenthUpTo20000RowsAnd2000RowsAbove() {
    ImplicitTrainingParams auto = new ImplicitRegressor();
    SolverPipeline gradient = SolverPipeline.parse("gradient");
    assertEquals(0.1, TrainingStores.validationFraction(auto, gradient, false, false, limit -> Math.min(limit, 1_500)), 0.0);
    assertEquals(0.1, TrainingStores.validationFraction(auto, gradient, false, false, limit -> Math.min(limit, 20_000)), 0.0);
    assertEquals(2_000.0 / 50_000, TrainingStores.validationFraction(auto, gradient, false, false, limit -> Math.min(limit, 50_000)), 1e-15);
    assertEquals(2_000.0 / 3e8, TrainingStores.validationFraction(auto, gradient, true, false, limit -> Math.min(limit, 300_000_000L)), 1e-20);
    assertEquals(0.2, TrainingStores.validationFraction(auto, gradient, false, true, limit -> Math.min(limit, 50_000)), 0.0, "selection");
    assertEquals(0.0, TrainingStores.validationFraction(auto, SolverPipeline.parse("bcd"), false, false, limit -> Math.min(limit, 50_000)), 0.0,
        "BCD regression chooses nothing");
    assertEquals(0.3, TrainingStores.validationFraction(new ImplicitRegressor().setValidationFraction(0.3), gradient, false, false,
        limit -> Math.min(limit, 50_000)), 0.0, "as set");
  }

  /**
   * A tiny regression holds out at least {@value TrainingStores#MIN_VALIDATION_ROWS} rows where the share is automatic (at
   * most half of them): a tenth of 30 rows is often no row at all, and a fit without validation rows neither stops early nor
   * meets the linear check. 100 rows or more keep their share; classes and feature selection keep theirs at any size.
   */
  @Test
  void aTinyRegressionHoldsOutAtLeastTenRows() {
    ImplicitTrainingParams auto = new ImplicitRegressor();
    SolverPipeline gradient = SolverPipeline.parse("gradient");
    assertEquals(10.0 / 30, TrainingStores.validationFraction(auto, gradient, false, false, limit -> Math.min(limit, 30)), 1e-15);
    assertEquals(0.5, TrainingStores.validationFraction(auto, gradient, false, false, limit -> Math.min(limit, 12)), 0.0, "at most half");
    assertEquals(0.1, TrainingStores.validationFraction(auto, gradient, false, false, limit -> Math.min(limit, 100)), 0.0);
    assertEquals(0.1, TrainingStores.validationFraction(auto, gradient, true, false, limit -> Math.min(limit, 30)), 0.0, "classes");
    assertEquals(0.2, TrainingStores.validationFraction(auto, gradient, false, true, limit -> Math.min(limit, 30)), 0.0, "selection");
    assertEquals(0.05, TrainingStores.validationFraction(new ImplicitRegressor().setValidationFraction(0.05), gradient, false, false,
        limit -> Math.min(limit, 30)), 0.0, "as set");
  }

  @Test
  void theSampleTakesBlocksAtAnEvenStrideAndTheRddSampleIsTheLocalOne() {
    Random r = new Random(3);
    Matrix u = Matrix.zeros(2, 100);
    Matrix y = Matrix.zeros(1, 100);
    for (int j = 0; j < 100; j++) {
      u.set(0, j, j);
      u.set(1, j, r.nextGaussian());
      y.set(0, j, r.nextGaussian());
    }
    LocalBlockStore store = LocalBlockStore.of(u, y, 10);
    List<TrainingBlock> half = ((LocalBlockStore) TrainingStores.sample(store, 0.5)).blocks();
    assertEquals(5, half.size());
    for (int k = 0; k < 5; k++) {
      assertSame(store.blocks().get(2 * k + 1), half.get(k), "every second block, spread over the whole input");
    }
    assertEquals(1, ((LocalBlockStore) TrainingStores.sample(store, 0.01)).blocks().size(), "at least one block");
    assertEquals(10, ((LocalBlockStore) TrainingStores.sample(store, 1.0)).blocks().size());
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(SparkTestSession.get().sparkContext());
    RddBlockStore rdd = new RddBlockStore(sc, sc.parallelize(store.blocks(), 3), 2, 0);
    BlockStore sampled = TrainingStores.sample(rdd, 0.3);
    List<TrainingBlock> local = ((LocalBlockStore) TrainingStores.sample(store, 0.3)).blocks();
    List<TrainingBlock> distributed = ((RddBlockStore) sampled).blocks().collect();
    assertEquals(local.size(), distributed.size());
    for (int k = 0; k < local.size(); k++) {
      org.junit.jupiter.api.Assertions.assertArrayEquals(local.get(k).u().dense().data(), distributed.get(k).u().dense().data(), 0.0, "block " + k);
    }
    sampled.close();
    BlockStore oneBlock = TrainingStores.sample(rdd, 0.01);
    List<TrainingBlock> lastOnly = ((RddBlockStore) oneBlock).blocks().collect();
    assertEquals(1, lastOnly.size(), "at least one block on Spark too");
    org.junit.jupiter.api.Assertions.assertArrayEquals(store.blocks().get(9).u().dense().data(), lastOnly.get(0).u().dense().data(), 0.0,
        "the last block, as on the driver");
    assertSame(store.blocks().get(9), ((LocalBlockStore) TrainingStores.sample(store, 0.01)).blocks().get(0));
    oneBlock.close();
    rdd.close();
  }

  /**
   * One fit's choices share one sample ({@link ChoiceRows}): past the sample size, every call gives the same store, counted
   * once, of the local stride sample's rows; closing it frees the sample's cache and leaves the training store as it was.
   * Up to the sample size the choices fit on the training store itself.
   */
  @Test
  void theChoicesOfOneFitShareOneSample() {
    int rows = 2 * StageChoices.CHOICE_SAMPLE_ROWS;
    Matrix u = Matrix.zeros(1, rows);
    Matrix y = Matrix.zeros(1, rows);
    for (int j = 0; j < rows; j++) {
      u.set(0, j, j);
      y.set(0, j, j % 7);
    }
    LocalBlockStore store = LocalBlockStore.of(u, y, 1_000);
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(SparkTestSession.get().sparkContext());
    RddBlockStore rdd = new RddBlockStore(sc, sc.parallelize(store.blocks(), 3), 2, 0);
    ChoiceRows choices = new ChoiceRows(rdd);
    assertEquals(rows, choices.trainingRows());
    assertTrue(choices.sampled());
    BlockStore sample = choices.fitRows();
    assertSame(sample, choices.fitRows(), "built once");
    assertSame(rdd, choices.training());
    long local = StageChoices.rows(TrainingStores.sample(store, StageChoices.CHOICE_SAMPLE_ROWS / (double) rows));
    assertEquals(local, choices.fitRowCount(), "the local stride sample's rows");
    assertEquals(StageChoices.CHOICE_SAMPLE_ROWS, local, 1_000, "about the sample size");
    List<Integer> cached = ((RddBlockStore) sample).cachedRddIds();
    choices.close();
    for (int id : cached) {
      assertTrue(!sc.sc().getPersistentRDDs().contains(id), "the sample's cache freed: RDD " + id);
    }
    assertEquals(rows, StageChoices.rows(rdd), "the training store is not closed with it");
    rdd.close();

    LocalBlockStore small = LocalBlockStore.of(Matrix.zeros(1, 500), Matrix.zeros(1, 500), 100);
    try (ChoiceRows smallChoices = new ChoiceRows(small)) {
      assertTrue(!smallChoices.sampled());
      assertSame(small, smallChoices.fitRows(), "up to the sample size: every training row");
      assertEquals(500, smallChoices.fitRowCount());
    }
  }

  private static Dataset<Row> twiceTheSample() {
    Random r = new Random(21);
    List<Row> out = new ArrayList<>();
    int rows = 2 * StageChoices.CHOICE_SAMPLE_ROWS;
    for (int j = 0; j < rows; j++) {
      double[] u = {r.nextGaussian(), r.nextGaussian()};
      out.add(RowFactory.create(Vectors.dense(u), Math.max(0, u[0] - u[1]) + 0.1 * r.nextGaussian()));
    }
    StructType schema = new StructType().add("features", SQLDataTypes.VectorType()).add("label", DataTypes.DoubleType);
    return SparkTestSession.get().createDataFrame(out, schema).cache();
  }

  private static ImplicitRegressor small() {
    return new ImplicitRegressor().setHiddenDim(3).setMaxIter(2).setBatchSize(4096).setStepSize(0.01).setMinSteps(0);
  }

  @Test
  void pastTheSampleSizeTheKeptStepSizeTrainsOnEveryRowOnceUnblended() {
    Dataset<Row> data = twiceTheSample();
    int rows = 2 * StageChoices.CHOICE_SAMPLE_ROWS;
    ImplicitRegressor base = small();
    ImplicitRegressionModel tuned = base.copy(new ParamMap()).fit(data);
    double kept = tuned.summary().stepSize();
    double k = Math.log(kept / 0.01) / Math.log(2.5);
    assertTrue(Math.abs(k - Math.rint(k)) < 1e-9 && k >= 0 && k < StepSizeSearch.TRIES, "one of the candidates 0.01 x 2.5^k: " + kept);
    assertTrue(kept > 0.01, "a larger step goes further in two epochs: " + kept);
    assertNull(tuned.summary().stepBlend(), "one fit on all rows: nothing to blend");
    assertEquals(3, tuned.implicitModel().hiddenDim());
    // the automatic split held out 2,000 rows, and the full run is the fit at the kept step size
    ImplicitRegressionModel atKept = base.copy(new ParamMap()).setTuneStepSize(false).setStepSize(kept).fit(data);
    LocalTrainingTest.assertSameModel(atKept.implicitModel(), tuned.implicitModel(), "the full run at the kept step size");
    ImplicitRegressionModel split2000 = base.copy(new ParamMap()).setTuneStepSize(false).setStepSize(kept)
        .setValidationFraction(2_000.0 / rows).fit(data);
    LocalTrainingTest.assertSameModel(split2000.implicitModel(), tuned.implicitModel(), "2,000 validation rows");
  }

  @Test
  void aFitKilledInTheSampledSearchOrInTheFullRunResumesThereToTheUninterruptedModel() throws Exception {
    Dataset<Row> data = twiceTheSample();
    int[] firstEpochs = {0};
    ImplicitTraining.Fitted uninterrupted = ImplicitTraining.fit(small(), data, "features", "label", BlockPacking.Task.REGRESSION, 2, 1,
        r -> firstEpochs[0] += r.epoch() == 1 ? 1 : 0);
    int candidates = firstEpochs[0] - 1;
    assertTrue(candidates >= 2, "the search tried at least two step sizes before the full run: " + candidates);
    // killed at the second candidate's first epoch (resumed from the standing saved before it), or at the full run's second
    // epoch (resumed from its first, without searching again)
    record Kill(int nthFirstEpoch, int epoch, String resumedFrom) {}
    for (Kill kill : List.of(new Kill(2, 1, "(candidate 2 of up to 4), after epoch 0"),
        new Kill(candidates + 1, 2, "(kept by the search; the run on every row), after epoch 1"))) {
      ImplicitRegressor killed = small();
      killed.set(killed.trainerStateDir(), Files.createTempDirectory("idl-sampled-state").resolve("state").toString());
      int[] seen = {0};
      assertThrows(IllegalStateException.class, () -> ImplicitTraining.fit(killed, data, "features", "label", BlockPacking.Task.REGRESSION, 2, 1,
          r -> {
            seen[0] += r.epoch() == 1 ? 1 : 0;
            if (seen[0] == kill.nthFirstEpoch() && r.epoch() == kill.epoch()) {
              throw new IllegalStateException("killed");
            }
          }));
      int[] searched = {0};
      ImplicitTraining.Fitted resumed = ImplicitTraining.fit(killed, data, "features", "label", BlockPacking.Task.REGRESSION, 2, 1,
          r -> searched[0] += r.epoch() == 1 ? 1 : 0);
      String from = resumed.summary().resumedFrom();
      assertTrue(from.startsWith("gradient stage, step size ") && from.endsWith(kill.resumedFrom()), "resumed from: '" + from + "'");
      assertEquals(kill.epoch() == 1 ? candidates : 0, searched[0], "first epochs trained after the resume: " + from);
      assertEquals(uninterrupted.summary().stepSize(), resumed.summary().stepSize(), 0.0);
      LocalTrainingTest.assertSameModel(uninterrupted.model(), resumed.model(), "resumed from " + from);
    }
  }
}
