package org.implicitdl.job;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * Delta Lake tables as source and sink, provenance, re-running a version's training, scheduled
 * retraining (issue 20): every case on real tables written by the test.
 */
class DeltaLakeJobTest {
  private static final StructType SCHEMA = new StructType().add("x1", DataTypes.DoubleType).add("x2", DataTypes.DoubleType)
      .add("x3", DataTypes.DoubleType).add("label", DataTypes.IntegerType);

  private static SparkSession spark() {
    return SparkSession.builder().master("local[2]").config("spark.sql.shuffle.partitions", "4")
        .config("spark.databricks.delta.snapshotPartitions", "4").config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
        .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog").getOrCreate();
  }

  static List<Row> rows(int count, long seed) {
    Random r = new Random(seed);
    List<Row> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int c = i % 3;
      out.add(RowFactory.create(c + 0.3 * r.nextGaussian(), r.nextGaussian(), -c + 0.3 * r.nextGaussian(), c));
    }
    return out;
  }

  private static void write(Path table, List<Row> rows, StructType schema, String mode) {
    SparkSession spark = spark();
    try {
      // mergeSchema: an append may add a column, as a lake's producers do (the retrain must then refuse it)
      spark.createDataFrame(rows, schema).write().format("delta").mode(mode).option("mergeSchema", "true").save(table.toString());
    } finally {
      spark.stop();
    }
  }

  private static String[] train(Path table, Path model, String... extra) {
    List<String> a = new ArrayList<>(List.of("train", "--input", table.toString(), "--format", "delta", "--label-col", "label",
        "--model", model.toString(), "--hidden", "4", "--epochs", "3", "--master", "local[2]", "--set", "linear-baseline=false",
        "--set", "trainer.batch-size=50", "--set", "trainer.min-steps=0"));
    a.addAll(List.of(extra));
    return a.toArray(new String[0]);
  }

  private static JsonNode inspect(Path model) throws Exception {
    CommandLine c = CommandLine.run("inspect", "--model", model.toString(), "--master", "local[2]");
    assertEquals(0, c.exit(), c.err());
    return Jobs.JSON.readTree(c.out());
  }

  private static double largestDifference(String out) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("largest difference from its A, B, C, D: (\\S+)").matcher(out);
    assertTrue(m.find(), out);
    return Double.parseDouble(m.group(1));
  }

  @Test
  void trainRetrainTimeTravelAndTheirFailures() throws Exception {
    Path dir = Files.createTempDirectory("idl-delta");
    Path table = dir.resolve("table");
    Path model = dir.resolve("model");
    write(table, rows(300, 1), SCHEMA, "error");

    CommandLine first = CommandLine.run(train(table, model));
    assertEquals(0, first.exit(), first.err());
    JsonNode firstInspect = inspect(model);
    JsonNode p0 = firstInspect.get("provenance");
    assertEquals("delta", p0.get("format").asText());
    assertEquals(table.toString(), p0.get("path").asText());
    assertEquals(0, p0.get("version").asLong());
    assertEquals(300, p0.get("rows").asLong());
    assertFalse(p0.get("fingerprint").asText().isEmpty());
    String firstVersion = firstInspect.get("versions").get("published").asText();

    CommandLine nothing = CommandLine.run("retrain", "--model", model.toString(), "--master", "local[2]");
    assertEquals(Failures.NOTHING_NEW, nothing.exit(), nothing.err());
    assertTrue(nothing.err().contains("nothing new to train on"), nothing.err());

    write(table, rows(150, 2), SCHEMA, "append");
    CommandLine retrain = CommandLine.run("retrain", "--model", model.toString(), "--master", "local[2]");
    assertEquals(0, retrain.exit(), retrain.err());
    JsonNode after = inspect(model);
    assertEquals(1, after.get("provenance").get("version").asLong());
    assertEquals(450, after.get("provenance").get("rows").asLong());
    assertNotEquals(p0.get("fingerprint").asText(), after.get("provenance").get("fingerprint").asText());
    assertNotEquals(firstVersion, after.get("versions").get("published").asText());
    // time travel by timestamp: the commit time of version 0 reads its 300 rows, not the newest 450
    String versionZeroTime;
    SparkSession history = spark();
    try {
      versionZeroTime = io.delta.tables.DeltaTable.forPath(history, table.toString()).history().where("version = 0").select("timestamp")
          .head().getTimestamp(0).toString();
    } finally {
      history.stop();
    }
    CommandLine atZero = CommandLine.run("evaluate", "--model", model.toString(), "--input", table.toString(), "--format", "delta",
        "--label-col", "label", "--timestamp", versionZeroTime, "--master", "local[2]");
    assertEquals(0, atZero.exit(), atZero.err());
    assertEquals(300, Jobs.JSON.readTree(atZero.out().strip()).get("count").asLong(), atZero.out());
    CommandLine again = CommandLine.run("retrain", "--model", model.toString(), "--master", "local[2]");
    assertEquals(Failures.NOTHING_NEW, again.exit(), again.err());
    assertEquals(2, inspect(model).get("versions").get("complete").size(), "nothing new published nothing");

    // time travel: version 0's training re-run on version 0 reproduces its model
    CommandLine same = CommandLine.run("train", "--same-as", model.resolve("versions").resolve(firstVersion).toString(), "--model",
        dir.resolve("reproduced").toString(), "--master", "local[2]");
    assertEquals(0, same.exit(), same.err());
    assertTrue(largestDifference(same.out()) <= 1e-12, same.out());
    assertEquals(0, inspect(dir.resolve("reproduced")).get("provenance").get("version").asLong());

    // failures: each one line, nothing published
    String published = inspect(model).get("versions").get("published").asText();
    CommandLine noVersion = CommandLine.run(train(table, dir.resolve("m2"), "--version", "7"));
    assertEquals(Failures.DATA, noVersion.exit());
    assertTrue(noVersion.err().contains("has no version 7 (its versions are 0 to 1)"), noVersion.err());
    Path csv = BadInputTest.classes(dir.resolve("plain.csv"), 50, 3);
    CommandLine notDelta = CommandLine.run(train(csv, dir.resolve("m3")));
    assertEquals(Failures.DATA, notDelta.exit());
    assertTrue(notDelta.err().contains("not a Delta table"), notDelta.err());
    assertEquals(1, notDelta.err().strip().lines().count(), notDelta.err());
    for (String plain : List.of("parquet", "csv")) {
      List<String> args = new ArrayList<>(List.of(train(table, dir.resolve("m4"))));
      args.set(args.indexOf("delta"), plain);
      CommandLine asFiles = CommandLine.run(args.toArray(new String[0]));
      assertEquals(Failures.DATA, asFiles.exit(), asFiles.out());
      assertTrue(asFiles.err().contains(": a Delta table, read here as " + plain + " files (which would include rows the table has deleted or "
          + "replaced); pass --format delta"), asFiles.err());
    }

    StructType wider = SCHEMA.add("x4", DataTypes.DoubleType);
    List<Row> widerRows = new ArrayList<>();
    for (Row r : rows(20, 3)) {
      widerRows.add(RowFactory.create(r.get(0), r.get(1), r.get(2), r.get(3), 1.0));
    }
    write(table, widerRows, wider, "append");
    CommandLine changed = CommandLine.run("retrain", "--model", model.toString(), "--master", "local[2]");
    assertEquals(Failures.DATA, changed.exit(), changed.err());
    assertTrue(changed.err().contains("schema changed between version 1 and version 2: new column 'x4' (double)"), changed.err());
    assertEquals(published, inspect(model).get("versions").get("published").asText(), "a refused retrain publishes nothing");
  }

  @Test
  void predictionsGoToADeltaTableAndAppend() throws Exception {
    Path dir = Files.createTempDirectory("idl-delta-predict");
    Path table = dir.resolve("table");
    Path model = dir.resolve("model");
    write(table, rows(200, 5), SCHEMA, "error");
    assertEquals(0, CommandLine.run(train(table, model)).exit());
    Path out = dir.resolve("predictions");
    String[] predict = {"predict", "--model", model.toString(), "--input", table.toString(), "--format", "delta", "--output", out.toString(),
        "--output-format", "delta", "--master", "local[2]"};
    assertEquals(0, CommandLine.run(predict).exit());
    CommandLine refused = CommandLine.run(predict);
    assertEquals(Failures.USAGE, refused.exit(), "an existing output with mode error");
    List<String> append = new ArrayList<>(List.of(predict));
    append.addAll(List.of("--mode", "append"));
    assertEquals(0, CommandLine.run(append.toArray(new String[0])).exit());
    SparkSession spark = spark();
    try {
      Dataset<Row> written = spark.read().format("delta").load(out.toString());
      assertEquals(400, written.count());
      List<String> columns = List.of(written.columns());
      assertTrue(columns.containsAll(List.of("x1", "x2", "x3", "label", "prediction", "probability_0")), columns.toString());
    } finally {
      spark.stop();
    }

    // a table by its name in the session's catalog (the job runs in this session, so it sees the catalog)
    SparkSession withCatalog = spark();
    withCatalog.sql("CREATE TABLE scored USING delta LOCATION '" + table + "'");
    CommandLine byName = CommandLine.run("evaluate", "--model", model.toString(), "--input", "scored", "--format", "delta", "--label-col",
        "label", "--master", "local[2]");
    assertEquals(0, byName.exit(), byName.err());
    assertEquals(200, Jobs.JSON.readTree(byName.out().strip()).get("count").asLong(), byName.out());
    CommandLine unknown = CommandLine.run("evaluate", "--model", model.toString(), "--input", "no_such_table", "--format", "delta",
        "--label-col", "label", "--master", "local[2]");
    assertEquals(Failures.DATA, unknown.exit());
    assertTrue(unknown.err().contains("input not found: no_such_table (neither a path nor a table in the catalog)"), unknown.err());
  }

  @Test
  void theSameDataGiveTheSameModelWhateverTheFilesAndCores() throws Exception {
    Path dir = Files.createTempDirectory("idl-deterministic");
    List<String> lines = new ArrayList<>(Files.readAllLines(BadInputTest.classes(dir.resolve("all.csv"), 600, 3)));
    String header = lines.remove(0);
    // the same rows as one file and, shuffled, as three files
    Path one = Files.createDirectories(dir.resolve("one"));
    Files.write(one.resolve("part-0.csv"), withHeader(header, lines));
    Path three = Files.createDirectories(dir.resolve("three"));
    List<String> shuffled = new ArrayList<>(lines);
    java.util.Collections.shuffle(shuffled, new Random(9));
    for (int k = 0; k < 3; k++) {
      Files.write(three.resolve("part-" + k + ".csv"), withHeader(header, shuffled.subList(k * 200, (k + 1) * 200)));
    }
    double[][] models = new double[2][];
    String[][] runs = {{one.toString(), "local[1]"}, {three.toString(), "local[3]"}};
    for (int r = 0; r < 2; r++) {
      Path model = dir.resolve("model-" + r);
      CommandLine c = CommandLine.run(BadInputTest.train(Path.of(runs[r][0]), "label", "classification", model, "--master", runs[r][1],
          "--epochs", "3", "--set", "trainer.min-steps=60", "--set", "trainer.local-training-mb=0", "--set", "trainer.block-size=8"));
      assertEquals(0, c.exit(), c.err());
      Path json = dir.resolve("model-" + r + ".json");
      assertEquals(0, CommandLine.run("export-model", "--model", model.toString(), "--json", json.toString(), "--master", "local[2]").exit());
      models[r] = numbers(Jobs.JSON.readTree(Files.readString(json)));
    }
    assertEquals(models[0].length, models[1].length);
    double largest = 0;
    for (int k = 0; k < models[0].length; k++) {
      largest = Math.max(largest, Math.abs(models[0][k] - models[1][k]));
    }
    System.out.println("one file on 1 core vs three shuffled files on 3 cores: largest difference " + largest);
    assertTrue(largest <= 1e-12, "largest difference " + largest);
  }

  @Test
  void plainFilesRetrainWhenTheyChangeAndSameAsRefusesChangedFiles() throws Exception {
    Path dir = Files.createTempDirectory("idl-files-retrain");
    Path csv = BadInputTest.classes(dir.resolve("data.csv"), 300, 3);
    Path model = dir.resolve("model");
    assertEquals(0, CommandLine.run(BadInputTest.train(csv, "label", "classification", model, "--set", "trainer.min-steps=0")).exit());
    JsonNode trained = inspect(model);
    JsonNode provenance = trained.get("provenance");
    assertEquals("csv", provenance.get("format").asText());
    assertEquals(1, provenance.get("files").size());
    assertEquals(Files.size(csv), provenance.get("files").get(0).get("size").asLong());
    String first = trained.get("versions").get("published").asText();

    CommandLine unchanged = CommandLine.run("retrain", "--model", model.toString(), "--master", "local[2]");
    assertEquals(Failures.NOTHING_NEW, unchanged.exit(), unchanged.err());

    List<String> more = new ArrayList<>(Files.readAllLines(csv));
    more.addAll(Files.readAllLines(BadInputTest.classes(dir.resolve("more.csv"), 60, 3)).subList(1, 61));
    Files.write(csv, more);
    CommandLine changed = CommandLine.run("retrain", "--model", model.toString(), "--master", "local[2]");
    assertEquals(0, changed.exit(), changed.err());
    assertEquals(360, inspect(model).get("provenance").get("rows").asLong());

    CommandLine same = CommandLine.run("train", "--same-as", model.resolve("versions").resolve(first).toString(), "--model",
        dir.resolve("again").toString(), "--master", "local[2]");
    assertEquals(Failures.DATA, same.exit());
    assertTrue(same.err().contains("changed since " + first + " was trained: 360 rows now, 300 then"), same.err());
    assertFalse(Files.exists(dir.resolve("again").resolve("LATEST")), "nothing published");
  }

  private static List<String> withHeader(String header, List<String> lines) {
    List<String> out = new ArrayList<>(List.of(header));
    out.addAll(lines);
    return out;
  }

  private static double[] numbers(JsonNode model) {
    List<Double> out = new ArrayList<>();
    for (String key : new String[] {"A", "B", "C", "D"}) {
      model.get(key).forEach(row -> row.forEach(v -> out.add(v.asDouble())));
    }
    return out.stream().mapToDouble(Double::doubleValue).toArray();
  }
}
