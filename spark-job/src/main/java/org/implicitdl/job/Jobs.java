package org.implicitdl.job;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
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

/** What the job commands share: help, JSON, model loading and evaluation, input columns, history. */
final class Jobs {
  static final ObjectMapper JSON = new ObjectMapper();

  private Jobs() {}

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

  /**
   * A job's input for a model: columns matched by the names the model was trained on, when it recorded them; with
   * {@code requireLabel}, labels that are words mapped to the model's classes ({@link ClassLabels#forModel}).
   */
  static DataSources.Loaded load(SparkSession spark, JobConfig cfg, Model<?> model, boolean requireLabel) throws IOException {
    org.implicitdl.spark.FeatureNames names = ((ModelInfo) model).featureNames();
    List<String> expected = names.source().startsWith("ML attributes") && cfg.string("features-col").isEmpty() ? List.of(names.names()) : List.of();
    String input = cfg.required("input", "--input");
    DataSources.Loaded loaded = DataSources.load(spark, input, cfg.oneOf("format", DataSources.FORMATS),
        cfg.string("label-col"), cfg.string("labels"), cfg.string("features-col"), cfg.string("weight-col"), requireLabel, expected,
        DataSources.TableAt.of(cfg));
    return requireLabel ? ClassLabels.forModel(loaded, model, input) : loaded;
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
      Column array = org.apache.spark.ml.functions.vector_to_array(DataSources.column(f.name()), "float64");
      cols.add(f.dataType().equals(SQLDataTypes.VectorType()) && !csv ? array.as(f.name())
          : f.dataType().equals(SQLDataTypes.VectorType())
          ? functions.concat_ws(" ", array.cast("array<string>")).as(f.name())
          : DataSources.column(f.name()));
    }
    return cols;
  }

}
