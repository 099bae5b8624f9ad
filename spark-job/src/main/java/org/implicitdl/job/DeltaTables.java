package org.implicitdl.job;

import io.delta.tables.DeltaTable;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Delta Lake tables as a source and a sink: a table by path (or by name in a configured catalog),
 * read at its newest version or travelled back to a version or a timestamp; every failure of that
 * (not a table, no such version, a timestamp outside the table's history) is one line naming the
 * table and what it has.
 */
final class DeltaTables {
  private DeltaTables() {}

  /** A table read at one version. */
  record Snapshot(Dataset<Row> frame, long version, String table) {}

  /**
   * The table at {@code version} (a whole number) or {@code timestamp} (as Delta parses it,
   * e.g. "2026-11-30 12:00:00"), or its newest version when both are empty.
   */
  static Snapshot read(SparkSession spark, String table, String version, String timestamp) {
    if (!version.isEmpty() && !timestamp.isEmpty()) {
      throw new Idl.UsageException("give at most one of --version and --timestamp");
    }
    DeltaTable delta = open(spark, table);
    long newest = newestVersion(delta);
    DataFrameReader reader = spark.read().format("delta");
    long at = newest;
    if (!version.isEmpty()) {
      at = parseVersion(version);
      if (at > newest) {
        throw new IllegalArgumentException(table + ": Delta table has no version " + at + " (its versions are " + oldestVersion(delta) + " to "
            + newest + ")");
      }
      reader = reader.option("versionAsOf", at);
    } else if (!timestamp.isEmpty()) {
      reader = reader.option("timestampAsOf", timestamp);
    }
    try {
      Dataset<Row> frame = isPath(spark, table) ? reader.load(table) : reader.table(table);
      if (!timestamp.isEmpty()) {
        at = versionAt(spark, delta, timestamp);
      }
      frame.schema();
      return new Snapshot(frame, at, table);
    } catch (RuntimeException e) {
      String reason = Failures.firstLine(e.getMessage());
      if (!version.isEmpty()) {
        throw new IllegalArgumentException(table + ": cannot read Delta version " + version + " (its versions are " + oldestVersion(delta)
            + " to " + newest + "): " + reason, e);
      }
      throw new IllegalArgumentException(table + ": cannot read the Delta table" + (timestamp.isEmpty() ? "" : " as of " + timestamp)
          + ": " + reason, e);
    }
  }

  /** The table's newest version (a cheap read of its log). */
  static long newestVersion(SparkSession spark, String table) {
    return newestVersion(open(spark, table));
  }

  /** Writes {@code frame} as a Delta table at {@code path} (mode error, overwrite or append). */
  static void write(Dataset<Row> frame, String path, String mode) {
    frame.write().format("delta").mode(mode.equals("error") ? "errorifexists" : mode).save(path);
  }

  private static DeltaTable open(SparkSession spark, String table) {
    if (isPath(spark, table)) {
      if (!DeltaTable.isDeltaTable(spark, table)) {
        throw new IllegalArgumentException(table + ": not a Delta table (no _delta_log with a commit)");
      }
      return DeltaTable.forPath(spark, table);
    }
    if (table.contains("/") || !spark.catalog().tableExists(table)) {
      throw new UncheckedIOException(new FileNotFoundException("input not found: " + table
          + " (neither a path nor a table in the catalog)"));
    }
    try {
      return DeltaTable.forName(spark, table);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(table + ": not a Delta table: " + Failures.firstLine(e.getMessage()), e);
    }
  }

  /** Whether {@code path} is a directory holding a Delta table's log (for a plain-file read that would miss it). */
  static boolean isDeltaTable(SparkSession spark, String path) {
    return isPath(spark, path + Path.SEPARATOR + "_delta_log");
  }

  private static boolean isPath(SparkSession spark, String table) {
    try {
      Path p = new Path(table);
      return p.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(p);
    } catch (IOException | IllegalArgumentException e) {
      return false;
    }
  }

  private static long newestVersion(DeltaTable delta) {
    return delta.history(1).select("version").head().getLong(0);
  }

  private static long oldestVersion(DeltaTable delta) {
    return delta.history().agg(org.apache.spark.sql.functions.min("version")).head().getLong(0);
  }

  /** The version a timestamp reads: the newest commit at or before it. */
  private static long versionAt(SparkSession spark, DeltaTable delta, String timestamp) {
    Row r = delta.history().where(org.apache.spark.sql.functions.col("timestamp")
        .leq(org.apache.spark.sql.functions.to_timestamp(org.apache.spark.sql.functions.lit(timestamp))))
        .agg(org.apache.spark.sql.functions.max("version")).head();
    return r.isNullAt(0) ? -1 : r.getLong(0);
  }

  private static long parseVersion(String text) {
    try {
      long v = Long.parseLong(text.trim());
      if (v >= 0) {
        return v;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw new Idl.UsageException("bad value for --version: " + text + " (expected a table version, a whole number >= 0)");
  }
}
