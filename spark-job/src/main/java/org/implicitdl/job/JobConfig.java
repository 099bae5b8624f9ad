package org.implicitdl.job;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A job's configuration: reference.conf defaults, then a job file ({@code --config FILE}), then
 * command-line flags ({@code --input P}, or {@code --set trainer.hidden=50} for any key).
 * Unknown keys, unknown flags and values of the wrong type are {@link Idl.UsageException}s.
 */
public final class JobConfig {
  /** Short flags and the config keys they set. */
  private static final Map<String, String> FLAGS = Map.ofEntries(
      Map.entry("--input", "input"), Map.entry("--format", "format"), Map.entry("--label-col", "label-col"),
      Map.entry("--labels", "labels"), Map.entry("--features-col", "features-col"), Map.entry("--ignore-cols", "ignore-cols"), Map.entry("--model", "model"),
      Map.entry("--task", "task"), Map.entry("--hidden", "trainer.hidden"), Map.entry("--solver", "trainer.solver"),
      Map.entry("--epochs", "trainer.epochs"), Map.entry("--validation", "validation"),
      Map.entry("--validation-labels", "validation-labels"), Map.entry("--master", "master"),
      Map.entry("--output", "output"), Map.entry("--json", "json"), Map.entry("--publish-tolerance", "publish-tolerance"),
      Map.entry("--warm-start", "warm-start"), Map.entry("--resume", "resume"), Map.entry("--suite", "suite"), Map.entry("--results", "results"), Map.entry("--only", "only"), Map.entry("--trials", "trials"), Map.entry("--kind", "kind"), Map.entry("--rows", "rows"),
      Map.entry("--seed", "trainer.seed"), Map.entry("--mode", "mode"),
      Map.entry("--older-than", "older-than"), Map.entry("--epsilon", "epsilon"), Map.entry("--steps", "steps"),
      Map.entry("--max-states", "max-states"), Map.entry("--tolerance", "tolerance"),
      Map.entry("--rank", "trainer.rank"), Map.entry("--select-features", "trainer.select-features"), Map.entry("--version", "table-version"), Map.entry("--timestamp", "table-timestamp"),
      Map.entry("--output-format", "output-format"), Map.entry("--same-as", "same-as"));

  private final Config config;
  private final Config given;

  private JobConfig(Config config, Config given) {
    this.config = config;
    this.given = given;
  }

  /** Parses flags; {@code extraKeys} are command-specific keys (output, json, suite…) allowed besides reference.conf. */
  static JobConfig parse(String[] args, Set<String> extraKeys) {
    return parse(args, extraKeys, ConfigFactory.empty());
  }

  /** As above over {@code base}: a saved run's configuration (its config.json), under the job file and the flags. */
  static JobConfig parse(String[] args, Set<String> extraKeys, Config base) {
    Config overrides = ConfigFactory.empty();
    String file = null;
    for (int i = 0; i < args.length; i++) {
      String flag = args[i];
      if (flag.equals("--config")) {
        file = value(args, ++i, flag);
      } else if (flag.equals("--set")) {
        String kv = value(args, ++i, flag);
        int eq = kv.indexOf('=');
        if (eq <= 0) {
          throw new Idl.UsageException("--set needs key=value, got '" + kv + "'");
        }
        overrides = overrides.withValue("idl." + kv.substring(0, eq).trim(), ConfigValueFactory.fromAnyRef(kv.substring(eq + 1).trim()));
      } else if (FLAGS.containsKey(flag)) {
        String key = FLAGS.get(flag);
        boolean bare = (flag.equals("--warm-start") || flag.equals("--resume")) && (i + 1 >= args.length || args[i + 1].startsWith("--"));
        String v = bare ? "true" : value(args, ++i, flag);
        overrides = overrides.withValue("idl." + key, ConfigValueFactory.fromAnyRef(v));
      } else {
        throw new Idl.UsageException("unknown option '" + flag + "'");
      }
    }
    Config reference = ConfigFactory.defaultReference().getConfig("idl");
    Config fromFile = ConfigFactory.empty();
    if (file != null) {
      File f = new File(file);
      if (!f.isFile()) {
        throw new Idl.UsageException("config file not found: " + file);
      }
      try {
        fromFile = ConfigFactory.parseFile(f).resolve();
      } catch (ConfigException e) {
        throw new Idl.UsageException("bad config file " + file + ": " + e.getMessage());
      }
    }
    Config merged = overrides.withFallback(fromFile).withFallback(base.atKey("idl")).resolve();
    Config idl = merged.hasPath("idl") ? merged.getConfig("idl") : ConfigFactory.empty();
    checkKeys(idl, reference, extraKeys);
    Config full = idl.withFallback(reference);
    for (String k : extraKeys) {
      if (!full.hasPath(k)) {
        full = full.withValue(k, ConfigValueFactory.fromAnyRef(""));
      }
    }
    JobConfig jc = new JobConfig(full, idl);
    jc.validateTypes(reference);
    return jc;
  }

  private static void checkKeys(Config given, Config reference, Set<String> extraKeys) {
    Set<String> unknown = new TreeSet<>();
    for (Map.Entry<String, ?> e : given.entrySet()) {
      String k = e.getKey();
      if (!reference.hasPath(k) && !extraKeys.contains(k)) {
        unknown.add(k);
      }
    }
    if (!unknown.isEmpty()) {
      throw new Idl.UsageException("unknown configuration key(s): " + String.join(", ", unknown));
    }
  }

  /** Every reference key must read as the reference's type (a string "abc" for an int is an error). */
  private void validateTypes(Config reference) {
    for (Map.Entry<String, com.typesafe.config.ConfigValue> e : reference.entrySet()) {
      String k = e.getKey();
      try {
        switch (e.getValue().valueType()) {
          case NUMBER -> {
            if (e.getValue().unwrapped() instanceof Integer || e.getValue().unwrapped() instanceof Long) {
              config.getLong(k);
            } else {
              config.getDouble(k);
            }
          }
          case BOOLEAN -> config.getBoolean(k);
          case LIST -> doubles(k);
          default -> config.getString(k);
        }
      } catch (ConfigException.WrongType ex) {
        throw new Idl.UsageException("bad value for '" + k + "': " + config.getValue(k).unwrapped() + " (expected " + e.getValue().valueType().name().toLowerCase() + ")");
      }
    }
  }

  private static String value(String[] args, int i, String flag) {
    if (i >= args.length) {
      throw new Idl.UsageException(flag + " needs a value");
    }
    return args[i];
  }

  /** The keys directly under {@code section} (e.g. the trainer's knobs), sorted. */
  List<String> keysUnder(String section) {
    return new ArrayList<>(new TreeSet<>(config.getConfig(section).root().keySet()));
  }

  /** This configuration with {@code key} set to {@code value}, as if given (a choice the run made, saved with it). */
  JobConfig with(String key, String value) {
    com.typesafe.config.ConfigValue v = ConfigValueFactory.fromAnyRef(value);
    return new JobConfig(config.withValue(key, v), given.withValue(key, v));
  }

  /** Whether the run set {@code key} itself (a flag, --set, the config file or a saved run), not left to reference.conf. */
  boolean given(String key) {
    return given.hasPath(key);
  }

  String string(String key) {
    return config.getString(key);
  }

  /** A list of numbers: [1, 0.5] in a file, or "[1, 0.5]" from --set. */
  double[] doubles(String key) {
    com.typesafe.config.ConfigValue v = config.getValue(key);
    java.util.List<Double> list = v.valueType() == com.typesafe.config.ConfigValueType.STRING
        ? ConfigFactory.parseString("v = " + v.unwrapped()).getDoubleList("v") : config.getDoubleList(key);
    return list.stream().mapToDouble(Double::doubleValue).toArray();
  }

  int integer(String key) {
    return config.getInt(key);
  }

  long longValue(String key) {
    return config.getLong(key);
  }

  double number(String key) {
    return config.getDouble(key);
  }

  boolean flag(String key) {
    return config.getBoolean(key);
  }

  /** A required string: empty is a usage error naming the flag. */
  String required(String key, String flag) {
    String v = config.getString(key);
    if (v.isEmpty()) {
      throw new Idl.UsageException("missing " + flag + " (config key '" + key + "')");
    }
    return v;
  }

  /** One of the allowed values. */
  String oneOf(String key, String... allowed) {
    String v = config.getString(key);
    if (!List.of(allowed).contains(v)) {
      throw new Idl.UsageException("bad value for '" + key + "': " + v + " (expected one of " + String.join(", ", allowed) + ")");
    }
    return v;
  }

  /**
   * The write mode of {@code --mode} (default error), one of {@code allowed}; a usage error names the flag
   * and lists them ("error, overwrite or append").
   */
  String outputMode(String... allowed) {
    String mode = config.getString("mode").isEmpty() ? "error" : config.getString("mode");
    if (!List.of(allowed).contains(mode)) {
      throw new Idl.UsageException("bad value for --mode: " + mode + " (expected " + listed(allowed) + ")");
    }
    return mode;
  }

  /** What a user can pass instead of error when the output exists: "--mode overwrite to replace it or --mode append to add to it". */
  static String modeHint(String... allowed) {
    List<String> hints = new ArrayList<>();
    for (String mode : allowed) {
      if (mode.equals("overwrite")) {
        hints.add("--mode overwrite to replace it");
      } else if (mode.equals("append")) {
        hints.add("--mode append to add to it");
      }
    }
    return String.join(" or ", hints);
  }

  private static String listed(String... values) {
    return values.length == 1 ? values[0]
        : String.join(", ", java.util.Arrays.copyOf(values, values.length - 1)) + " or " + values[values.length - 1];
  }

  /** A whole-number flag ≥ {@code min}; {@code fallback} when not given; a usage error naming the flag otherwise. */
  int wholeNumber(String key, String flag, int min, int fallback) {
    String text = config.getString(key);
    if (text.isEmpty()) {
      return fallback;
    }
    try {
      int v = Integer.parseInt(text);
      if (v >= min) {
        return v;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw new Idl.UsageException("bad value for " + flag + ": " + text + " (expected a whole number >= " + min + ")");
  }

  /**
   * A finite number flag above {@code lower} (or at least it when not {@code strict}); {@code fallback} when not
   * given; a usage error naming the flag otherwise.
   */
  double finiteNumber(String key, String flag, double lower, boolean strict, double fallback) {
    String text = config.getString(key);
    if (text.isEmpty()) {
      return fallback;
    }
    double v;
    try {
      v = Double.parseDouble(text);
    } catch (NumberFormatException e) {
      v = Double.NaN;
    }
    boolean ok = Double.isFinite(v) && (strict ? v > lower : v >= lower);
    if (!ok) {
      String bound = (strict ? "> " : ">= ") + (lower == Math.rint(lower) ? String.valueOf((long) lower) : String.valueOf(lower));
      throw new Idl.UsageException("bad value for " + flag + ": " + text + " (expected a finite number " + bound + ")");
    }
    return v;
  }

  /** The configuration as the base of another run's (resume). */
  static Config saved(String renderedJson) {
    return ConfigFactory.parseString(renderedJson);
  }

  /** The configuration rendered as JSON (saved next to each model). */
  String render() {
    return config.root().render(com.typesafe.config.ConfigRenderOptions.concise().setFormatted(true));
  }

  static List<String> flagNames() {
    return new ArrayList<>(new TreeSet<>(FLAGS.keySet()));
  }
}
