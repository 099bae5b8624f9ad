package org.implicitdl.job;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.apache.spark.ml.Model;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.implicitdl.spark.ImplicitClassificationModel;
import org.implicitdl.spark.ImplicitRegressionModel;

/**
 * {@code idl certify} and {@code idl attack} (paper §5): certified output bounds and certified
 * accuracy over the box u ± ε, and the accuracy left after a projected-gradient attack in it.
 */
final class RobustnessCommands {
  private static final int DEFAULT_STEPS = 20;

  private RobustnessCommands() {}

  /** {@code idl certify}: the bounds per row as CSV; with labels, the accuracy and certified accuracy (or RMSE and mean width) as JSON. */
  static final class Certify extends JobCommand.WithSpark {
    Certify() {
      super("certify", "certified bounds over the input box u ± ε: --model DIR --input P --format F --epsilon E --output P "
          + "[--label-col C] [--mode error|overwrite|append] (CSV: input columns, prediction, lower_k, upper_k, certified)",
          "idl certify --model DIR --input PATH --format F --epsilon E --output PATH [--label-col C] [--mode error|overwrite|append]",
          "output", "epsilon", "mode");
    }

    @Override
    void check(JobConfig cfg) {
      epsilon(cfg);
      cfg.required("output", "--output");
      cfg.outputMode(Jobs.CSV_MODES);
    }

    @Override
    int execute(JobConfig cfg, SparkSession spark) throws Exception {
      double epsilon = epsilon(cfg);
      String output = cfg.required("output", "--output");
      String mode = cfg.outputMode(Jobs.CSV_MODES);
      boolean labelled = cfg.given("label-col");
      Jobs.requireNewOutput(spark, output, mode, Jobs.CSV_MODES);
      Model<?> model = Jobs.loadModel(spark, cfg.required("model", "--model"));
      DataSources.Loaded data = Jobs.load(spark, cfg, model, labelled);
      model.set(model.getParam("epsilon"), epsilon);
      Dataset<Row> bounded = model.transform(data.frame().drop("prediction", "probability", "rawPrediction")).cache();
      int outputs = model instanceof ImplicitClassificationModel c ? c.numClasses() : ((ImplicitRegressionModel) model).numOutputs();
      List<Column> cols = Jobs.inputColumns(data);
      Column lower = org.apache.spark.ml.functions.vector_to_array(functions.col("lowerBound"), "float64");
      Column upper = org.apache.spark.ml.functions.vector_to_array(functions.col("upperBound"), "float64");
      cols.add(functions.col("prediction"));
      for (int k = 0; k < outputs; k++) {
        cols.add(lower.getItem(k).as("lower_" + k));
      }
      for (int k = 0; k < outputs; k++) {
        cols.add(upper.getItem(k).as("upper_" + k));
      }
      boolean classifier = model instanceof ImplicitClassificationModel;
      if (classifier) {
        cols.add(functions.col("certified"));
      }
      bounded.select(cols.toArray(new Column[0])).coalesce(1).write().option("header", "true")
          .mode(mode.equals("error") ? "errorifexists" : mode).csv(output);
      System.err.println("certified bounds written to " + output);
      if (labelled) {
        ObjectNode o = Jobs.JSON.createObjectNode();
        String label = data.labelCol();
        if (classifier) {
          Row r = bounded.agg(functions.avg(functions.when(functions.col("prediction").equalTo(functions.col(label)), 1.0).otherwise(0.0)),
              functions.avg(functions.when(functions.col("certified").and(functions.col("prediction").equalTo(functions.col(label))), 1.0)
                  .otherwise(0.0))).head();
          o.put("accuracy", r.getDouble(0));
          o.put("certifiedAccuracy", r.getDouble(1));
        } else {
          ImplicitRegressionModel rm = (ImplicitRegressionModel) model;
          o.put("rmse", rm.setLabelCol(label).evaluate(data.frame()).get("rmse"));
          o.put("meanBoundWidth", meanWidth(bounded, outputs));
        }
        o.put("epsilon", epsilon);
        o.put("count", bounded.count());
        System.out.println(Jobs.JSON.writeValueAsString(o));
      }
      bounded.unpersist();
      return 0;
    }
  }

  /** {@code idl attack}: the accuracy left after a projected-gradient attack in the box, as JSON (classification). */
  static final class Attack extends JobCommand.WithSpark {
    Attack() {
      super("attack", "projected-gradient attack in the box u ± ε: --model DIR --input P --format F --label-col C --epsilon E "
          + "[--steps N] (prints one JSON object)", "idl attack --model DIR --input PATH --format F --label-col C --epsilon E [--steps N]",
          "epsilon", "steps");
    }

    @Override
    void check(JobConfig cfg) {
      epsilon(cfg);
      cfg.wholeNumber("steps", "--steps", 1, DEFAULT_STEPS);
    }

    @Override
    int execute(JobConfig cfg, SparkSession spark) throws Exception {
      double epsilon = epsilon(cfg);
      int steps = cfg.wholeNumber("steps", "--steps", 1, DEFAULT_STEPS);
      Model<?> model = Jobs.loadModel(spark, cfg.required("model", "--model"));
      if (!(model instanceof ImplicitClassificationModel classifier)) {
        throw new Idl.UsageException("idl attack needs a classification model; " + cfg.string("model") + " is a regression model");
      }
      DataSources.Loaded data = Jobs.load(spark, cfg, model, true);
      classifier.setEpsilon(epsilon).setLabelCol(data.labelCol());
      System.out.println(Jobs.JSON.writeValueAsString(classifier.attack(data.frame(), steps)));
      return 0;
    }
  }

  /** --epsilon: required, a finite number > 0. */
  static double epsilon(JobConfig cfg) {
    cfg.required("epsilon", "--epsilon");
    return cfg.finiteNumber("epsilon", "--epsilon", 0, true, Double.NaN);
  }

  private static double meanWidth(Dataset<Row> bounded, int outputs) {
    Column width = functions.lit(0.0);
    Column lower = org.apache.spark.ml.functions.vector_to_array(functions.col("lowerBound"), "float64");
    Column upper = org.apache.spark.ml.functions.vector_to_array(functions.col("upperBound"), "float64");
    for (int k = 0; k < outputs; k++) {
      width = width.plus(upper.getItem(k).minus(lower.getItem(k)));
    }
    return bounded.agg(functions.avg(width.divide(outputs))).head().getDouble(0);
  }
}
