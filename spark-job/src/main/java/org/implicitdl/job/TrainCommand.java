package org.implicitdl.job;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleArrayParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.implicitdl.spark.CanonicalRows;
import org.implicitdl.spark.ImplicitClassifier;
import org.implicitdl.spark.ImplicitRegressor;
import org.implicitdl.spark.ImplicitTrainingParams;
import org.implicitdl.spark.InvalidParamException;
import org.implicitdl.spark.ModelInfo;
import org.implicitdl.spark.TrainingSummary;

/**
 * {@code idl train}: a new unfinished version directory first (its config, and the Spark
 * checkpoint directory unless the session has one, so blocks lost with an executor are
 * recomputed from reliable storage), then data, fit, validation against the linear baseline,
 * the version's files and its completion marker; then the publish guard and the compare-and-set
 * publish of {@link ModelRepository}. The checkpoints are removed when the run ends.
 */
final class TrainCommand extends JobCommand {

  /** Column marking the validation rows that training scores every epoch but does not train on. */
  static final String HELD_OUT = "__idl_held_out";

  TrainCommand() {
    super("train", "train a model: --input P --format csv|parquet|libsvm|idx --label-col C --model DIR [--config F] "
        + "[--task auto|classification|regression] [--hidden N] [--solver S] [--epochs N] [--validation P] [--warm-start] [--select-features auto|K] [--ignore-cols A,B] "
        + "[--set key=value]", "idl train --input PATH --format F --label-col NAME --model DIR [--config FILE] [...]");
  }

  /** A fresh run, or one whose configuration is a saved run's under these flags: --resume, --same-as. */
  @Override
  int execute(JobConfig cfg, String[] args) throws Exception {
    Path resumed = null;
    SameAs sameAs = null;
    if (cfg.flag("resume")) {
      ModelRepository repo = new ModelRepository(cfg.required("model", "--model"), new Configuration());
      resumed = repo.resumable();
      if (resumed == null) {
        throw new IllegalArgumentException("nothing to resume under " + cfg.string("model") + ": no unfinished run saved a trainer state");
      }
      cfg = JobConfig.parse(args, Set.of(), JobConfig.saved(repo.readText(new Path(resumed, "config.json"))));
    } else if (!cfg.string("same-as").isEmpty()) {
      sameAs = SameAs.read(cfg.string("same-as"));
      cfg = sameAs.config(args);
    }
    return train(cfg, resumed, sameAs, null);
  }

  /**
   * Trains and publishes with a resolved configuration: a fresh run, a resumed one
   * ({@code resumed}), a re-run of a published version ({@code sameAs}), or a retrain that must
   * find the same input columns as the provenance it continues ({@code continues}).
   */
  static int train(JobConfig cfg, Path resumed, SameAs sameAs, Provenance continues) throws Exception {
    String configuredTask = cfg.oneOf("task", TaskChoice.AUTO, TaskChoice.CLASSIFICATION, TaskChoice.REGRESSION);
    String format = cfg.oneOf("format", DataSources.FORMATS);
    String input = cfg.required("input", "--input");
    if (cfg.integer("trainer.epochs") < 1) {
      throw new Idl.UsageException("--epochs must be at least 1, got " + cfg.integer("trainer.epochs") + " (0 would publish an untrained model)");
    }
    configure(new ImplicitClassifier(), cfg, "", "");
    SparkSession spark = Sessions.create(cfg, "train");
    try {
      ModelRepository repo = new ModelRepository(cfg.string("model"), spark.sparkContext().hadoopConfiguration());
      Path published = repo.latest();
      // the data first: a bad source, a changed table or changed files leave no version behind
      DataSources.Loaded data = DataSources.load(spark, input, format, cfg.string("label-col"), cfg.string("labels"),
          cfg.string("features-col"), cfg.string("weight-col"), true, List.of(), DataSources.TableAt.of(cfg), ignoredColumns(cfg));
      TaskChoice.Choice choice = cfg.flag("warm-start") && published != null && configuredTask.equals(TaskChoice.AUTO)
          ? TaskChoice.Choice.of(JobConfig.saved(repo.readText(new Path(published, "config.json"))).getString("task"))
          : TaskChoice.resolve(configuredTask, data);
      String task = choice.task();
      cfg = cfg.with("task", task);
      Provenance provenance = Provenance.of(spark, cfg, input, format, data);
      data = ClassLabels.forTraining(data, task, input, cfg.flag("warm-start") && published != null && task.equals(TaskChoice.CLASSIFICATION)
          ? Jobs.loadModel(spark, new Path(published, "model").toString()) : null, choice.labels());
      if (continues != null) {
        String change = continues.schemaChange(provenance.schema());
        if (!change.isEmpty()) {
          throw new IllegalArgumentException(input + ": schema changed between " + (continues.tableVersion() >= 0 ? "version "
              + continues.tableVersion() + " and version " + provenance.tableVersion() : "the published model's data and now") + ": " + change);
        }
      }
      if (sameAs != null) {
        sameAs.requireSameData(provenance);
      }
      Path version = resumed;
      if (version == null) {
        version = repo.newVersion();
        repo.writeText(new Path(version, "config.json"), cfg.render());
      } else {
        System.out.println("resuming " + version);
      }
      Path checkpoints = null;
      if (spark.sparkContext().getCheckpointDir().isEmpty()) {
        checkpoints = new Path(version, "checkpoints");
        spark.sparkContext().setCheckpointDir(checkpoints.toString());
      }
      try {
        return trainAndPublish(spark, cfg, task, data, provenance, repo, published, version, sameAs);
      } catch (Exception | Error e) {
        if (resumed == null) {
          repo.discardFailed(version);
        }
        throw e;
      } finally {
        if (checkpoints != null) {
          repo.delete(checkpoints);
        }
      }
    } finally {
      spark.stop();
    }
  }

  private static int trainAndPublish(SparkSession spark, JobConfig cfg, String task, DataSources.Loaded data, Provenance provenance,
      ModelRepository repo, Path published, Path version, SameAs sameAs) throws IOException {
    String weightCol = cfg.string("weight-col");
    String format = provenance.format();
    String input = provenance.path();
    Dataset<Row> train = DataSources.materializedIfWide(data).frame();
    Dataset<Row> validation;
    String validationName;
    if (!cfg.string("validation").isEmpty()) {
      validation = ClassLabels.like(DataSources.load(spark, cfg.string("validation"), format, cfg.string("label-col"),
          cfg.string("validation-labels"), cfg.string("features-col"), weightCol, true, data.featureNames(), DataSources.TableAt.NEWEST),
          data, cfg.string("validation")).frame();
      validationName = cfg.string("validation");
    } else {
      double f = cfg.number("validation-fraction");
      if (!(f > 0 && f < 1)) {
        throw new Idl.UsageException("without --validation, validation-fraction must lie in (0, 1), got " + f);
      }
      // a seeded hash of each row, not randomSplit: the same rows are held out whatever the partitioning
      long seed = cfg.longValue("trainer.seed");
      Dataset<Row>[] split = CanonicalRows.split(train, f, seed);
      boolean none = split[1].isEmpty();
      if (none) {
        // on a few dozen rows a tenth is often none at all: a larger share, announced, where the file has rows to spare
        long rows = train.count();
        // in hundredths, rounded up: at least EVALUATION_ROWS expected, and a share that reads as one
        double larger = Math.min(MAX_EVALUATION_SHARE, Math.ceil(100.0 * EVALUATION_ROWS / rows) / 100);
        if (rows >= 2 * EVALUATION_ROWS && larger > f) {
          split = CanonicalRows.split(train, larger, seed);
          none = split[1].isEmpty();
          System.out.printf(Locale.ROOT, "validation: validation-fraction %s of %d rows held out none; holding out %s instead (%d rows expected)%n",
              f, rows, larger, Math.round(larger * rows));
          f = larger;
        }
      }
      train = split[0];
      validation = split[1];
      if (none) {
        throw new IllegalArgumentException(input + ": holding out validation-fraction " + f + " of its rows left none to validate on (too few "
            + "rows); pass a --validation file or a larger fraction (--set validation-fraction=0.3)");
      }
      validationName = "held-out " + f + " of " + input;
    }
    GapFills gaps = GapFills.of(train, data.featureNames());
    train = gaps.meanFilled(train);
    validation = gaps.meanFilled(validation);
    String warmStart = cfg.flag("warm-start") && published != null ? new Path(published, "model").toString() : "";
    Path refilledStart = warmStart.isEmpty() || gaps.isEmpty() ? null : refilledStart(spark, warmStart, gaps, data.featureNames(), version);
    Model<?> model = fit(cfg, task, input, data.labelCol(), refilledStart != null ? refilledStart.toString() : warmStart,
        new Path(version, "state").toString(), withHeldOut(train, validation, data.labelCol(), weightCol), data.featureNames());
    if (refilledStart != null) {
      repo.delete(refilledStart);
    }
    Evaluation evaluation = Evaluation.of(model, train, validation, data.labelCol(), weightCol, cfg.flag("linear-baseline"));
    model = gaps.forZeroFilledRows(model);
    Map<String, Double> metrics = evaluation.metrics();
    String metricName = task.equals(TaskChoice.CLASSIFICATION) ? "accuracy" : "rmse";
    writeVersion(repo, version, model, evaluation, metricName, provenance);
    if (sameAs != null) {
      System.out.println(sameAs.comparedWith(((ModelInfo) model).implicitModel()));
    }
    double base = evaluation.baselineMetric(metricName);
    double share = metrics.getOrDefault("mostFrequentClassShare", Double.NaN);
    // with imbalanced classes, accuracy alone says little: the balanced accuracy and what the most frequent class alone scores
    String imbalance = share >= IMBALANCED ? String.format(Locale.ROOT, " (balanced %s;%s the most frequent class alone %s)",
        figure(metrics.get("balancedAccuracy")), metrics.containsKey("areaUnderROC") ? " AUC " + figure(metrics.get("areaUnderROC")) + ";" : "",
        figure(share)) : "";
    long validationRows = metrics.get("count").longValue();
    System.out.printf(Locale.ROOT, "real-rule %s %s%s on %s (%d row%s)%s; model written to %s%n", metricName, figure(metrics.get(metricName)),
        imbalance, validationName, validationRows, validationRows == 1 ? "" : "s",
        Double.isNaN(base) ? "" : String.format(Locale.ROOT, "; linear baseline (%s) %s", evaluation.baseline().get("model"), figure(base)), version);
    if (published != null) {
      PublishedScore old = PublishedScore.of(spark, repo, published, model, validation, data, metricName);
      double now = metrics.get(metricName);
      double tolerance = cfg.number("publish-tolerance");
      boolean worse = metricName.equals("accuracy") ? now < old.value() - tolerance : now > old.value() + tolerance;
      if (worse) {
        throw new Failures.NotPublished(Failures.REFUSED, String.format(Locale.ROOT,
            "refusing to publish %s: validation %s %s is worse than the published model's %s %s by more than %s", version.getName(), metricName,
            figure(now), figure(old.value()), old.where(), tolerance));
      }
    }
    repo.publish(version, published);
    System.out.println("published as LATEST: " + version);
    return 0;
  }

  /**
   * The published model refilled for this training's mean-filled gaps ({@link GapFills}), saved in the version for the
   * warm start to read; null when the published model has other inputs (the warm start then names the difference).
   */
  private static Path refilledStart(SparkSession spark, String published, GapFills gaps, List<String> featureNames, Path version)
      throws IOException {
    Model<?> start = Jobs.loadModel(spark, published);
    if (!Arrays.asList(((ModelInfo) start).featureNames().names()).equals(featureNames)) {
      return null;
    }
    Path saved = new Path(version, "warm-start");
    ((MLWritable) gaps.forMeanFilledRows(start)).write().save(saved.toString());
    return saved;
  }

  /** A most frequent class of at least this share of the validation rows makes the console add balanced accuracy. */
  static final double IMBALANCED = 0.6;
  /**
   * The rows the job's own validation split aims at where validation-fraction holds out none (a few dozen rows), taking
   * at most {@link #MAX_EVALUATION_SHARE} of them, and only from files of at least twice as many rows: fewer are refused.
   */
  static final int EVALUATION_ROWS = 5;
  /** The largest share the job's own split grows to on a few dozen rows. */
  static final double MAX_EVALUATION_SHARE = 0.3;

  /**
   * A metric for the console: four decimals (accuracy, an rmse in the label's units), or four significant digits
   * where four decimals would hide it (an rmse of a target measured in millionths).
   */
  static String figure(double value) {
    return String.format(Locale.ROOT, value != 0 && Math.abs(value) < 0.01 ? "%.4g" : "%.4f", value);
  }

  /** The columns {@code ignore-cols} leaves out of the features (comma-separated). */
  static List<String> ignoredColumns(JobConfig cfg) {
    return Arrays.stream(cfg.string("ignore-cols").split(",")).map(String::strip).filter(n -> !n.isEmpty()).toList();
  }

  /** Training rows, then validation rows marked {@link #HELD_OUT}: the history gets a validation curve; nothing is chosen by it. */
  static Dataset<Row> withHeldOut(Dataset<Row> train, Dataset<Row> validation, String labelCol, String weightCol) {
    List<Column> cols = new ArrayList<>(List.of(functions.col(DataSources.FEATURES), functions.col(labelCol)));
    if (!weightCol.isEmpty()) {
      cols.add(functions.col(weightCol));
    }
    Column[] keep = cols.toArray(new Column[0]);
    return train.select(keep).withColumn(HELD_OUT, functions.lit(false))
        .unionByName(validation.select(keep).withColumn(HELD_OUT, functions.lit(true)));
  }

  private static Model<?> fit(JobConfig cfg, String task, String input, String labelCol, String warmStart, String stateDir, Dataset<Row> train,
      List<String> featureNames) {
    try {
      if (task.equals(TaskChoice.CLASSIFICATION)) {
        ImplicitClassifier c = (ImplicitClassifier) new ImplicitClassifier().setLabelCol(labelCol).setFeaturesCol(DataSources.FEATURES);
        configure(c, cfg, warmStart, stateDir);
        return c.fit(train);
      }
      ImplicitRegressor r = new ImplicitRegressor().setLabelCol(labelCol).setFeaturesCol(DataSources.FEATURES);
      configure(r, cfg, warmStart, stateDir);
      return r.fit(train);
    } catch (InvalidParamException e) {
      throw e;
    } catch (IllegalArgumentException e) {
      String missing = missingValues(e.getMessage(), train, featureNames, input);
      throw new IllegalArgumentException(missing != null ? missing : withColumnName(e.getMessage(), featureNames), e);
    }
  }

  /**
   * A non-finite feature (an empty cell reads as NaN) said as the user's table has it: the file, the column, how many
   * rows, and what to do; null when {@code message} is not about one or the column has no name.
   */
  static String missingValues(String message, Dataset<Row> rows, List<String> featureNames, String input) {
    Matcher m = Pattern.compile("column 'features' has a non-finite value (\\S+) at index (\\d+)")
        .matcher(message == null ? "" : message);
    if (!m.find() || Integer.parseInt(m.group(2)) >= featureNames.size()) {
      return null;
    }
    int k = Integer.parseInt(m.group(2));
    String name = featureNames.get(k);
    Column value = functions.element_at(org.apache.spark.ml.functions.vector_to_array(functions.col(DataSources.FEATURES), "float64"), k + 1);
    long count = rows.filter(value.isNull().or(functions.isnan(value)).or(functions.abs(value).equalTo(Double.POSITIVE_INFINITY))).count();
    return input + ": column '" + name + "' is " + (m.group(1).equals("NaN") ? "empty or NaN" : "infinite") + " in " + count + " row(s); "
        + (m.group(1).equals("NaN") ? "fill or drop those rows (e.g. with Spark's Imputer)" : "replace or drop those rows")
        + ", or leave the column out with --ignore-cols " + name;
  }

  /** "column 'features' ... at index k" → also names the k-th source column. */
  static String withColumnName(String message, List<String> featureNames) {
    Matcher m = Pattern.compile("column 'features' .* at index (\\d+)").matcher(message == null ? "" : message);
    if (m.find() && !featureNames.isEmpty()) {
      int k = Integer.parseInt(m.group(1));
      if (k < featureNames.size()) {
        return message + " (input column '" + featureNames.get(k) + "')";
      }
    }
    return message;
  }

  /**
   * Trainer keys whose Param has another name; every other key {@code trainer.a-b} sets the Param
   * {@code aB} — so a knob is declared once, as a Param with its default and a line in
   * reference.conf (whose default a test checks against the Param's).
   */
  static final Map<String, String> RENAMED = Map.of("hidden", "hiddenDim", "epochs", "maxIter", "state-interval", "trainerStateInterval",
      "early-stopping-fraction", "validationFraction");

  /** The Param a trainer key sets. */
  static String paramName(String key) {
    String renamed = RENAMED.get(key);
    if (renamed != null) {
      return renamed;
    }
    StringBuilder b = new StringBuilder();
    boolean upper = false;
    for (char c : key.toCharArray()) {
      if (c == '-') {
        upper = true;
      } else {
        b.append(upper ? Character.toUpperCase(c) : c);
        upper = false;
      }
    }
    return b.toString();
  }

  /** The trainer keys onto the estimator's params; a refused value is a usage error naming the key. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  static void configure(ImplicitTrainingParams p, JobConfig cfg, String warmStart, String stateDir) {
    for (String key : cfg.keysUnder("trainer")) {
      String name = "trainer." + key;
      Param param = p.getParam(paramName(key));
      Object value = param instanceof IntParam ? cfg.integer(name)
          : param instanceof LongParam ? cfg.longValue(name)
          : param instanceof DoubleParam ? cfg.number(name)
          : param instanceof BooleanParam ? cfg.flag(name)
          : param instanceof DoubleArrayParam ? cfg.doubles(name)
          : cfg.string(name);
      set(p, param, name, value);
    }
    p.set(p.trainerStateDir(), stateDir);
    p.set(p.initialModelPath(), warmStart);
    p.set(p.weightCol(), cfg.string("weight-col"));
    p.set(p.heldOutCol(), HELD_OUT);
  }

  private static <T> void set(ImplicitTrainingParams p, Param<T> param, String key, T value) {
    try {
      p.set(param, value);
    } catch (InvalidParamException e) {
      throw new Idl.UsageException("bad value for '" + key + "': " + e.getMessage());
    }
  }

  private static void writeVersion(ModelRepository repo, Path version, Model<?> model, Evaluation evaluation, String metricName,
      Provenance provenance) throws IOException {
    ((MLWritable) model).write().save(new Path(version, "model").toString());
    ObjectNode m = Jobs.JSON.createObjectNode();
    evaluation.metrics().forEach(m::put);
    TrainingSummary summary = Jobs.summary(model);
    m.put("trainingSeconds", summary.seconds());
    m.put("epochs", summary.totalEpochs());
    m.put("solver", summary.solver());
    if (!Double.isNaN(summary.stepSize())) {
      m.put("stepSize", summary.stepSize());
    }
    if (summary.stepBlend() != null) {
      // the kept step size's model mixed with the runner-up's (blendStepSizes): the model holds both fits' states
      m.set("stepSizeBlend", Jobs.JSON.valueToTree(summary.stepBlend()));
    }
    if (!summary.resumedFrom().isEmpty()) {
      m.put("resumedFrom", summary.resumedFrom());
    }
    if (!evaluation.baseline().isEmpty()) {
      m.set("baseline", Jobs.JSON.valueToTree(evaluation.baseline()));
    }
    if (!summary.selectionPath().isEmpty()) {
      // weight → inputs in use, validation loss (standardized units) ± standard error; the chosen point marked
      m.set("selectionPath", Jobs.JSON.valueToTree(summary.selectionPath()));
      m.put("selectedFeatures", summary.selectedFeatures().length);
    }
    String metricsJson = Jobs.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(m);
    repo.writeText(new Path(version, "metrics.json"), metricsJson);
    repo.writeText(new Path(version, "history.json"),
        Jobs.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(Jobs.history(summary.history())));
    repo.writeText(new Path(version, "report.html"), HtmlReport.render(new HtmlReport.Input("ImplicitDL model " + version.getName(),
        (ModelInfo) model, summary, metricName, evaluation, metricsJson)));
    repo.writeText(new Path(version, Provenance.FILE), Jobs.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(provenance.toJson()));
    repo.markComplete(version);
  }
}
