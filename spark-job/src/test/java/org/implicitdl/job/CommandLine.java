package org.implicitdl.job;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Runs Idl in-process, capturing exit code, stdout and stderr. */
record CommandLine(int exit, String out, String err) {
  static synchronized CommandLine run(String... args) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    int code;
    try {
      code = Idl.run(args);
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
    String o = out.toString(StandardCharsets.UTF_8);
    String e = err.toString(StandardCharsets.UTF_8);
    oldOut.print(o);
    oldErr.print(e);
    return new CommandLine(code, o, e);
  }

  /** The lines of the CSV part a job (predict, certify) wrote under {@code dir}. */
  static java.util.List<String> csvPart(java.nio.file.Path dir) throws java.io.IOException {
    java.nio.file.Path csv;
    try (java.util.stream.Stream<java.nio.file.Path> parts = java.nio.file.Files.list(dir)) {
      csv = parts.filter(p -> p.getFileName().toString().endsWith(".csv")).findFirst().orElseThrow();
    }
    return java.nio.file.Files.readAllLines(csv);
  }

  /** The JSON line of {@code idl evaluate} of {@code model} on the CSV {@code data} labelled by {@code labelCol}; it must exit 0. */
  static String evaluation(java.nio.file.Path model, java.nio.file.Path data, String labelCol) {
    CommandLine r = run("evaluate", "--model", model.toString(), "--input", data.toString(), "--format", "csv", "--label-col", labelCol,
        "--master", "local[2]");
    if (r.exit() != 0) {
      throw new AssertionError("idl evaluate exited " + r.exit() + ": " + r.err());
    }
    return r.out().strip().lines().reduce((a, b) -> b).orElseThrow();
  }
}
