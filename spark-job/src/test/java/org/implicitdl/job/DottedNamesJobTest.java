package org.implicitdl.job;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Column names with dots (R writes iris as "Sepal.Length", …), which Spark ML reads as struct fields: the jobs train,
 * name the features, predict with the input's own header and evaluate, features and label alike.
 */
class DottedNamesJobTest {
  @TempDir
  Path dir;

  @Test
  void dottedFeatureAndLabelNamesTrainPredictAndEvaluate() throws Exception {
    Path words = WordLabelsJobTest.relabelled(BadInputTest.classes(dir.resolve("indices.csv"), 240, 3), dir.resolve("words.csv"));
    List<String> lines = new ArrayList<>(Files.readAllLines(words));
    String header = "\"Sepal.Length\",Sepal.Width,Petal.Length,Species.name";
    lines.set(0, header);
    Path dotted = Files.write(dir.resolve("dotted.csv"), lines);
    Path model = dir.resolve("model");
    CommandLine train = CommandLine.run(BadInputTest.train(dotted, "Species.name", "classification", model));
    assertEquals(0, train.exit(), train.err());
    JsonNode info = Jobs.JSON.readTree(CommandLine.run("inspect", "--model", model.toString(), "--master", "local[2]").out());
    List<String> selected = new ArrayList<>();
    info.get("selectedFeatureNames").forEach(n -> selected.add(n.asText()));
    assertTrue(List.of("Sepal.Length", "Sepal.Width", "Petal.Length").containsAll(selected) && !selected.isEmpty(), selected.toString());

    Path out = dir.resolve("predicted");
    CommandLine predict = CommandLine.run("predict", "--model", model.toString(), "--input", dotted.toString(), "--format", "csv",
        "--output", out.toString(), "--master", "local[2]");
    assertEquals(0, predict.exit(), predict.err());
    try (Stream<Path> parts = Files.list(out)) {
      Path csv = parts.filter(p -> p.getFileName().toString().endsWith(".csv")).findFirst().orElseThrow();
      assertTrue(Files.readAllLines(csv).get(0).startsWith("Sepal.Length,Sepal.Width,Petal.Length,Species.name,prediction,predictedLabel"),
          "the input's own header, then the predictions");
    }
    CommandLine evaluate = CommandLine.run("evaluate", "--model", model.toString(), "--input", dotted.toString(), "--format", "csv",
        "--label-col", "Species.name", "--master", "local[2]");
    assertEquals(0, evaluate.exit(), evaluate.err());
    assertTrue(Jobs.JSON.readTree(evaluate.out().strip().lines().reduce((a, b) -> b).orElseThrow()).get("accuracy").asDouble() > 0.8,
        evaluate.out());
  }
}
