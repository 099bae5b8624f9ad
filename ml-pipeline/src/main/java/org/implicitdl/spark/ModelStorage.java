package org.implicitdl.spark;

import java.util.List;
import java.util.function.BiFunction;
import org.apache.spark.ml.param.Params;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWriter;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.solve.Activation;

/**
 * Persistence of implicit models in Spark ML's layout: {@code path/metadata} (params JSON, by
 * DefaultParamsWriter: every param, training params included) and {@code path/data} (one Parquet
 * row: format version, activation, bias flag, dimensions, A, B, C, D column-major, since
 * version 2 the input features' names and their source, since version 3 a classifier's class names
 * or null). Loading reads versions 1 to 3 and
 * refuses an unknown format, wrong shapes, non-finite entries and an ill-posed A, each with a
 * message naming the problem.
 */
public final class ModelStorage {
  /** Version of the data layout written by this code. */
  public static final int FORMAT_VERSION = 3;

  private static final StructType SCHEMA = new StructType()
      .add("formatVersion", DataTypes.IntegerType).add("activation", DataTypes.StringType).add("inputBias", DataTypes.BooleanType)
      .add("n", DataTypes.IntegerType).add("inputCols", DataTypes.IntegerType).add("q", DataTypes.IntegerType)
      .add("A", DataTypes.createArrayType(DataTypes.DoubleType)).add("B", DataTypes.createArrayType(DataTypes.DoubleType))
      .add("C", DataTypes.createArrayType(DataTypes.DoubleType)).add("D", DataTypes.createArrayType(DataTypes.DoubleType))
      .add("featureNames", DataTypes.createArrayType(DataTypes.StringType)).add("featureNamesSource", DataTypes.StringType)
      .add("classNames", DataTypes.createArrayType(DataTypes.StringType), true);

  private ModelStorage() {}

  /** A model as stored: its matrices, its input features' names and its class names (null when none were recorded). */
  record Stored(ImplicitModel model, FeatureNames featureNames, ClassNames classNames) {
    /** The model as a {@link ModelInfo.Fit} without a summary. */
    ModelInfo.Fit fit() {
      return new ModelInfo.Fit(model, null, featureNames, classNames);
    }
  }

  /** Writes params metadata, the model's matrices, its feature names and its class names ({@code classes} may be null). */
  public static void write(Params instance, ImplicitModel model, FeatureNames names, ClassNames classes, String path, SparkSession spark) {
    DefaultParamsWriter.saveMetadata(instance, path, spark);
    Row row = RowFactory.create(FORMAT_VERSION, model.activation().id(), model.inputBias(), model.hiddenDim(), model.b().cols(),
        model.outputDim(), model.a().data(), model.b().data(), model.c().data(), model.d().data(), names.names(), names.source(),
        classes == null ? null : classes.names());
    spark.createDataFrame(List.of(row), SCHEMA).repartition(1).write().parquet(path + "/data");
  }

  /** The MLWriter of a model: params metadata plus the model's matrices and feature names. */
  static <M extends Params & ModelInfo> MLWriter writer(M instance) {
    return new MLWriter() {
      @Override
      public void saveImpl(String path) {
        write(instance, instance.implicitModel(), instance.featureNames(), instance.fit().classNames(), path, sparkSession());
      }
    };
  }

  /**
   * The MLReader of a model class: checks the metadata's class, reads and checks the matrices and
   * names, restores every param the model was saved with.
   */
  static <M extends Params> MLReader<M> reader(Class<M> type,
      BiFunction<String, Stored, M> make) {
    return new MLReader<>() {
      @Override
      public M load(String path) {
        DefaultParamsReader.Metadata metadata = metadata(path, sparkSession(), type.getName());
        M m = make.apply(metadata.uid(), read(path, sparkSession()));
        metadata.getAndSetParams(m, scala.Option.empty());
        return m;
      }
    };
  }

  /** Reads the matrices under {@code path/data} and checks them. */
  public static ImplicitModel readImplicitModel(String path, SparkSession spark) {
    return read(path, spark).model();
  }

  /** Reads and checks the matrices and feature names under {@code path/data}. */
  static Stored read(String path, SparkSession spark) {
    List<Row> rows;
    try {
      rows = spark.read().parquet(path + "/data").collectAsList();
    } catch (Exception e) {
      throw new IllegalArgumentException("cannot read model data at " + path + "/data: " + firstLine(e.getMessage()), e);
    }
    if (rows.size() != 1) {
      throw new IllegalArgumentException("corrupt model at " + path + ": expected 1 data row, found " + rows.size());
    }
    Row r = rows.get(0);
    try {
      int version = r.getInt(r.fieldIndex("formatVersion"));
      if (version < 1 || version > FORMAT_VERSION) {
        throw new IllegalArgumentException("model at " + path + " has format version " + version + ", this build reads 1 to " + FORMAT_VERSION);
      }
      int n = r.getInt(r.fieldIndex("n"));
      int cols = r.getInt(r.fieldIndex("inputCols"));
      int q = r.getInt(r.fieldIndex("q"));
      ImplicitModel model = new ImplicitModel(matrix(r, "A", n, n, path), matrix(r, "B", n, cols, path), matrix(r, "C", q, n, path),
          matrix(r, "D", q, cols, path), Activation.parse(r.getString(r.fieldIndex("activation"))),
          r.getBoolean(r.fieldIndex("inputBias")));
      if (!model.certificate().isWellPosed()) {
        throw new IllegalArgumentException("model at " + path + " is ill-posed: " + model.certificate());
      }
      return new Stored(model, version >= 2 ? featureNames(r, model.inputDim(), path)
          : FeatureNames.generic(model.inputDim(), "not recorded: saved by format version 1"),
          version >= 3 ? classNames(r, model.outputDim(), path) : null);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(e.getMessage().contains(path) ? e.getMessage() : "corrupt model at " + path + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("corrupt model at " + path + ": " + e, e);
    }
  }

  /** Params metadata of a saved stage. */
  public static DefaultParamsReader.Metadata metadata(String path, SparkSession spark, String className) {
    try {
      return DefaultParamsReader.loadMetadata(path, spark, className);
    } catch (Exception e) {
      throw new IllegalArgumentException("cannot read model metadata at " + path + "/metadata: " + firstLine(e.getMessage()), e);
    }
  }

  private static FeatureNames featureNames(Row r, int inputs, String path) {
    List<String> names = r.getList(r.fieldIndex("featureNames"));
    if (names == null || names.size() != inputs) {
      throw new IllegalArgumentException("corrupt model at " + path + ": " + (names == null ? 0 : names.size()) + " feature names for "
          + inputs + " inputs");
    }
    return new FeatureNames(names.toArray(new String[0]), r.getString(r.fieldIndex("featureNamesSource")));
  }

  private static ClassNames classNames(Row r, int outputs, String path) {
    int at = r.fieldIndex("classNames");
    if (r.isNullAt(at)) {
      return null;
    }
    List<String> names = r.getList(at);
    if (names.size() != outputs) {
      throw new IllegalArgumentException("corrupt model at " + path + ": " + names.size() + " class names for " + outputs + " outputs");
    }
    return new ClassNames(names.toArray(new String[0]));
  }

  private static Matrix matrix(Row r, String name, int rows, int cols, String path) {
    List<Double> values = r.getList(r.fieldIndex(name));
    if (values == null || values.size() != rows * cols) {
      throw new IllegalArgumentException("corrupt model at " + path + ": " + name + " has " + (values == null ? 0 : values.size())
          + " entries, expected " + rows + "x" + cols);
    }
    double[] d = new double[values.size()];
    for (int k = 0; k < d.length; k++) {
      d[k] = values.get(k);
    }
    return new Matrix(rows, cols, d);
  }

  static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
