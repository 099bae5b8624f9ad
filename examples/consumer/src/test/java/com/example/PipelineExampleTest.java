package com.example;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the example as a user's build would: the library from the local repository, Spark provided. */
class PipelineExampleTest {
  @TempDir
  Path tmp;

  @Test
  void thePipelineTrainsSavesLoadsAndPredicts() {
    SparkSession spark = SparkSession.builder().master("local[2]").appName("consumer-test").config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1").getOrCreate();
    try {
      double accuracy = PipelineExample.run(spark, tmp.resolve("model").toString());
      assertTrue(accuracy > 0.8, "test accuracy " + accuracy);
    } finally {
      spark.stop();
    }
  }
}
