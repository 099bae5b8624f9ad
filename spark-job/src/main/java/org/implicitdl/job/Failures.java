package org.implicitdl.job;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.SparkThrowable;
import org.implicitdl.spark.InvalidParamException;

/**
 * Turns whatever ended a job into its exit code and one line for a person: the jobs' own
 * messages as they are, a data error raised inside an executor unwrapped from Spark's task
 * failure ("Job aborted due to stage failure … Driver stacktrace"), Spark's own error classes by
 * their first line. Exit codes: {@link #DATA} bad data, a missing input or a failed run;
 * {@link #USAGE} bad usage or configuration; {@link #REFUSED} not published, the guard refused
 * the model; {@link #LOST_RACE} not published, another run published first; {@link #NOTHING_NEW}
 * not trained, the source has nothing the published model was not trained on (idl retrain).
 */
final class Failures {
  static final int DATA = 1;
  static final int USAGE = 2;
  static final int REFUSED = 3;
  static final int LOST_RACE = 4;
  static final int NOTHING_NEW = 5;

  private static final Pattern UNREADABLE_PARQUET =
      Pattern.compile("CANNOT_READ_FILE_FOOTER\\] Encountered error while reading file (?:file:)?(\\S+?)\\. Could not read footer");
  private static final String IAE_MARKER = IllegalArgumentException.class.getName() + ": ";

  private Failures() {}

  /** A job that ends without publishing, with its own exit code. */
  static final class NotPublished extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final int exitCode;

    NotPublished(int exitCode, String message) {
      super(message);
      this.exitCode = exitCode;
    }
  }

  /** Exit code and message of a failure. */
  record Outcome(int exitCode, String message) {}

  static Outcome of(Throwable failure) {
    List<Throwable> chain = new ArrayList<>();
    for (Throwable t = failure; t != null && !chain.contains(t); t = t.getCause()) {
      chain.add(t);
    }
    for (Throwable t : chain) {
      if (t instanceof NotPublished n) {
        return new Outcome(n.exitCode, n.getMessage());
      }
      if (t instanceof Idl.UsageException || t instanceof InvalidParamException) {
        return new Outcome(USAGE, firstLine(t.getMessage()));
      }
    }
    for (Throwable t : chain) {
      if (t instanceof IllegalArgumentException || t instanceof IOException) {
        return new Outcome(DATA, firstLine(t.getMessage()));
      }
    }
    for (Throwable t : chain) {
      String m = t.getMessage();
      if (m != null && m.contains(IAE_MARKER)) {
        return new Outcome(DATA, firstLine(m.substring(m.indexOf(IAE_MARKER) + IAE_MARKER.length())));
      }
    }
    for (Throwable t : chain) {
      Matcher footer = UNREADABLE_PARQUET.matcher(String.valueOf(t.getMessage()));
      if (footer.find()) {
        return new Outcome(DATA, footer.group(1) + ": not a Parquet file (its footer cannot be read)");
      }
    }
    Throwable deepest = chain.get(chain.size() - 1);
    for (Throwable t : chain) {
      if (t instanceof SparkThrowable && ((SparkThrowable) t).getCondition() != null
          && !t.getMessage().startsWith("Job aborted")) {
        deepest = t;
        break;
      }
    }
    String m = firstLine(deepest.getMessage());
    return new Outcome(DATA, m.isEmpty() ? deepest.getClass().getSimpleName() : m);
  }

  static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    String t = s.strip();
    int nl = t.indexOf('\n');
    return nl < 0 ? t : t.substring(0, nl).strip();
  }
}
