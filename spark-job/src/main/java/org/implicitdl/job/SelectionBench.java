package org.implicitdl.job;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.ml.evaluation.RegressionEvaluator;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.implicitdl.data.SyntheticData;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.spark.ImplicitRegressionModel;
import org.implicitdl.spark.ImplicitRegressor;

/**
 * {@code idl bench --suite selection} (paper §7.2, issue 15): data from an implicit ReLU model whose
 * B and D read only some inputs, at three sizes and two data seeds that no test uses; the job's
 * configuration with {@code selectFeatures auto} and n = 10 states. Each row: inputs kept,
 * precision and recall of the support, test RMSE beside the unselected fit's, seconds.
 */
final class SelectionBench {
  private static final int[][] SHAPES = {{20, 100, 400, 10}, {15, 60, 1000, 12}, {10, 200, 2000, 8}};
  private static final long[] SEEDS = {101, 202};
  private static final int STATES = 10;
  private static final StructType SCHEMA = new StructType().add("features", new VectorUDT()).add("label", DataTypes.DoubleType);

  private SelectionBench() {}

  static List<Map<String, Object>> run(JobConfig cfg, List<String> notes) throws Exception {
    SparkSession spark = Sessions.create(cfg, "bench selection");
    try {
      List<Map<String, Object>> rows = new ArrayList<>();
      for (int[] s : SHAPES) {
        for (long seed : SEEDS) {
          rows.add(measure(spark, cfg, s, seed));
        }
      }
      notes.add("Data: SyntheticData.implicitRelu(n, p, 1, m + 2000, relevant, kappa 0.5, noise 0.01, seed); the first m rows train, "
          + "the other 2000 test. Training: the job's configuration, hidden " + STATES + ", selectFeatures auto (its automatic 20% of the training rows "
          + "score the path) against selectFeatures none.");
      return rows;
    } finally {
      spark.stop();
    }
  }

  private static Map<String, Object> measure(SparkSession spark, JobConfig cfg, int[] s, long seed) {
    SyntheticData.Generated g = SyntheticData.implicitRelu(s[0], s[1], 1, s[2] + 2000, s[3], 0.5, 0.01, seed);
    List<Row> train = new ArrayList<>();
    List<Row> test = new ArrayList<>();
    Matrix u = g.data().inputs();
    for (int k = 0; k < u.cols(); k++) {
      double[] x = new double[u.rows()];
      for (int j = 0; j < x.length; j++) {
        x[j] = u.get(j, k);
      }
      (k < s[2] ? train : test).add(RowFactory.create(Vectors.dense(x), g.data().targets().get(0, k)));
    }
    var trainRows = spark.createDataFrame(train, SCHEMA).cache();
    var testRows = spark.createDataFrame(test, SCHEMA).cache();
    ImplicitRegressor base = Recipes.configured(new ImplicitRegressor(), cfg);
    base.setHiddenDim(STATES);
    ImplicitRegressionModel dense = base.copy(new org.apache.spark.ml.param.ParamMap()).setSelectFeatures("none").fit(trainRows);
    long t0 = System.nanoTime();
    ImplicitRegressionModel selected = base.copy(new org.apache.spark.ml.param.ParamMap()).setSelectFeatures("auto").fit(trainRows);
    double seconds = (System.nanoTime() - t0) / 1e9;
    int[] kept = selected.selectedFeatures();
    int truePositives = 0;
    for (int j : kept) {
      truePositives += g.relevantFeatures()[j] ? 1 : 0;
    }
    double precision = kept.length == 0 ? 0 : truePositives / (double) kept.length;
    double recall = truePositives / (double) s[3];
    RegressionEvaluator rmse = new RegressionEvaluator().setMetricName("rmse");
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("data", String.format(Locale.ROOT, "n = %d, p = %d, m = %d, %d relevant, seed %d", s[0], s[1], s[2], s[3], seed));
    r.put("kept", kept.length);
    r.put("precision", Math.round(precision * 100) / 100.0);
    r.put("recall", Math.round(recall * 100) / 100.0);
    r.put("rmse_selected", Math.round(rmse.evaluate(selected.transform(testRows)) * 10000) / 10000.0);
    r.put("rmse_all_inputs", Math.round(rmse.evaluate(dense.transform(testRows)) * 10000) / 10000.0);
    r.put("seconds", Math.round(seconds * 10) / 10.0);
    r.put("target_met", precision >= 0.9 && recall >= 0.9);
    System.out.printf(Locale.ROOT, "  %s: %s%n", r.get("data"), r);
    return r;
  }
}
