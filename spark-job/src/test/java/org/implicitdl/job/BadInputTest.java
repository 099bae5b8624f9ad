package org.implicitdl.job;

import static org.junit.jupiter.api.Assertions.*;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Bad inputs through the command line: each ends with exactly one line on stderr,
 * {@code idl <command>: <what is wrong>}, naming the file, column, row or param, and the exit code
 * the README documents (1 data, 2 usage or configuration). The table of cases, with the line
 * each printed, is written to target/bad-inputs.md.
 */
class BadInputTest {
  private static Path dir;
  private static Path reg;
  private static Path cls;
  private static Path regModel;
  private static Path clsModel;
  private static Path words;
  private static Path wordModel;
  private static final List<String> TABLE = new ArrayList<>();

  /** One bad input: a name, the command line, the exit code and a piece of the one stderr line. */
  record Case(String name, int exit, String expected, String... args) {}

  @BeforeAll
  static void fixtures() throws Exception {
    dir = Files.createTempDirectory("idl-bad-inputs");
    reg = TrainJobTest.regressionCsv(dir, "reg.csv", 200, 1, false);
    cls = classes(dir.resolve("cls.csv"), 200, 3);
    regModel = dir.resolve("reg-model");
    clsModel = dir.resolve("cls-model");
    assertEquals(0, CommandLine.run(train(reg, "y", "regression", regModel)).exit());
    assertEquals(0, CommandLine.run(train(cls, "label", "classification", clsModel)).exit());
    words = WordLabelsJobTest.relabelled(cls, dir.resolve("words.csv"));
    wordModel = dir.resolve("word-model");
    assertEquals(0, CommandLine.run(train(words, "label", "classification", wordModel)).exit());
  }

  @AfterAll
  static void writeTable() throws IOException {
    Path out = Path.of("target", "bad-inputs.md");
    Files.createDirectories(out.getParent());
    List<String> lines = new ArrayList<>(List.of("| # | bad input | exit | stderr |", "|---|---|---|---|"));
    lines.addAll(TABLE);
    Files.write(out, lines);
  }

  static String[] train(Path csv, String label, String task, Path model, String... extra) {
    List<String> args = new ArrayList<>(List.of("train", "--input", csv.toString(), "--format", "csv", "--label-col", label, "--task", task,
        "--model", model.toString(), "--hidden", "4", "--epochs", "2", "--master", "local[2]", "--set", "validation-fraction=0.25",
        "--set", "trainer.batch-size=50", "--set", "linear-baseline=false"));
    args.addAll(List.of(extra));
    return args.toArray(new String[0]);
  }

  /** 60 rows whose target is written as a German spreadsheet shows money, "150.000,00", in a comma-separated file. */
  private static Path prices() throws IOException {
    List<String> lines = new ArrayList<>(List.of("x1,price"));
    for (int i = 0; i < 60; i++) {
      lines.add(i + ",\"" + String.format(java.util.Locale.GERMANY, "%,.2f", 150_000 + 1_234.5 * i) + "\"");
    }
    return Files.write(dir.resolve("prices.csv"), lines);
  }

  static Path classes(Path file, int rows, int k) throws IOException {
    Random r = new Random(4);
    List<String> lines = new ArrayList<>(List.of("x1,x2,x3,label"));
    for (int i = 0; i < rows; i++) {
      int c = i % k;
      lines.add(String.format(Locale.ROOT, "%s,%s,%s,%d", c + 0.3 * r.nextGaussian(), r.nextGaussian(), -c + 0.3 * r.nextGaussian(), c));
    }
    return Files.write(file, lines);
  }

  /** A zip archive, as an Excel workbook is. */
  private static Path zipped(Path file) throws IOException {
    try (var zip = new java.util.zip.ZipOutputStream(Files.newOutputStream(file))) {
      zip.putNextEntry(new java.util.zip.ZipEntry("xl/workbook.xml"));
      zip.write("<workbook/>".getBytes(java.nio.charset.StandardCharsets.UTF_8));
      zip.closeEntry();
    }
    return file;
  }

  /** A text column of 150 distinct values (an id) beside a feature and a label. */
  private static Path ids() throws IOException {
    List<String> lines = new ArrayList<>(List.of("who,x1,label"));
    for (int i = 0; i < 150; i++) {
      lines.add("id" + i + "," + i + "," + i % 2);
    }
    return Files.write(dir.resolve("ids.csv"), lines);
  }

  private static Path write(String name, String... lines) throws IOException {
    return Files.write(dir.resolve(name), List.of(lines));
  }

  private static Path idx(String name, int magic, int count, int bytes) throws IOException {
    Path p = dir.resolve(name);
    try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(p))) {
      out.writeInt(magic);
      out.writeInt(count);
      if (magic == 0x0803) {
        out.writeInt(4);
        out.writeInt(4);
      }
      out.write(new byte[bytes]);
    }
    return p;
  }

  private static String[] args(String... a) {
    return a;
  }

  private static String[] withMaster(String... a) {
    String[] out = Arrays.copyOf(a, a.length + 2);
    out[a.length] = "--master";
    out[a.length + 1] = "local[2]";
    return out;
  }

  private static List<Case> cases() throws Exception {
    Path m = dir.resolve("m");
    Path infinite = TrainJobTest.regressionCsv(dir, "infinite.csv", 100, 2, true);
    Path header = write("header.csv", "x1,x2,x3,y");
    Path text = write("text.csv", "x1,when,y", "1.0,2026-01-02 10:00:00,2.0", "2.0,2026-01-03 11:00:00,3.0");
    Path scored = write("scored.csv", "x1,prediction,y", "1.0,0.5,2.0", "2.0,0.7,3.0", "3.0,0.1,1.0", "4.0,0.2,0.5");
    Path oneClass = write("one.csv", "x1,label", "1.0,0", "2.0,0", "3.0,0", "4.0,0");
    Path negativeWeight = write("weights.csv", "x1,w,y", "1.0,1,2.0", "2.0,-1,3.0", "3.0,1,4.0", "4.0,1,5.0", "5.0,1,6.0", "6.0,1,7.5", "7.0,1,8.0",
        "8.0,1,9.5", "9.0,1,10.0", "10.0,1,11.5", "11.0,1,12.0", "12.0,1,13.5");
    Path huge = write("huge.csv", "x1,x2,y", "1.0,2.0,1.0", "2.0,1e40,2.0", "3.0,1.0,3.0", "4.0,2.0,4.0", "5.0,1.0,5.0");
    Path badConfig = write("bad.conf", "idl { trainer { hidden = } }");
    Path notIdx = write("bad-images-idx3-ubyte", "this is not an idx file");
    write("bad-labels-idx1-ubyte", "nor this");
    Path truncated = idx("short-images-idx3-ubyte", 0x0803, 10, 50);
    idx("short-labels-idx1-ubyte", 0x0801, 10, 10);
    Path mismatched = idx("odd-images-idx3-ubyte", 0x0803, 10, 160);
    idx("odd-labels-idx1-ubyte", 0x0801, 9, 9);
    Path parquet = dir.resolve("reg.parquet");
    org.apache.spark.sql.SparkSession spark = org.apache.spark.sql.SparkSession.builder().master("local[2]").getOrCreate();
    spark.read().option("header", "true").option("inferSchema", "true").csv(reg.toString()).write().parquet(parquet.toString());
    Path vectors = dir.resolve("vectors.parquet");
    new org.apache.spark.ml.feature.VectorAssembler().setInputCols(new String[] {"x1", "x2"}).setOutputCol("features")
        .transform(spark.read().parquet(parquet.toString())).write().parquet(vectors.toString());
    Path brokenParquet = dir.resolve("broken.parquet");
    Files.createDirectories(brokenParquet);
    try (Stream<Path> parts = Files.list(parquet)) {
      Path part = parts.filter(p -> p.toString().endsWith(".parquet")).findFirst().orElseThrow();
      Path copy = Files.copy(part, brokenParquet.resolve(part.getFileName()));
      try (RandomAccessFile f = new RandomAccessFile(copy.toFile(), "rw")) {
        f.setLength(f.length() / 2);
      }
    }
    Path libsvm = write("bad.libsvm", "1 1:0.5 2:0.25", "0 1:abc 2:0.5");
    Path missingColumn = write("missing.csv", "x1,x3", "1.0,2.0", "2.0,3.0");
    Path exists = Files.createDirectories(dir.resolve("exists"));
    Path outOfRange = write("seven.csv", "x1,x2,x3,label", "1,0,0,0", "0,1,0,7");
    Path fraction = write("fraction.csv", "x1,x2,x3,label", "1,0,0,0", "0,1,0,1.5");
    Path notModel = Files.createDirectories(dir.resolve("not-a-model"));
    Path corrupt = dir.resolve("corrupt");
    copyTree(regModel.resolve("versions").resolve(Files.readString(regModel.resolve("LATEST")).trim()).resolve("model"), corrupt);
    try (Stream<Path> parts = Files.list(corrupt.resolve("data"))) {
      for (Path p : parts.filter(p -> p.toString().endsWith(".parquet")).toList()) {
        Files.writeString(p, "garbage");
      }
    }
    Path badJson = write("bad.json", "{ \"A\": [1, 2");
    // import-model refuses ill-posed matrices, so this one is written through the Spark API
    Path illPosed = dir.resolve("ill-posed-model");
    new org.implicitdl.spark.ImplicitClassificationModel("ill", new org.implicitdl.model.ImplicitModel(
        org.implicitdl.linalg.Matrix.identity(2).scaled(1.5), org.implicitdl.linalg.Matrix.zeros(2, 4), org.implicitdl.linalg.Matrix.zeros(3, 2),
        org.implicitdl.linalg.Matrix.zeros(3, 4), org.implicitdl.solve.Activation.RELU, true)).write().save(illPosed.toString());
    String c = cls.toString();
    String r = reg.toString();
    String mm = m.toString();
    String rm = regModel.toString();
    String cm = clsModel.toString();
    return List.of(
        new Case("train: input file does not exist", 1, "input not found: " + dir.resolve("nope.csv"), train(dir.resolve("nope.csv"), "y", "regression", m)),
        new Case("train: no --input", 2, "missing --input", withMaster("train", "--model", mm)),
        new Case("train: unknown option", 2, "unknown option '--hiden'", train(reg, "y", "regression", m, "--hiden", "3")),
        new Case("train: unknown configuration key", 2, "unknown configuration key(s): trainer.hiden", train(reg, "y", "regression", m, "--set", "trainer.hiden=3")),
        new Case("train: --set without =", 2, "--set needs key=value, got 'trainer.hidden'", train(reg, "y", "regression", m, "--set", "trainer.hidden")),
        new Case("train: --hidden not a number", 2, "bad value for 'trainer.hidden': abc", train(reg, "y", "regression", m, "--hidden", "abc")),
        new Case("train: --epochs 0", 2, "--epochs must be at least 1, got 0", train(reg, "y", "regression", m, "--epochs", "0")),
        new Case("train: --hidden 0", 2, "bad value for 'trainer.hidden': parameter hiddenDim must be >= 1, got 0", train(reg, "y", "regression", m, "--hidden", "0")),
        new Case("train: --hidden 100000", 2, "parameter hiddenDim 100000 with 3 inputs needs", train(reg, "y", "regression", m, "--hidden", "100000")),
        new Case("train: kappa 1.5", 2, "bad value for 'trainer.kappa': parameter kappa must be in (0, 1), got 1.5", train(reg, "y", "regression", m, "--set", "trainer.kappa=1.5")),
        new Case("train: unknown storage level", 2, "bad value for 'trainer.block-storage-level': parameter blockStorageLevel must be a Spark "
            + "storage level that keeps data (e.g. MEMORY_AND_DISK, MEMORY_AND_DISK_SER, DISK_ONLY), got 'IN_THE_CLOUD'",
            train(reg, "y", "regression", m, "--set", "trainer.block-storage-level=IN_THE_CLOUD")),
        new Case("train: unknown input precision", 2, "bad value for 'trainer.block-input-precision': parameter blockInputPrecision must be one of "
            + "double, float, got 'float16'", train(reg, "y", "regression", m, "--set", "trainer.block-input-precision=float16")),
        new Case("train: float inputs out of float range", 1, "parameter blockInputPrecision float: feature 1 (counting from 0) of a row is 1.0E40, beyond single "
            + "precision's range (±3.4e38); use double", train(huge, "y", "regression", m, "--set", "trainer.block-input-precision=float",
            "--set", "trainer.standardization=false")),
        new Case("train: driver budget -2", 2, "bad value for 'trainer.local-training-mb': parameter localTrainingMb must be -1 (automatic) "
            + "or a finite number >= 0, got -2.0", train(reg, "y", "regression", m, "--set", "trainer.local-training-mb=-2")),
        new Case("train: negative step size", 2, "parameter stepSize must be > 0, got -0.1", train(reg, "y", "regression", m, "--set", "trainer.step-size=-0.1")),
        new Case("train: unknown solver", 2, "parameter solver must be one of bcd, gradient, bcd+gradient, gradient+bcd, got 'newton'", train(reg, "y", "regression", m, "--solver", "newton")),
        new Case("train: robust bcd with tanh", 2, "robust training with solver 'bcd' needs activation relu",
            train(reg, "y", "regression", m, "--solver", "bcd", "--set", "trainer.activation=tanh", "--set", "trainer.robust-epsilon=0.1")),
        new Case("train: unknown format", 2, "bad value for 'format': xls (expected one of csv, parquet, libsvm, idx, delta)", withMaster("train", "--input", r, "--format", "xls", "--model", mm)),
        new Case("train: unknown task", 2, "bad value for 'task': ranking", train(reg, "y", "ranking", m)),
        new Case("train: validation fraction 1.5", 2, "validation-fraction must lie in (0, 1), got 1.5", train(reg, "y", "regression", m, "--set", "validation-fraction=1.5")),
        new Case("train: config file not found", 2, "config file not found: " + dir.resolve("none.conf"), train(reg, "y", "regression", m, "--config", dir.resolve("none.conf").toString())),
        new Case("train: config file with a syntax error", 2, "bad config file " + badConfig, train(reg, "y", "regression", m, "--config", badConfig.toString())),
        new Case("train: label column missing", 1, "label column 'target' not found", train(reg, "target", "regression", m)),
        new Case("train: an empty file", 1, "empty.csv: nothing to read (an empty file, or a directory without data files)",
            train(write("empty.csv"), "y", "regression", m)),
        new Case("train: an empty directory", 1, "nothing to read (an empty file, or a directory without data files)",
            train(Files.createDirectories(dir.resolve("no-files")), "y", "regression", m)),
        new Case("train: an Excel workbook read as CSV", 1, "book.xlsx: not a CSV file: it is a zip archive (an Excel workbook is one): save the sheet as CSV",
            train(zipped(dir.resolve("book.xlsx")), "y", "regression", m)),
        new Case("train: lines with more or fewer fields than the header", 1, "ragged.csv: 2 line(s) have another number of fields than the header's 3, "
            + "e.g. '3.0,4.0': a wrong separator, or one inside an unquoted value?",
            train(write("ragged.csv", "a,b,y", "1.0,2.0,0", "3.0,4.0", "5.0,6.0,1,9", "\"7,5\",8.0,1", "2.0,2.0,0"), "y", "classification", m)),
        new Case("train: a CSV file without a header line", 1, "headerless.csv: label column 'species' not found; columns are [5.1, 3.5, 1.4, 0.2, setosa] — "
            + "the first line looks like data, not a header: add a first line naming the columns",
            train(write("headerless.csv", "5.1,3.5,1.4,0.2,setosa", "4.9,3.0,1.3,0.2,setosa", "6.3,3.3,6.0,2.5,virginica"), "species", "classification", m)),
        new Case("train: a timestamp column", 1, "column 'when' is not numeric (timestamp); every column but the label 'y' must be a numeric, boolean or text feature", train(text, "y", "regression", m)),
        new Case("train: an infinite feature", 1, "infinite.csv: column 'x2' is infinite in 1 row(s); replace or drop those rows, or leave the column out with --ignore-cols x2", train(infinite, "y", "regression", m)),
        new Case("train: header-only CSV", 1, header + ": no data rows", train(header, "y", "regression", m)),
        new Case("train: one class only", 1, "one.csv: label column 'label' has 1 class ('0'); a classifier needs at least 2", train(oneClass, "label", "classification", m)),
        new Case("train: too few rows to hold any out", 1, "three.csv: holding out validation-fraction 0.01 of its rows left none to validate on (too few rows); "
            + "pass a --validation file or a larger fraction", train(write("three.csv", "x1,y", "1.0,2.0", "2.0,3.0", "3.0,5.0"), "y", "regression", m,
            "--set", "validation-fraction=0.01")),
        new Case("train: negative sample weight", 1, "column 'w' has weight -1.0, expected a finite value >= 0", train(negativeWeight, "y", "regression", m, "--set", "weight-col=w")),
        new Case("train: sample-weight column missing", 1, "reg.csv: weight column 'wt' not found; columns are [x1, x2, x3, y]", train(reg, "y", "regression", m, "--set", "weight-col=wt")),
        new Case("train: not an IDX file", 1, "not an IDX image file", withMaster("train", "--input", notIdx.toString(), "--format", "idx", "--model", mm)),
        new Case("train: truncated IDX file", 1, "truncated IDX file, expected 160 data bytes", withMaster("train", "--input", truncated.toString(), "--format", "idx", "--model", mm)),
        new Case("train: IDX images and labels disagree", 1, "has 10 images but", withMaster("train", "--input", mismatched.toString(), "--format", "idx", "--model", mm)),
        new Case("train: JSON records read as CSV", 1, "records.json: not a CSV file: it holds JSON records, not a header line; the formats read are csv, parquet",
            train(write("records.json", "{\"x1\": 1.0, \"label\": 0}", "{\"x1\": 2.0, \"label\": 1}"), "label", "classification", m)),
        new Case("train: LIBSVM lines read as CSV", 1, "pairs.txt: not a CSV file: it holds LIBSVM lines (a label, then index:value pairs), not a header line (pass --format libsvm)",
            train(write("pairs.txt", "+1 1:0.5 3:1.25", "-1 2:0.75"), "label", "classification", m)),
        new Case("train: Parquet read as CSV", 1, "reg.parquet: not a CSV file: it is a Parquet file (pass --format parquet)",
            train(dir.resolve("reg.parquet"), "y", "regression", m)),
        new Case("train: CSV read as Parquet", 1, "reg.csv: not a Parquet file (its footer cannot be read)", withMaster("train", "--input", r, "--format", "parquet", "--label-col", "y", "--model", mm, "--task", "regression")),
        new Case("train: truncated Parquet file", 1, ".snappy.parquet: not a Parquet file (its footer cannot be read)", withMaster("train", "--input", brokenParquet.toString(), "--format", "parquet", "--label-col", "y", "--model", mm, "--task", "regression")),
        new Case("train: bad LibSVM line", 1, "bad.libsvm: not a LibSVM file:", withMaster("train", "--input", libsvm.toString(), "--format", "libsvm", "--model", mm)),
        new Case("predict: no --output", 2, "missing --output", withMaster("predict", "--model", rm, "--input", r)),
        new Case("predict: no model there", 1, "no model at " + dir.resolve("none"), withMaster("predict", "--model", dir.resolve("none").toString(), "--input", r, "--output", dir.resolve("p1").toString())),
        new Case("predict: a feature column missing", 1, "missing.csv: column 'x2' is missing; the model was trained on the columns x1, x2, x3", withMaster("predict", "--model", rm, "--input", missingColumn.toString(), "--output", dir.resolve("p2").toString())),
        new Case("predict: output exists", 2, "output " + exists + " exists; pass --mode overwrite", withMaster("predict", "--model", rm, "--input", r, "--output", exists.toString())),
        new Case("predict: unknown --mode", 2, "bad value for --mode: replace (expected error, overwrite or append)", withMaster("predict", "--model", rm, "--input", r, "--output", dir.resolve("p3").toString(), "--mode", "replace")),
        new Case("predict: header-only CSV", 1, header + ": no data rows", withMaster("predict", "--model", rm, "--input", header.toString(), "--output", dir.resolve("p4").toString())),
        new Case("predict: vectors of the wrong length", 1, "column 'features' has a vector of length 2, expected 3", withMaster("predict", "--model", rm, "--input", vectors.toString(), "--format", "parquet", "--features-col", "features", "--output", dir.resolve("p5").toString())),
        new Case("evaluate: a class the model does not know", 1, "column 'label' has the class 7, the model knows classes 0 to 2", withMaster("evaluate", "--model", cm, "--input", outOfRange.toString())),
        new Case("evaluate: a fractional class label", 1, "column 'label' has the label 1.5, expected class indices 0 to 2", withMaster("evaluate", "--model", cm, "--input", fraction.toString())),
        new Case("evaluate: label column missing", 1, "label column 'target' not found", withMaster("evaluate", "--model", rm, "--input", r, "--label-col", "target")),
        new Case("generate: unknown kind", 2, "bad value for 'kind': mnist (expected one of section72, lenet5)",
            args("generate", "--kind", "mnist", "--output", dir.resolve("gen").toString())),
        new Case("generate: no output folder", 2, "missing --output (config key 'output')", args("generate", "--kind", "lenet5")),
        new Case("generate: rows not a number", 2, "bad value for --rows: many (expected a whole number >= 1)",
            args("generate", "--kind", "section72", "--rows", "many", "--output", dir.resolve("gen").toString())),
        new Case("bench: trials 0", 2, "bad value for --trials: 0 (expected a whole number >= 1)", args("bench", "--suite", "paper71", "--trials", "0")),
        new Case("inspect: not a model directory", 1, "no model at " + notModel, withMaster("inspect", "--model", notModel.toString())),
        new Case("inspect: corrupt model data", 1, "cannot read model data at " + corrupt, withMaster("inspect", "--model", corrupt.toString())),
        new Case("import-model: malformed JSON", 1, "bad.json: model JSON is malformed", withMaster("import-model", "--json", badJson.toString(), "--model", dir.resolve("imp").toString())),
        new Case("train: robust weight out of range", 2, "parameter robustWeight must be in [0, 1], got 1.5", train(cls, "label", "classification", m, "--set", "trainer.robust-epsilon=0.1", "--set", "trainer.robust-weight=1.5")),
        new Case("train: negative robust epsilon", 2, "parameter robustEpsilon must be a finite number >= 0, got -0.1", train(cls, "label", "classification", m, "--set", "trainer.robust-epsilon=-0.1")),
        new Case("certify: no --epsilon", 2, "missing --epsilon", withMaster("certify", "--model", cm, "--input", c, "--output", dir.resolve("c1").toString())),
        new Case("certify: negative epsilon", 2, "bad value for --epsilon: -0.1 (expected a finite number > 0)", withMaster("certify", "--model", cm, "--input", c, "--epsilon", "-0.1", "--output", dir.resolve("c2").toString())),
        new Case("certify: epsilon NaN", 2, "bad value for --epsilon: NaN (expected a finite number > 0)", withMaster("certify", "--model", cm, "--input", c, "--epsilon", "NaN", "--output", dir.resolve("c3").toString())),
        new Case("certify: an ill-posed model", 1, "ill-posed-model is ill-posed: Certificate[NONE", withMaster("certify", "--model", illPosed.toString(), "--input", c, "--epsilon", "0.1", "--output", dir.resolve("c4").toString())),
        new Case("attack: a regression model", 2, "idl attack needs a classification model", withMaster("attack", "--model", rm, "--input", r, "--label-col", "y", "--epsilon", "0.1")),
        new Case("attack: --steps 0", 2, "bad value for --steps: 0 (expected a whole number >= 1)", withMaster("attack", "--model", cm, "--input", c, "--epsilon", "0.1", "--steps", "0")),
        new Case("prune: an ill-posed model", 1, "ill-posed-model is ill-posed: Certificate[NONE", withMaster("prune", "--model", illPosed.toString(), "--output", dir.resolve("pr1").toString())),
        new Case("prune: no --output", 2, "missing --output", withMaster("prune", "--model", cm)),
        new Case("compress: --max-states 0", 2, "bad value for --max-states: 0 (expected a whole number >= 1)", withMaster("compress", "--model", cm, "--input", c, "--max-states", "0", "--output", dir.resolve("k0").toString())),
        new Case("compress: neither K nor a tolerance", 2, "give exactly one of --max-states K and --tolerance T", withMaster("compress", "--model", cm, "--input", c, "--output", dir.resolve("k1").toString())),
        new Case("compress: more states than the model has", 2, "bad value for --max-states: 500 (the model has", withMaster("compress", "--model", cm, "--input", c, "--max-states", "500", "--output", dir.resolve("k2").toString())),
        new Case("compress: --rank not below the states kept", 2, "bad value for --rank: 1 (must be below the 1 states kept)", withMaster("compress", "--model", cm, "--input", c, "--max-states", "1", "--rank", "1", "--output", dir.resolve("k3").toString())),
        new Case("compress: negative --rank", 2, "bad value for --rank: -1 (expected a whole number >= 0)", withMaster("compress", "--model", cm, "--input", c, "--max-states", "2", "--rank", "-1", "--output", dir.resolve("k4").toString())),
        new Case("train: rank not below the states", 2, "parameter rank must be below hiddenDim", train(cls, "label", "classification", m, "--rank", "4")),
        new Case("train: --select-features 0", 2, "bad value for 'trainer.select-features': parameter selectFeatures must be none, auto or a whole number >= 1, got '0'", train(cls, "label", "classification", m, "--select-features", "0")),
        new Case("train: negative --select-features", 2, "bad value for 'trainer.select-features': parameter selectFeatures must be none, auto or a whole number >= 1, got '-3'", train(cls, "label", "classification", m, "--select-features", "-3")),
        new Case("train: unknown --select-features word", 2, "bad value for 'trainer.select-features': parameter selectFeatures must be none, auto or a whole number >= 1, got 'all'", train(cls, "label", "classification", m, "--select-features", "all")),
        new Case("train: --select-features above the inputs", 2, "parameter selectFeatures 9 is more than the 3 input features", train(cls, "label", "classification", m, "--select-features", "9")),
        new Case("train: --select-features with bcd", 2, "parameter selectFeatures auto needs solver gradient", train(cls, "label", "classification", m, "--select-features", "auto", "--solver", "bcd")),
        new Case("train: a column named like a model output", 1, "scored.csv: column 'prediction' has the name of a model output column", train(scored, "y", "regression", m)),
        new Case("evaluate: a class word the model does not know", 1, "emu.csv: label column 'label' has the class 'emu', which the model does not know (its classes: ant, bee, cat)",
            withMaster("evaluate", "--model", wordModel.toString(), "--input", write("emu.csv", "x1,x2,x3,label", "0.1,0.2,0.3,ant", "1.1,0.2,-0.9,emu").toString(), "--format", "csv", "--label-col", "label")),
        new Case("evaluate: class words for a model trained on indices", 1, "words.csv: label column 'label' holds text, but this model was trained on class indices 0 to 2",
            withMaster("evaluate", "--model", clsModel.toString(), "--input", words.toString(), "--format", "csv", "--label-col", "label")),
        new Case("train: a regression on words", 1, "words.csv: label column 'label' holds text (e.g. 'cat'); a regression needs a numeric label", train(words, "label", "regression", m)),
        new Case("train: a class word missing in one row", 1, "gap.csv: label column 'label' is empty in 1 row(s)",
            train(write("gap.csv", "x1,label", "1.0,ant", "2.0,", "3.0,bee", "4.0,ant"), "label", "classification", m)),
        new Case("train: one class word", 1, "ants.csv: label column 'label' has 1 class ('ant'); a classifier needs at least 2",
            train(write("ants.csv", "x1,label", "1.0,ant", "2.0,ant", "3.0,ant", "4.0,ant"), "label", "classification", m)),
        new Case("train: a validation file with a class the training data lacks", 1, "valid-emu.csv: label column 'label' has the class 'emu', which the training data does not know (its classes: ant, bee, cat)",
            train(words, "label", "classification", m, "--validation", write("valid-emu.csv", "x1,x2,x3,label", "0.1,0.2,0.3,emu", "1.1,0.2,-0.9,ant").toString())),
        new Case("train: a fraction as a class label", 1, "not a class (class labels are whole numbers or words); for a numeric target pass --task regression", train(reg, "y", "classification", m)),
        new Case("train: a class label of a million", 1, "big.csv: label column 'label' has the class 1000000, more than the 1000 classes a classifier takes",
            train(write("big.csv", "x1,label", "1.0,0", "2.0,1000000", "3.0,1", "4.0,0"), "label", "classification", m)),
        new Case("train: text of too many values to be a category", 1, "ids.csv: column 'who' holds text of more than 100 distinct values (names, ids or free text?), not categories; leave it out with --ignore-cols who",
            train(ids(), "label", "classification", m)),
        new Case("train: a numeric column with a word in it", 1, "unknown.csv: column 'age' is text but mostly numbers ('unknown' is not one)",
            train(write("unknown.csv", "age,label", "31,0", "unknown,1", "45,1", "28,0"), "label", "classification", m)),
        new Case("train: --ignore-cols names no column", 2, "--ignore-cols: column 'nope' not found in", train(cls, "label", "classification", m, "--ignore-cols", "nope")),
        new Case("predict: text where the model took a number", 1, "column 'x1' is not numeric (string); the model takes it as a number",
            withMaster("predict", "--model", clsModel.toString(), "--input", write("x1-text.csv", "x1,x2,x3", "a,1,2", "b,2,3").toString(), "--format", "csv", "--output", dir.resolve("p-text").toString())),
        new Case("train: a label column empty in every row", 1, "no-labels.csv: label column 'y' is empty in 3 row(s)",
            train(write("no-labels.csv", "x1,y", "1.0,", "2.0,", "3.0,"), "y", "auto", m)),
        new Case("train: a class number missing in one row, the task read off the label", 1, "gap-class.csv: label column 'label' is empty in 1 row(s)",
            train(write("gap-class.csv", "x1,label", "1.0,0", "2.0,", "3.0,1", "4.0,0"), "label", "auto", m)),
        new Case("train: an empty regression label", 1, "gap-y.csv: label column 'y' is empty in 1 row(s)",
            train(write("gap-y.csv", "x1,y", "1.0,2.0", "2.0,", "3.0,4.0", "4.0,5.0"), "y", "regression", m)),
        new Case("train: NA in a numeric target (read as numbers with a gap, not as classes)", 1,
            "na-y.csv: label column 'y' is empty in 1 row(s) (empty, NA or NaN)",
            train(write("na-y.csv", "x1,y", "1.0,2.5", "2.0,NA", "3.0,4.25", "4.0,5.5"), "y", "auto", m)),
        new Case("train: NaN in a numeric target", 1, "nan-y.csv: label column 'y' is empty in 1 row(s) (empty, NA or NaN)",
            train(write("nan-y.csv", "x1,y", "1.0,2.5", "2.0,NaN", "3.0,4.25", "4.0,5.5"), "y", "regression", m)),
        new Case("train: a numeric target written with another locale's separators (text, a value per row)", 1,
            "prices.csv: label column 'price' holds 60 distinct words, 60 of them in one row only (e.g. '",
            train(prices(), "price", "auto", m)),
        new Case("unknown command", 2, "unknown command 'trian'", args("trian", "--input", r)));
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> all = Files.walk(from)) {
      for (Path p : all.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }

  /**
   * A separate JVM with the jobs' own logging (conf/log4j2.properties, as bin/idl runs them): a
   * data error raised inside an executor leaves exactly one line on the console; Spark's task
   * failure and the stack trace are in the run's log file.
   */
  @Test
  void theConsoleShowsOneLineAndTheLogFileTheDetails() throws Exception {
    Path nan = TrainJobTest.regressionCsv(dir, "infinite-process.csv", 100, 5, true);
    Path logFile = dir.resolve("run.log");
    List<String> cmd = TrainJobTest.javaCommand(List.of("-Dlog4j2.configurationFile=" + Path.of("..", "conf", "log4j2.properties").toAbsolutePath(),
        "-Didl.log.file=" + logFile), train(nan, "y", "regression", dir.resolve("process-model")));
    Process p = new ProcessBuilder(cmd).redirectOutput(dir.resolve("stdout.txt").toFile()).redirectError(dir.resolve("stderr.txt").toFile())
        .start();
    assertTrue(p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS), "the job did not end");
    assertEquals(1, p.exitValue());
    List<String> stderr = Files.readAllLines(dir.resolve("stderr.txt")).stream().filter(l -> !l.isBlank())
        .filter(l -> !l.matches("\\d\\d:\\d\\d:\\d\\d INFO .*")).toList();
    assertEquals(List.of("idl train: " + nan + ": column 'x2' is infinite in 1 row(s); replace or drop those rows, or leave the column out with --ignore-cols x2"), stderr,
        "the console: ImplicitDL's INFO progress lines and one error line, nothing of Spark's");
    String log = Files.readString(logFile);
    assertTrue(log.contains("idl train failed") && log.contains("at org.implicitdl"), "the failure's trace is in the log file");
  }

  @TestFactory
  Stream<DynamicTest> eachBadInputIsOneLineWithItsExitCode() throws Exception {
    List<Case> cases = cases();
    assertTrue(cases.size() >= 40, "at least 40 bad inputs, got " + cases.size());
    Stream<DynamicTest> each = cases.stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> {
      CommandLine run = CommandLine.run(c.args());
      List<String> lines = run.err().strip().lines().toList();
      String command = c.args()[0];
      TABLE.add("| " + (TABLE.size() + 1) + " | " + c.name() + " | " + run.exit() + " | `" + (lines.isEmpty() ? "" : lines.get(0)).replace("|", "\\|") + "` |");
      assertEquals(1, lines.size(), "exactly one stderr line: " + run.err());
      assertTrue(lines.get(0).startsWith(command.equals("trian") ? "idl: " : "idl " + command + ": "), lines.get(0));
      assertTrue(lines.get(0).contains(c.expected()), "expected '" + c.expected() + "' in: " + lines.get(0));
      assertEquals(c.exit(), run.exit(), lines.get(0));
    }));
    // every case that names a model directory names this one, and each fails: none leaves anything there, not even empty folders
    return Stream.concat(each, Stream.of(DynamicTest.dynamicTest("no failed train leaves a model directory",
        () -> assertFalse(Files.exists(dir.resolve("m")), "left behind: " + dir.resolve("m")))));
  }
}
