package org.implicitdl.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.implicitdl.data.SyntheticData;
import org.implicitdl.linalg.Matrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code idl train --select-features auto|K} (issue 15): the path goes into metrics.json and the
 * report, and inspect's {@code selectedFeatures} is the chosen support (the rule for a limit K is
 * {@code FeatureSelectionPathTest}'s).
 */
class SelectFeaturesJobTest {
  @TempDir
  Path dir;

  @Test
  void theChosenSupportAndThePathArePublished() throws Exception {
    // targets from an implicit ReLU model that reads 4 of its 30 inputs, in units far from 1
    SyntheticData.Generated g = SyntheticData.implicitRelu(8, 30, 1, 600, 4, 0.5, 0.01, 17);
    Path csv = csv(g.data().inputs(), g.data().targets());
    Path auto = dir.resolve("auto");
    CommandLine run = CommandLine.run(BadInputTest.train(csv, "y", "regression", auto, "--hidden", "8", "--select-features", "auto",
        "--set", "validation-fraction=0.1"));
    assertEquals(0, run.exit(), run.err());
    Path version = auto.resolve("versions").resolve(Files.readString(auto.resolve("LATEST")).trim());
    JsonNode metrics = Jobs.JSON.readTree(Files.readString(version.resolve("metrics.json")));
    JsonNode path = metrics.get("selectionPath");
    assertTrue(path != null && path.size() >= 3, "the path is in metrics.json: " + metrics);
    assertEquals(0.0, path.get(0).get("weight").asDouble(), "the dense start first");
    int chosen = -1;
    for (int k = 0; k < path.size(); k++) {
      chosen = path.get(k).get("chosen").asBoolean() ? k : chosen;
    }
    int kept = path.get(chosen).get("inputs").asInt();
    assertEquals(kept, metrics.get("selectedFeatures").asInt());
    assertTrue(Files.readString(version.resolve("report.html")).contains("Feature selection path"), "the report shows the path");
    JsonNode info = Jobs.JSON.readTree(CommandLine.run("inspect", "--model", auto.toString(), "--master", "local[2]").out());
    assertEquals(kept, info.get("selectedFeatures").size(), "inspect prints the chosen support");
    int relevantKept = 0;
    for (JsonNode j : info.get("selectedFeatures")) {
      relevantKept += g.relevantFeatures()[j.asInt()] ? 1 : 0;
    }
    System.out.printf(Locale.ROOT, "select-features auto: %d inputs kept, %d of the 4 relevant%n", kept, relevantKept);
    assertTrue(relevantKept >= 3 && kept <= 8, "the support is mostly the relevant inputs: " + info.get("selectedFeatures"));

  }

  private Path csv(Matrix u, Matrix y) throws java.io.IOException {
    List<String> lines = new ArrayList<>();
    StringBuilder header = new StringBuilder();
    for (int j = 0; j < u.rows(); j++) {
      header.append("x").append(j).append(',');
    }
    lines.add(header.append("y").toString());
    for (int k = 0; k < u.cols(); k++) {
      StringBuilder line = new StringBuilder();
      for (int j = 0; j < u.rows(); j++) {
        line.append(String.format(Locale.ROOT, "%.6f,", 40 * u.get(j, k) + 7));
      }
      lines.add(line.append(String.format(Locale.ROOT, "%.6f", 1000 * y.get(0, k) + 50)).toString());
    }
    return Files.write(dir.resolve("selection.csv"), lines);
  }
}
