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

  /**
   * Every command runs through the shared template: {@code --help} prints its own synopsis and exits
   * 0, and an unknown flag is a usage error (exit 2, one line naming it) before any Spark session.
   */
  @Test
  void everyCommandHasHelpAndRefusesAnUnknownFlagTheSameWay() {
    for (String command : new String[] {"train", "predict", "evaluate", "certify", "attack", "prune", "compress", "retrain", "generate",
        "inspect", "gc", "export-model", "import-model", "bench"}) {
      CommandLine help = CommandLine.run(command, "--help");
      assertEquals(0, help.exit(), command);
      assertTrue(help.out().startsWith("idl " + command), command + " --help printed: " + help.out());
      CommandLine bad = CommandLine.run(command, "--no-such-flag", "1");
      assertEquals(2, bad.exit(), command);
      assertEquals("idl " + command + ": unknown option '--no-such-flag'", bad.err().strip(), command);
    }
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
          : byDefault instanceof Double ? cfg.number(name) : byDefault instanceof Boolean ? cfg.flag(name)
          : byDefault instanceof double[] ? cfg.doubles(name) : cfg.string(name);
      if (byDefault instanceof double[] d) {
        assertArrayEquals(d, (double[]) inConf, name + " in reference.conf vs the Param " + param.name());
      } else {
        assertEquals(byDefault, inConf, name + " in reference.conf vs the Param " + param.name());
      }
    }
    // and the converse: every param a job can set is a trainer key, except the columns and what the job sets itself
    java.util.Set<String> notKeys = java.util.Set.of("featuresCol", "labelCol", "predictionCol", "probabilityCol", "rawPredictionCol",
        "thresholds", "weightCol", "heldOutCol", "initialModelPath", "trainerStateDir", "epsilon", "featureScale", "certifiedRadiusCol",
        "fixedPointInfoCol", "certifiedCol", "lowerBoundCol", "upperBoundCol", "stateCol");
    java.util.List<String> missing = new java.util.ArrayList<>();
    for (org.apache.spark.ml.param.Param<?> param : estimator.params()) {
      if (!notKeys.contains(param.name()) && keys.stream().noneMatch(k -> TrainCommand.paramName(k).equals(param.name()))) {
        missing.add(param.name());
      }
    }
    assertEquals(java.util.List.of(), missing, "Params without a trainer key in reference.conf");
    org.implicitdl.spark.ImplicitClassifier configured = new org.implicitdl.spark.ImplicitClassifier();
    TrainCommand.configure(configured, JobConfig.parse(new String[] {"--hidden", "3", "--set", "trainer.rank=2", "--set",
        "trainer.lambda-per-state=[1, 0.5, 2]", "--set", "trainer.early-stopping-fraction=0.2"}, java.util.Set.of()), "", "");
    assertEquals(3, configured.getHiddenDim());
    assertEquals(2, configured.getRank());
    assertArrayEquals(new double[] {1, 0.5, 2}, configured.getLambdaPerState());
    assertEquals(0.2, configured.getValidationFraction());
  }
}
