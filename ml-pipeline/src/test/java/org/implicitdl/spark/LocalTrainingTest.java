package org.implicitdl.spark;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.model.ImplicitModel;
import org.junit.jupiter.api.Test;

/**
 * Small data trains on the driver's copy of the blocks: the same model as on the executors (to
 * 1e-9, for every solver and for partition-wise local rounds), and a fit stopped after an epoch
 * resumes from its trainer state to the uninterrupted model on this path too.
 */
class LocalTrainingTest {

  private static Dataset<Row> rows(int m, long seed) {
    Random r = new Random(seed);
    List<Row> out = new ArrayList<>();
    for (int j = 0; j < m; j++) {
      double[] u = {r.nextGaussian(), r.nextGaussian(), r.nextGaussian()};
      double y = Math.max(0, u[0] + u[1]) - 0.5 * u[2] + 0.1 * r.nextGaussian();
      out.add(RowFactory.create(Vectors.dense(u), y));
    }
    StructType schema = new StructType().add("features", SQLDataTypes.VectorType()).add("label", DataTypes.DoubleType);
    return SparkTestSession.get().createDataFrame(out, schema).repartition(3);
  }

  private static ImplicitRegressor regressor(String solver) {
    // minSteps 0: the executor path would otherwise run a Spark job for each of 1000 steps; the budget is the same code on both paths
    return new ImplicitRegressor().setHiddenDim(5).setMaxIter(solver.equals("bcd") ? 5 : 4).setBatchSize(40).setStepSize(0.02)
        .setBlockSize(64).setSolver(solver).setMinSteps(0);
  }

  /** Every entry of A, B, C and D equal to 1e-9. */
  static void assertSameModel(ImplicitModel expected, ImplicitModel got, String what) {
    Matrix[][] pairs = {{expected.a(), got.a()}, {expected.b(), got.b()}, {expected.c(), got.c()}, {expected.d(), got.d()}};
    for (Matrix[] pair : pairs) {
      for (int k = 0; k < pair[0].data().length; k++) {
        assertEquals(pair[0].data()[k], pair[1].data()[k], 1e-9, what);
      }
    }
  }

  @Test
  void theDriverPathEqualsTheExecutorPath() {
    Dataset<Row> data = rows(400, 1).cache();
    for (String solver : List.of("gradient", "bcd", "bcd+gradient")) {
      ImplicitModel onExecutors = regressor(solver).setLocalTrainingMb(0).fit(data).implicitModel();
      ImplicitModel onDriver = regressor(solver).fit(data).implicitModel();
      assertSameModel(onExecutors, onDriver, solver);
      // blocks kept serialized (BCD's states then on disk only), or on disk only (data larger than the executors'
      // memory): the same model
      String level = solver.equals("bcd+gradient") ? "DISK_ONLY" : "MEMORY_AND_DISK_SER";
      assertSameModel(onExecutors, regressor(solver).setLocalTrainingMb(0).setBlockStorageLevel(level).fit(data).implicitModel(), solver + ", " + level);
    }
    ImplicitRegressor robust = regressor("gradient").setRobustEpsilon(0.1);
    assertSameModel(robust.copy(new org.apache.spark.ml.param.ParamMap()).setLocalTrainingMb(0).fit(data).implicitModel(),
        robust.fit(data).implicitModel(), "robust gradient training");
    ImplicitRegressor rounds = regressor("gradient");
    rounds.set(rounds.syncsPerEpoch(), 2);
    assertSameModel(rounds.copy(new org.apache.spark.ml.param.ParamMap()).setLocalTrainingMb(0).fit(data).implicitModel(),
        rounds.fit(data).implicitModel(), "local Adam rounds per partition");
  }

  @Test
  void inputsInSinglePrecisionTrainTheSameModelOnEveryPathAndStoreAndNearTheDoubleOne() {
    Dataset<Row> data = rows(400, 4).cache();
    for (String solver : List.of("gradient", "bcd")) {
      ImplicitModel inDouble = regressor(solver).fit(data).implicitModel();
      ImplicitModel onDriver = regressor(solver).setBlockInputPrecision("float").fit(data).implicitModel();
      // the rounded blocks written to disk and read back: the same floats, so the same model as the driver's
      ImplicitModel onDisk = regressor(solver).setBlockInputPrecision("float").setLocalTrainingMb(0).setBlockStorageLevel("DISK_ONLY").fit(data)
          .implicitModel();
      assertSameModel(onDriver, onDisk, solver + ": float inputs on the driver and on disk");
      double largest = 0;
      double scale = 0;
      boolean differs = false;
      for (Matrix[] pair : new Matrix[][] {{inDouble.b(), onDriver.b()}, {inDouble.d(), onDriver.d()}}) {
        for (int k = 0; k < pair[0].data().length; k++) {
          largest = Math.max(largest, Math.abs(pair[0].data()[k] - pair[1].data()[k]));
          scale = Math.max(scale, Math.abs(pair[0].data()[k]));
          differs |= pair[0].data()[k] != pair[1].data()[k];
        }
      }
      assertTrue(differs, solver + ": the inputs were rounded, so the fit moved");
      assertTrue(largest <= 1e-4 * scale, solver + ": rounding the inputs by 6e-8 moved B and D by " + largest + " of " + scale);
    }
  }

  @Test
  void aStoppedFitOnTheDriverResumesToTheUninterruptedModel() throws Exception {
    Dataset<Row> data = rows(300, 2).cache();
    for (String solver : List.of("gradient", "bcd")) {
      ImplicitModel uninterrupted = regressor(solver).setTuneStepSize(false).fit(data).implicitModel();
      ImplicitRegressor stopped = regressor(solver).setTuneStepSize(false);
      stopped.set(stopped.trainerStateDir(), Files.createTempDirectory("idl-local-state").resolve("state").toString());
      IllegalStateException killed = assertThrows(IllegalStateException.class, () -> ImplicitTraining.fit(stopped, data, "features", "label",
          BlockPacking.Task.REGRESSION, 3, 1, r -> {
            if (r.epoch() == 3) {
              throw new IllegalStateException("stopped after epoch 3");
            }
          }));
      assertEquals("stopped after epoch 3", killed.getMessage());
      ImplicitTraining.Fitted resumed = ImplicitTraining.fit(stopped, data, "features", "label", BlockPacking.Task.REGRESSION, 3, 1, null);
      assertFalse(resumed.summary().resumedFrom().isEmpty(), solver + ": the second fit did not resume");
      assertSameModel(uninterrupted, resumed.model(), solver + " resumed");
    }
    // a gradient stage that tunes its step size saves each candidate's state and where the search stands between
    // candidates: stopped in its second candidate, at its start (the state saved between candidates) or after its third
    // epoch (that candidate's own state), the fit resumes there and ends with the uninterrupted model
    ImplicitModel uninterrupted = regressor("gradient").setValidationFraction(0.7).fit(data).implicitModel();
    for (int stopAt : new int[] {1, 3}) {
      ImplicitRegressor stopped = regressor("gradient").setValidationFraction(0.7);
      stopped.set(stopped.trainerStateDir(), Files.createTempDirectory("idl-local-state").resolve("state").toString());
      int[] seen = {0};
      assertThrows(IllegalStateException.class, () -> ImplicitTraining.fit(stopped, data, "features", "label", BlockPacking.Task.REGRESSION, 3, 1,
          r -> {
            if (r.epoch() == stopAt && ++seen[0] == 2) {
              throw new IllegalStateException("stopped in the second candidate after epoch " + stopAt);
            }
          }));
      ImplicitTraining.Fitted again = ImplicitTraining.fit(stopped, data, "features", "label", BlockPacking.Task.REGRESSION, 3, 1, null);
      String from = again.summary().resumedFrom();
      assertTrue(from.contains("(candidate 2 of up to 4)") && from.endsWith("after epoch " + (stopAt - 1)), "stopped after epoch " + stopAt
          + " of the second candidate, resumed from: '" + from + "'");
      assertSameModel(uninterrupted, again.model(), "a tuned gradient stage resumed after epoch " + stopAt + " of its second candidate");
    }
  }
}
