package org.implicitdl.spark;

import java.io.PrintStream;
import java.util.Locale;
import java.util.function.Consumer;
import org.implicitdl.train.EpochRecord;

/**
 * A one-line progress bar over epochs for interactive terminals (redrawn with a carriage return
 * on stderr); silent when stderr is not a terminal, so logs and CI output stay clean.
 */
final class ProgressBar implements Consumer<EpochRecord> {
  private static final int WIDTH = 30;
  private final int total;
  private final String metricName;
  private final PrintStream out;
  private final long start = System.nanoTime();
  private int done;

  ProgressBar(int total, String metricName, PrintStream out) {
    this.total = Math.max(1, total);
    this.metricName = metricName;
    this.out = out;
  }

  /** A bar when a terminal is attached (and -Didl.progress is not false), else a no-op. */
  static Consumer<EpochRecord> forTerminal(int totalEpochs, String metricName) {
    boolean terminal = System.console() != null && !"false".equals(System.getProperty("idl.progress"));
    return terminal ? new ProgressBar(totalEpochs, metricName, System.err) : r -> { };
  }

  @Override
  public void accept(EpochRecord r) {
    out.print(render(r));
    if (done >= total) {
      out.println();
    }
    out.flush();
  }

  /** Counts epochs across solvers (bcd+gradient restarts its epoch numbers) and draws the bar. */
  String render(EpochRecord r) {
    if (r.epoch() > 0) {
      done = Math.min(total, done + 1);
    }
    int filled = WIDTH * done / total;
    double elapsed = (System.nanoTime() - start) / 1e9;
    double eta = done == 0 ? Double.NaN : elapsed / done * (total - done);
    return String.format(Locale.ROOT, "\r[%s%s] epoch %d/%d  %s %.4f  %.0fs elapsed%s", "#".repeat(filled), " ".repeat(WIDTH - filled),
        done, total, metricName, r.realMetric(), elapsed, Double.isNaN(eta) ? "" : String.format(Locale.ROOT, ", ~%.0fs left", eta));
  }
}
