package org.implicitdl.job;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import org.implicitdl.spark.ImplicitClassifier;

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
    String[] args = new String[flags.length + 2];
    args[0] = "--config";
    args[1] = Path.of(System.getProperty("idl.home", "."), file).toString();
    System.arraycopy(flags, 0, args, 2, flags.length);
    ImplicitClassifier c = new ImplicitClassifier();
    TrainCommand.configure(c, JobConfig.parse(args, Set.of()), "", "");
    c.set(c.heldOutCol(), "");
    return c;
  }

  /** {@code a} then {@code b}. */
  static String[] concat(String[] a, String... b) {
    String[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
