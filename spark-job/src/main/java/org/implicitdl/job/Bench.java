package org.implicitdl.job;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.classification.MultilayerPerceptronClassificationModel;
import org.apache.spark.ml.classification.MultilayerPerceptronClassifier;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.implicitdl.linalg.Blas;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.spark.BlockPacking;
import org.implicitdl.spark.ImplicitClassificationModel;
import org.implicitdl.spark.ImplicitClassifier;
import org.implicitdl.spark.RddBlockStore;
import org.implicitdl.train.Architecture;
import org.implicitdl.train.BcdSettings;
import org.implicitdl.train.EpochRecord;
import org.implicitdl.train.Loss;
import org.implicitdl.train.TrainingBlock;

/**
 * {@code idl bench --suite fashion|kernel|scaling|cost|inference|robust|compress|defaults|selection|paper71|wide}: measurements side by side in one
 * run, printed as a table and written as JSON and Markdown to the results folder, and as the suite's
 * results document docs/results/SUITE.md when run from the project root.
 */
final class Bench extends JobCommand {
  static final String TRAIN = "data/fashion-mnist/train-images-idx3-ubyte.gz";
  static final String TEST = "data/fashion-mnist/t10k-images-idx3-ubyte.gz";
  static final int HIDDEN = 100;

  Bench() {
    super("bench", "benchmarks: --suite fashion|kernel|scaling|cost|inference|robust|compress|defaults|selection|paper71|wide [--results DIR] "
        + "[--only i,j (defaults: data sets by position; scaling: beyond-memory)] [--trials N (paper71)] [--epochs N] [--master M]",
        "idl bench --suite fashion|kernel|scaling|cost|inference|robust|compress|defaults|selection|paper71|wide [--results DIR] [--only i,j] [--trials N] "
        + "[--epochs N] [--master M]", "suite", "results", "only", "trials");
  }

  /** Runs one suite (each starts the Spark sessions it measures) and writes its results document. */
  @Override
  int execute(JobConfig cfg, String[] args) throws Exception {
    String suite = cfg.oneOf("suite", "fashion", "kernel", "scaling", "cost", "inference", "robust", "compress", "defaults", "selection", "paper71", "wide");
    String results = cfg.string("results").isEmpty() ? "runs/bench" : cfg.string("results");
    List<String> notes = new ArrayList<>();
    List<Map<String, Object>> rows = switch (suite) {
      case "fashion" -> fashion(cfg);
      case "kernel" -> KernelBench.kernel(cfg, notes);
      case "scaling" -> ScalingBench.run(cfg, notes);
      case "cost" -> CostBench.run(cfg, notes);
      case "robust" -> RobustBench.run(cfg, notes);
      case "compress" -> CompressBench.run(cfg, notes);
      case "defaults" -> DefaultsBench.run(cfg, notes);
      case "selection" -> SelectionBench.run(cfg, notes);
      case "paper71" -> PaperSection71.run(cfg, notes, Path.of(results));
      case "wide" -> WideBench.run(cfg, notes);
      default -> inference(cfg, notes);
    };
    // a partial run (--only, or paper71 with other than its 50 trials) leaves the results document alone
    boolean whole = cfg.string("only").isEmpty() && cfg.string("trials").isEmpty();
    report(suite, rows, notes, Path.of(results), whole);
    return 0;
  }

  // ------------------------------------------------------------------ fashion

  private static List<Map<String, Object>> fashion(JobConfig cfg) throws Exception {
    SparkSession spark = Sessions.create(cfg, "bench fashion");
    try {
      Dataset<Row> train = DataSources.load(spark, TRAIN, "idx", "label", "", "", true).frame();
      Dataset<Row> test = DataSources.load(spark, TEST, "idx", "label", "", "", true).frame();
      List<Map<String, Object>> rows = new ArrayList<>();
      long t0 = System.nanoTime();
      MultilayerPerceptronClassificationModel mlp = new MultilayerPerceptronClassifier().setLayers(new int[] {784, HIDDEN, 10})
          .setMaxIter(100).setSeed(1234L).fit(train);
      double mlpSeconds = seconds(t0);
      double mlpAccuracy = new MulticlassClassificationEvaluator().setMetricName("accuracy").evaluate(mlp.transform(test));
      rows.add(row("MLlib MLP 784-100-10 (l-bfgs, 100 it)", mlpSeconds, mlpAccuracy, mlpSeconds, mlpSeconds));
      // the test images ride along as held-out rows, as `idl train --validation` sends them: each epoch's curve point
      Dataset<Row> withTest = TrainCommand.withHeldOut(train, test, "label", "").cache();
      String[] epochs = cfg.given("trainer.epochs") ? new String[] {"--set", "trainer.epochs=" + cfg.integer("trainer.epochs")} : new String[0];
      String[] localSteps = {"--set", "trainer.syncs-per-epoch=8", "--set", "trainer.batch-size=256"};
      rows.add(recipe("conf/fashion-mnist-bcd.conf (bcd from prototypes)", "conf/fashion-mnist-bcd.conf", new String[0], withTest, test,
          mlpAccuracy, mlpSeconds));
      rows.add(recipe("conf/fashion-mnist.conf (gradient, synchronous)", "conf/fashion-mnist.conf", epochs, withTest, test, mlpAccuracy,
          mlpSeconds));
      rows.add(recipe("conf/fashion-mnist.conf, local steps averaged 8x/epoch", "conf/fashion-mnist.conf", Recipes.concat(epochs, localSteps), withTest,
          test, mlpAccuracy, mlpSeconds));
      rows.add(recipe("conf/fashion-mnist.conf, bcd+gradient, local 8x/epoch", "conf/fashion-mnist.conf",
          Recipes.concat(Recipes.concat(epochs, localSteps), "--set", "trainer.solver=bcd+gradient"), withTest, test, mlpAccuracy, mlpSeconds));
      withTest.unpersist();
      return rows;
    } finally {
      spark.stop();
    }
  }

  static RddBlockStore store(JavaSparkContext sc, Dataset<Row> df) {
    return store(sc, df, StorageLevel.MEMORY_AND_DISK());
  }

  static RddBlockStore store(JavaSparkContext sc, Dataset<Row> df, StorageLevel level) {
    return store(sc, df, level, false);
  }

  /** The same, with the blocks' U rounded to single precision when {@code singlePrecision} (blockInputPrecision float). */
  static RddBlockStore store(JavaSparkContext sc, Dataset<Row> df, StorageLevel level, boolean singlePrecision) {
    JavaRDD<TrainingBlock> blocks = packed(df);
    return new RddBlockStore(sc, singlePrecision ? blocks.map(TrainingBlock::withSinglePrecisionInputs) : blocks, 2, 10, level);
  }

  /** The rows packed into the benches' blocks (2048 rows each), not cached. */
  static JavaRDD<TrainingBlock> packed(Dataset<Row> df) {
    return BlockPacking.pack(df, "features", "label", BlockPacking.Task.CLASSIFICATION, 784, 10, 2048);
  }

  /**
   * BCD from the Gaussian start with continuation: ‖A‖∞ ≤ 0.5, λ = μ = 0.05, both ×1.5 each epoch
   * (the earlier recipe for BCD alone); the kernel and scaling suites time its epochs and
   * bcd+gradient takes its first epoch.
   */
  static BcdSettings bcdContinuation(int epochs) {
    return BcdSettings.defaults(HIDDEN, Loss.CROSS_ENTROPY).withStructure(Architecture.Structure.INF_NORM, 0.5)
        .withLambdaMu(new double[] {0.05}, 0.05).withLambdaGrowth(1.5).withEpochs(epochs);
  }

  /**
   * A job configuration's fit, as {@code idl train --config FILE --set …} runs it (the estimator the
   * file configures, on the training rows with the test rows held out): wall seconds of the whole
   * fit, the test accuracy of the model it returns, and the training seconds (the epochs' own, held-out
   * scoring left out) until an epoch's held-out accuracy first reached the MLP's.
   */
  private static Map<String, Object> recipe(String name, String file, String[] overrides, Dataset<Row> withTest, Dataset<Row> test, double target,
      double mlpSeconds) {
    ImplicitClassifier estimator = Recipes.classifier(file, overrides);
    estimator.set(estimator.heldOutCol(), TrainCommand.HELD_OUT);
    long start = System.nanoTime();
    ImplicitClassificationModel model = estimator.fit(withTest);
    double wall = seconds(start);
    double trained = 0;
    double reached = Double.NaN;
    for (EpochRecord e : model.summary().history()) {
      trained += Arrays.stream(e.seconds()).sum();
      System.out.printf(Locale.ROOT, "  %s: epoch %d, %.1fs trained, held-out accuracy %.4f%n", name, e.epoch(), trained, e.heldOutMetric());
      if (Double.isNaN(reached) && e.heldOutMetric() >= target) {
        reached = trained;
      }
    }
    double accuracy = new MulticlassClassificationEvaluator().setMetricName("accuracy").evaluate(model.transform(test));
    int epochs = model.summary().history().get(model.summary().history().size() - 1).epoch();
    return row(name + " (n=" + model.implicitModel().hiddenDim() + ", " + epochs + " epochs)", wall, accuracy, reached, mlpSeconds);
  }


  private static Map<String, Object> row(String method, double wall, double accuracy, double toTarget, double mlpSeconds) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("method", method);
    r.put("wall_s", round(wall));
    r.put("test_accuracy", Math.round(accuracy * 10000) / 10000.0);
    r.put("s_to_mlp_accuracy", Double.isNaN(toTarget) ? "not reached" : round(toTarget));
    r.put("wall_over_mlp", round(wall / mlpSeconds));
    r.put("to_mlp_acc_over_mlp_wall", Double.isNaN(toTarget) ? "-" : round(toTarget / mlpSeconds));
    return r;
  }

  // ------------------------------------------------------------------ inference

  private static List<Map<String, Object>> inference(JobConfig cfg, List<String> notes) throws Exception {
    SparkSession spark = Sessions.create(cfg, "bench inference");
    try {
      Dataset<Row> train = DataSources.load(spark, TRAIN, "idx", "label", "", "", true).frame();
      MultilayerPerceptronClassificationModel mlp = new MultilayerPerceptronClassifier().setLayers(new int[] {784, HIDDEN, 10})
          .setMaxIter(10).setSeed(1L).fit(train);
      // the model's speed, not its quality, is measured: one epoch of the default configuration
      ImplicitClassificationModel implicit = new ImplicitClassifier().setHiddenDim(HIDDEN).setMaxIter(1).setMinSteps(0).fit(train);
      ImplicitModel m = implicit.implicitModel();
      List<Map<String, Object>> rows = new ArrayList<>();
      // side by side: a warm-up pass of each, then five rounds that time one pass of each; the table has each model's
      // best, the note the ratio of each round (the two passes of a round ran back to back) and their median
      Dataset<Row> byMlp = mlp.transform(train);
      Dataset<Row> byImplicit = implicit.transform(train);
      rowsPerSecond(byMlp);
      rowsPerSecond(byImplicit);
      double mlpRate = 0;
      double implicitRate = 0;
      double[] ratios = new double[5];
      for (int round = 0; round < ratios.length; round++) {
        double mlpRound = rowsPerSecond(byMlp);
        double implicitRound = rowsPerSecond(byImplicit);
        ratios[round] = implicitRound / mlpRound;
        mlpRate = Math.max(mlpRate, mlpRound);
        implicitRate = Math.max(implicitRate, implicitRound);
      }
      rows.add(inferenceRow("MLlib MLP 784-100-10", mlpRate, mlpRate));
      rows.add(inferenceRow("implicit n=100 (" + m.certificate().condition() + ")", implicitRate, mlpRate));
      notes.add(String.format(Locale.ROOT, "implicit / MLP rows per second: best rates %.3f, median round %.3f (target >= 1.0); rounds %s",
          implicitRate / mlpRate, KernelBench.median(ratios), rounded(ratios)));
      return rows;
    } finally {
      spark.stop();
    }
  }

  /** Rows per second of one full pass of {@code transformed} (60,000 rows). */
  private static double rowsPerSecond(Dataset<Row> transformed) {
    long t0 = System.nanoTime();
    transformed.write().format("noop").mode("overwrite").save();
    return 60000 / seconds(t0);
  }

  private static Map<String, Object> inferenceRow(String model, double rate, double mlpRate) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("model", model);
    r.put("rows_per_s", Math.round(rate));
    r.put("over_mlp", round(rate / mlpRate));
    return r;
  }

  // ------------------------------------------------------------------ output

  private static void report(String suite, List<Map<String, Object>> rows, List<String> notes, Path dir, boolean document) throws Exception {
    Files.createDirectories(dir);
    String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
    List<String> cols = new ArrayList<>(rows.get(0).keySet());
    StringBuilder md = new StringBuilder("| " + String.join(" | ", cols) + " |\n|" + "---|".repeat(cols.size()) + "\n");
    for (Map<String, Object> r : rows) {
      md.append("| ");
      for (String c : cols) {
        md.append(r.get(c)).append(" | ");
      }
      md.append("\n");
    }
    ObjectNode json = Jobs.JSON.createObjectNode();
    json.put("suite", suite);
    json.put("blas", Blas.implementation());
    json.put("cores", Runtime.getRuntime().availableProcessors());
    ArrayNode arr = json.putArray("rows");
    rows.forEach(r -> arr.add(Jobs.JSON.valueToTree(r)));
    notes.forEach(n -> md.append("\n").append(n).append("\n"));
    json.putPOJO("notes", notes);
    Files.writeString(dir.resolve(suite + "-" + stamp + ".md"), "# bench " + suite + " (" + stamp + ", BLAS " + Blas.implementation() + ")\n\n" + md);
    Files.writeString(dir.resolve(suite + "-" + stamp + ".json"), Jobs.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(json));
    Path results = Path.of("docs", "results");
    if (document && Files.isDirectory(results)) {
      // the results document of this suite, regenerated by each run (README links to it)
      Files.writeString(results.resolve(suite + ".md"), "# `idl bench --suite " + suite + "`\n\nLast run " + stamp + ", BLAS "
          + Blas.implementation() + ", " + Runtime.getRuntime().availableProcessors() + " cores. Regenerated by the bench; do not edit.\n\n" + md);
    }
    System.out.println(md);
    System.out.println("results: " + dir.resolve(suite + "-" + stamp + ".{md,json}"));
  }

  static double seconds(long t0) {
    return (System.nanoTime() - t0) / 1e9;
  }

  /** The values rounded as {@link #round} does, printed as a list. */
  static String rounded(double[] values) {
    return Arrays.toString(Arrays.stream(values).map(Bench::round).toArray());
  }

  static double round(double v) {
    return Math.round(v * 1000) / 1000.0;
  }
}
