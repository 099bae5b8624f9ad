package org.implicitdl.job;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.StructField;
import org.implicitdl.spark.ImplicitClassificationModel;
import org.implicitdl.spark.ImplicitRegressionModel;
import org.implicitdl.spark.ModelInfo;
import org.implicitdl.spark.TrainingSummary;
import org.implicitdl.train.EpochRecord;

/** The job commands' registry, {@code idl predict | evaluate}, and what every command shares (help, JSON, model loading, history). */
final class Jobs {
  static final ObjectMapper JSON = new ObjectMapper();

  private Jobs() {}

  static void register() {
    Idl.register("train", "train a model: --input P --format csv|parquet|libsvm|idx --label-col C --model DIR [--config F] "
        + "[--task classification|regression] [--hidden N] [--solver S] [--epochs N] [--validation P] [--warm-start] [--select-features auto|K] [--set key=value]",
        TrainCommand::run);
    Idl.register("predict", "predict: --model DIR --input P --format F --output P [--output-format csv|delta] [--mode error|overwrite|append] (input columns + predictions)", Jobs::predict);
    Idl.register("evaluate", "evaluate: --model DIR --input P --format F --label-col C (prints one JSON object)", Jobs::evaluate);
    RobustnessCommands.register();
    PruneCommand.register();
    CompressCommand.register();
    RetrainCommand.register();
    GenerateCommand.register();
    Idl.register("inspect", "describe a model: --model DIR (dimensions, certificate, sparsity, features, history)", InspectCommand::inspect);
    Idl.register("gc", "remove unfinished versions (killed runs) under --model DIR not written for --older-than MINUTES (default 60)",
        ModelFileCommands::gc);
    Idl.register("export-model", "write a model's matrices as JSON: --model DIR --json FILE", ModelFileCommands::exportModel);
    Idl.register("import-model", "make a model from JSON: --json FILE --model DIR [--task regression|classification]", ModelFileCommands::importModel);
  }

  static boolean help(String[] args, String usage) {
    if (Arrays.asList(args).contains("--help")) {
      System.out.println(usage);
      System.out.println("options: " + String.join(" ", JobConfig.flagNames()) + " --config FILE --set key=value");
      return true;
    }
    return false;
  }

  static TrainingSummary summary(Model<?> model) {
    return model instanceof ImplicitClassificationModel c ? c.summary() : ((ImplicitRegressionModel) model).summary();
  }

  static ArrayNode history(List<EpochRecord> history) {
    ArrayNode arr = JSON.createArrayNode();
    for (EpochRecord r : history) {
      ObjectNode o = arr.addObject();
      o.put("epoch", r.epoch());
      o.put("objective", r.objective());
      o.put("loss", r.loss());
      o.put("divergence", r.divergence());
      o.put("coupling", r.coupling());
      o.put("penalty", r.penalty());
      o.put("realLoss", r.realLoss());
      o.put("realMetric", r.realMetric());
      o.put("realResidual", r.realResidual());
      o.put("notConverged", r.notConverged());
      if (r.hasHeldOut()) {
        o.put("heldOutLoss", r.heldOutLoss());
        o.put("heldOutMetric", r.heldOutMetric());
      }
      ArrayNode s = o.putArray("seconds");
      for (double v : r.seconds()) {
        s.add(v);
      }
    }
    return arr;
  }

  // ---------------------------------------------------------------- predict / evaluate

  static Map<String, Double> evaluate(Model<?> model, Dataset<Row> data, String labelCol) {
    if (model instanceof ImplicitClassificationModel c) {
      return c.setLabelCol(labelCol).evaluate(data);
    }
    return ((ImplicitRegressionModel) model).setLabelCol(labelCol).evaluate(data);
  }

  static Model<?> loadModel(SparkSession spark, String dir) throws IOException {
    String path = ModelRepository.resolveModel(dir, spark.sparkContext().hadoopConfiguration());
    DefaultParamsReader.Metadata meta = DefaultParamsReader.loadMetadata(path, spark, "");
    if (meta.className().equals(ImplicitClassificationModel.class.getName())) {
      return ImplicitClassificationModel.load(path);
    }
    if (meta.className().equals(ImplicitRegressionModel.class.getName())) {
      return ImplicitRegressionModel.load(path);
    }
    throw new IllegalArgumentException("model at " + path + " is a " + meta.className() + ", not an ImplicitDL model");
  }

  /** A job's input for a model: columns matched by the names the model was trained on, when it recorded them. */
  static DataSources.Loaded load(SparkSession spark, JobConfig cfg, Model<?> model, boolean requireLabel) throws IOException {
    org.implicitdl.spark.FeatureNames names = ((ModelInfo) model).featureNames();
    List<String> expected = names.source().startsWith("ML attributes") && cfg.string("features-col").isEmpty() ? List.of(names.names()) : List.of();
    return DataSources.load(spark, cfg.required("input", "--input"), cfg.oneOf("format", DataSources.FORMATS),
        cfg.string("label-col"), cfg.string("labels"), cfg.string("features-col"), cfg.string("weight-col"), requireLabel, expected,
        DataSources.TableAt.of(cfg));
  }

  static int predict(String[] args) throws Exception {
    if (help(args, "idl predict --model DIR --input PATH --format F --output PATH [--output-format csv|delta] [--mode error|overwrite|append]")) {
      return 0;
    }
    JobConfig cfg = JobConfig.parse(args, Set.of("output", "mode"));
    String output = cfg.required("output", "--output");
    String mode = cfg.outputMode(CSV_MODES);
    boolean delta = cfg.oneOf("output-format", "csv", "delta").equals("delta");
    SparkSession spark = Sessions.create(cfg, "predict");
    try {
      requireNewOutput(spark, output, mode, CSV_MODES);
      Model<?> model = loadModel(spark, cfg.required("model", "--model"));
      DataSources.Loaded data = load(spark, cfg, model, false);
      Dataset<Row> predicted = model.transform(data.frame().drop("prediction", "probability", "rawPrediction"));
      List<Column> cols = inputColumns(data, !delta);
      if (model instanceof ImplicitClassificationModel c) {
        cols.add(functions.col("prediction"));
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
        out.coalesce(1).write().option("header", "true").mode(mode.equals("error") ? "errorifexists" : mode).csv(output);
      }
      System.out.println("predictions written to " + output);
      return 0;
    } finally {
      spark.stop();
    }
  }

  /** The write modes of a CSV output. */
  static final String[] CSV_MODES = {"error", "overwrite", "append"};

  /** With mode error, an existing output is a usage error that says which other modes there are. */
  static void requireNewOutput(SparkSession spark, String output, String mode, String... modes) throws IOException {
    Path out = new Path(output);
    if (mode.equals("error") && out.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(out)) {
      throw new Idl.UsageException("output " + output + " exists; pass " + JobConfig.modeHint(modes));
    }
  }

  /** The input columns as a CSV can hold them: vectors as space-separated numbers, the packed features vector left out when named columns exist. */
  static List<Column> inputColumns(DataSources.Loaded data) {
    return inputColumns(data, true);
  }

  /** The same; without {@code csv} (a Delta table) vectors become arrays of doubles. */
  static List<Column> inputColumns(DataSources.Loaded data, boolean csv) {
    List<Column> cols = new java.util.ArrayList<>();
    for (StructField f : data.frame().schema().fields()) {
      if (f.name().equals(DataSources.FEATURES) && !data.featureNames().isEmpty() && !data.featureNames().contains(DataSources.FEATURES)) {
        continue;
      }
      Column array = org.apache.spark.ml.functions.vector_to_array(functions.col(f.name()), "float64");
      cols.add(f.dataType().equals(SQLDataTypes.VectorType()) && !csv ? array.as(f.name())
          : f.dataType().equals(SQLDataTypes.VectorType())
          ? functions.concat_ws(" ", org.apache.spark.ml.functions.vector_to_array(functions.col(f.name()), "float64").cast("array<string>")).as(f.name())
          : functions.col(f.name()));
    }
    return cols;
  }

  static int evaluate(String[] args) throws Exception {
    if (help(args, "idl evaluate --model DIR --input PATH --format F --label-col NAME")) {
      return 0;
    }
    JobConfig cfg = JobConfig.parse(args, Set.of());
    SparkSession spark = Sessions.create(cfg, "evaluate");
    try {
      Model<?> model = loadModel(spark, cfg.required("model", "--model"));
      DataSources.Loaded data = load(spark, cfg, model, true);
      Map<String, Double> metrics = new LinkedHashMap<>(evaluate(model, data.frame(), data.labelCol()));
      System.out.println(JSON.writeValueAsString(metrics));
      return 0;
    } finally {
      spark.stop();
    }
  }

  // ---------------------------------------------------------------- inspect / export / import

}
