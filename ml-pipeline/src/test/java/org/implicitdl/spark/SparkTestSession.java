package org.implicitdl.spark;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.implicitdl.linalg.Matrix;

/**
 * One local[2] Spark session shared by the Spark-layer tests. It serializes with Kryo, as many clusters are set up:
 * every Spark-layer test then also checks that blocks, payloads, partials and models cross Kryo ({@link Shipped});
 * the job tests (spark-job) run Spark's default Java serializer.
 */
public final class SparkTestSession {
  private static SparkSession spark;

  private SparkTestSession() {}

  public static synchronized SparkSession get() {
    if (spark == null) {
      spark = SparkSession.builder().master("local[2]").appName("implicitdl-tests")
          .config("spark.ui.enabled", "false")
          .config("spark.sql.shuffle.partitions", "4")
          .config("spark.driver.host", "127.0.0.1")
          .config("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
          .getOrCreate();
      spark.sparkContext().setLogLevel("WARN");
    }
    return spark;
  }

  /** A DataFrame (features vector, label double) from columns of U and a label per column. */
  public static Dataset<Row> frame(Matrix u, double[] labels) {
    List<Row> rows = new ArrayList<>();
    for (int j = 0; j < u.cols(); j++) {
      rows.add(RowFactory.create(Vectors.dense(u.columnCopy(j)), labels[j]));
    }
    StructType schema = new StructType().add("features", SQLDataTypes.VectorType()).add("label", DataTypes.DoubleType);
    return get().createDataFrame(rows, schema);
  }
}
