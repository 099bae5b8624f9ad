package org.implicitdl.spark;

import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.stat.Summarizer;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.implicitdl.train.Standardization;

/** The training rows' means and standard deviations (one aggregate), as a {@link Standardization}. */
final class InputScaling {
  private InputScaling() {}

  static Standardization of(Dataset<Row> rows, String featuresCol, String labelCol, String weightCol, BlockPacking.Task task, int inputs,
      int outputs) {
    Column weight = weightCol.isEmpty() ? functions.lit(1.0) : functions.col(weightCol).cast("double");
    boolean regression = task == BlockPacking.Task.REGRESSION;
    boolean vectorLabel = rows.schema().apply(labelCol).dataType().equals(SQLDataTypes.VectorType());
    Column features = Summarizer.metrics("mean", "variance").summary(functions.col(featuresCol), weight);
    Column targets = regression && vectorLabel ? Summarizer.metrics("mean", "variance").summary(functions.col(labelCol), weight)
        : functions.struct(functions.avg(functions.col(labelCol).cast("double")).as("mean"),
            functions.var_samp(functions.col(labelCol).cast("double")).as("variance"));
    Row r = rows.agg(features.as("f"), targets.as("t")).head();
    Row f = r.getStruct(0);
    if (f == null || f.isNullAt(0)) {
      throw new IllegalArgumentException("training data is empty: 0 rows");
    }
    double[] mean = ((Vector) f.getAs("mean")).toArray();
    double[] std = ((Vector) f.getAs("variance")).toArray();
    for (int k = 0; k < std.length; k++) {
      std[k] = Math.sqrt(std[k]);
    }
    if (!regression) {
      return Standardization.of(mean, std, new double[0], 1.0);
    }
    Row t = r.getStruct(1);
    double[] targetMean;
    double meanVariance;
    if (vectorLabel) {
      targetMean = ((Vector) t.getAs("mean")).toArray();
      meanVariance = java.util.Arrays.stream(((Vector) t.getAs("variance")).toArray()).average().orElse(1.0);
    } else {
      targetMean = new double[] {t.isNullAt(0) ? 0.0 : t.getDouble(0)};
      meanVariance = t.isNullAt(1) ? 1.0 : t.getDouble(1);
    }
    if (targetMean.length != outputs) {
      throw new IllegalArgumentException("column '" + labelCol + "' has " + targetMean.length + " outputs, expected " + outputs);
    }
    return Standardization.of(mean, std, targetMean, Math.sqrt(meanVariance));
  }
}
