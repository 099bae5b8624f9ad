package org.implicitdl.job;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.implicitdl.spark.RddBlockStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Design card §8: a task that fails once mid-training (the {@code spark.implicitdl.test.failPass}
 * hook: the sixth aggregate's first task attempt throws) is retried by Spark and costs a
 * recomputation, not the run: the model equals the undisturbed run's to 1e-9. Spark's local[2, 2] master retries a task as a cluster does; a killed executor is {@code StandaloneClusterIT}'s.
 */
class TaskRetryTest {
  @TempDir
  Path tmp;

  @Test
  void aTaskThatFailsOnceCostsARetryNotTheRun() throws Exception {
    Path data = TrainJobTest.regressionCsv(tmp, "train.csv", 800, 11, false);
    // bcd: its passes both fold statistics (aggregate) and replace blocks (update), the two ways a pass can fail
    for (String solver : new String[] {"bcd"}) {
      Path undisturbed = tmp.resolve(solver + "-undisturbed");
      CommandLine clean = CommandLine.run(job(data, solver, undisturbed));
      assertEquals(0, clean.exit(), clean.err());
      Path failed = tmp.resolve(solver + "-failed-task");
      int before = RddBlockStore.injectedFailures();
      System.setProperty(RddBlockStore.FAIL_PASS, "6");
      CommandLine injected;
      try {
        injected = CommandLine.run(job(data, solver, failed));
      } finally {
        System.clearProperty(RddBlockStore.FAIL_PASS);
      }
      assertEquals(0, injected.exit(), injected.err());
      assertEquals(before + 1, RddBlockStore.injectedFailures(), "the hook fired once");
      StandaloneClusterIT.assertSameModel(undisturbed, failed);
    }
  }

  private static String[] job(Path data, String solver, Path model) {
    return new String[] {"train", "--input", data.toString(), "--format", "csv", "--label-col", "y", "--task", "regression",
        "--solver", solver, "--hidden", "6", "--epochs", "3", "--set", "trainer.block-size=100", "--set", "trainer.batch-size=100",
        "--set", "trainer.step-size=0.01", "--set", "validation-fraction=0.2", "--set", "linear-baseline=false",
        "--set", "trainer.local-training-mb=0", "--set", "trainer.min-steps=0", "--master", "local[2,2]", "--model", model.toString()};
  }
}
