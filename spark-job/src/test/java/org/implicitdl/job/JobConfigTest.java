package org.implicitdl.job;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobConfigTest {
  @TempDir
  Path tmp;

  @Test
  void unknownKeysInAFileAreErrors() throws Exception {
    Path conf = tmp.resolve("bad.conf");
    Files.writeString(conf, "idl { trainer { hiden = 5 } }");
    CommandLine r = CommandLine.run("train", "--config", conf.toString(), "--input", "x.csv");
    assertEquals(2, r.exit());
    assertTrue(r.err().contains("unknown configuration key(s): trainer.hiden"), r.err());
  }

  @Test
  void badValuesUnknownFlagsAndMissingFilesAreOneLineErrors() {
    CommandLine r = CommandLine.run("train", "--input", "x.csv", "--epochs", "many");
    assertEquals(2, r.exit());
    assertTrue(r.err().contains("bad value for 'trainer.epochs': many"), r.err());
    r = CommandLine.run("train", "--inptu", "x.csv");
    assertEquals(2, r.exit());
    assertTrue(r.err().contains("unknown option '--inptu'"), r.err());
    r = CommandLine.run("train", "--config", tmp.resolve("none.conf").toString());
    assertEquals(2, r.exit());
    assertTrue(r.err().contains("config file not found"), r.err());
    r = CommandLine.run("train", "--input", "x.csv", "--format", "xls");
    assertEquals(2, r.exit());
    assertTrue(r.err().contains("bad value for 'format': xls"), r.err());
    r = CommandLine.run("frobnicate");
    assertEquals(2, r.exit());
    assertEquals(1, r.err().strip().lines().count());
  }

  @Test
  void helpListsTheJobs() {
    CommandLine r = CommandLine.run("--help");
    assertEquals(0, r.exit());
    for (String job : new String[] {"train", "predict", "evaluate", "inspect", "export-model", "import-model", "bench"}) {
      assertTrue(r.out().contains(job), job + " missing from help");
    }
    assertEquals(0, CommandLine.run("train", "--help").exit());
  }

  @Test
  void theDefaultJobFileIsValid() {
    JobConfig cfg = JobConfig.parse(new String[] {"--config", "../conf/fashion-mnist.conf"}, java.util.Set.of());
    assertEquals("idx", cfg.string("format"));
    assertEquals(100, cfg.integer("trainer.hidden"));
  }

  /**
   * One source of truth for the trainer's knobs: every trainer key of reference.conf sets the
   * estimator Param of its name (TrainCommand.paramName), and its default there is the Param's
   * default, so the job and the Spark ML API cannot drift apart.
   */
  @Test
  void everyTrainerKeyIsAnEstimatorParamWithTheSameDefault() {
    JobConfig cfg = JobConfig.parse(new String[0], java.util.Set.of());
    org.implicitdl.spark.ImplicitClassifier estimator = new org.implicitdl.spark.ImplicitClassifier();
    java.util.List<String> keys = cfg.keysUnder("trainer");
    assertTrue(keys.size() > 30, keys.toString());
    for (String key : keys) {
      org.apache.spark.ml.param.Param<?> param = estimator.getParam(TrainCommand.paramName(key));
      Object byDefault = estimator.getDefault(param).get();
      String name = "trainer." + key;
      Object inConf = byDefault instanceof Integer ? cfg.integer(name) : byDefault instanceof Long ? cfg.longValue(name)
          : byDefault instanceof Double ? cfg.number(name) : byDefault instanceof Boolean ? cfg.flag(name) : cfg.string(name);
      assertEquals(byDefault, inConf, name + " in reference.conf vs the Param " + param.name());
    }
    org.implicitdl.spark.ImplicitClassifier configured = new org.implicitdl.spark.ImplicitClassifier();
    TrainCommand.configure(configured, JobConfig.parse(new String[] {"--hidden", "7", "--set", "trainer.rank=3"}, java.util.Set.of()), "", "");
    assertEquals(7, configured.getHiddenDim());
    assertEquals(3, configured.getRank());
  }
}
