package org.implicitdl.job;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.implicitdl.linalg.Blas;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The Spark session of a job: spark-submit's settings when present, else conf/spark-defaults.conf and the configured master. */
final class Sessions {
  private static final Logger LOG = LoggerFactory.getLogger(Sessions.class);

  private Sessions() {}

  static SparkSession create(JobConfig cfg, String appName) throws IOException {
    return create(cfg, appName, java.util.Map.of());
  }

  /** The same with Spark settings of the caller's (a bench's memory limits) ahead of the defaults file. */
  static SparkSession create(JobConfig cfg, String appName, java.util.Map<String, String> settings) throws IOException {
    SparkConf conf = new SparkConf().setAppName("implicitdl " + appName);
    settings.forEach(conf::set);
    String home = System.getProperty("idl.home", "");
    Path defaults = Path.of(home, "conf", "spark-defaults.conf");
    if (!home.isEmpty() && Files.isRegularFile(defaults)) {
      for (String line : Files.readAllLines(defaults)) {
        String t = line.trim();
        if (t.isEmpty() || t.startsWith("#")) {
          continue;
        }
        String[] kv = t.split("\\s+", 2);
        if (kv.length == 2 && !conf.contains(kv[0])) {
          conf.set(kv[0], kv[1]);
        }
      }
    }
    // Delta Lake's SQL extension and catalog (time travel, catalog tables); a cluster's own settings win
    conf.setIfMissing("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension");
    conf.setIfMissing("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog");
    if (!conf.contains("spark.master")) {
      conf.setMaster(cfg.string("master"));
    }
    if (conf.get("spark.master").startsWith("local")) {
      // one machine: a few shuffle partitions, not Spark's 200 (a cluster's settings are its own); Delta's log replay likewise
      conf.setIfMissing("spark.sql.shuffle.partitions", "8");
      conf.setIfMissing("spark.databricks.delta.snapshotPartitions", "8");
    }
    SparkSession spark = SparkSession.builder().config(conf).getOrCreate();
    LOG.info("BLAS in use: {} (native: {}); Spark master {}", Blas.implementation(), Blas.isNative(), spark.sparkContext().master());
    return spark;
  }
}
