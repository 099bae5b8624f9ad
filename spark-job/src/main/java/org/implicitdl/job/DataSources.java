package org.implicitdl.job;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.implicitdl.data.IdxReader;
import org.implicitdl.linalg.Matrix;

/**
 * Loads a job's data from any Hadoop file-system path as a DataFrame with a "features" vector
 * column and the label column: CSV (header; every column but the label is a feature, or a named
 * vector column in Parquet), Parquet, LibSVM, IDX (MNIST-style images + labels files).
 */
final class DataSources {
  static final String FEATURES = "features";

  private DataSources() {}

  /** A loaded data set: the frame and the names of its feature columns (for messages and reports). */
  record Loaded(Dataset<Row> frame, String labelCol, List<String> featureNames) {}

  static Loaded load(SparkSession spark, String path, String format, String labelCol, String labelsPath, String featuresCol,
      boolean requireLabel) throws IOException {
    return load(spark, path, format, labelCol, labelsPath, featuresCol, "", requireLabel);
  }

  /** As above; {@code weightCol} (may be empty) is kept out of the features. */
  static Loaded load(SparkSession spark, String path, String format, String labelCol, String labelsPath, String featuresCol,
      String weightCol, boolean requireLabel) throws IOException {
    requireExists(spark, path);
    return switch (format) {
      case "csv" -> columns(spark.read().option("header", "true").option("inferSchema", "true").csv(path), path, labelCol, featuresCol,
          weightCol, requireLabel);
      case "parquet" -> columns(spark.read().parquet(path), path, labelCol, featuresCol, weightCol, requireLabel);
      case "libsvm" -> new Loaded(spark.read().format("libsvm").load(path), "label", List.of());
      case "idx" -> idx(spark, path, labelsPath);
      default -> throw new Idl.UsageException("unknown format '" + format + "' (expected csv, parquet, libsvm or idx)");
    };
  }

  private static Loaded columns(Dataset<Row> df, String path, String labelCol, String featuresCol, String weightCol, boolean requireLabel) {
    List<String> names = Arrays.asList(df.columns());
    boolean hasLabel = names.contains(labelCol);
    if (requireLabel && !hasLabel) {
      throw new IllegalArgumentException(path + ": label column '" + labelCol + "' not found; columns are " + names);
    }
    if (!featuresCol.isEmpty()) {
      if (!names.contains(featuresCol)) {
        throw new IllegalArgumentException(path + ": features column '" + featuresCol + "' not found; columns are " + names);
      }
      Dataset<Row> out = featuresCol.equals(FEATURES) ? df : df.withColumn(FEATURES, df.col(featuresCol));
      return new Loaded(out, labelCol, List.of(featuresCol));
    }
    List<String> features = new ArrayList<>();
    for (StructField f : df.schema().fields()) {
      if (f.name().equals(labelCol) || f.name().equals(weightCol)) {
        continue;
      }
      if (!(f.dataType() instanceof NumericType)) {
        throw new IllegalArgumentException(path + ": column '" + f.name() + "' is not numeric (" + f.dataType().simpleString()
            + "); every column but the label '" + labelCol + "' must be a numeric feature");
      }
      features.add(f.name());
    }
    if (features.isEmpty()) {
      throw new IllegalArgumentException(path + ": no feature columns besides the label '" + labelCol + "'");
    }
    Dataset<Row> assembled = new VectorAssembler().setInputCols(features.toArray(new String[0])).setOutputCol(FEATURES)
        .setHandleInvalid("keep").transform(df);
    return new Loaded(assembled, labelCol, features);
  }

  private static Loaded idx(SparkSession spark, String imagesPath, String labelsPath) throws IOException {
    String labels = labelsPath.isEmpty() ? imagesPath.replace("images-idx3", "labels-idx1") : labelsPath;
    if (labels.equals(imagesPath)) {
      throw new Idl.UsageException("cannot derive the IDX labels file from " + imagesPath + "; pass --labels");
    }
    requireExists(spark, labels);
    Matrix images;
    int[] classes;
    try (InputStream in = open(spark, imagesPath)) {
      images = IdxReader.readImages(in, imagesPath);
    }
    try (InputStream in = open(spark, labels)) {
      classes = IdxReader.readLabels(in, labels);
    }
    if (classes.length != images.cols()) {
      throw new IllegalArgumentException(imagesPath + " has " + images.cols() + " images but " + labels + " has " + classes.length + " labels");
    }
    List<Row> rows = new ArrayList<>(classes.length);
    for (int j = 0; j < classes.length; j++) {
      rows.add(RowFactory.create(Vectors.dense(images.columnCopy(j)), (double) classes[j]));
    }
    StructType schema = new StructType().add(FEATURES, SQLDataTypes.VectorType()).add("label", DataTypes.DoubleType);
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    int slices = Math.max(2, sc.defaultParallelism());
    // localCheckpoint: materialize once, so later jobs do not ship the parallelized rows in every task
    return new Loaded(spark.createDataFrame(sc.parallelize(rows, slices), schema).localCheckpoint(), "label", List.of());
  }

  static InputStream open(SparkSession spark, String path) throws IOException {
    Path p = new Path(path);
    return p.getFileSystem(spark.sparkContext().hadoopConfiguration()).open(p);
  }

  static void requireExists(SparkSession spark, String path) throws IOException {
    Path p = new Path(path);
    FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
    if (!fs.exists(p)) {
      throw new java.io.FileNotFoundException("input not found: " + path);
    }
  }
}
