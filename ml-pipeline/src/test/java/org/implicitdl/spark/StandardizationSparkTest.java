package org.implicitdl.spark;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.implicitdl.train.Standardization;
import org.junit.jupiter.api.Test;

/**
 * Data in any units: the default fit (standardization on) equals, exactly, a fit on data the
 * user had standardized by hand, mapped back to the user's units; its RMSEs are in those units.
 */
class StandardizationSparkTest {
  private static final double[] OFFSET = {1000, 0, 5};
  private static final double[] SCALE = {300, 0.01, 1};

  private static Dataset<Row> rows(int m, long seed, Standardization by) {
    Random r = new Random(seed);
    List<Row> out = new ArrayList<>();
    for (int j = 0; j < m; j++) {
      double[] z = {r.nextGaussian(), r.nextGaussian(), r.nextGaussian()};
      double[] u = new double[3];
      for (int k = 0; k < 3; k++) {
        u[k] = OFFSET[k] + SCALE[k] * z[k];
      }
      double y = 5000 + 300 * Math.max(0, z[0] + z[1]) - 100 * z[2] + 5 * r.nextGaussian();
      if (by != null) {
        by.inputsInPlace(u, 0);
        double[] t = {y};
        by.targetsInPlace(t, 0);
        y = t[0];
      }
      out.add(RowFactory.create(Vectors.dense(u), y));
    }
    StructType schema = new StructType().add("features", SQLDataTypes.VectorType()).add("label", DataTypes.DoubleType);
    return SparkTestSession.get().createDataFrame(out, schema);
  }

  /** Exactly 6 epochs on all rows (no small-data budget, no automatic split): the comparison is of the units, not the defaults. */
  private static ImplicitRegressor regressor() {
    return new ImplicitRegressor().setHiddenDim(5).setMaxIter(6).setBatchSize(40).setStepSize(0.02).setBlockSize(64).setMinSteps(0)
        .setValidationFraction(0);
  }

  /** The training blocks of {@code raw}, packed as the estimator packs them (here 3 partitions of 64-row blocks). */
  private static RddBlockStore store(Dataset<Row> raw) {
    return new RddBlockStore(org.apache.spark.api.java.JavaSparkContext.fromSparkContext(SparkTestSession.get().sparkContext()),
        BlockPacking.pack(raw.repartition(3), "features", "label", "", BlockPacking.Task.REGRESSION, 3, 1, 64), 2, 0);
  }

  private static Standardization units(Dataset<Row> raw) {
    RddBlockStore store = store(raw);
    try {
      return store.aggregate("moments", true, (Boolean r, org.implicitdl.train.TrainingBlock b) -> org.implicitdl.train.Moments.of(b, r))
          .standardization();
    } finally {
      store.close();
    }
  }

  /** The moments aggregate over partitions equals the fold over the same rows in one block, to 1e-12. */
  @Test
  void theDistributedMomentsEqualTheLocalFold() {
    Dataset<Row> raw = rows(400, 5, null);
    double[] distributed;
    RddBlockStore store = store(raw);
    try {
      distributed = store.aggregate("moments", true, (Boolean r, org.implicitdl.train.TrainingBlock b) -> org.implicitdl.train.Moments.of(b, r))
          .values();
    } finally {
      store.close();
    }
    List<org.implicitdl.train.TrainingBlock> one = new ArrayList<>();
    List<Row> all = raw.collectAsList();
    double[] u = new double[3 * all.size()];
    double[] y = new double[all.size()];
    for (int j = 0; j < all.size(); j++) {
      System.arraycopy(((Vector) all.get(j).get(0)).toArray(), 0, u, 3 * j, 3);
      y[j] = all.get(j).getDouble(1);
    }
    one.add(org.implicitdl.train.LocalBlockStore.block(new org.implicitdl.linalg.Matrix(3, all.size(), u),
        new org.implicitdl.linalg.Matrix(1, all.size(), y)));
    double[] local = org.implicitdl.train.Moments.of(one.get(0), true).values();
    assertEquals(local.length, distributed.length);
    for (int k = 0; k < local.length; k++) {
      assertEquals(local[k], distributed[k], 1e-12 * Math.max(1, Math.abs(local[k])), "entry " + k);
    }
    Standardization units = org.implicitdl.train.Moments.of(one.get(0), true).standardization();
    assertEquals(1000, units.mean()[0], 60);
    assertEquals(0.01, units.scale()[1], 0.002);
  }

  @Test
  void theDefaultFitOnRawDataIsTheFitOnStandardizedDataInTheUsersUnits() {
    Dataset<Row> raw = rows(400, 1, null);
    Standardization units = units(raw);
    // rows in the order given: a content-ordered fit would order the raw and the standardized rows differently
    ImplicitRegressionModel onRaw = regressor().setDeterministic(false).fit(raw);
    ImplicitRegressionModel byHand = regressor().setDeterministic(false).setStandardization(false).fit(rows(400, 1, units));
    List<Row> a = onRaw.transform(raw).select("prediction").collectAsList();
    List<Row> b = byHand.transform(rows(400, 1, units)).select("prediction").collectAsList();
    for (int j = 0; j < a.size(); j++) {
      double expected = units.targetScale() * b.get(j).getDouble(0) + units.targetMean()[0];
      assertEquals(expected, a.get(j).getDouble(0), 1e-9 * Math.abs(expected));
    }
    double rmseRaw = onRaw.summary().finalRecord().realMetric();
    assertEquals(units.targetScale() * byHand.summary().finalRecord().realMetric(), rmseRaw, 1e-9 * rmseRaw, "RMSE in the label's units");
    assertEquals(onRaw.evaluate(raw).get("rmse"), rmseRaw, 1e-6 * rmseRaw, "the summary's RMSE is the model's on the data");
  }

  @Test
  void unscaledInputsTrainAsWellAsScaledOnes() {
    Dataset<Row> raw = rows(600, 2, null);
    Dataset<Row> fresh = rows(400, 3, null);
    double standardized = regressor().setMaxIter(15).fit(raw).evaluate(fresh).get("rmse");
    double asGiven = regressor().setMaxIter(15).setStandardization(false).fit(raw).evaluate(fresh).get("rmse");
    assertTrue(standardized < 0.5 * asGiven, "fresh-row rmse " + standardized + " standardized vs " + asGiven + " as given");
  }

  @Test
  void aWarmStartInTheUsersUnitsContinuesWhereTheModelStood() throws Exception {
    Dataset<Row> raw = rows(300, 4, null);
    ImplicitRegressionModel first = regressor().fit(raw);
    String dir = saved(first);
    ImplicitRegressionModel warm = regressor().setMaxIter(1).setStepSize(1e-9).setInitialModelPath(dir).fit(raw);
    Vector x = Vectors.dense(1100, 0.005, 4);
    assertEquals(first.implicitModel().predict(x.toArray())[0], warm.implicitModel().predict(x.toArray())[0], 1e-3,
        "a warm start converted to standard units and back predicts as before (one epoch of step 1e-9)");
  }

  /** A warm start trains the model it is given with its own states, where they differ from hiddenDim (pruned, or two step sizes blended). */
  @Test
  void aWarmStartKeepsTheStatesOfItsModel() throws Exception {
    Dataset<Row> raw = rows(300, 4, null);
    ImplicitRegressionModel first = regressor().fit(raw);
    String dir = saved(first);
    ImplicitRegressionModel wider = regressor().setHiddenDim(9).setMaxIter(1).setStepSize(1e-9).setInitialModelPath(dir).fit(raw);
    assertEquals(5, wider.implicitModel().hiddenDim(), "the warm start's 5 states, not hiddenDim 9");
    Vector x = Vectors.dense(1100, 0.005, 4);
    assertEquals(first.implicitModel().predict(x.toArray())[0], wider.implicitModel().predict(x.toArray())[0], 1e-3);
  }

  /** The model written to a new temporary folder, for a warm start. */
  private static String saved(ImplicitRegressionModel model) throws java.io.IOException {
    java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("warm");
    model.write().overwrite().save(dir.toString());
    return dir.toString();
  }
}
