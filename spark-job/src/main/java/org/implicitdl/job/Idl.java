package org.implicitdl.job;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.implicitdl.linalg.Blas;

/**
 * The command-line entry point of every ImplicitDL job ({@code idl <command> [options]}), the
 * same main class for spark-submit. Exit codes ({@link Failures}): 0 success, 1 bad data or a
 * failed run, 2 usage or configuration, 3 not published (the guard refused), 4 not published
 * (another run published first). A failure prints one line on stderr; its details go to the log.
 */
public final class Idl {
  /** A job: runs with its own arguments and returns an exit code. */
  interface Command {
    int run(String[] args) throws Exception;
  }

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Idl.class);
  private static final Map<String, String> HELP = new LinkedHashMap<>();
  private static final Map<String, Command> COMMANDS = new LinkedHashMap<>();

  static {
    register("info", "print the BLAS implementation in use and the environment", args -> {
      System.out.println("blas=" + Blas.implementation() + " native=" + Blas.isNative());
      System.out.println("java=" + System.getProperty("java.version") + " cores=" + Runtime.getRuntime().availableProcessors());
      return 0;
    });
    for (JobCommand c : java.util.List.of(new TrainCommand(), new PredictCommand(), new EvaluateCommand(), new RobustnessCommands.Certify(),
        new RobustnessCommands.Attack(), new PruneCommand(), new CompressCommand(), new RetrainCommand(), new GenerateCommand(),
        new InspectCommand(), new ModelFileCommands.Gc(), new ModelFileCommands.ExportModel(), new ModelFileCommands.ImportModel(), new Bench())) {
      register(c);
    }
  }

  private Idl() {}

  static void register(JobCommand command) {
    register(command.name(), command.summary(), command);
  }

  static void register(String name, String help, Command command) {
    HELP.put(name, help);
    COMMANDS.put(name, command);
  }

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs a command line and returns its exit code (tests call this instead of main). */
  public static int run(String[] args) {
    if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
      usage(System.out);
      return args.length == 0 ? 2 : 0;
    }
    Command command = COMMANDS.get(args[0]);
    if (command == null) {
      System.err.println("idl: unknown command '" + args[0] + "'; run 'idl --help' for the list");
      return 2;
    }
    try {
      return command.run(Arrays.copyOfRange(args, 1, args.length));
    } catch (Exception | Error e) {
      Failures.Outcome outcome = Failures.of(e);
      LOG.error("idl {} failed", args[0], e);
      String log = System.getProperty("idl.log.file", "");
      boolean unexpected = outcome.exitCode() == Failures.DATA && !(e instanceof IllegalArgumentException || e instanceof java.io.IOException);
      System.err.println("idl " + args[0] + ": " + outcome.message() + (unexpected && !log.isEmpty() ? " (details: " + log + ")" : ""));
      return outcome.exitCode();
    }
  }

  static void usage(PrintStream out) {
    out.println("usage: idl <command> [options]    (idl <command> --help for its options)");
    out.println("commands:");
    HELP.forEach((name, help) -> out.printf("  %-14s %s%n", name, help));
  }

  /** A command-line or configuration mistake (exit code 2). */
  static final class UsageException extends RuntimeException {
    UsageException(String message) {
      super(message);
    }
  }
}
