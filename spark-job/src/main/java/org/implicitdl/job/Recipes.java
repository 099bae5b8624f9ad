package org.implicitdl.job;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import org.implicitdl.spark.ImplicitClassifier;
import org.implicitdl.spark.ImplicitTrainingParams;

/**
 * The shipped job configurations (conf/*.conf) as the estimators they configure, so a bench runs a
 * recipe exactly as {@code idl train --config FILE --set …} does rather than a copy of its numbers.
 */
final class Recipes {
  private Recipes() {}

  /**
   * The classifier {@code conf/…} file (under the installation, {@code idl.home}) configures, with
   * {@code flags} (e.g. {@code --set trainer.solver=bcd+gradient}) on top; no held-out column.
   */
  static ImplicitClassifier classifier(String file, String... flags) {
    String path = Path.of(System.getProperty("idl.home", "."), file).toString();
    return configured(new ImplicitClassifier(), JobConfig.parse(concat(new String[] {"--config", path}, flags), Set.of()));
  }

  /**
   * {@code estimator} with the params {@code cfg} sets, as a job run configures its estimator, for a
   * fit outside a run: no warm start, no saved trainer state, no held-out column.
   */
  static <P extends ImplicitTrainingParams> P configured(P estimator, JobConfig cfg) {
    TrainCommand.configure(estimator, cfg, "", "");
    estimator.set(estimator.heldOutCol(), "");
    return estimator;
  }

  /** {@code a} then {@code b}. */
  static String[] concat(String[] a, String... b) {
    String[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
