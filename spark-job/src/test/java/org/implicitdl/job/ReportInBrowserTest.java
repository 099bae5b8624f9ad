package org.implicitdl.job;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTML report a train run writes, opened in a real headless browser (Debian's Chromium
 * driven by playwright-core, both installed by spark-job/bin/setup): no errors, every image
 * decoded, every chart drawn, the sections a person looks for; a screenshot is kept under
 * target/report-screenshots/. On CI a missing browser fails the test; elsewhere it is skipped.
 */
class ReportInBrowserTest {
  private static final Path BROWSER_DIR = Path.of("src", "test", "browser").toAbsolutePath();

  @TempDir
  Path tmp;

  /** Three classes drawn on a 4×4 "image" (16 pixel columns), so the relevance section is an image. */
  static Path imageCsv(Path dir, int rows, long seed) throws IOException {
    Random r = new Random(seed);
    List<String> lines = new ArrayList<>();
    StringBuilder header = new StringBuilder();
    for (int k = 0; k < 16; k++) {
      header.append("px").append(k).append(',');
    }
    lines.add(header.append("label").toString());
    for (int i = 0; i < rows; i++) {
      int c = i % 3;
      StringBuilder line = new StringBuilder();
      for (int k = 0; k < 16; k++) {
        double signal = k % 4 == c ? 1 : 0;
        line.append(String.format(Locale.ROOT, "%.4f,", signal + 0.3 * r.nextGaussian()));
      }
      lines.add(line.append(c).toString());
    }
    Path p = dir.resolve("images.csv");
    Files.write(p, lines);
    return p;
  }

  @Test
  void classificationAndRegressionReportsRenderCompletely() throws Exception {
    Path chromium = Path.of(System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium"));
    boolean ready = Files.isExecutable(chromium) && Files.isDirectory(BROWSER_DIR.resolve("node_modules/playwright-core"));
    if (!ready) {
      assertNotEquals("true", System.getenv("CI"), "headless Chromium or playwright-core missing: run spark-job/bin/setup");
      Assumptions.assumeTrue(false, "headless Chromium or playwright-core missing: run spark-job/bin/setup");
    }
    Path classification = train(imageCsv(tmp, 300, 1), "label", "classification", "clf");
    JsonNode c = check(classification, "classification");
    assertEquals(List.of("Summary", "Well-posedness certificate", "Accuracy per epoch", "Objective per epoch", "Confusion matrix (validation)",
        "Feature relevance", "Sensitivity (worst case)", "Sparsity pattern of A"), texts(c.get("headings")));
    assertEquals(3, c.get("images").asInt(), "relevance and sensitivity images, sparsity pattern");
    assertEquals(2, c.get("charts").asInt(), "metric and objective curves");
    String html = Files.readString(classification);
    assertTrue(html.contains("validation (held out)"), "validation curve");
    assertTrue(html.contains("linear baseline"), "baseline");
    assertFalse(html.contains("0.950000000"), "unrounded numbers");

    Path regression = train(TrainJobTest.regressionCsv(tmp, "reg.csv", 300, 2, false), "y", "regression", "reg");
    JsonNode r = check(regression, "regression");
    assertTrue(texts(r.get("headings")).contains("Residuals (validation)"));
    assertEquals(5, r.get("charts").asInt(), "rmse and objective curves, residuals, named feature bars, named sensitivity bars");
    assertTrue(Files.readString(regression).contains("x1"), "feature bars name the input columns");
  }

  private Path train(Path csv, String label, String task, String name) throws IOException {
    Path model = tmp.resolve(name);
    CommandLine run = CommandLine.run("train", "--input", csv.toString(), "--format", "csv", "--label-col", label, "--task", task,
        "--model", model.toString(), "--hidden", "6", "--epochs", "4", "--master", "local[2]", "--set", "trainer.batch-size=50",
        "--set", "trainer.step-size=0.03", "--set", "validation-fraction=0.25");
    assertEquals(0, run.exit(), run.err());
    return model.resolve("versions").resolve(Files.readString(model.resolve("LATEST")).trim()).resolve("report.html");
  }

  private static JsonNode check(Path report, String name) throws IOException, InterruptedException {
    Path shots = Path.of("target", "report-screenshots").toAbsolutePath();
    Files.createDirectories(shots);
    Process p = new ProcessBuilder("node", BROWSER_DIR.resolve("check-report.mjs").toString(), report.toAbsolutePath().toString(),
        shots.resolve(name + ".png").toString()).redirectErrorStream(true).start();
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "browser check timed out");
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertEquals(0, p.exitValue(), out);
    JsonNode result = Jobs.JSON.readTree(out.substring(out.lastIndexOf('\n') + 1));
    assertEquals(0, result.get("errors").size(), out);
    assertEquals(0, result.get("brokenImages").size(), out);
    assertEquals(0, result.get("emptyCharts").size(), out);
    assertTrue(Files.size(shots.resolve(name + ".png")) > 10_000, "screenshot written");
    return result;
  }

  private static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }
}
