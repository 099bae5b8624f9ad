package org.implicitdl.job;

import java.util.Set;
import org.apache.spark.sql.SparkSession;

/**
 * One {@code idl} command, and the template every command runs through: {@code --help} prints its
 * usage; the arguments parse into a {@link JobConfig} with the command's own keys; {@link #check}
 * refuses bad arguments before anything starts (a usage error never costs a Spark session); then
 * the work — over a Spark session that is always stopped afterwards, for a {@link WithSpark}
 * command. Failures become one line and an exit code in {@link Idl#run}, the same for every command.
 */
abstract class JobCommand implements Idl.Command {
  private final String name;
  private final String summary;
  private final String usage;
  private final Set<String> keys;

  /**
   * @param name the command word ({@code idl NAME})
   * @param summary its line in {@code idl --help}
   * @param usage its full synopsis, printed by {@code idl NAME --help}
   * @param keys the keys it accepts besides the shared ones ({@link JobConfig})
   */
  JobCommand(String name, String summary, String usage, String... keys) {
    this.name = name;
    this.summary = summary;
    this.usage = usage;
    this.keys = Set.of(keys);
  }

  String name() {
    return name;
  }

  String summary() {
    return summary;
  }

  /** The arguments as a configuration (a command may add to them, e.g. a default only it has). */
  JobConfig parse(String[] args) {
    return JobConfig.parse(args, keys);
  }

  /** Refuses bad arguments (a {@link Idl.UsageException} names the flag) before any work starts. */
  void check(JobConfig cfg) throws Exception {}

  /** The work; returns the exit code. {@code args} are there for the commands that resolve a saved run's configuration under them. */
  abstract int execute(JobConfig cfg, String[] args) throws Exception;

  @Override
  public final int run(String[] args) throws Exception {
    if (Jobs.help(args, usage)) {
      return 0;
    }
    JobConfig cfg = parse(args);
    check(cfg);
    return execute(cfg, args);
  }

  /** A command whose work needs a Spark session: one is created after the checks and stopped after the work. */
  abstract static class WithSpark extends JobCommand {
    WithSpark(String name, String summary, String usage, String... keys) {
      super(name, summary, usage, keys);
    }

    /** The work over the session. */
    abstract int execute(JobConfig cfg, SparkSession spark) throws Exception;

    @Override
    final int execute(JobConfig cfg, String[] args) throws Exception {
      SparkSession spark = Sessions.create(cfg, name());
      try {
        return execute(cfg, spark);
      } finally {
        spark.stop();
      }
    }
  }
}
