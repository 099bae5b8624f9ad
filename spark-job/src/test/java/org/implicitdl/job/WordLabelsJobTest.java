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
 * Class labels that are words, through the jobs: train indexes them in sorted order (and says so), the model keeps the
 * names, evaluate maps a labelled file by them (the same metrics as the same file with the indices), predict names each
 * row's class, inspect lists the classes, and a validation file uses the training data's classes.
 */
class WordLabelsJobTest {
  private static final String[] WORDS = {"cat", "ant", "bee"};

  @TempDir
  Path dir;

  @Test
  void wordsTrainEvaluatePredictAndInspectByTheSameClasses() throws Exception {
    Path indices = BadInputTest.classes(dir.resolve("indices.csv"), 240, 3);
    Path words = relabelled(indices, dir.resolve("words.csv"));
    Path validation = relabelled(BadInputTest.classes(dir.resolve("validation-indices.csv"), 90, 3), dir.resolve("validation.csv"));
    Path model = dir.resolve("model");
    CommandLine train = CommandLine.run(BadInputTest.train(words, "label", "classification", model, "--validation", validation.toString()));
    assertEquals(0, train.exit(), train.err());
    assertTrue(train.out().contains("label column 'label' holds words: classes 0 = ant, 1 = bee, 2 = cat"), train.out());

    JsonNode info = Jobs.JSON.readTree(CommandLine.run("inspect", "--model", model.toString(), "--master", "local[2]").out());
    assertEquals(List.of("ant", "bee", "cat"), names(info.get("classNames")));
    try (Stream<Path> files = Files.walk(model)) {
      Path report = files.filter(p -> p.getFileName().toString().equals("report.html")).findFirst().orElseThrow();
      assertTrue(Files.readString(report).contains("<th>ant</th><th>bee</th><th>cat</th>"), "the confusion matrix names the classes");
      JsonNode metrics = Jobs.JSON.readTree(Files.readString(report.resolveSibling("metrics.json")));
      assertEquals(1.0 / 3, metrics.get("mostFrequentClassShare").asDouble(), 1e-12, "90 validation rows, 30 of each class");
      assertTrue(metrics.get("balancedAccuracy").asDouble() > 0.8, metrics.toString());
    }

    JsonNode byWords = evaluate(model, words);
    // the same rows with the indices of the sorted words: ant = 0 (was 1), bee = 1 (was 2), cat = 2 (was 0)
    Path sortedIndices = dir.resolve("sorted-indices.csv");
    List<String> lines = new ArrayList<>(Files.readAllLines(words));
    for (int i = 1; i < lines.size(); i++) {
      String line = lines.get(i);
      String word = line.substring(line.lastIndexOf(',') + 1);
      lines.set(i, line.substring(0, line.lastIndexOf(',') + 1) + List.of("ant", "bee", "cat").indexOf(word));
    }
    Files.write(sortedIndices, lines);
    JsonNode byIndices = evaluate(model, sortedIndices);
    assertEquals(byIndices.get("accuracy").asDouble(), byWords.get("accuracy").asDouble());
    assertEquals(byIndices.get("logLoss").asDouble(), byWords.get("logLoss").asDouble(), 1e-12);
    assertTrue(byWords.get("accuracy").asDouble() > 0.8, "the classes are learnable: " + byWords);

    Path out = dir.resolve("predicted");
    CommandLine predict = CommandLine.run("predict", "--model", model.toString(), "--input", words.toString(), "--format", "csv",
        "--label-col", "label", "--output", out.toString(), "--master", "local[2]");
    assertEquals(0, predict.exit(), predict.err());
    List<String> rows = CommandLine.csvPart(out);
    List<String> header = List.of(rows.get(0).split(","));
    int label = header.indexOf("label");
    int prediction = header.indexOf("prediction");
    int named = header.indexOf(PredictCommand.PREDICTED_LABEL);
    assertTrue(label >= 0 && prediction >= 0 && named >= 0, header.toString());
    int agree = 0;
    for (String row : rows.subList(1, rows.size())) {
      String[] v = row.split(",");
      assertEquals(List.of("ant", "bee", "cat").get((int) Double.parseDouble(v[prediction])), v[named], row);
      agree += v[label].equals(v[named]) ? 1 : 0;
    }
    assertEquals(byWords.get("accuracy").asDouble(), agree / (double) (rows.size() - 1), 1e-12,
        "the input's own words, carried along, agree with the named predictions as often as evaluate says");
  }

  /**
   * A warm start (what idl retrain does) keeps the published model's classes and their indices, even when the new rows
   * lack one of them; a word the published model does not know is refused before anything is written.
   */
  @Test
  void aWarmStartKeepsThePublishedClassesAndRefusesANewOne() throws Exception {
    Path words = relabelled(BadInputTest.classes(dir.resolve("indices.csv"), 240, 3), dir.resolve("words.csv"));
    Path model = dir.resolve("model");
    assertEquals(0, CommandLine.run(BadInputTest.train(words, "label", "classification", model)).exit());
    List<String> noAnts = new ArrayList<>(Files.readAllLines(words).stream().filter(l -> !l.endsWith(",ant")).toList());
    Path later = Files.write(dir.resolve("later.csv"), noAnts);
    CommandLine warm = CommandLine.run(BadInputTest.train(later, "label", "classification", model, "--warm-start",
        "--set", "publish-tolerance=1"));
    assertEquals(0, warm.exit(), warm.err());
    JsonNode info = Jobs.JSON.readTree(CommandLine.run("inspect", "--model", model.toString(), "--master", "local[2]").out());
    assertEquals(List.of("ant", "bee", "cat"), names(info.get("classNames")), "bee and cat keep the indices 1 and 2");
    assertEquals(2, info.get("versions").get("complete").size(), info.toString());

    noAnts.add(noAnts.get(1).substring(0, noAnts.get(1).lastIndexOf(',') + 1) + "emu");
    Path emu = Files.write(dir.resolve("emu.csv"), noAnts);
    CommandLine refused = CommandLine.run(BadInputTest.train(emu, "label", "classification", model, "--warm-start"));
    assertEquals(1, refused.exit());
    assertTrue(refused.err().contains("emu.csv: label column 'label' has the class 'emu', which the published model (--warm-start) does not know"),
        refused.err());
    JsonNode after = Jobs.JSON.readTree(CommandLine.run("inspect", "--model", model.toString(), "--master", "local[2]").out());
    assertEquals(2, after.get("versions").get("complete").size(), "the refused run wrote no version");
  }

  /**
   * Whole numbers below zero (the −1 / +1 of many binary data sets) are classes named by their values, in numeric order:
   * evaluate and predict match them by value, and a value the model does not know is refused.
   */
  @Test
  void numbersBelowZeroAreClassesMatchedByValue() throws Exception {
    Path indices = BadInputTest.classes(dir.resolve("indices.csv"), 240, 2);
    List<String> lines = new ArrayList<>(Files.readAllLines(indices));
    for (int i = 1; i < lines.size(); i++) {
      String line = lines.get(i);
      lines.set(i, line.substring(0, line.lastIndexOf(',') + 1) + (line.endsWith(",0") ? "-1" : "1"));
    }
    Path signs = Files.write(dir.resolve("signs.csv"), lines);
    Path model = dir.resolve("model");
    CommandLine train = CommandLine.run(BadInputTest.train(signs, "label", "classification", model));
    assertEquals(0, train.exit(), train.err());
    assertTrue(train.out().contains("label column 'label' holds numbers below zero: classes 0 = -1, 1 = 1"), train.out());
    JsonNode info = Jobs.JSON.readTree(CommandLine.run("inspect", "--model", model.toString(), "--master", "local[2]").out());
    assertEquals(List.of("-1", "1"), names(info.get("classNames")));
    assertTrue(evaluate(model, signs).get("accuracy").asDouble() > 0.8);
    CommandLine zero = CommandLine.run("evaluate", "--model", model.toString(), "--input", indices.toString(), "--format", "csv",
        "--label-col", "label", "--master", "local[2]");
    assertEquals(1, zero.exit());
    assertTrue(zero.err().contains("label column 'label' has the class '0', which the model does not know (its classes: -1, 1)"), zero.err());
  }

  /**
   * Without --task the task is read off the label and saved with the run: 60 distinct whole numbers, or fractions, are a
   * regression target; given --task classification, the same 60 numbers are classes, with a note.
   */
  @Test
  void theTaskIsReadOffTheLabelUnlessGiven() throws Exception {
    List<String> lines = new ArrayList<>(List.of("x1,count,fraction"));
    for (int i = 0; i < 120; i++) {
      lines.add(i + ".5," + (i % 60) + "," + (i % 60) / 4.0);
    }
    Path counts = Files.write(dir.resolve("counts.csv"), lines);
    for (String label : List.of("count", "fraction")) {
      Path model = dir.resolve("auto-" + label);
      List<String> args = new ArrayList<>(List.of(BadInputTest.train(counts, label, "auto", model, "--ignore-cols", label.equals("count") ? "fraction" : "count")));
      args.subList(args.indexOf("--task"), args.indexOf("--task") + 2).clear();
      CommandLine auto = CommandLine.run(args.toArray(new String[0]));
      assertEquals(0, auto.exit(), auto.err());
      assertTrue(auto.out().contains("task: regression (label column '" + label + "' " + (label.equals("count")
          ? "holds 50 or more distinct whole numbers" : "holds fractions, e.g. 0.25") + "; --task classification"), auto.out());
      assertTrue(auto.out().contains("real-rule rmse"), auto.out());
      String version = Files.readString(model.resolve("LATEST")).trim();
      assertEquals("regression", Jobs.JSON.readTree(Files.readString(model.resolve("versions").resolve(version).resolve("config.json")))
          .get("task").asText(), "the saved configuration names the task chosen");
    }
    CommandLine train = CommandLine.run(BadInputTest.train(counts, "count", "classification", dir.resolve("model"), "--ignore-cols", "fraction"));
    assertEquals(0, train.exit(), train.err());
    assertTrue(train.out().contains("note: label column 'count' holds 60 distinct whole numbers up to 59, each taken as a class; "
        + "for a numeric target pass --task regression"), train.out());
  }

  /** Booleans are words as labels (classes false, true) and 0 / 1 as features. */
  @Test
  void booleansAreClassesAsLabelsAndNumbersAsFeatures() throws Exception {
    List<String> lines = new ArrayList<>(List.of("x1,flag,label"));
    java.util.Random r = new java.util.Random(3);
    for (int i = 0; i < 200; i++) {
      boolean flag = r.nextBoolean();
      double x = r.nextGaussian();
      lines.add(String.format(java.util.Locale.ROOT, "%.4f,%s,%s", x, flag, flag ^ x > 1.5));
    }
    Path booleans = Files.write(dir.resolve("booleans.csv"), lines);
    Path model = dir.resolve("model");
    CommandLine train = CommandLine.run(BadInputTest.train(booleans, "label", "classification", model));
    assertEquals(0, train.exit(), train.err());
    JsonNode info = Jobs.JSON.readTree(CommandLine.run("inspect", "--model", model.toString(), "--master", "local[2]").out());
    assertEquals(List.of("false", "true"), names(info.get("classNames")));
    assertTrue(names(info.get("selectedFeatureNames")).contains("flag"), info.get("selectedFeatureNames").toString());
    assertTrue(evaluate(model, booleans).get("accuracy").asDouble() > 0.8, "the flag alone predicts 9 rows in 10");
  }

  /** The file with class k written as WORDS[k]. */
  static Path relabelled(Path indices, Path words) throws Exception {
    List<String> lines = new ArrayList<>(Files.readAllLines(indices));
    for (int i = 1; i < lines.size(); i++) {
      String line = lines.get(i);
      int k = Integer.parseInt(line.substring(line.lastIndexOf(',') + 1));
      lines.set(i, line.substring(0, line.lastIndexOf(',') + 1) + WORDS[k]);
    }
    return Files.write(words, lines);
  }

  private JsonNode evaluate(Path model, Path data) throws Exception {
    return Jobs.JSON.readTree(CommandLine.evaluation(model, data, "label"));
  }

  private static List<String> names(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }
}
