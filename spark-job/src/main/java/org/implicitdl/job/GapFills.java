package org.implicitdl.job;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.functions;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.model.ModelAlgebra;
import org.implicitdl.spark.ImplicitClassificationModel;
import org.implicitdl.spark.ImplicitRegressionModel;
import org.implicitdl.spark.ModelInfo;

/**
 * What training reads in a number column's gaps ({@link MissingValues}): the column's mean over the training rows. The
 * frames hold 0 there, as predict and evaluate build them from the feature names alone; training moves each marked
 * cell to the mean, and the trained model is then refilled ({@link ModelAlgebra#refilled}) so that on 0-filled rows
 * it predicts exactly what it predicted on mean-filled ones — nothing but the names is stored. Why not train on the
 * 0s: a column in the user's units (a salary about 50,000, sd 10,000) filled with 0 puts its gaps five standard
 * deviations away, and the standardization of the inputs that training computes then squeezes the real values and
 * the optimizer first spends its steps undoing the outliers; a mean fill is what the indicator then corrects.
 */
final class GapFills {
  private static final GapFills NONE = new GapFills(new int[0], new int[0], new double[0]);

  private final int[] filled;
  private final int[] indicators;
  private final double[] means;

  private GapFills(int[] filled, int[] indicators, double[] means) {
    this.filled = filled;
    this.indicators = indicators;
    this.means = means;
  }

  /**
   * The gaps of {@code train}'s features (named {@code featureNames}, each {@code x} beside its {@code x=missing}) and
   * the means of their columns over the rows that have a number there.
   */
  static GapFills of(Dataset<Row> train, List<String> featureNames) {
    List<int[]> pairs = new ArrayList<>();
    for (int k = 0; k < featureNames.size(); k++) {
      String column = MissingValues.indicatedColumn(featureNames.get(k));
      int j = column == null ? -1 : featureNames.indexOf(column);
      if (j >= 0) {
        pairs.add(new int[] {j, k});
      }
    }
    if (pairs.isEmpty()) {
      return NONE;
    }
    Column values = org.apache.spark.ml.functions.vector_to_array(functions.col(DataSources.FEATURES), "float64");
    List<Column> averages = new ArrayList<>();
    for (int[] pair : pairs) {
      averages.add(functions.avg(functions.when(values.getItem(pair[1]).equalTo(0.0), values.getItem(pair[0]))));
    }
    Row r = train.agg(averages.get(0), averages.subList(1, averages.size()).toArray(new Column[0])).head();
    List<int[]> kept = new ArrayList<>();
    List<Double> means = new ArrayList<>();
    for (int g = 0; g < pairs.size(); g++) {
      if (!r.isNullAt(g) && r.getDouble(g) != 0 && Double.isFinite(r.getDouble(g))) {
        kept.add(pairs.get(g));
        means.add(r.getDouble(g));
      }
    }
    return new GapFills(kept.stream().mapToInt(p -> p[0]).toArray(), kept.stream().mapToInt(p -> p[1]).toArray(),
        means.stream().mapToDouble(Double::doubleValue).toArray());
  }

  boolean isEmpty() {
    return filled.length == 0;
  }

  /** {@code frame} with each marked gap of its features at its column's mean instead of 0. */
  Dataset<Row> meanFilled(Dataset<Row> frame) {
    if (isEmpty()) {
      return frame;
    }
    int[] j = filled;
    int[] k = indicators;
    double[] mean = means;
    UDF1<Vector, Vector> fill = v -> {
      double[] u = v.toArray();
      for (int g = 0; g < j.length; g++) {
        if (u[k[g]] == 1.0) {
          u[j[g]] = mean[g];
        }
      }
      return Vectors.dense(u).compressed();
    };
    Column features = functions.udf(fill, SQLDataTypes.VectorType()).apply(functions.col(DataSources.FEATURES));
    return frame.withColumn(DataSources.FEATURES, features.as(DataSources.FEATURES, frame.schema().apply(DataSources.FEATURES).metadata()));
  }

  /** The model trained on mean-filled rows, refilled for rows whose gaps hold 0 (what predict and evaluate build). */
  Model<?> forZeroFilledRows(Model<?> trained) {
    if (isEmpty()) {
      return trained;
    }
    ImplicitModel rule = ModelAlgebra.refilled(((ModelInfo) trained).implicitModel(), filled, indicators, means);
    return trained instanceof ImplicitClassificationModel c ? c.withRule(rule) : ((ImplicitRegressionModel) trained).withRule(rule);
  }

  /** A published model (for 0-filled rows) refilled for this training's mean-filled rows: a warm start from what it predicted. */
  Model<?> forMeanFilledRows(Model<?> published) {
    double[] back = new double[means.length];
    for (int g = 0; g < back.length; g++) {
      back[g] = -means[g];
    }
    ImplicitModel rule = ModelAlgebra.refilled(((ModelInfo) published).implicitModel(), filled, indicators, back);
    return published instanceof ImplicitClassificationModel c ? c.withRule(rule) : ((ImplicitRegressionModel) published).withRule(rule);
  }
}
