package org.implicitdl.job;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Input columns as real tables have them: names with dots, text categories, columns that are not features. */
class InputColumnsJobTest {
  @TempDir
  Path dir;

  /**
   * Column names with dots (R writes iris as "Sepal.Length", …), which Spark ML reads as struct fields: the jobs train,
   * name the features, predict with the input's own header and evaluate, features and label alike.
   */
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
    assertTrue(CommandLine.csvPart(out).get(0).startsWith("Sepal.Length,Sepal.Width,Petal.Length,Species.name,prediction,predictedLabel"),
        "the input's own header, then the predictions");
    String evaluation = CommandLine.evaluation(model, dotted, "Species.name");
    assertTrue(Jobs.JSON.readTree(evaluation).get("accuracy").asDouble() > 0.8, evaluation);
  }

  /**
   * A text column of few values is one 0/1 input per value, named column=value; predict and evaluate rebuild them from
   * the model's feature names (an unseen value or an empty cell: all zeros); --ignore-cols leaves out an id and a name;
   * a column empty in every row is no feature, and says so.
   */
  @Test
  void textCategoriesAreIndicatorsAndIgnoredColumnsAreNotFeatures() throws Exception {
    String[] colors = {"red", "green", "blue"};
    List<String> lines = new ArrayList<>(List.of("id,name,color,notes,x,label"));
    java.util.Random r = new java.util.Random(8);
    for (int i = 0; i < 300; i++) {
      int c = r.nextInt(3);
      double x = r.nextGaussian();
      lines.add(String.format(java.util.Locale.ROOT, "%d,person %d,%s,,%.4f,%d", i, i, colors[c], x, (c == 0) != (x > 1.2) ? 1 : 0));
    }
    Path data = Files.write(dir.resolve("people.csv"), lines);
    Path model = dir.resolve("model");
    CommandLine train = CommandLine.run(BadInputTest.train(data, "label", "classification", model, "--ignore-cols", "id, name"));
    assertEquals(0, train.exit(), train.err());
    assertTrue(train.out().contains("column 'color' holds text: one input per value (color=blue, color=green, color=red)"), train.out());
    assertTrue(train.out().contains("note: column 'notes' is empty in every row: not a feature"), train.out());
    assertFalse(train.out().contains("column 'notes' holds text"), "an empty column is no category either: " + train.out());
    JsonNode info = Jobs.JSON.readTree(CommandLine.run("inspect", "--model", model.toString(), "--master", "local[2]").out());
    List<String> selected = new ArrayList<>();
    info.get("selectedFeatureNames").forEach(n -> selected.add(n.asText()));
    assertTrue(List.of("color=blue", "color=green", "color=red", "x").containsAll(selected) && selected.contains("color=red"), selected.toString());
    String evaluation = CommandLine.evaluation(model, data, "label");
    assertTrue(Jobs.JSON.readTree(evaluation).get("accuracy").asDouble() > 0.85, "red alone decides 9 rows in 10: " + evaluation);

    Path later = Files.write(dir.resolve("later.csv"), List.of("id,name,color,x", "1,a,red,0.1", "2,b,purple,0.1", "3,c,,0.1", "4,d,blue,0.1"));
    Path out = dir.resolve("predicted");
    CommandLine predict = CommandLine.run("predict", "--model", model.toString(), "--input", later.toString(), "--format", "csv",
        "--output", out.toString(), "--master", "local[2]");
    assertEquals(0, predict.exit(), predict.err());
    List<String> rows = CommandLine.csvPart(out);
    assertTrue(rows.get(0).startsWith("id,name,color,x,prediction"), rows.get(0));
    String purple = rows.stream().filter(l -> l.contains("purple")).findFirst().orElseThrow();
    String empty = rows.stream().filter(l -> l.startsWith("3,")).findFirst().orElseThrow();
    assertEquals(purple.substring(purple.indexOf(",0.1,")), empty.substring(empty.indexOf(",0.1,")),
        "an unseen value and an empty cell are the same all-zero inputs");
  }

  /**
   * Features in any units: a capacitance in farads (spread 10⁻¹³, which a floor on the spread once took for a constant
   * column and left unused) and a quantity near 10³⁰⁰ (whose squares overflow a double) train like any other column,
   * both needed for the label; MLlib's LogisticRegression refuses the second, and the job says so in a note and
   * publishes the model without the baseline.
   */
  @Test
  void featuresInFaradsAndNear1e300TrainLikeAnyOther() throws Exception {
    java.util.Random r = new java.util.Random(44);
    List<String> lines = new ArrayList<>(List.of("capacitance,mass,label"));
    for (int i = 0; i < 300; i++) {
      double x = r.nextGaussian();
      double z = r.nextGaussian();
      lines.add(String.format(java.util.Locale.ROOT, "%.6e,%.6e,%d", 4.7e-13 + 1e-13 * x, 1e300 * z, x + z > 0 ? 1 : 0));
    }
    Path data = Files.write(dir.resolve("units.csv"), lines);
    Path model = dir.resolve("model");
    String[] args = BadInputTest.train(data, "label", "classification", model);
    args[java.util.Arrays.asList(args).indexOf("linear-baseline=false")] = "linear-baseline=true";
    CommandLine train = CommandLine.run(args);
    assertEquals(0, train.exit(), train.err());
    assertTrue(train.out().contains("note: the linear baseline (MLlib LogisticRegression) could not be fitted on these rows"), train.out());
    String evaluation = CommandLine.evaluation(model, data, "label");
    assertTrue(Jobs.JSON.readTree(evaluation).get("accuracy").asDouble() > 0.9, "either column alone scores about 0.75: " + evaluation);
  }

  /**
   * Missing numbers — empty cells and R's NA — are filled with 0 and marked by a column=missing input: the two spellings
   * train the same model, predict and evaluate fill and mark from the names, and the marked rows are learnt (here a
   * missing x means class 1).
   */
  @Test
  void missingNumbersAreFilledAndMarkedTheSameWhateverTheirSpelling() throws Exception {
    java.util.Random r = new java.util.Random(12);
    List<String> empty = new ArrayList<>(List.of("x,z,label"));
    List<String> na = new ArrayList<>(List.of("x,z,label"));
    for (int i = 0; i < 300; i++) {
      boolean gap = r.nextDouble() < 0.25;
      double x = r.nextGaussian();
      double z = r.nextGaussian();
      int label = gap || x > 0.8 ? 1 : 0;
      String xs = String.format(java.util.Locale.ROOT, "%.4f", x);
      empty.add((gap ? "" : xs) + String.format(java.util.Locale.ROOT, ",%.4f,%d", z, label));
      na.add((gap ? "NA" : xs) + String.format(java.util.Locale.ROOT, ",%.4f,%d", z, label));
    }
    Path emptyCsv = Files.write(dir.resolve("empty.csv"), empty);
    Path naCsv = Files.write(dir.resolve("na.csv"), na);
    Path model = dir.resolve("model");
    CommandLine train = CommandLine.run(BadInputTest.train(naCsv, "label", "classification", model));
    assertEquals(0, train.exit(), train.err());
    assertTrue(train.out().matches("(?s).*column 'x' has no number in \\d+ row\\(s\\) \\(empty, NA or NaN\\): the model reads the "
        + "column's mean over the training rows there, and the input 'x=missing' marks them.*"), train.out());
    JsonNode info = Jobs.JSON.readTree(CommandLine.run("inspect", "--model", model.toString(), "--master", "local[2]").out());
    List<String> selected = new ArrayList<>();
    info.get("selectedFeatureNames").forEach(n -> selected.add(n.asText()));
    assertTrue(selected.contains("x=missing"), selected.toString());
    String byNa = CommandLine.evaluation(model, naCsv, "label");
    assertEquals(byNa, CommandLine.evaluation(model, emptyCsv, "label"), "NA and an empty cell are the same missing number");
    assertTrue(Jobs.JSON.readTree(byNa).get("accuracy").asDouble() > 0.9, byNa);
    Path other = dir.resolve("other-model");
    assertEquals(0, CommandLine.run(BadInputTest.train(emptyCsv, "label", "classification", other)).exit());
    assertEquals(byNa, CommandLine.evaluation(other, naCsv, "label"), "trained on empty cells: the same model as on NA");
  }


  /**
   * Gaps in a column far from 0 (salaries about 50,000): training reads them as the column's mean, and the published
   * model, which predict and evaluate feed 0 and the indicator there, scores on the validation file exactly what
   * training measured on it; a warm start from it trains and leaves no copy of its refilled start behind.
   */
  @Test
  void gapsTrainAtTheMeanAndThePublishedModelScoresTheSameOnZeroFilledRows() throws Exception {
    java.util.Random r = new java.util.Random(33);
    List<String> train = new ArrayList<>(List.of("salary,age,spend"));
    List<String> validation = new ArrayList<>(List.of("salary,age,spend"));
    for (int i = 0; i < 400; i++) {
      double salary = 50_000 + 10_000 * r.nextGaussian();
      double age = 40 + 12 * r.nextGaussian();
      boolean gap = r.nextDouble() < 0.2;
      double spend = 0.02 * salary + 3 * Math.abs(age - 40) + (gap ? 150 : 0) + 20 * r.nextGaussian();
      (i < 300 ? train : validation).add(String.format(java.util.Locale.ROOT, "%s,%.1f,%.2f", gap ? "NA" : String.format(java.util.Locale.ROOT, "%.0f", salary), age, spend));
    }
    Path trainCsv = Files.write(dir.resolve("train.csv"), train);
    Path validationCsv = Files.write(dir.resolve("validation.csv"), validation);
    Path model = dir.resolve("gaps-model");
    CommandLine fit = CommandLine.run(BadInputTest.train(trainCsv, "spend", "regression", model, "--validation", validationCsv.toString()));
    assertEquals(0, fit.exit(), fit.err());
    Path version = model.resolve("versions").resolve(Files.readString(model.resolve("LATEST")).trim());
    double measured = Jobs.JSON.readTree(Files.readString(version.resolve("metrics.json"))).get("rmse").asDouble();
    double evaluated = Jobs.JSON.readTree(CommandLine.evaluation(model, validationCsv, "spend")).get("rmse").asDouble();
    assertEquals(measured, evaluated, 1e-9 * measured, "the refilled model on 0-filled rows is the trained one on mean-filled rows");

    CommandLine warm = CommandLine.run(BadInputTest.train(trainCsv, "spend", "regression", model, "--validation", validationCsv.toString(),
        "--warm-start"));
    assertEquals(0, warm.exit(), warm.err());
    try (var versions = Files.list(model.resolve("versions"))) {
      assertTrue(versions.noneMatch(v -> Files.exists(v.resolve("warm-start"))), "the refilled start is deleted after the fit");
    }
  }

  /**
   * CSV as spreadsheets export it in many locales — separated by semicolons, numbers with decimal commas, NA for a gap — and
   * tab-separated: each is read as the comma-separated file with decimal points is, so the same model is trained and every
   * one of them evaluates to the same figures.
   */
  @Test
  void semicolonsTabsAndDecimalCommasReadAsTheCommaFileIs() throws Exception {
    java.util.Random r = new java.util.Random(21);
    List<String> commas = new ArrayList<>(List.of("x,z,label"));
    List<String> semicolons = new ArrayList<>(List.of("x;z;label"));
    List<String> tabs = new ArrayList<>(List.of("x\tz\tlabel"));
    List<String> spaced = new ArrayList<>(List.of("x , z, label"));
    List<String> pandas = new ArrayList<>(List.of(",x,z,label"));
    for (int i = 0; i < 240; i++) {
      boolean gap = i % 9 == 0;
      double x = r.nextGaussian();
      double z = 3 * r.nextGaussian();
      int label = x * x + z / 3 > 1 ? 1 : 0;
      String xs = gap ? "NA" : String.format(java.util.Locale.ROOT, "%.4f", x);
      String zs = String.format(java.util.Locale.ROOT, "%.3f", z);
      commas.add(xs + "," + zs + "," + label);
      semicolons.add(xs.replace('.', ',') + ";" + zs.replace('.', ',') + ";" + label);
      tabs.add(xs + "\t" + zs + "\t" + label);
      spaced.add(xs + " , " + zs + ", " + label);
      pandas.add(i + "," + xs + "," + zs + "," + label);
    }
    Path commaCsv = Files.write(dir.resolve("commas.csv"), commas);
    Path semicolonCsv = Files.write(dir.resolve("semicolons.csv"), semicolons);
    Path tabFile = Files.write(dir.resolve("tabs.tsv"), tabs);
    Path model = dir.resolve("model");
    CommandLine train = CommandLine.run(BadInputTest.train(semicolonCsv, "label", "classification", model));
    assertEquals(0, train.exit(), train.err());
    assertTrue(train.out().contains("reading " + semicolonCsv + " as separated by ';'"), train.out());
    assertTrue(train.out().contains("column 'x' has no number in 27 row(s)"), "NA among decimal commas is a gap: " + train.out());
    String bySemicolons = CommandLine.evaluation(model, semicolonCsv, "label");
    assertTrue(Jobs.JSON.readTree(bySemicolons).get("accuracy").asDouble() > 0.7, bySemicolons);
    assertEquals(bySemicolons, CommandLine.evaluation(model, commaCsv, "label"));
    assertEquals(bySemicolons, CommandLine.evaluation(model, tabFile, "label"));
    assertEquals(bySemicolons, CommandLine.evaluation(model, Files.write(dir.resolve("spaced.csv"), spaced), "label"), "spaces around commas");
    List<String> marked = new ArrayList<>(commas);
    marked.set(0, "\uFEFF" + marked.get(0));
    assertEquals(bySemicolons, CommandLine.evaluation(model, Files.write(dir.resolve("excel.csv"), marked), "label"), "a byte-order mark");
    Path other = dir.resolve("comma-model");
    assertEquals(0, CommandLine.run(BadInputTest.train(commaCsv, "label", "classification", other)).exit());
    assertEquals(bySemicolons, CommandLine.evaluation(other, tabFile, "label"), "trained on the comma file: the same model");

    // pandas' to_csv writes the row index as a first column without a name: not a feature, and predict carries it along
    Path pandasCsv = Files.write(dir.resolve("pandas.csv"), pandas);
    Path indexed = dir.resolve("pandas-model");
    CommandLine fromPandas = CommandLine.run(BadInputTest.train(pandasCsv, "label", "classification", indexed));
    assertEquals(0, fromPandas.exit(), fromPandas.err());
    assertTrue(fromPandas.out().contains("the first column has no name and holds the row numbers (a pandas or R row index): not a feature"),
        fromPandas.out());
    JsonNode info = Jobs.JSON.readTree(CommandLine.run("inspect", "--model", indexed.toString(), "--master", "local[2]").out());
    assertEquals(3, info.get("inputDim").asInt(), "x, x=missing and z: " + info);
    assertFalse(info.get("selectedFeatureNames").toString().contains("_c0"), info.get("selectedFeatureNames").toString());
    Path out = dir.resolve("pandas-predicted");
    assertEquals(0, CommandLine.run("predict", "--model", indexed.toString(), "--input", pandasCsv.toString(), "--format", "csv",
        "--output", out.toString(), "--master", "local[2]").exit());
    assertTrue(CommandLine.csvPart(out).get(0).startsWith("_c0,x,z,label,prediction"), CommandLine.csvPart(out).get(0));
    List<String> pandasWithMark = new ArrayList<>(pandas);
    pandasWithMark.set(0, "\uFEFF" + pandasWithMark.get(0));
    assertEquals(CommandLine.evaluation(indexed, pandasCsv, "label"),
        CommandLine.evaluation(indexed, Files.write(dir.resolve("pandas-excel.csv"), pandasWithMark), "label"), "a byte-order mark before the index");
  }

  @Test
  void theSeparatorIsReadOffTheHeaderLine() {
    assertEquals(',', CsvFiles.separator("a,b;c"));
    assertEquals(';', CsvFiles.separator("\"price, EUR\";amount;label"));
    assertEquals('\t', CsvFiles.separator("a\tb\tc"));
    assertEquals('|', CsvFiles.separator("a|b|c;d"));
    assertEquals(',', CsvFiles.separator("label"));
    assertEquals(List.of("price, EUR", "amount", "label"), CsvFiles.headerNames("\"price, EUR\";amount ; label", ';'));
    assertEquals(List.of("a", "", "b"), CsvFiles.headerNames("a,,b", ','));
  }

  /** A name the header gives twice is read as Spark renames it (its position appended), and a note says so. */
  @Test
  void repeatedHeaderNamesAreNamed() {
    assertEquals("the header names 'a' 2 times: read as a0, a2 (rename them in the file to choose the names)",
        CsvFiles.duplicateNames(CsvFiles.headerNames("a,b,a ,label", ','), new String[] {"a0", "b", "a2", "label"}));
    assertEquals("the header names 'age' 2 times: read as Age0, age1 (rename them in the file to choose the names)",
        CsvFiles.duplicateNames(CsvFiles.headerNames("\"Age\";age;y", ';'), new String[] {"Age0", "age1", "y"}));
    assertEquals("", CsvFiles.duplicateNames(CsvFiles.headerNames("x1,x2,label", ','), new String[] {"x1", "x2", "label"}));
    assertEquals("", CsvFiles.duplicateNames(CsvFiles.headerNames("a,,label", ','), new String[] {"a", "_c1", "label"}));
  }

  /**
   * A quoted value with line breaks and doubled quotes (a note, an address, as spreadsheets and pandas write them) is one
   * value: the file is read record by record, not line by line, and a record with another number of fields than the
   * header is still the one-line error. Numbers a spreadsheet formatted — thousands separators, a currency sign — are
   * numbers; "12,34" is not.
   */
  @Test
  void quotedLineBreaksAndThousandsSeparatorsAreReadAsSpreadsheetsWriteThem() throws Exception {
    Path notes = Files.writeString(dir.resolve("notes.csv"), "x,note,label\n1.5,ok,a\n-2,\"called twice,\nthen \"\"escalated\"\"\",b\n"
        + "0.25,\"two\r\nlines\",a\n");
    org.apache.spark.sql.SparkSession spark = org.apache.spark.sql.SparkSession.builder().master("local[2]").getOrCreate();
    try {
      List<org.apache.spark.sql.Row> rows = CsvFiles.read(spark, notes.toString()).collectAsList();
      assertEquals(3, rows.size(), rows.toString());
      assertEquals("called twice,\nthen \"escalated\"", rows.get(1).getString(1));
      assertEquals(-2.0, ((Number) rows.get(1).get(0)).doubleValue());
      assertEquals("b", rows.get(1).getString(2));
      Path ragged = Files.writeString(dir.resolve("ragged.csv"), Files.readString(notes) + "3,\"short\nrecord\"\n");
      Path money = Files.writeString(dir.resolve("money.csv"), "price,income,code,label\n\"230,145.04\",\"$52,822\",\"12,34\",a\n"
          + "99.5,NA,\"1,5\",b\n\"-1,000\",€45,7,a\n");
      org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> read = CsvFiles.read(spark, money.toString());
      assertEquals("double", read.schema().apply("price").dataType().simpleString(), "thousands separators read as numbers");
      assertEquals(List.of(230145.04, 99.5, -1000.0), read.select("price").collectAsList().stream().map(row -> row.getDouble(0)).toList());
      assertEquals(List.of("52822", "NA", "45"), read.select("income").collectAsList().stream().map(row -> row.getString(0)).toList(),
          "currency signs dropped; with a gap token the column stays text for the gap handling");
      assertEquals("string", read.schema().apply("code").dataType().simpleString(), "'12,34' is not a number with thousands");
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CsvFiles.read(spark, ragged.toString()));
      assertEquals(ragged + ": 1 line(s) have another number of fields than the header's 3, e.g. '3,\"short\nrecord\"': a wrong separator, "
          + "or one inside an unquoted value?", e.getMessage());
    } finally {
      spark.stop();
    }
    assertEquals("", CsvFiles.raggedRecords("a,b\n1,\"x\ny\"\n\n2,3", ',', 2));
    assertEquals("2\t1", CsvFiles.raggedRecords("a,b\n1\n2,3,4\n", ',', 2));
  }

  /**
   * Training data of {@value DataSources#WIDE_COLUMNS} feature columns or more is assembled once into the checkpoint
   * directory, its lineage cut, with the same rows and the same schema and ML attributes; narrower data is left as it is.
   */
  @Test
  void wideTrainingDataIsAssembledOnceWithItsLineageCut() {
    org.apache.spark.sql.SparkSession spark = org.apache.spark.sql.SparkSession.builder().master("local[2]").getOrCreate();
    try {
      spark.sparkContext().setCheckpointDir(dir.resolve("checkpoints").toString());
      List<org.apache.spark.sql.Column> columns = new ArrayList<>();
      List<String> names = new ArrayList<>();
      for (int k = 0; k < DataSources.WIDE_COLUMNS; k++) {
        names.add("f" + k);
        columns.add(org.apache.spark.sql.functions.rand(k).multiply(k).alias("f" + k));
      }
      columns.add(org.apache.spark.sql.functions.col("id").mod(2).alias("label"));
      org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> frame = new org.apache.spark.ml.feature.VectorAssembler()
          .setInputCols(names.toArray(new String[0])).setOutputCol(DataSources.FEATURES)
          .transform(spark.range(40).select(columns.toArray(new org.apache.spark.sql.Column[0])));
      DataSources.Loaded narrow = new DataSources.Loaded(frame, "label", names.subList(1, names.size()));
      assertSame(narrow, DataSources.materializedIfWide(narrow));
      DataSources.Loaded wide = DataSources.materializedIfWide(new DataSources.Loaded(frame, "label", names));
      assertEquals("LogicalRDD", wide.frame().queryExecution().logical().getClass().getSimpleName());
      assertEquals(frame.schema().json(), wide.frame().schema().json(), "the same columns and ML attributes");
      assertEquals(frame.collectAsList(), wide.frame().collectAsList());
    } finally {
      spark.stop();
    }
  }

  /**
   * Parquet that a Spark ML pipeline prepared — a VectorAssembler's features vector beside an id and the label — trains
   * without --features-col: the vector holds the features, the id is carried along; predict and evaluate find it too.
   */
  @Test
  void aSparkMlFeaturesVectorIsTheFeaturesWithoutBeingNamed() throws Exception {
    Path table = dir.resolve("prepared.parquet");
    org.apache.spark.sql.SparkSession spark = org.apache.spark.sql.SparkSession.builder().master("local[2]").getOrCreate();
    try {
      Path csv = BadInputTest.classes(dir.resolve("classes.csv"), 240, 3);
      org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> rows = spark.read().option("header", "true").option("inferSchema", "true")
          .csv(csv.toString()).withColumn("id", org.apache.spark.sql.functions.monotonically_increasing_id());
      new org.apache.spark.ml.feature.VectorAssembler().setInputCols(new String[] {"x1", "x2", "x3"}).setOutputCol("features").transform(rows)
          .select("id", "features", "label").write().parquet(table.toString());
    } finally {
      spark.stop();
    }
    Path model = dir.resolve("model");
    List<String> args = parquetTrain(table, "label", "classification", model);
    CommandLine train = CommandLine.run(args.toArray(new String[0]));
    assertEquals(0, train.exit(), train.err());
    assertTrue(train.out().contains("the vector column 'features' holds the features (as with --features-col features); the other columns are "
        + "carried along"), train.out());
    CommandLine evaluate = CommandLine.run("evaluate", "--model", model.toString(), "--input", table.toString(), "--format", "parquet",
        "--label-col", "label", "--master", "local[2]");
    assertEquals(0, evaluate.exit(), evaluate.err());
    assertTrue(Jobs.JSON.readTree(evaluate.out().substring(evaluate.out().indexOf('{'))).get("accuracy").asDouble() > 0.8, evaluate.out());
    Path out = dir.resolve("predicted");
    CommandLine predict = CommandLine.run("predict", "--model", model.toString(), "--input", table.toString(), "--format", "parquet",
        "--output", out.toString(), "--master", "local[2]");
    assertEquals(0, predict.exit(), predict.err());
    assertTrue(CommandLine.csvPart(out).get(0).startsWith("id,features,label,prediction"), CommandLine.csvPart(out).get(0));
  }

  /**
   * A table as a data lake types it: prices in decimal(12, 2), a quantity in int, a count in long, a ratio in float, a
   * code in short, a timestamp; the target a decimal amount. With the timestamp left out the task reads as a regression
   * (the decimal target holds cents), every numeric type is an input, and the model evaluates on the same table with
   * an rmse in the target's units well below the target's spread; the timestamp alone is the one-line refusal naming it.
   */
  @Test
  void decimalIntegerAndFloatColumnsOfALakeTableAreInputs() throws Exception {
    Path table = dir.resolve("orders.parquet");
    org.apache.spark.sql.SparkSession spark = org.apache.spark.sql.SparkSession.builder().master("local[2]").getOrCreate();
    try {
      java.util.Random r = new java.util.Random(17);
      List<org.apache.spark.sql.Row> rows = new ArrayList<>();
      for (int i = 0; i < 400; i++) {
        double price = 5 + 95 * r.nextDouble();
        int quantity = 1 + r.nextInt(9);
        long visits = r.nextInt(5000);
        float ratio = r.nextFloat();
        short code = (short) r.nextInt(3);
        double amount = price * quantity * (1 - 0.3 * ratio) + 0.002 * visits + 40 * code + r.nextGaussian();
        rows.add(org.apache.spark.sql.RowFactory.create(new java.math.BigDecimal(String.format(java.util.Locale.ROOT, "%.2f", price)), quantity,
            visits, ratio, code, java.sql.Timestamp.valueOf("2026-01-01 00:00:00"), new java.math.BigDecimal(String.format(java.util.Locale.ROOT, "%.2f", amount))));
      }
      org.apache.spark.sql.types.StructType schema = new org.apache.spark.sql.types.StructType()
          .add("price", org.apache.spark.sql.types.DataTypes.createDecimalType(12, 2)).add("quantity", "int").add("visits", "long")
          .add("ratio", "float").add("code", "short").add("ordered_at", "timestamp")
          .add("amount", org.apache.spark.sql.types.DataTypes.createDecimalType(14, 2));
      spark.createDataFrame(rows, schema).coalesce(1).write().parquet(table.toString());
    } finally {
      spark.stop();
    }
    Path model = dir.resolve("model");
    List<String> args = parquetTrain(table, "amount", "auto", model);
    CommandLine refused = CommandLine.run(args.toArray(new String[0]));
    assertEquals(1, refused.exit(), refused.out());
    assertTrue(refused.err().contains("column 'ordered_at' is not numeric (timestamp)"), refused.err());
    args.addAll(List.of("--ignore-cols", "ordered_at"));
    CommandLine train = CommandLine.run(args.toArray(new String[0]));
    assertEquals(0, train.exit(), train.err());
    assertTrue(train.out().contains("task: regression (label column 'amount' holds fractions"), train.out());
    JsonNode info = Jobs.JSON.readTree(CommandLine.run("inspect", "--model", model.toString(), "--master", "local[2]").out());
    List<String> inputs = new ArrayList<>();
    info.get("sensitivity").get("perInputTotals").fieldNames().forEachRemaining(inputs::add);
    assertEquals(List.of("code", "price", "quantity", "ratio", "visits"), inputs.stream().sorted().toList());
    CommandLine evaluate = CommandLine.run("evaluate", "--model", model.toString(), "--input", table.toString(), "--format", "parquet",
        "--label-col", "amount", "--master", "local[2]");
    assertEquals(0, evaluate.exit(), evaluate.err());
    double rmse = Jobs.JSON.readTree(evaluate.out().substring(evaluate.out().indexOf('{'))).get("rmse").asDouble();
    assertTrue(rmse < 60, "the amounts spread over hundreds (sd about 190): rmse " + rmse);
  }

  /** {@link BadInputTest#train}'s arguments for a Parquet input, as a list to add to. */
  private static List<String> parquetTrain(Path table, String labelCol, String task, Path model) {
    List<String> args = new ArrayList<>(List.of(BadInputTest.train(table, labelCol, task, model)));
    args.set(args.indexOf("csv"), "parquet");
    return args;
  }
}
