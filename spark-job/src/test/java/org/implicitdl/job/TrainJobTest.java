package org.implicitdl.job;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainJobTest {
  @TempDir
  Path tmp;

  /** y = relu(x1 + x2) - 0.5 x3 + noise, in CSV with a header. */
  static Path regressionCsv(Path dir, String name, int rows, long seed, boolean withInfinity) throws IOException {
    return regressionCsv(dir, name, rows, seed, withInfinity, 0.01);
  }

  /** The same rule with noise of the given standard deviation: larger noise makes rows every model scores worse on. */
  static Path regressionCsv(Path dir, String name, int rows, long seed, boolean withInfinity, double noise) throws IOException {
    Random r = new Random(seed);
    List<String> lines = new ArrayList<>();
    lines.add("x1,x2,x3,y");
    for (int i = 0; i < rows; i++) {
      double x1 = r.nextGaussian();
      double x2 = r.nextGaussian();
      double x3 = r.nextGaussian();
      String x2s = withInfinity && i == 7 ? "Infinity" : Double.toString(x2);
      lines.add(String.format(Locale.ROOT, "%s,%s,%s,%s", x1, x2s, x3, Math.max(0, x1 + x2) - 0.5 * x3 + noise * r.nextGaussian()));
    }
    Path p = dir.resolve(name);
    Files.write(p, lines);
    return p;
  }

  private String[] train(Path data, Path model, String... extra) {
    List<String> args = new ArrayList<>(List.of("train", "--input", data.toString(), "--format", "csv", "--label-col", "y",
        "--model", model.toString(), "--task", "regression", "--hidden", "6", "--epochs", "8", "--master", "local[2]",
        "--set", "trainer.batch-size=50", "--set", "trainer.step-size=0.03", "--set", "validation-fraction=0.2"));
    args.addAll(List.of(extra));
    return args.toArray(new String[0]);
  }

  @Test
  void trainPredictEvaluateInspectAndTheGuard() throws Exception {
    Path data = regressionCsv(tmp, "train.csv", 400, 1, false);
    Path model = tmp.resolve("model");
    CommandLine r = CommandLine.run(train(data, model));
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().contains("real-rule rmse"), r.out());
    String first = Files.readString(model.resolve("LATEST")).trim();
    Path version = model.resolve("versions").resolve(first);
    for (String f : new String[] {"_COMPLETE", "metrics.json", "history.json", "report.html", "config.json", "model/metadata"}) {
      assertTrue(Files.exists(version.resolve(f)), f + " missing");
    }
    assertTrue(Files.readString(version.resolve("report.html")).contains("Sparsity pattern of A"));

    Path out = tmp.resolve("pred");
    r = CommandLine.run("predict", "--model", model.toString(), "--input", data.toString(), "--format", "csv", "--label-col", "y",
        "--output", out.toString(), "--master", "local[2]");
    assertEquals(0, r.exit(), r.err());
    List<String> lines = CommandLine.csvPart(out);
    assertEquals("x1,x2,x3,y,prediction", lines.get(0));
    assertEquals(401, lines.size());

    r = CommandLine.run("evaluate", "--model", model.toString(), "--input", data.toString(), "--format", "csv", "--label-col", "y",
        "--master", "local[2]");
    assertEquals(0, r.exit(), r.err());
    JsonNode metrics = Jobs.JSON.readTree(r.out().strip().lines().reduce((a, b) -> b).orElseThrow());
    assertTrue(metrics.get("rmse").asDouble() < 0.5, r.out());
    JsonNode written = Jobs.JSON.readTree(Files.readString(version.resolve("metrics.json")));
    assertEquals("LinearRegression", written.get("baseline").get("model").asText(), "the linear baseline beside the model");
    assertTrue(written.get("baseline").get("rmse").asDouble() > 0);
    JsonNode history = Jobs.JSON.readTree(Files.readString(version.resolve("history.json")));
    history.forEach(e -> assertTrue(e.has("heldOutMetric"), "every epoch is scored on the validation rows"));

    r = CommandLine.run("inspect", "--model", model.toString(), "--master", "local[2]");
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().contains("\"condition\" : \"INF_NORM\""), r.out());
    JsonNode inspected = Jobs.JSON.readTree(r.out().substring(r.out().indexOf('{')));
    assertEquals(6, inspected.get("params").get("hiddenDim").asInt(), "the saved model says how it was trained");
    assertEquals(8, inspected.get("params").get("maxIter").asInt());
    assertEquals(0.03, inspected.get("params").get("stepSize").asDouble());
    assertTrue(inspected.get("featureNamesSource").asText().contains("'features'"), r.out());
    String inspectOut = r.out();
    inspected.get("selectedFeatureNames").forEach(n -> assertTrue(List.of("x1", "x2", "x3").contains(n.asText()), inspectOut));

    Path json = tmp.resolve("m.json");
    assertEquals(0, CommandLine.run("export-model", "--model", model.toString(), "--json", json.toString(), "--master", "local[2]").exit());
    Path imported = tmp.resolve("imported");
    assertEquals(0, CommandLine.run("import-model", "--json", json.toString(), "--model", imported.toString(), "--master", "local[2]").exit());
    r = CommandLine.run("evaluate", "--model", imported.toString(), "--input", data.toString(), "--format", "csv", "--label-col", "y",
        "--master", "local[2]");
    assertEquals(metrics.get("rmse").asDouble(), Jobs.JSON.readTree(r.out().strip().lines().reduce((a, b) -> b).orElseThrow()).get("rmse").asDouble(), 1e-12);

    // a model trained one epoch with a tiny step is far worse: the guard refuses it (exit 3) and LATEST stays
    r = CommandLine.run(train(data, model, "--epochs", "1", "--set", "trainer.step-size=1e-6", "--publish-tolerance", "0.0"));
    assertEquals(3, r.exit());
    assertTrue(r.err().contains("refusing to publish") && r.err().contains("worse than the published"), r.err());
    assertTrue(r.err().contains("on the same rows"), "both models are scored on this run's validation rows: " + r.err());
    assertEquals(first, Files.readString(model.resolve("LATEST")).trim());
  }

  @Test
  void theGuardComparesBothModelsOnTheSameRows() throws Exception {
    Path model = tmp.resolve("model");
    assertEquals(0, CommandLine.run(train(regressionCsv(tmp, "clean.csv", 300, 5, false), model)).exit());
    String first = Files.readString(model.resolve("LATEST")).trim();
    double recorded = Jobs.JSON.readTree(Files.readString(model.resolve("versions").resolve(first).resolve("metrics.json"))).get("rmse").asDouble();

    // a model that reads other inputs cannot score these rows: the recorded metric is the bar, and the refusal says so
    Path twoInputs = tmp.resolve("two.csv");
    List<String> lines = Files.readAllLines(regressionCsv(tmp, "three.csv", 300, 7, false));
    Files.write(twoInputs, lines.stream().map(l -> l.substring(0, l.indexOf(',')) + l.substring(l.indexOf(',', l.indexOf(',') + 1))).toList());
    CommandLine r = CommandLine.run(train(twoInputs, model, "--epochs", "1", "--set", "trainer.step-size=1e-6", "--publish-tolerance", "0.0"));
    assertEquals(3, r.exit(), r.err());
    assertTrue(r.err().contains("on its own validation rows"), r.err());
    assertEquals(first, Files.readString(model.resolve("LATEST")).trim());

    // the same rule with noise 1: a retrain that barely moves the published model is as good as it on these rows,
    // though far worse than the rmse it recorded on its clean rows; it publishes
    Path noisy = regressionCsv(tmp, "noisy.csv", 300, 6, false, 1.0);
    r = CommandLine.run(train(noisy, model, "--warm-start", "--epochs", "1", "--set", "trainer.step-size=1e-7",
        "--publish-tolerance", "0.01"));
    assertEquals(0, r.exit(), r.err());
    String second = Files.readString(model.resolve("LATEST")).trim();
    assertNotEquals(first, second);
    double now = Jobs.JSON.readTree(Files.readString(model.resolve("versions").resolve(second).resolve("metrics.json"))).get("rmse").asDouble();
    assertTrue(now > recorded + 0.5, "the noisy rows are harder: " + now + " against the recorded " + recorded);
  }

  @Test
  void badInputsAreOneLineErrors() throws Exception {
    Path model = tmp.resolve("m");
    CommandLine r = CommandLine.run(train(tmp.resolve("missing.csv"), model));
    assertEquals(1, r.exit());
    assertTrue(r.err().contains("input not found"), r.err());
    r = CommandLine.run(train(regressionCsv(tmp, "infinite.csv", 100, 2, true), model));
    assertEquals(1, r.exit());
    assertTrue(r.err().contains("infinite.csv: column 'x2' is infinite in 1 row(s)"), r.err());
    Path wrong = regressionCsv(tmp, "ok.csv", 100, 3, false);
    r = CommandLine.run(train(wrong, model, "--label-col", "target"));
    assertEquals(1, r.exit());
    assertTrue(r.err().contains("label column 'target' not found"), r.err());
    Path text = tmp.resolve("text.csv");
    Files.write(text, List.of("x1,when,y", "1.0,2026-01-02 10:00:00,2.0", "2.0,2026-01-03 11:00:00,3.0"));
    r = CommandLine.run(train(text, model));
    assertEquals(1, r.exit());
    assertTrue(r.err().contains("column 'when' is not numeric (timestamp)"), r.err());
    assertFalse(Files.exists(model.resolve("LATEST")));
  }

  @Test
  void aFewDozenRowsWhoseShareHoldsOutNoneHoldOutALargerShareAndSaySo() throws Exception {
    // a thousandth of 20 rows is none: the job holds out a quarter (5 rows expected) rather than refusing the file
    Path data = regressionCsv(tmp, "twenty.csv", 20, 8, false);
    Path model = tmp.resolve("twenty-model");
    CommandLine r = CommandLine.run(train(data, model, "--set", "validation-fraction=0.001"));
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().contains("validation-fraction 0.001 of 20 rows held out none; holding out 0.25 instead (5 rows expected)"), r.out());
    String version = Files.readString(model.resolve("LATEST")).trim();
    JsonNode metrics = Jobs.JSON.readTree(Files.readString(model.resolve("versions").resolve(version).resolve("metrics.json")));
    assertTrue(metrics.get("count").asDouble() >= 1, metrics.toString());
    assertTrue(Double.isFinite(metrics.get("rmse").asDouble()), metrics.toString());
  }

  @Test
  void warmStartLibsvmAndUnreadableFiles() throws Exception {
    Path data = regressionCsv(tmp, "train.csv", 300, 6, false);
    Path model = tmp.resolve("model");
    assertEquals(0, CommandLine.run(train(data, model)).exit());
    String first = Files.readString(model.resolve("LATEST")).trim();
    double coldStart = Jobs.JSON.readTree(Files.readString(model.resolve("versions").resolve(first).resolve("history.json")))
        .get(0).get("realMetric").asDouble();
    CommandLine r = CommandLine.run(train(data, model, "--warm-start", "--publish-tolerance", "1"));
    assertEquals(0, r.exit(), r.err());
    String second = Files.readString(model.resolve("LATEST")).trim();
    assertNotEquals(first, second);
    double warmStart = Jobs.JSON.readTree(Files.readString(model.resolve("versions").resolve(second).resolve("history.json")))
        .get(0).get("realMetric").asDouble();
    assertTrue(warmStart < 0.5 * coldStart, "epoch-0 rmse: warm " + warmStart + " vs cold " + coldStart);
    // a run that fails after making its version (no rows left to validate on) removes it: nothing half-written, LATEST unchanged
    r = CommandLine.run(train(regressionCsv(tmp, "three.csv", 3, 6, false), model, "--set", "validation-fraction=0.01"));
    assertEquals(1, r.exit(), r.out());
    assertTrue(r.err().contains("left none to validate on"), r.err());
    try (var versions = Files.list(model.resolve("versions"))) {
      assertEquals(java.util.Set.of(first, second), versions.map(v -> v.getFileName().toString()).collect(java.util.stream.Collectors.toSet()));
    }
    assertEquals(second, Files.readString(model.resolve("LATEST")).trim());

    Path libsvm = tmp.resolve("train.libsvm");
    List<String> lines = new ArrayList<>();
    Random rnd = new Random(3);
    for (int i = 0; i < 120; i++) {
      int c = i % 2;
      lines.add(String.format(Locale.ROOT, "%d 1:%s 2:%s 3:%s", c, c + 0.3 * rnd.nextGaussian(), 1 - c + 0.3 * rnd.nextGaussian(), rnd.nextGaussian()));
    }
    Files.write(libsvm, lines);
    r = CommandLine.run("train", "--input", libsvm.toString(), "--format", "libsvm", "--model", tmp.resolve("svm").toString(),
        "--hidden", "4", "--epochs", "5", "--master", "local[2]", "--set", "trainer.batch-size=30", "--set", "trainer.step-size=0.05",
        "--set", "validation-fraction=0.25");
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().contains("real-rule accuracy"), r.out());

    Path images = tmp.resolve("bad-images-idx3-ubyte");
    Files.writeString(images, "this is not an idx file");
    Files.writeString(tmp.resolve("bad-labels-idx1-ubyte"), "nor this");
    r = CommandLine.run("train", "--input", images.toString(), "--format", "idx", "--model", tmp.resolve("idx").toString(),
        "--master", "local[2]");
    assertEquals(1, r.exit());
    assertTrue(r.err().contains("not an IDX image file"), r.err());
    assertEquals(1, r.err().strip().lines().filter(l -> l.startsWith("idl ")).count());
  }

  @Test
  void aKilledRunLeavesThePublishedModelIntact() throws Exception {
    Path data = regressionCsv(tmp, "train.csv", 1000, 4, false);
    Path model = tmp.resolve("model");
    assertEquals(0, CommandLine.run(train(data, model, "--epochs", "2")).exit());
    String published = Files.readString(model.resolve("LATEST")).trim();
    Process p = new ProcessBuilder(javaCommand(List.of(), train(data, model, "--epochs", "500", "--set", "trainer.batch-size=20",
        "--set", "trainer.local-training-mb=0", "--set", "trainer.min-steps=0")))
        .redirectErrorStream(true).redirectOutput(tmp.resolve("killed.log").toFile()).start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline && !Files.readString(tmp.resolve("killed.log")).contains("epoch   1")) {
      Thread.sleep(200);
    }
    assertTrue(Files.readString(tmp.resolve("killed.log")).contains("epoch   1"), "the run never reached epoch 1");
    p.destroyForcibly().waitFor();
    assertEquals(published, Files.readString(model.resolve("LATEST")).trim());
    CommandLine r = CommandLine.run("inspect", "--model", model.toString(), "--master", "local[2]");
    assertEquals(0, r.exit(), r.err());
    JsonNode versions = Jobs.JSON.readTree(r.out().substring(r.out().indexOf('{'))).get("versions");
    assertEquals(published, versions.get("published").asText());
    assertEquals(1, versions.get("unfinished").size(), "the killed run's version is listed as unfinished: " + versions);
    String killed = versions.get("unfinished").get(0).asText();
    r = CommandLine.run("gc", "--model", model.toString());
    assertEquals(0, r.exit(), r.err());
    assertTrue(Files.exists(model.resolve("versions").resolve(killed)), "a recent unfinished version may still be running: kept");
    r = CommandLine.run("gc", "--model", model.toString(), "--older-than", "0");
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().contains(killed), r.out());
    assertFalse(Files.exists(model.resolve("versions").resolve(killed)));
    assertTrue(Files.exists(model.resolve("versions").resolve(published).resolve(ModelRepository.COMPLETE)), "complete versions stay");
  }

  /**
   * Design card §8: a driver killed (kill -9 of the process) after epoch 3 leaves its trainer
   * state; {@code idl train --resume} continues that run and ends with the model an uninterrupted
   * run makes, to 1e-9, for BCD (model, λ/μ schedule, the blocks' P- and X-states) and for a gradient
   * stage that tunes its step size (the default with 200 validation rows or more), killed in its
   * second candidate or later: the search resumes at that candidate, not at the first, and within it at
   * the saved epoch (model, Adam moments, learning-rate schedule) — the resume of an untuned gradient run.
   */
  @Test
  void aKilledDriverResumesToTheUninterruptedModel() throws Exception {
    Path data = regressionCsv(tmp, "train.csv", 625, 12, false);
    for (String run : List.of("bcd", "gradient-tuned")) {
      String solver = run.startsWith("gradient") ? "gradient" : run;
      boolean tuned = run.equals("gradient-tuned");
      String[] settings = {"--solver", solver, "--epochs", solver.equals("bcd") ? "14" : "7", "--set", "trainer.batch-size=30",
          "--set", "trainer.tol=0", "--set", "linear-baseline=false", "--set", "trainer.local-training-mb=0", "--set", "trainer.min-steps=0",
          // 200 of the 500 training rows for early stopping: the step-size search runs where it is on, at most 4 candidates of 7 epochs
          "--set", "trainer.tune-step-size=" + tuned, "--set", "trainer.early-stopping-fraction=0.4"};
      Path uninterrupted = tmp.resolve(run + "-uninterrupted");
      CommandLine r = CommandLine.run(concat(train(data, uninterrupted), settings));
      assertEquals(0, r.exit(), r.err());

      Path resumed = tmp.resolve(run + "-resumed");
      Path log = tmp.resolve(run + "-killed.log");
      Process p = new ProcessBuilder(javaCommand(List.of(), concat(train(data, resumed), settings))).redirectErrorStream(true)
          .redirectOutput(log.toFile()).start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
      // the tuned run is killed in its second candidate: after the second epoch 3 it logged
      int epochThrees = tuned ? 2 : 1;
      while (System.nanoTime() < deadline && occurrences(Files.readString(log), "epoch   3") < epochThrees) {
        Thread.sleep(100);
      }
      assertTrue(occurrences(Files.readString(log), "epoch   3") >= epochThrees, "the run never reached epoch 3: " + Files.readString(log));
      p.destroyForcibly().waitFor();
      assertFalse(Files.readString(log).contains("published as LATEST"), "killed before the end: " + Files.readString(log));
      assertFalse(Files.exists(resumed.resolve("LATEST")));

      r = CommandLine.run("train", "--resume", "--model", resumed.toString(), "--master", "local[2]");
      assertEquals(0, r.exit(), r.err());
      assertTrue(r.out().contains("resuming "), r.out());
      Path resumedVersion = resumed.resolve("versions").resolve(Files.readString(resumed.resolve("LATEST")).trim());
      Path uninterruptedVersion = uninterrupted.resolve("versions").resolve(Files.readString(uninterrupted.resolve("LATEST")).trim());
      assertFalse(Files.exists(resumedVersion.resolve("state")), "the state is removed when the run ends");
      JsonNode history = Jobs.JSON.readTree(Files.readString(resumedVersion.resolve("history.json")));
      JsonNode expectedHistory = Jobs.JSON.readTree(Files.readString(uninterruptedVersion.resolve("history.json")));
      assertEquals(expectedHistory.size(), history.size(), "the resumed run's history has every epoch once");
      JsonNode resumedMetrics = Jobs.JSON.readTree(Files.readString(resumedVersion.resolve("metrics.json")));
      String resumedFrom = resumedMetrics.path("resumedFrom").asText();
      java.util.regex.Matcher epoch = java.util.regex.Pattern.compile(solver + " stage(, step size \\S+ \\(candidate (\\d) of up to 4\\),)? after epoch (\\d+)")
          .matcher(resumedFrom);
      assertTrue(epoch.matches(), "the run resumed from its saved state, not from the start: '" + resumedFrom + "'");
      assertEquals(tuned, epoch.group(2) != null, "a tuned run resumes its step-size search: '" + resumedFrom + "'");
      if (tuned) {
        assertTrue(Integer.parseInt(epoch.group(2)) >= 2, "killed in the second candidate or later, not resumed at the first: " + resumedFrom);
      }
      assertTrue(Integer.parseInt(epoch.group(3)) >= 2, "the kill came after epoch 3 was logged, its state at least epoch 2: " + resumedFrom);
      assertModelsClose(uninterrupted, resumed, 1e-9);
      // a search resumed with its best candidate and its runner-up mixes them as the uninterrupted one did
      JsonNode blendAsRun = Jobs.JSON.readTree(Files.readString(uninterruptedVersion.resolve("metrics.json"))).path("stepSizeBlend");
      assertEquals(blendAsRun, resumedMetrics.path("stepSizeBlend"));
    }
    CommandLine none = CommandLine.run("train", "--resume", "--model", tmp.resolve("bcd-resumed").toString(), "--master", "local[2]");
    assertEquals(1, none.exit());
    assertTrue(none.err().contains("nothing to resume under"), none.err());
  }

  private static int occurrences(String text, String part) {
    int count = 0;
    for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) {
      count++;
    }
    return count;
  }

  private static String[] concat(String[] a, String... b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  /** {@code idl args} in a JVM of its own (the test classpath), with extra JVM flags: a process a test can kill. */
  static List<String> javaCommand(List<String> jvmFlags, String... args) {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    cmd.addAll(jvmFlags);
    cmd.addAll(List.of("--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED",
        "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens=java.base/java.util=ALL-UNNAMED",
        "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED", "--add-opens=java.base/sun.util.calendar=ALL-UNNAMED",
        "-cp", System.getProperty("java.class.path"), Idl.class.getName()));
    cmd.addAll(List.of(args));
    return cmd;
  }

  private static void assertModelsClose(Path expectedRoot, Path gotRoot, double tolerance) throws IOException {
    org.implicitdl.model.ImplicitModel expected = load(expectedRoot);
    org.implicitdl.model.ImplicitModel got = load(gotRoot);
    org.implicitdl.linalg.Matrix[][] pairs = {{expected.a(), got.a()}, {expected.b(), got.b()}, {expected.c(), got.c()},
        {expected.d(), got.d()}};
    for (org.implicitdl.linalg.Matrix[] pair : pairs) {
      double scale = Math.max(1e-300, pair[0].maxAbs());
      for (int k = 0; k < pair[0].data().length; k++) {
        assertEquals(pair[0].data()[k], pair[1].data()[k], tolerance * scale);
      }
    }
  }

  private static org.implicitdl.model.ImplicitModel load(Path root) throws IOException {
    String version = Files.readString(root.resolve("LATEST")).trim();
    org.apache.spark.sql.SparkSession spark = org.apache.spark.sql.SparkSession.builder().master("local[1]")
        .config("spark.ui.enabled", "false").getOrCreate();
    try {
      return org.implicitdl.spark.ImplicitRegressionModel.load(root.resolve("versions").resolve(version).resolve("model").toString())
          .implicitModel();
    } finally {
      spark.stop();
    }
  }
}
