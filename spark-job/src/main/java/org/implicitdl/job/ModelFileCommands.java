package org.implicitdl.job;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.sql.SparkSession;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.model.ModelJson;
import org.implicitdl.spark.ImplicitClassificationModel;
import org.implicitdl.spark.ImplicitRegressionModel;
import org.implicitdl.spark.ModelInfo;

/** {@code idl gc | export-model | import-model}: a model repository's unfinished versions, and models to and from JSON. */
final class ModelFileCommands {
  private ModelFileCommands() {}

  /** {@code idl gc}: removes the unfinished versions (killed runs) not written for a while; no Spark session. */
  static final class Gc extends JobCommand {
    Gc() {
      super("gc", "remove unfinished versions (killed runs) under --model DIR not written for --older-than MINUTES (default 60)",
          "idl gc --model DIR [--older-than MINUTES]", "older-than");
    }

    @Override
    void check(JobConfig cfg) {
      cfg.required("model", "--model");
      minutes(cfg);
    }

    @Override
    int execute(JobConfig cfg, String[] args) throws Exception {
      String dir = cfg.required("model", "--model");
      long minutes = minutes(cfg);
      ModelRepository repo = new ModelRepository(dir, new Configuration());
      long cutoff = System.currentTimeMillis() - minutes * 60_000;
      List<String> removed = new ArrayList<>();
      List<String> kept = new ArrayList<>();
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

    private static long minutes(JobConfig cfg) {
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
      return minutes;
    }
  }

  /** {@code idl export-model}: a model's matrices as JSON ({@link ModelJson}). */
  static final class ExportModel extends JobCommand.WithSpark {
    ExportModel() {
      super("export-model", "write a model's matrices as JSON: --model DIR --json FILE", "idl export-model --model DIR --json FILE", "json");
    }

    @Override
    int execute(JobConfig cfg, SparkSession spark) throws Exception {
      Model<?> model = Jobs.loadModel(spark, cfg.required("model", "--model"));
      String json = cfg.required("json", "--json");
      new ModelRepository(".", spark.sparkContext().hadoopConfiguration()).writeText(new Path(json),
          ModelJson.write(((ModelInfo) model).implicitModel()));
      System.out.println("model matrices written to " + json);
      return 0;
    }
  }

  /** {@code idl import-model}: a model from JSON matrices, as a classification or (by default) a regression model. */
  static final class ImportModel extends JobCommand.WithSpark {
    ImportModel() {
      super("import-model", "make a model from JSON: --json FILE --model DIR [--task regression|classification]",
          "idl import-model --json FILE --model DIR [--task regression|classification]", "json");
    }

    @Override
    void check(JobConfig cfg) {
      cfg.required("json", "--json");
      task(cfg);
    }

    /** import-model defaults to regression (raw ŷ) unless a task is given. */
    private static String task(JobConfig cfg) {
      return cfg.given("task") ? cfg.oneOf("task", "classification", "regression") : "regression";
    }

    @Override
    int execute(JobConfig cfg, SparkSession spark) throws Exception {
      String json = cfg.required("json", "--json");
      String task = task(cfg);
      DataSources.requireExists(spark, json);
      String text;
      try (var in = DataSources.open(spark, json)) {
        text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      ImplicitModel m;
      try {
        m = ModelJson.read(text);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(json + ": " + e.getMessage(), e);
      }
      String dir = cfg.required("model", "--model");
      Model<?> model = task.equals("classification")
          ? new ImplicitClassificationModel(Identifiable$.MODULE$.randomUID("implicitClassifier"), m)
          : new ImplicitRegressionModel(Identifiable$.MODULE$.randomUID("implicitRegressor"), m);
      ((MLWritable) model).write().save(dir);
      System.out.println(task + " model written to " + dir);
      return 0;
    }
  }
}
