package org.implicitdl.job;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;

/**
 * {@code idl retrain --model DIR}: scheduled retraining. Reads the source recorded in the
 * published version's provenance; when there is something new — a newer Delta table version, or
 * plain files whose content fingerprint changed — trains on it with the recorded settings and a
 * warm start from the published model, checks that the input columns are still the recorded
 * ones, and publishes through the guard. Exit codes a scheduler can act on: 0 a new model
 * published, {@link Failures#REFUSED} refused by the guard, {@link Failures#NOTHING_NEW} nothing
 * new to train on, {@link Failures#LOST_RACE} another run published first, 1 or 2 an error.
 */
final class RetrainCommand extends JobCommand {
  RetrainCommand() {
    super("retrain", "retrain on what is new in the published model's source: --model DIR (exit 0 published, 3 refused, 5 nothing new)",
        "idl retrain --model DIR [--epochs N] [--set key=value ...]");
  }

  /** The published version's configuration under these flags, pinned to the newest data. */
  @Override
  int execute(JobConfig given, String[] args) throws Exception {
    String dir = given.required("model", "--model");
    ModelRepository repo = new ModelRepository(dir, new Configuration());
    Path latest = repo.latest();
    if (latest == null) {
      throw new Idl.UsageException("nothing published under " + dir + ": train a first model with idl train");
    }
    Path provenanceFile = new Path(latest, Provenance.FILE);
    if (!repo.exists(provenanceFile)) {
      throw new IllegalArgumentException(latest + " has no " + Provenance.FILE + " (trained before provenance was recorded): retrain it once "
          + "with idl train --warm-start");
    }
    Provenance recorded = Provenance.fromJson(Jobs.JSON.readTree(repo.readText(provenanceFile)));
    List<String> pinned = new ArrayList<>(Arrays.asList(args));
    pinned.addAll(List.of("--model", dir, "--warm-start"));
    if (recorded.format().equals("delta")) {
      long newest = newestVersion(given, recorded.path());
      if (newest <= recorded.tableVersion()) {
        throw new Failures.NotPublished(Failures.NOTHING_NEW, "nothing new to train on: " + recorded.path() + " is still at version "
            + recorded.tableVersion() + ", which " + latest.getName() + " was trained on");
      }
      pinned.addAll(List.of("--version", Long.toString(newest)));
    } else if (sameFiles(recorded)) {
      throw new Failures.NotPublished(Failures.NOTHING_NEW, "nothing new to train on: the files of " + recorded.path()
          + " have the sizes and modification times " + latest.getName() + " was trained on");
    }
    JobConfig cfg = JobConfig.parse(pinned.toArray(new String[0]), Set.of(), JobConfig.saved(repo.readText(new Path(latest, "config.json"))));
    return TrainCommand.train(cfg, null, null, recorded);
  }

  private static long newestVersion(JobConfig cfg, String table) throws java.io.IOException {
    SparkSession spark = Sessions.create(cfg, "retrain: newest table version");
    try {
      return DeltaTables.newestVersion(spark, table);
    } finally {
      spark.stop();
    }
  }

  /** Plain files unchanged: the same paths, sizes and modification times (a content check would read them all). */
  private static boolean sameFiles(Provenance recorded) throws java.io.IOException {
    String labels = recorded.config().path("labels").asText("");
    return Provenance.filesOf(new Configuration(), recorded.path(), recorded.format(), labels).equals(recorded.files());
  }
}
