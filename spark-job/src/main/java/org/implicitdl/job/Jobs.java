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
import org.apache.hadoop.conf.Configuration;
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
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.model.ModelJson;
import org.implicitdl.spark.ImplicitClassificationModel;
import org.implicitdl.spark.ImplicitClassifier;
import org.implicitdl.spark.ImplicitRegressionModel;
import org.implicitdl.spark.ImplicitRegressor;
import org.implicitdl.spark.ImplicitTrainingParams;
import org.implicitdl.spark.ModelInfo;
import org.implicitdl.spark.TrainingSummary;
import org.implicitdl.train.EpochRecord;

/** The jobs behind {@code idl train | predict | evaluate | inspect | export-model | import-model}. */
final class Jobs {
  static final ObjectMapper JSON = new ObjectMapper();

  private Jobs() {}

  static void register() {
    Idl.register("train", "train a model: --input P --format csv|parquet|libsvm|idx --label-col C --model DIR [--config F] "
        + "[--task classification|regression] [--hidden N] [--solver S] [--epochs N] [--validation P] [--warm-start] [--set key=value]",
        Jobs::train);
    Idl.register("predict", "predict: --model DIR --input P --format F --output P (CSV: input columns + predictions)", Jobs::predict);
    Idl.register("evaluate", "evaluate: --model DIR --input P --format F --label-col C (prints one JSON object)", Jobs::evaluate);
    Idl.register("inspect", "describe a model: --model DIR (dimensions, certificate, sparsity, features, history)", Jobs::inspect);
    Idl.register("export-model", "write a model's matrices as JSON: --model DIR --json FILE", Jobs::exportModel);
    Idl.register("import-model", "make a model from JSON: --json FILE --model DIR [--task regression|classification]", Jobs::importModel);
  }

  private static boolean help(String[] args, String usage) {
    if (Arrays.asList(args).contains("--help")) {
      System.out.println(usage);
      System.out.println("options: " + String.join(" ", JobConfig.flagNames()) + " --config FILE --set key=value");
      return true;
    }
    return false;
  }

  // ---------------------------------------------------------------- train

  static int train(String[] args) throws Exception {
    if (help(args, "idl train --input PATH --format F --label-col NAME --model DIR [--config FILE] [...]")) {
      return 0;
    }
    JobConfig cfg = JobConfig.parse(args, Set.of());
    String task = cfg.oneOf("task", "classification", "regression");
    String format = cfg.oneOf("format", "csv", "parquet", "libsvm", "idx");
    String input = cfg.required("input", "--input");
    SparkSession spark = Sessions.create(cfg, "train");
    try {
      Configuration hadoop = spark.sparkContext().hadoopConfiguration();
      DataSources.Loaded data = DataSources.load(spark, input, format, cfg.string("label-col"), cfg.string("labels"), cfg.string("features-col"),
          cfg.string("weight-col"), true);
      Dataset<Row> train = data.frame();
      Dataset<Row> validation;
      String validationName;
      if (!cfg.string("validation").isEmpty()) {
        validation = DataSources.load(spark, cfg.string("validation"), format, cfg.string("label-col"), cfg.string("validation-labels"),
            cfg.string("features-col"), cfg.string("weight-col"), true).frame();
        validationName = cfg.string("validation");
      } else {
        double f = cfg.number("validation-fraction");
        if (!(f > 0 && f < 1)) {
          throw new Idl.UsageException("without --validation, validation-fraction must lie in (0, 1), got " + f);
        }
        Dataset<Row>[] split = train.randomSplit(new double[] {1 - f, f}, cfg.longValue("trainer.seed"));
        train = split[0];
        validation = split[1];
        validationName = "held-out " + f + " of " + input;
      }
      ModelRepository repo = new ModelRepository(cfg.string("model"), hadoop);
      Path published = repo.latest();
      String warmStart = cfg.flag("warm-start") && published != null ? new Path(published, "model").toString() : "";
      String weightCol = cfg.string("weight-col");
      Model<?> model = fit(cfg, task, data.labelCol(), warmStart, withHeldOut(train, validation, data.labelCol(), weightCol),
          data.featureNames());
      Evaluation evaluation = Evaluation.of(model, train, validation, data.labelCol(), weightCol, cfg.flag("linear-baseline"));
      Map<String, Double> metrics = evaluation.metrics();
      String metricName = task.equals("classification") ? "accuracy" : "rmse";
      Path version = repo.newVersion();
      writeVersion(repo, version, model, evaluation, cfg, metricName);
      double base = evaluation.baselineMetric(metricName);
      System.out.printf(java.util.Locale.ROOT, "real-rule %s %.4f on %s (%d rows)%s; model written to %s%n", metricName, metrics.get(metricName),
          validationName, metrics.get("count").longValue(),
          Double.isNaN(base) ? "" : String.format(java.util.Locale.ROOT, "; linear baseline (%s) %.4f", evaluation.baseline().get("model"), base),
          version);
      if (published != null) {
        double old = JSON.readTree(repo.readText(new Path(published, "metrics.json"))).get(metricName).asDouble();
        double now = metrics.get(metricName);
        double tolerance = cfg.number("publish-tolerance");
        boolean worse = metricName.equals("accuracy") ? now < old - tolerance : now > old + tolerance;
        if (worse) {
          System.err.printf(java.util.Locale.ROOT, "idl train: refusing to publish %s: validation %s %.4f is worse than the published %.4f by more than %s%n",
              version.getName(), metricName, now, old, tolerance);
          return 1;
        }
      }
      repo.publish(version);
      System.out.println("published as LATEST: " + version);
      return 0;
    } finally {
      spark.stop();
    }
  }

  /** Column marking the validation rows that training scores every epoch but does not train on. */
  static final String HELD_OUT = "__idl_held_out";

  /** Training rows, then validation rows marked {@link #HELD_OUT}: the history gets a validation curve; nothing is chosen by it. */
  private static Dataset<Row> withHeldOut(Dataset<Row> train, Dataset<Row> validation, String labelCol, String weightCol) {
    List<Column> cols = new java.util.ArrayList<>(List.of(functions.col(DataSources.FEATURES), functions.col(labelCol)));
    if (!weightCol.isEmpty()) {
      cols.add(functions.col(weightCol));
    }
    Column[] keep = cols.toArray(new Column[0]);
    return train.select(keep).withColumn(HELD_OUT, functions.lit(false))
        .unionByName(validation.select(keep).withColumn(HELD_OUT, functions.lit(true)));
  }

  private static Model<?> fit(JobConfig cfg, String task, String labelCol, String warmStart, Dataset<Row> train, List<String> featureNames) {
    try {
      if (task.equals("classification")) {
        ImplicitClassifier c = (ImplicitClassifier) new ImplicitClassifier().setLabelCol(labelCol).setFeaturesCol(DataSources.FEATURES);
        configure(c, cfg, warmStart);
        return c.fit(train);
      }
      ImplicitRegressor r = new ImplicitRegressor().setLabelCol(labelCol).setFeaturesCol(DataSources.FEATURES);
      configure(r, cfg, warmStart);
      return r.fit(train);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(withColumnName(e.getMessage(), featureNames), e);
    }
  }

  /** "column 'features' ... at index k" → also names the k-th source column. */
  static String withColumnName(String message, List<String> featureNames) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("column 'features' .* at index (\\d+)").matcher(message == null ? "" : message);
    if (m.find() && !featureNames.isEmpty()) {
      int k = Integer.parseInt(m.group(1));
      if (k < featureNames.size()) {
        return message + " (input column '" + featureNames.get(k) + "')";
      }
    }
    return message;
  }

  static void configure(ImplicitTrainingParams p, JobConfig cfg, String warmStart) {
    p.set(p.solver(), cfg.oneOf("trainer.solver", ImplicitTrainingParams.SOLVERS));
    p.set(p.hiddenDim(), cfg.integer("trainer.hidden"));
    p.set(p.maxIter(), cfg.integer("trainer.epochs"));
    p.set(p.bcdEpochs(), cfg.integer("trainer.bcd-epochs"));
    p.set(p.activation(), cfg.oneOf("trainer.activation", ImplicitTrainingParams.ACTIVATIONS));
    p.set(p.wellPosedness(), cfg.oneOf("trainer.well-posedness", ImplicitTrainingParams.CONDITIONS));
    p.set(p.kappa(), cfg.number("trainer.kappa"));
    p.set(p.lambda(), cfg.number("trainer.lambda"));
    p.set(p.mu(), cfg.number("trainer.mu"));
    p.set(p.lambdaGrowth(), cfg.number("trainer.lambda-growth"));
    p.set(p.initialization(), cfg.oneOf("trainer.initialization", ImplicitTrainingParams.INITIALIZATIONS));
    p.set(p.regParam(), cfg.number("trainer.reg-param"));
    p.set(p.l1(), cfg.number("trainer.l1"));
    p.set(p.groupLasso(), cfg.number("trainer.group-lasso"));
    p.set(p.bcdGroupLasso(), cfg.number("trainer.bcd-group-lasso"));
    p.set(p.batchSize(), cfg.integer("trainer.batch-size"));
    p.set(p.stepSize(), cfg.number("trainer.step-size"));
    p.set(p.stepDecay(), cfg.number("trainer.step-decay"));
    p.set(p.syncsPerEpoch(), cfg.integer("trainer.syncs-per-epoch"));
    p.set(p.tol(), cfg.number("trainer.tol"));
    p.set(p.seed(), cfg.longValue("trainer.seed"));
    p.set(p.blockSize(), cfg.integer("trainer.block-size"));
    p.set(p.aggregationDepth(), cfg.integer("trainer.aggregation-depth"));
    p.set(p.checkpointInterval(), cfg.integer("trainer.checkpoint-interval"));
    p.set(p.initialModelPath(), warmStart);
    p.set(p.weightCol(), cfg.string("weight-col"));
    p.set(p.heldOutCol(), HELD_OUT);
  }

  private static void writeVersion(ModelRepository repo, Path version, Model<?> model, Evaluation evaluation, JobConfig cfg,
      String metricName) throws IOException {
    ((org.apache.spark.ml.util.MLWritable) model).write().save(new Path(version, "model").toString());
    ObjectNode m = JSON.createObjectNode();
    evaluation.metrics().forEach(m::put);
    TrainingSummary summary = summary(model);
    m.put("trainingSeconds", summary.seconds());
    m.put("epochs", summary.totalEpochs());
    m.put("solver", summary.solver());
    if (!evaluation.baseline().isEmpty()) {
      m.set("baseline", JSON.valueToTree(evaluation.baseline()));
    }
    String metricsJson = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(m);
    repo.writeText(new Path(version, "metrics.json"), metricsJson);
    repo.writeText(new Path(version, "history.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(history(summary.history())));
    repo.writeText(new Path(version, "config.json"), cfg.render());
    repo.writeText(new Path(version, "report.html"), HtmlReport.render(new HtmlReport.Input("ImplicitDL model " + version.getName(),
        (ModelInfo) model, summary, metricName, evaluation, metricsJson)));
    repo.markComplete(version);
  }

  private static TrainingSummary summary(Model<?> model) {
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

  static int predict(String[] args) throws Exception {
    if (help(args, "idl predict --model DIR --input PATH --format F --output PATH")) {
      return 0;
    }
    JobConfig cfg = JobConfig.parse(args, Set.of("output"));
    String output = cfg.required("output", "--output");
    SparkSession spark = Sessions.create(cfg, "predict");
    try {
      Model<?> model = loadModel(spark, cfg.required("model", "--model"));
      DataSources.Loaded data = DataSources.load(spark, cfg.required("input", "--input"), cfg.oneOf("format", "csv", "parquet", "libsvm", "idx"),
          cfg.string("label-col"), cfg.string("labels"), cfg.string("features-col"), cfg.string("weight-col"), false);
      Dataset<Row> predicted = model.transform(data.frame().drop("prediction", "probability", "rawPrediction"));
      List<Column> cols = new java.util.ArrayList<>();
      for (StructField f : data.frame().schema().fields()) {
        if (f.name().equals(DataSources.FEATURES) && !data.featureNames().isEmpty() && !data.featureNames().contains(DataSources.FEATURES)) {
          continue;
        }
        cols.add(f.dataType().equals(SQLDataTypes.VectorType())
            ? functions.concat_ws(" ", org.apache.spark.ml.functions.vector_to_array(functions.col(f.name()), "float64").cast("array<string>")).as(f.name())
            : functions.col(f.name()));
      }
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
      predicted.select(cols.toArray(new Column[0])).coalesce(1).write().option("header", "true").mode("errorifexists").csv(output);
      System.out.println("predictions written to " + output);
      return 0;
    } finally {
      spark.stop();
    }
  }

  static int evaluate(String[] args) throws Exception {
    if (help(args, "idl evaluate --model DIR --input PATH --format F --label-col NAME")) {
      return 0;
    }
    JobConfig cfg = JobConfig.parse(args, Set.of());
    SparkSession spark = Sessions.create(cfg, "evaluate");
    try {
      Model<?> model = loadModel(spark, cfg.required("model", "--model"));
      DataSources.Loaded data = DataSources.load(spark, cfg.required("input", "--input"), cfg.oneOf("format", "csv", "parquet", "libsvm", "idx"),
          cfg.string("label-col"), cfg.string("labels"), cfg.string("features-col"), cfg.string("weight-col"), true);
      Map<String, Double> metrics = new LinkedHashMap<>(evaluate(model, data.frame(), data.labelCol()));
      System.out.println(JSON.writeValueAsString(metrics));
      return 0;
    } finally {
      spark.stop();
    }
  }

  // ---------------------------------------------------------------- inspect / export / import

  static int inspect(String[] args) throws Exception {
    if (help(args, "idl inspect --model DIR")) {
      return 0;
    }
    JobConfig cfg = JobConfig.parse(args, Set.of());
    SparkSession spark = Sessions.create(cfg, "inspect");
    try {
      String dir = cfg.required("model", "--model");
      Model<?> model = loadModel(spark, dir);
      ImplicitModel m = ((ModelInfo) model).implicitModel();
      ObjectNode o = JSON.createObjectNode();
      o.put("type", model.getClass().getSimpleName());
      o.put("hiddenDim", m.hiddenDim());
      o.put("inputDim", m.inputDim());
      o.put("outputDim", m.outputDim());
      o.put("activation", m.activation().id());
      o.put("inputBias", m.inputBias());
      ObjectNode cert = o.putObject("wellPosedness");
      cert.put("condition", m.certificate().condition().name());
      cert.put("contraction", m.certificate().contraction());
      cert.put("infNorm", m.certificate().infNorm());
      cert.put("perronFrobeniusBound", m.certificate().perronFrobenius());
      o.put("sparsity", ((ModelInfo) model).sparsity());
      ModelInfo info = (ModelInfo) model;
      int[] selected = info.selectedFeatures();
      o.put("selectedFeatureCount", selected.length);
      ArrayNode sel = o.putArray("selectedFeatures");
      Arrays.stream(selected).forEach(sel::add);
      ArrayNode selNames = o.putArray("selectedFeatureNames");
      Arrays.stream(info.selectedFeatureNames()).forEach(selNames::add);
      o.put("featureNamesSource", info.featureNames().source());
      o.set("params", params(model));
      String modelPath = ModelRepository.resolveModel(dir, spark.sparkContext().hadoopConfiguration());
      Path history = new Path(new Path(modelPath).getParent(), "history.json");
      if (history.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(history)) {
        o.set("history", JSON.readTree(new ModelRepository(dir, spark.sparkContext().hadoopConfiguration()).readText(history)));
      }
      System.out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(o));
      return 0;
    } finally {
      spark.stop();
    }
  }

  /** Every param the model has a value for (the ones it was trained with, too), as JSON values. */
  static ObjectNode params(Model<?> model) {
    ObjectNode o = JSON.createObjectNode();
    for (org.apache.spark.ml.param.Param<?> p : model.params()) {
      if (model.isDefined(p)) {
        o.set(p.name(), JSON.valueToTree(model.getOrDefault(p)));
      }
    }
    return o;
  }

  static int exportModel(String[] args) throws Exception {
    if (help(args, "idl export-model --model DIR --json FILE")) {
      return 0;
    }
    JobConfig cfg = JobConfig.parse(args, Set.of("json"));
    SparkSession spark = Sessions.create(cfg, "export-model");
    try {
      Model<?> model = loadModel(spark, cfg.required("model", "--model"));
      String json = cfg.required("json", "--json");
      new ModelRepository(".", spark.sparkContext().hadoopConfiguration()).writeText(new Path(json),
          ModelJson.write(((ModelInfo) model).implicitModel()));
      System.out.println("model matrices written to " + json);
      return 0;
    } finally {
      spark.stop();
    }
  }

  static int importModel(String[] args) throws Exception {
    if (help(args, "idl import-model --json FILE --model DIR [--task regression|classification]")) {
      return 0;
    }
    JobConfig cfg = JobConfig.parse(concat(args, "--set", "task=" + taskOrRegression(args)), Set.of("json"));
    String json = cfg.required("json", "--json");
    String task = cfg.oneOf("task", "classification", "regression");
    SparkSession spark = Sessions.create(cfg, "import-model");
    try {
      DataSources.requireExists(spark, json);
      String text;
      try (var in = DataSources.open(spark, json)) {
        text = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      }
      ImplicitModel m = ModelJson.read(text);
      String dir = cfg.required("model", "--model");
      Model<?> model = task.equals("classification")
          ? new ImplicitClassificationModel(org.apache.spark.ml.util.Identifiable$.MODULE$.randomUID("implicitClassifier"), m)
          : new ImplicitRegressionModel(org.apache.spark.ml.util.Identifiable$.MODULE$.randomUID("implicitRegressor"), m);
      ((org.apache.spark.ml.util.MLWritable) model).write().save(dir);
      System.out.println(task + " model written to " + dir);
      return 0;
    } finally {
      spark.stop();
    }
  }

  /** import-model defaults to regression (raw ŷ) unless --task is given. */
  private static String taskOrRegression(String[] args) {
    int i = Arrays.asList(args).indexOf("--task");
    return i >= 0 && i + 1 < args.length ? args[i + 1] : "regression";
  }

  private static String[] concat(String[] args, String... more) {
    String[] out = Arrays.copyOf(args, args.length + more.length);
    System.arraycopy(more, 0, out, args.length, more.length);
    return out;
  }
}
