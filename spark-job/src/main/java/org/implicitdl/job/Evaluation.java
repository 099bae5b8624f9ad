package org.implicitdl.job;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.evaluation.RegressionEvaluator;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.regression.LinearRegression;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.implicitdl.spark.ImplicitClassificationModel;

/**
 * What a trained version is judged by on its validation data: the real rule's metrics, the
 * linear baseline fitted on the same training split (MLlib's LogisticRegression or
 * LinearRegression, so a user sees what the hidden states add), the confusion matrix
 * (classification) or a sample of (prediction, residual) pairs (regression).
 *
 * @param metrics the implicit model's validation metrics (accuracy and logLoss, or rmse; count)
 * @param baseline the linear model's validation metrics with its name under "model", empty when not fitted
 * @param confusion counts[true class][predicted class], null for regression
 * @param residuals up to {@link #RESIDUAL_SAMPLE} pairs {prediction, label − prediction}, null for classification
 */
record Evaluation(Map<String, Double> metrics, Map<String, Object> baseline, long[][] confusion, double[][] residuals) {
  static final int RESIDUAL_SAMPLE = 2000;

  static Evaluation of(Model<?> model, Dataset<Row> train, Dataset<Row> validation, String labelCol, String weightCol, boolean baseline) {
    Map<String, Double> metrics = Jobs.evaluate(model, validation, labelCol);
    Dataset<Row> predicted = model.transform(validation);
    Map<String, Object> linear = baseline ? linearBaselineOrWhy(model, train, validation, labelCol, weightCol) : Map.of();
    if (model instanceof ImplicitClassificationModel c) {
      long[][] confusion = confusion(predicted, labelCol, c.numClasses());
      Map<String, Double> withShares = new LinkedHashMap<>(metrics);
      withShares.put("balancedAccuracy", balancedAccuracy(confusion));
      withShares.put("mostFrequentClassShare", mostFrequentClassShare(confusion));
      return new Evaluation(withShares, linear, confusion, null);
    }
    return new Evaluation(metrics, linear, null, residuals(predicted, labelCol));
  }

  /**
   * The linear baseline, or — where MLlib refuses the data (its L-BFGS line search on inputs near 10³⁰⁰, whose squares
   * overflow its summary statistics) — its name and why, said on the console: the baseline is a comparison beside the
   * trained model, and the model stands without it. Other failures (a lost executor) stop the run as before.
   */
  private static Map<String, Object> linearBaselineOrWhy(Model<?> model, Dataset<Row> train, Dataset<Row> validation, String labelCol,
      String weightCol) {
    try {
      return linearBaseline(model, train, validation, labelCol, weightCol);
    } catch (IllegalArgumentException e) {
      String why = Failures.of(e).message();
      System.out.println("note: the linear baseline (MLlib " + baselineName(model) + ") could not be fitted on these rows (" + why
          + "); the model is evaluated without it");
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("model", baselineName(model));
      out.put("failed", why);
      return out;
    }
  }

  /** The MLlib model the baseline fits: LogisticRegression for a classifier, LinearRegression for a regression. */
  private static String baselineName(Model<?> model) {
    return model instanceof ImplicitClassificationModel ? "LogisticRegression" : "LinearRegression";
  }

  private static Map<String, Object> linearBaseline(Model<?> model, Dataset<Row> train, Dataset<Row> validation, String labelCol,
      String weightCol) {
    Map<String, Object> out = new LinkedHashMap<>();
    if (model instanceof ImplicitClassificationModel) {
      LogisticRegression lr = new LogisticRegression().setFeaturesCol(DataSources.FEATURES).setLabelCol(labelCol);
      if (!weightCol.isEmpty()) {
        lr.setWeightCol(weightCol);
      }
      Dataset<Row> p = lr.fit(train).transform(validation);
      out.put("model", baselineName(model));
      out.put("accuracy", new MulticlassClassificationEvaluator().setLabelCol(labelCol).setMetricName("accuracy").evaluate(p));
      out.put("logLoss", new MulticlassClassificationEvaluator().setLabelCol(labelCol).setMetricName("logLoss").evaluate(p));
      return out;
    }
    if (train.schema().apply(labelCol).dataType().equals(SQLDataTypes.VectorType())) {
      return out;
    }
    LinearRegression lin = new LinearRegression().setFeaturesCol(DataSources.FEATURES).setLabelCol(labelCol);
    if (!weightCol.isEmpty()) {
      lin.setWeightCol(weightCol);
    }
    Dataset<Row> p = lin.fit(train).transform(validation);
    out.put("model", baselineName(model));
    out.put("rmse", new RegressionEvaluator().setLabelCol(labelCol).setMetricName("rmse").evaluate(p));
    return out;
  }

  /** The mean over the classes present of the share of their rows predicted right (recall): accuracy that a majority class cannot carry. */
  static double balancedAccuracy(long[][] confusion) {
    double sum = 0;
    int present = 0;
    for (int k = 0; k < confusion.length; k++) {
      long rows = java.util.Arrays.stream(confusion[k]).sum();
      if (rows > 0) {
        sum += (double) confusion[k][k] / rows;
        present++;
      }
    }
    return present == 0 ? Double.NaN : sum / present;
  }

  /** The share of rows in the most frequent class: the accuracy of always predicting it. */
  static double mostFrequentClassShare(long[][] confusion) {
    long most = 0;
    long all = 0;
    for (long[] row : confusion) {
      long rows = java.util.Arrays.stream(row).sum();
      most = Math.max(most, rows);
      all += rows;
    }
    return all == 0 ? Double.NaN : (double) most / all;
  }

  private static long[][] confusion(Dataset<Row> predicted, String labelCol, int classes) {
    long[][] counts = new long[classes][classes];
    for (Row r : predicted.groupBy(labelCol, "prediction").count().collectAsList()) {
      int truth = (int) ((Number) r.get(0)).doubleValue();
      int guess = (int) r.getDouble(1);
      if (truth >= 0 && truth < classes) {
        counts[truth][guess] += r.getLong(2);
      }
    }
    return counts;
  }

  private static double[][] residuals(Dataset<Row> predicted, String labelCol) {
    List<double[]> pairs = new ArrayList<>();
    for (Row r : predicted.select(labelCol, "prediction").limit(RESIDUAL_SAMPLE).collectAsList()) {
      double[] y = values(r.get(0));
      double[] p = values(r.get(1));
      for (int i = 0; i < y.length && pairs.size() < RESIDUAL_SAMPLE; i++) {
        pairs.add(new double[] {p[i], y[i] - p[i]});
      }
    }
    return pairs.toArray(new double[0][]);
  }

  private static double[] values(Object o) {
    return o instanceof Vector v ? v.toArray() : new double[] {((Number) o).doubleValue()};
  }

  /** The baseline's value of the metric, NaN when there is none. */
  double baselineMetric(String metricName) {
    Object v = baseline.get(metricName);
    return v instanceof Double d ? d : Double.NaN;
  }
}
