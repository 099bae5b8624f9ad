package org.implicitdl.job;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.attribute.Attribute;
import org.apache.spark.ml.attribute.AttributeGroup;
import org.apache.spark.ml.attribute.NumericAttribute;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.SerializableConfiguration;
import org.implicitdl.data.IdxReader;
import org.implicitdl.linalg.Matrix;

/**
 * Loads a job's data from any Hadoop file-system path as a DataFrame with a "features" vector
 * column and the label column: CSV (header; every column but the label is a feature, or a named
 * vector column in Parquet), Parquet, LibSVM, IDX (MNIST-style images + labels files).
 */
final class DataSources {
  static final String FEATURES = "features";
  /** Columns a model's transform adds: a training or evaluation input cannot have them among its features. */
  private static final Set<String> MODEL_OUTPUTS = Set.of("prediction", "probability", "rawPrediction");
  /** The input formats the jobs read. */
  static final String[] FORMATS = {"csv", "parquet", "libsvm", "idx", "delta"};

  private DataSources() {}

  /**
   * A loaded data set: the frame, the names of its feature columns (for messages and reports),
   * and for a Delta table the version read (-1 for files).
   */
  record Loaded(Dataset<Row> frame, String labelCol, List<String> featureNames, long tableVersion) {
    Loaded(Dataset<Row> frame, String labelCol, List<String> featureNames) {
      this(frame, labelCol, featureNames, -1);
    }
  }

  /** Which version of a Delta table to read: a version, a timestamp, or (both empty) the newest. */
  record TableAt(String version, String timestamp) {
    static final TableAt NEWEST = new TableAt("", "");

    static TableAt of(JobConfig cfg) {
      return new TableAt(cfg.string("table-version"), cfg.string("table-timestamp"));
    }
  }

  static Loaded load(SparkSession spark, String path, String format, String labelCol, String labelsPath, String featuresCol,
      boolean requireLabel) throws IOException {
    return load(spark, path, format, labelCol, labelsPath, featuresCol, "", requireLabel);
  }

  /** As above; {@code weightCol} (may be empty) is kept out of the features. */
  static Loaded load(SparkSession spark, String path, String format, String labelCol, String labelsPath, String featuresCol,
      String weightCol, boolean requireLabel) throws IOException {
    return load(spark, path, format, labelCol, labelsPath, featuresCol, weightCol, requireLabel, List.of());
  }

  /**
   * As above; with {@code expected} feature names (a model trained on named columns), the
   * features are exactly those columns, found by name and in the model's order — other columns
   * are carried along, a missing one is an error naming it.
   */
  static Loaded load(SparkSession spark, String path, String format, String labelCol, String labelsPath, String featuresCol,
      String weightCol, boolean requireLabel, List<String> expected) throws IOException {
    return load(spark, path, format, labelCol, labelsPath, featuresCol, weightCol, requireLabel, expected, TableAt.NEWEST);
  }

  /** As above; a Delta table is read at {@code at} (time travel). */
  static Loaded load(SparkSession spark, String path, String format, String labelCol, String labelsPath, String featuresCol,
      String weightCol, boolean requireLabel, List<String> expected, TableAt at) throws IOException {
    return load(spark, path, format, labelCol, labelsPath, featuresCol, weightCol, requireLabel, expected, at, List.of());
  }

  /** As above; the {@code ignored} columns are not features (training: {@code --ignore-cols}). */
  static Loaded load(SparkSession spark, String path, String format, String labelCol, String labelsPath, String featuresCol,
      String weightCol, boolean requireLabel, List<String> expected, TableAt at, List<String> ignored) throws IOException {
    if (format.equals("delta")) {
      DeltaTables.Snapshot table = DeltaTables.read(spark, path, at.version(), at.timestamp());
      Loaded loaded = columns(table.frame(), path + "@v" + table.version(), labelCol, featuresCol, weightCol, requireLabel, expected, ignored);
      return new Loaded(loaded.frame(), loaded.labelCol(), loaded.featureNames(), table.version());
    }
    if (!at.version().isEmpty() || !at.timestamp().isEmpty()) {
      throw new Idl.UsageException("--version and --timestamp read a Delta table (--format delta), not " + format);
    }
    requireExists(spark, path);
    if (DeltaTables.isDeltaTable(spark, path)) {
      // read as plain files, a Delta table's directory holds every version's files: rows it has deleted or replaced too
      throw new IllegalArgumentException(path + ": a Delta table, read here as " + format + " files (which would include rows the table "
          + "has deleted or replaced); pass --format delta");
    }
    return switch (format) {
      case "csv" -> csv(CsvFiles.read(spark, path), path, labelCol, featuresCol, weightCol, requireLabel, expected, ignored);
      case "parquet" -> columns(spark.read().parquet(path), path, labelCol, featuresCol, weightCol, requireLabel, expected, ignored);
      case "libsvm" -> libsvm(spark, path);
      case "idx" -> idx(spark, path, labelsPath);
      default -> throw new Idl.UsageException("unknown format '" + format + "' (expected csv, parquet, libsvm, idx or delta)");
    };
  }

  /**
   * The vector column that holds the features when none is named (--features-col): data a Spark ML pipeline prepared
   * (a VectorAssembler's output written to Parquet or Delta) has one, beside a label and perhaps ids; the other
   * columns are carried along. Empty when there is none, or when the model's named input columns are there; two or
   * more are an error naming them.
   */
  private static String soleVectorColumn(Dataset<Row> df, String path, String labelCol, List<String> ignored, List<String> expected) {
    List<String> vectors = new ArrayList<>();
    for (StructField f : df.schema().fields()) {
      if (f.dataType().equals(SQLDataTypes.VectorType()) && !f.name().equals(labelCol) && !ignored.contains(f.name())) {
        vectors.add(f.name());
      }
    }
    List<String> names = Arrays.asList(df.columns());
    if (vectors.isEmpty() || expected.stream().anyMatch(names::contains)) {
      return "";
    }
    if (vectors.size() > 1) {
      throw new IllegalArgumentException(path + ": columns " + vectors + " are vectors; name the one that holds the features with --features-col");
    }
    if (expected.isEmpty()) {
      System.out.println(path + ": the vector column '" + vectors.get(0) + "' holds the features (as with --features-col " + vectors.get(0)
          + "); the other columns are carried along");
    }
    return vectors.get(0);
  }

  /** Whether most column names are numbers: a CSV file without a header line, whose first row was read as one. */
  static boolean headerIsData(List<String> names) {
    long numbers = names.stream().filter(n -> {
      try {
        Double.parseDouble(n.strip());
        return true;
      } catch (NumberFormatException e) {
        return false;
      }
    }).count();
    return numbers > 0 && 2 * numbers >= names.size();
  }

  /** Feature columns from this many on make a query plan whose analysis and task binaries cost seconds per Spark job. */
  static final int WIDE_COLUMNS = 500;

  /**
   * Training data of at least {@value #WIDE_COLUMNS} feature columns, assembled once and written to the Spark
   * checkpoint directory (reliable: a lost executor costs a re-read, not the run) with its lineage cut: the split, the label checks, the fit, the evaluation and the linear baseline each run a
   * job over it, and each would otherwise parse the source and assemble thousands of columns again, with a query
   * plan of thousands of expressions to analyze and ship. Narrower data is read as it is.
   */
  static Loaded materializedIfWide(Loaded data) {
    if (data.featureNames().size() < WIDE_COLUMNS) {
      return data;
    }
    return new Loaded(data.frame().checkpoint(true), data.labelCol(), data.featureNames(), data.tableVersion());
  }

  /** A CSV file's columns; training (no {@code expected} names) leaves a row index out of the features ({@link CsvFiles#rowIndex}). */
  private static Loaded csv(Dataset<Row> df, String path, String labelCol, String featuresCol, String weightCol, boolean requireLabel,
      List<String> expected, List<String> ignored) {
    String index = expected.isEmpty() && featuresCol.isEmpty() && !ignored.contains("_c0") ? CsvFiles.rowIndex(df, path) : null;
    List<String> notFeatures = index == null ? ignored : Stream.concat(ignored.stream(), Stream.of(index)).toList();
    return columns(df, path, labelCol, featuresCol, weightCol, requireLabel, expected, notFeatures);
  }

  /** LibSVM, parsed once here so that a malformed line is reported with the file's name. */
  private static Loaded libsvm(SparkSession spark, String path) {
    try {
      Dataset<Row> df = spark.read().format("libsvm").load(path);
      df.javaRDD().count();
      return new Loaded(df, "label", List.of());
    } catch (Exception e) {
      throw new IllegalArgumentException(path + ": not a LibSVM file: " + Failures.of(e).message(), e);
    }
  }

  private static Loaded columns(Dataset<Row> source, String path, String labelCol, String featuresCol, String weightCol, boolean requireLabel,
      List<String> expected, List<String> ignored) {
    // Spark ML reads a dot in a column name as a struct field: a label or weight column named so (R's "Sepal.Length") is renamed
    Dataset<Row> df = source.withColumnRenamed(labelCol, plain(labelCol));
    labelCol = plain(labelCol);
    if (!weightCol.isEmpty()) {
      df = df.withColumnRenamed(weightCol, plain(weightCol));
      weightCol = plain(weightCol);
    }
    List<String> names = Arrays.asList(df.columns());
    if (df.isEmpty()) {
      throw new IllegalArgumentException(path + ": no data rows (columns " + names + ")");
    }
    if (!weightCol.isEmpty() && !names.contains(weightCol)) {
      throw new IllegalArgumentException(path + ": weight column '" + weightCol + "' not found; columns are " + names);
    }
    boolean hasLabel = names.contains(labelCol);
    if (requireLabel && !hasLabel) {
      throw new IllegalArgumentException(path + ": label column '" + labelCol + "' not found; columns are " + names + (headerIsData(names)
          ? " — the first line looks like data, not a header: add a first line naming the columns" : ""));
    }
    if (requireLabel && df.schema().apply(labelCol).dataType() instanceof StringType
        && !MissingValues.numbersWithGaps(df, List.of(labelCol)).isEmpty()) {
      // a numeric target with NA cells is numbers with gaps, not words: the label checks then name the rows without a label
      df = MissingValues.asNumbers(df, labelCol);
    }
    if (featuresCol.isEmpty()) {
      featuresCol = soleVectorColumn(df, path, labelCol, ignored, expected);
    }
    if (!featuresCol.isEmpty()) {
      if (!names.contains(featuresCol)) {
        throw new IllegalArgumentException(path + ": features column '" + featuresCol + "' not found; columns are " + names);
      }
      Dataset<Row> out = featuresCol.equals(FEATURES) ? df : df.withColumn(FEATURES, df.col(featuresCol));
      return new Loaded(out, labelCol, List.of(featuresCol));
    }
    List<String> features = new ArrayList<>();
    for (String name : ignored) {
      if (!names.contains(name)) {
        throw new Idl.UsageException("--ignore-cols: column '" + name + "' not found in " + path + "; columns are " + names);
      }
    }
    for (String name : expected) {
      if (!names.contains(name) && derivedInput(df, name) == null) {
        throw new IllegalArgumentException(path + ": column '" + name + "' is missing; the model was trained on the columns "
            + String.join(", ", expected));
      }
    }
    List<String> candidates = new ArrayList<>();
    for (StructField f : df.schema().fields()) {
      if (f.dataType() instanceof StringType && !f.name().equals(labelCol) && !f.name().equals(weightCol)
          && !ignored.contains(f.name()) && (expected.isEmpty() || expected.contains(f.name()))) {
        candidates.add(f.name());
      }
    }
    for (String column : MissingValues.numbersWithGaps(df, candidates)) {
      df = MissingValues.asNumbers(df, column);
    }
    List<String> text = new ArrayList<>();
    for (StructField f : df.schema().fields()) {
      if (f.name().equals(labelCol) || f.name().equals(weightCol) || ignored.contains(f.name())) {
        continue;
      }
      if (!expected.isEmpty()) {
        if (expected.contains(f.name()) && !isNumber(f)) {
          throw new IllegalArgumentException(path + ": column '" + f.name() + "' is not numeric (" + f.dataType().simpleString()
              + "); the model takes it as a number");
        }
        continue;
      }
      if (requireLabel && MODEL_OUTPUTS.contains(f.name())) {
        throw new IllegalArgumentException(path + ": column '" + f.name() + "' has the name of a model output column; drop or rename it "
            + "(predictions of an earlier model are not features)");
      }
      if (f.dataType() instanceof StringType) {
        text.add(f.name());
      } else if (!isNumber(f)) {
        throw new IllegalArgumentException(path + ": column '" + f.name() + "' is not numeric (" + f.dataType().simpleString()
            + "); every column but the label '" + labelCol + "' must be a numeric, boolean or text feature (or left out with --ignore-cols)");
      }
      features.add(f.name());
    }
    // training (with a model's names, features and text are empty here): text columns become their values'
    // indicators, a number column with gaps gains its missing-value indicator
    Map<String, Long> missing = MissingValues.counts(df, features.stream().filter(n -> !text.contains(n)).toList());
    missing.forEach((name, rows) -> System.out.println("column '" + name + "' has no number in " + rows + " row(s) (empty, NA or NaN): "
        + "the model reads the column's mean over the training rows there, and the input '" + MissingValues.indicatorName(name) + "' marks them"));
    Map<String, List<String>> indicators = text.isEmpty() ? Map.of() : TextFeatures.indicators(df, text, path);
    List<String> expanded = new ArrayList<>();
    for (String name : features) {
      expanded.addAll(indicators.getOrDefault(name, List.of(name)));
      if (missing.containsKey(name)) {
        expanded.add(MissingValues.indicatorName(name));
      }
    }
    features = expanded;
    if (!expected.isEmpty()) {
      features = new ArrayList<>(expected);
    }
    if (features.isEmpty()) {
      throw new IllegalArgumentException(path + ": no feature columns besides the label '" + labelCol + "'");
    }
    return new Loaded(assembled(df, features), labelCol, features);
  }

  /**
   * The frame with the features column assembled from {@code features}, whose names are kept in its ML attributes as
   * they are: a name with a dot (which VectorAssembler would read as a struct field), a text column's indicator
   * ({@link TextFeatures}), a missing-value indicator and the column it fills ({@link MissingValues}) are assembled
   * through a temporary column.
   */
  private static Dataset<Row> assembled(Dataset<Row> df, List<String> features) {
    String[] inputs = new String[features.size()];
    Map<String, Column> staged = new LinkedHashMap<>();
    List<String> staging = new ArrayList<>();
    List<String> present = Arrays.asList(df.columns());
    for (int k = 0; k < inputs.length; k++) {
      String name = features.get(k);
      boolean derived = !present.contains(name);
      boolean filled = !derived && features.contains(MissingValues.indicatorName(name));
      if (derived || filled || !plain(name).equals(name)) {
        Column source = filled ? MissingValues.filled(name) : derived ? derivedInput(df, name) : column(name);
        inputs[k] = "__idl_input_" + k;
        staging.add(inputs[k]);
        staged.put(inputs[k], source);
      } else {
        inputs[k] = name;
      }
    }
    // one projection for every staged input: withColumn in a loop nests a projection per column, and a plan thousands deep
    Dataset<Row> out = new VectorAssembler().setInputCols(inputs).setOutputCol(FEATURES).setHandleInvalid("keep")
        .transform(staged.isEmpty() ? df : df.withColumns(staged));
    if (staging.isEmpty()) {
      return out;
    }
    Attribute[] named = new Attribute[inputs.length];
    for (int k = 0; k < named.length; k++) {
      named[k] = NumericAttribute.defaultAttr().withName(features.get(k)).withIndex(k);
    }
    return out.drop(staging.toArray(new String[0]))
        .withMetadata(FEATURES, new AttributeGroup(FEATURES, named).toMetadata());
  }

  /** The input {@code name} stands for when {@code df} has no such column: a text value's or a gap's indicator, or null. */
  private static Column derivedInput(Dataset<Row> df, String name) {
    Column text = TextFeatures.indicator(df, name);
    return text != null ? text : MissingValues.indicator(df, name);
  }

  /** Whether a column is a number as VectorAssembler takes it (numeric or boolean). */
  private static boolean isNumber(StructField f) {
    return f.dataType() instanceof NumericType || f.dataType() instanceof BooleanType;
  }

  /** A column by its exact name, a dot or a backtick in it taken as part of the name. */
  static Column column(String name) {
    return org.apache.spark.sql.functions.col("`" + name.replace("`", "``") + "`");
  }

  /** A name Spark ML can take as it is: dots become underscores. */
  static String plain(String name) {
    return name.replace('.', '_').replace('`', '_');
  }

  /**
   * IDX images and labels. The driver checks both files end to end and reads the labels; each
   * partition then reads its own range of images from the file on the executor, so the frame is
   * recomputable from the files after an executor is lost and no task carries the images.
   */
  private static Loaded idx(SparkSession spark, String imagesPath, String labelsPath) throws IOException {
    String labels = labelsPath.isEmpty() ? imagesPath.replace("images-idx3", "labels-idx1") : labelsPath;
    if (labels.equals(imagesPath)) {
      throw new Idl.UsageException("cannot derive the IDX labels file from " + imagesPath + "; pass --labels");
    }
    requireExists(spark, labels);
    IdxReader.ImageShape shape;
    int[] classes;
    try (InputStream in = open(spark, imagesPath)) {
      shape = IdxReader.checkImages(in, imagesPath);
    }
    try (InputStream in = open(spark, labels)) {
      classes = IdxReader.readLabels(in, labels);
    }
    if (classes.length != shape.count()) {
      throw new IllegalArgumentException(imagesPath + " has " + shape.count() + " images but " + labels + " has " + classes.length + " labels");
    }
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    int slices = Math.max(2, sc.defaultParallelism());
    List<IdxSlice> parts = new ArrayList<>();
    for (int k = 0; k < slices; k++) {
      int from = (int) ((long) k * classes.length / slices);
      int to = (int) ((long) (k + 1) * classes.length / slices);
      parts.add(new IdxSlice(imagesPath, from, Arrays.copyOfRange(classes, from, to)));
    }
    SerializableConfiguration hadoop = new SerializableConfiguration(spark.sparkContext().hadoopConfiguration());
    JavaRDD<Row> rows = sc.parallelize(parts, slices).flatMap(part -> part.rows(hadoop.value()));
    StructType schema = new StructType().add(FEATURES, SQLDataTypes.VectorType()).add("label", DataTypes.DoubleType);
    return new Loaded(spark.createDataFrame(rows, schema).persist(StorageLevel.MEMORY_AND_DISK()), "label", List.of());
  }

  /** One partition's images: its range of the file and its labels. */
  record IdxSlice(String path, int from, int[] labels) implements Serializable {
    Iterator<Row> rows(Configuration conf) throws IOException {
      Path p = new Path(path);
      Matrix images;
      try (InputStream in = p.getFileSystem(conf).open(p)) {
        images = IdxReader.readImageRange(in, path, from, from + labels.length);
      }
      List<Row> out = new ArrayList<>(labels.length);
      for (int j = 0; j < labels.length; j++) {
        out.add(RowFactory.create(Vectors.dense(images.columnCopy(j)), (double) labels[j]));
      }
      return out.iterator();
    }
  }

  static InputStream open(SparkSession spark, String path) throws IOException {
    Path p = new Path(path);
    return p.getFileSystem(spark.sparkContext().hadoopConfiguration()).open(p);
  }

  static void requireExists(SparkSession spark, String path) throws IOException {
    Path p = new Path(path);
    FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
    if (!fs.exists(p)) {
      throw new FileNotFoundException("input not found: " + path);
    }
  }
}
