package org.implicitdl.spark;

import org.apache.spark.ml.param.Param;

/** Column params of the implicit regressor and its model (same names as MLlib's). */
public interface RegressionColumns extends ImplicitModelParams {
  default Param<String> featuresCol() {
    return registered("featuresCol", () -> new Param<>(this, "featuresCol", "features column (vector)"));
  }

  default Param<String> labelCol() {
    return registered("labelCol", () -> new Param<>(this, "labelCol", "label column: a number (q = 1) or a vector (q outputs)"));
  }

  default Param<String> predictionCol() {
    return registered("predictionCol", () -> new Param<>(this, "predictionCol",
        "prediction column: a double for one output, a vector for several"));
  }

  default String getFeaturesCol() {
    return (String) $(featuresCol());
  }

  default String getLabelCol() {
    return (String) $(labelCol());
  }

  default String getPredictionCol() {
    return (String) $(predictionCol());
  }

  default void setColumnDefaults() {
    setDefault(featuresCol(), "features");
    setDefault(labelCol(), "label");
    setDefault(predictionCol(), "prediction");
  }
}
