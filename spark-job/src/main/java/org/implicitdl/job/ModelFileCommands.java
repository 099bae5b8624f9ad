package org.implicitdl.job;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.Model;
import org.apache.spark.sql.SparkSession;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.model.ModelJson;
import org.implicitdl.spark.ImplicitClassificationModel;
import org.implicitdl.spark.ImplicitRegressionModel;
import org.implicitdl.spark.ModelInfo;

/** {@code idl gc | export-model | import-model}: a model repository's unfinished versions, and models to and from JSON. */
final class ModelFileCommands {
  private ModelFileCommands() {}

  static int gc(String[] args) throws Exception {
    if (Jobs.help(args, "idl gc --model DIR [--older-than MINUTES]")) {
      return 0;
    }
    JobConfig cfg = JobConfig.parse(args, Set.of("older-than"));
    String dir = cfg.required("model", "--model");
    String olderThan = cfg.string("older-than").isEmpty() ? "60" : cfg.string("older-than");
    long minutes;
    try {
      minutes = Long.parseLong(olderThan);
    } catch (NumberFormatException e) {
      throw new Idl.UsageException("bad value for --older-than: " + olderThan + " (expected whole minutes >= 0)");
    }
    if (minutes < 0) {
      throw new Idl.UsageException("bad value for --older-than: " + olderThan + " (expected whole minutes >= 0)");
    }
    ModelRepository repo = new ModelRepository(dir, new org.apache.hadoop.conf.Configuration());
    long cutoff = System.currentTimeMillis() - minutes * 60_000;
    List<String> removed = new java.util.ArrayList<>();
    List<String> kept = new java.util.ArrayList<>();
    for (String id : repo.versions().unfinished()) {
      Path version = repo.version(id);
      if (repo.lastModified(version) < cutoff) {
        repo.delete(version);
        removed.add(id);
      } else {
        kept.add(id);
      }
    }
    ObjectNode o = Jobs.JSON.createObjectNode();
    o.set("removed", Jobs.JSON.valueToTree(removed));
    o.set("keptRecent", Jobs.JSON.valueToTree(kept));
    System.out.println(Jobs.JSON.writeValueAsString(o));
    return 0;
  }

  static int exportModel(String[] args) throws Exception {
    if (Jobs.help(args, "idl export-model --model DIR --json FILE")) {
      return 0;
    }
    JobConfig cfg = JobConfig.parse(args, Set.of("json"));
    SparkSession spark = Sessions.create(cfg, "export-model");
    try {
      Model<?> model = Jobs.loadModel(spark, cfg.required("model", "--model"));
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
    if (Jobs.help(args, "idl import-model --json FILE --model DIR [--task regression|classification]")) {
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
      ImplicitModel m;
      try {
        m = ModelJson.read(text);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(json + ": " + e.getMessage(), e);
      }
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
