package org.implicitdl.job;

import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.ml.Model;
import org.implicitdl.spark.ImplicitClassificationModel;
import org.implicitdl.spark.ImplicitRegressionModel;

/**
 * {@code idl predict}: the input columns and a model's predictions (class probabilities, or each output) as CSV or a Delta table;
 * a classifier trained on labels that are words also names its predicted class ({@value #PREDICTED_LABEL}).
 */
final class PredictCommand extends JobCommand.WithSpark {
  /** The column naming each row's predicted class, for a model trained on labels that are words. */
  static final String PREDICTED_LABEL = "predictedLabel";

  PredictCommand() {
    super("predict", "predict: --model DIR --input P --format F --output P [--output-format csv|delta] [--mode error|overwrite|append] "
        + "(input columns + predictions)",
        "idl predict --model DIR --input PATH --format F --output PATH [--output-format csv|delta] [--mode error|overwrite|append]",
        "output", "mode");
  }

  @Override
  void check(JobConfig cfg) {
    cfg.required("output", "--output");
    cfg.outputMode(Jobs.CSV_MODES);
    cfg.oneOf("output-format", "csv", "delta");
  }

  @Override
  int execute(JobConfig cfg, SparkSession spark) throws Exception {
    String output = cfg.required("output", "--output");
    String mode = cfg.outputMode(Jobs.CSV_MODES);
    boolean delta = cfg.oneOf("output-format", "csv", "delta").equals("delta");
    Jobs.requireNewOutput(spark, output, mode, Jobs.CSV_MODES);
    Model<?> model = Jobs.loadModel(spark, cfg.required("model", "--model"));
    DataSources.Loaded data = Jobs.load(spark, cfg, model, false);
    Dataset<Row> predicted = model.transform(data.frame().drop("prediction", "probability", "rawPrediction"));
    List<Column> cols = Jobs.inputColumns(data, !delta);
    if (model instanceof ImplicitClassificationModel c) {
      cols.add(functions.col("prediction"));
      if (c.classNames().length > 0) {
        predicted = new org.apache.spark.ml.feature.IndexToString().setInputCol("prediction").setOutputCol(PREDICTED_LABEL)
            .transform(predicted);
        cols.add(functions.col(PREDICTED_LABEL));
      }
      Column prob = org.apache.spark.ml.functions.vector_to_array(functions.col("probability"), "float64");
      for (int k = 0; k < c.numClasses(); k++) {
        cols.add(prob.getItem(k).as("probability_" + k));
      }
    } else {
      ImplicitRegressionModel r = (ImplicitRegressionModel) model;
      if (r.numOutputs() == 1) {
        cols.add(functions.col("prediction"));
      } else {
        Column pred = org.apache.spark.ml.functions.vector_to_array(functions.col("prediction"), "float64");
        for (int k = 0; k < r.numOutputs(); k++) {
          cols.add(pred.getItem(k).as("prediction_" + (k + 1)));
        }
      }
    }
    Dataset<Row> out = predicted.select(cols.toArray(new Column[0]));
    if (delta) {
      DeltaTables.write(out, output, mode);
    } else {
      // a quote inside a value is doubled (RFC 4180), as spreadsheets and pandas read it, not escaped by a backslash
      out.coalesce(1).write().option("header", "true").option("escape", "\"").mode(mode.equals("error") ? "errorifexists" : mode).csv(output);
    }
    System.out.println("predictions written to " + output);
    return 0;
  }
}
