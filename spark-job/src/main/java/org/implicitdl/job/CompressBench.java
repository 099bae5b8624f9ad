package org.implicitdl.job;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.classification.MultilayerPerceptronClassificationModel;
import org.apache.spark.ml.classification.MultilayerPerceptronClassifier;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.implicitdl.linalg.LowRank;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.spark.ImplicitClassificationModel;
import org.implicitdl.spark.ImplicitClassifier;
import org.implicitdl.spark.MlpConversion;
import org.implicitdl.spark.ModelInfo;
import org.implicitdl.train.Optimizer;

/**
 * {@code idl bench --suite compress} (paper §6.2–6.3) on Fashion-MNIST: a wide model (n = 300)
 * trained with the state group penalties, exactly pruned and then compressed to at most 100
 * states; that model with A at rank k; a dense n = 100 model and one trained from scratch with
 * rank k, for reference; and an MLlib MLP 784-100-10 converted and compressed to fewer hidden
 * states. Each row: states, rank of A, test accuracy, inference rows/s through the Spark model's
 * transform, all measured in one run.
 */
final class CompressBench {
  private static final int WIDE = 300;
  private static final int KEEP = 100;
  private static final int MLP_KEEP = 64;
  private static final int FINE_TUNE_EPOCHS = 3;

  private CompressBench() {}

  static List<Map<String, Object>> run(JobConfig cfg, List<String> notes) throws Exception {
    SparkSession spark = Sessions.create(cfg, "bench compress");
    java.nio.file.Path staging = Files.createTempDirectory("idl-bench-compress");
    try {
      Dataset<Row> all = DataSources.load(spark, Bench.TRAIN, "idx", "label", "", "", true).frame();
      Dataset<Row>[] split = all.randomSplit(new double[] {0.9, 0.1}, 7L);
      Dataset<Row> train = split[0].cache();
      Dataset<Row> held = split[1].cache();
      Dataset<Row> test = DataSources.load(spark, Bench.TEST, "idx", "label", "", "", true).frame().cache();
      double penalty = cfg.number("trainer.state-penalty") > 0 ? cfg.number("trainer.state-penalty") : 1e-3;
      int rank = cfg.integer("trainer.rank") > 0 ? cfg.integer("trainer.rank") : 20;
      ImplicitClassifier base = Recipes.configured(new ImplicitClassifier(), cfg);
      base.setStatePenalty(0).setRank(0);
      List<Map<String, Object>> rows = new ArrayList<>();

      long t0 = System.nanoTime();
      ImplicitClassificationModel dense = base.copy(new ParamMap()).setHiddenDim(KEEP).fit(train);
      rows.add(row("dense, n = " + KEEP, dense, seconds(t0), test));
      t0 = System.nanoTime();
      ImplicitClassificationModel scratch = base.copy(new ParamMap()).setHiddenDim(KEEP).setRank(rank).fit(train);
      rows.add(row("rank " + rank + " from scratch, n = " + KEEP, scratch, seconds(t0), test));

      t0 = System.nanoTime();
      ImplicitClassificationModel widePlain = base.copy(new ParamMap()).setHiddenDim(WIDE).fit(train);
      rows.add(row("n = " + WIDE + ", no state penalty", widePlain, seconds(t0), test));
      t0 = System.nanoTime();
      ImplicitClassificationModel wide = base.copy(new ParamMap()).setHiddenDim(WIDE).setStatePenalty(penalty).fit(train);
      double wideSeconds = seconds(t0);
      rows.add(row(String.format(Locale.ROOT, "n = %d, state penalty %.3g, exactly pruned", WIDE, penalty), wide, wideSeconds, test));
      t0 = System.nanoTime();
      CompressCommand.Outcome pruned = CompressCommand.compress(wide, train, held, "label",
          new CompressCommand.Target(Math.min(KEEP, wide.implicitModel().hiddenDim()), -1, 0, FINE_TUNE_EPOCHS),
          new Path(staging.resolve("cut").toUri()));
      rows.add(row("  compressed to <= " + KEEP + " states, " + FINE_TUNE_EPOCHS + "-epoch fine-tune", pruned.tuned(), seconds(t0), test));
      t0 = System.nanoTime();
      CompressCommand.Outcome lowRank = CompressCommand.compress(pruned.tuned(), train, held, "label",
          new CompressCommand.Target(pruned.cut().hiddenDim(), -1, rank, FINE_TUNE_EPOCHS), new Path(staging.resolve("rank").toUri()));
      rows.add(row("  then A at rank " + rank + ", " + FINE_TUNE_EPOCHS + "-epoch fine-tune", lowRank.tuned(), seconds(t0), test));

      t0 = System.nanoTime();
      MultilayerPerceptronClassificationModel mlp = new MultilayerPerceptronClassifier().setLayers(new int[] {784, Bench.HIDDEN, 10})
          .setMaxIter(100).setSeed(1234L).fit(train);
      double mlpSeconds = seconds(t0);
      rows.add(row("MLlib MLP 784-100-10 (l-bfgs, 100 it)", mlp, 100, 0, mlpSeconds, test));
      ImplicitClassificationModel converted = MlpConversion.convert(mlp);
      rows.add(row("  converted to an implicit model", converted, 0, test));
      t0 = System.nanoTime();
      CompressCommand.Outcome mlpSmall = CompressCommand.compress(converted, train, held, "label",
          new CompressCommand.Target(MLP_KEEP, -1, 0, FINE_TUNE_EPOCHS), new Path(staging.resolve("mlp").toUri()));
      rows.add(row("  compressed to " + MLP_KEEP + " states, " + FINE_TUNE_EPOCHS + "-epoch fine-tune", mlpSmall.tuned(), seconds(t0), test));

      notes.add("Training: the job configuration (" + base.getMaxIter() + " epochs, batch " + base.getBatchSize() + ", step "
          + base.getStepSize() + " " + Optimizer.scheduleInWords(base.getStepDecay()) + ") on 90% of the training images; the other 10% rank the states "
          + "for the cut (held-out loss); accuracy on the 10,000 test images.");
      notes.add("rows/s: the Spark model's transform over the test images (3 passes after a warm-up), sweeps chosen by A's structure "
          + "(dense Picard, L(R^T x) when A has rank r with 4r < n, back-substitution when triangular).");
      notes.add("seconds: training, or the compression (pruning, cut, rank projection and fine-tune) for the indented rows.");
      return rows;
    } finally {
      spark.stop();
      try (Stream<java.nio.file.Path> files = Files.walk(staging)) {
        files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }

  private static Map<String, Object> row(String name, Model<?> model, double seconds, Dataset<Row> test) {
    ImplicitModel m = ((ModelInfo) model).implicitModel();
    return row(name, model, m.hiddenDim(), LowRank.exact(m.a()).rank(), seconds, test);
  }

  private static Map<String, Object> row(String name, Model<?> model, int states, int rank, double seconds, Dataset<Row> test) {
    double accuracy = new MulticlassClassificationEvaluator().setMetricName("accuracy")
        .evaluate(model.transform(test));
    double rowsPerSecond = CompressCommand.rowsPerSecond(model, test);
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("model", name);
    r.put("states", states);
    r.put("rank_A", rank);
    r.put("accuracy", Math.round(accuracy * 10000) / 10000.0);
    r.put("rows_per_s", Math.round(rowsPerSecond));
    r.put("seconds", Math.round(seconds * 10) / 10.0);
    System.out.printf(Locale.ROOT, "  %s: %d states, rank %d, accuracy %.4f, %.0f rows/s, %.1f s%n", name, states, rank, accuracy,
        rowsPerSecond, seconds);
    return r;
  }

  private static double seconds(long t0) {
    return (System.nanoTime() - t0) / 1e9;
  }
}
