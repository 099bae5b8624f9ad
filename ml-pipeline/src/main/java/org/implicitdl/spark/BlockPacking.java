package org.implicitdl.spark;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.implicitdl.linalg.Inputs;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.linalg.SparseColumns;
import org.implicitdl.train.Standardization;
import org.implicitdl.train.TrainingBlock;

/**
 * Packs rows of a DataFrame into column-major training blocks inside each partition (paper
 * layout: one column per row), checking every row: feature vector length, finite values, and
 * labels (class indices in range, or finite regression targets). Errors name the column and what
 * was expected. A block whose rows all arrive as sparse vectors with at most
 * {@value #SPARSE_MAX_DENSITY} of their entries non-zero is packed sparse ({@link SparseColumns}):
 * hashed or one-hot features, whose dense block would be mostly zeros and, at p = 10⁵, gigabytes.
 */
public final class BlockPacking {
  private BlockPacking() {}

  /**
   * The largest share of non-zero inputs (bias row included) a block is packed sparse at. A sparse product costs one
   * axpy per non-zero and runs several times slower per flop than a dense dgemm, so sparse pays only well below a dense
   * block's cost; at this density it does for time as well as memory.
   */
  public static final double SPARSE_MAX_DENSITY = 0.05;
  /**
   * From this many inputs sparse rows are packed sparse at any density: a dense block of 2048 rows would take 160 MB
   * or more, and one denser block must not make a wide fit run out of memory.
   */
  public static final int SPARSE_ALWAYS_INPUTS = 10_000;

  /** How labels become targets Y. */
  public enum Task { CLASSIFICATION, REGRESSION }

  /**
   * @param outputs number of classes (classification) or of target entries (regression)
   */
  public static JavaRDD<TrainingBlock> pack(Dataset<Row> data, String featuresCol, String labelCol, Task task,
      int inputs, int outputs, int blockSize) {
    return pack(data, featuresCol, labelCol, "", task, inputs, outputs, blockSize);
  }

  /** As above with a sample-weight column (empty: every row weighs 1). */
  public static JavaRDD<TrainingBlock> pack(Dataset<Row> data, String featuresCol, String labelCol, String weightCol, Task task,
      int inputs, int outputs, int blockSize) {
    return pack(data, featuresCol, labelCol, weightCol, task, inputs, outputs, blockSize,
        Standardization.identity(inputs, outputs, task == Task.REGRESSION));
  }

  /** As above, inputs (and regression targets) in the standard units of {@code units}. */
  public static JavaRDD<TrainingBlock> pack(Dataset<Row> data, String featuresCol, String labelCol, String weightCol, Task task,
      int inputs, int outputs, int blockSize, Standardization units) {
    Dataset<Row> selected = weightCol.isEmpty() ? data.select(featuresCol, labelCol) : data.select(featuresCol, labelCol, weightCol);
    return selected.javaRDD().mapPartitions((Iterator<Row> rows) -> {
      List<TrainingBlock> out = new ArrayList<>();
      List<Row> pending = new ArrayList<>(blockSize);
      while (rows.hasNext()) {
        pending.add(rows.next());
        if (pending.size() == blockSize || !rows.hasNext()) {
          out.add(toBlock(pending, featuresCol, labelCol, weightCol, task, inputs, outputs, units));
          pending.clear();
        }
      }
      return out.iterator();
    });
  }

  static TrainingBlock toBlock(List<Row> rows, String featuresCol, String labelCol, String weightCol, Task task, int p, int q,
      Standardization units) {
    int m = rows.size();
    Inputs inputs = units.scalesOnly() && sparseEnough(rows, 0, p) ? units.scaled(sparseInputs(rows, 0, featuresCol, p, true))
        : denseInputs(rows, featuresCol, p, units);
    double[] y = new double[q * m];
    double[] w = new double[m];
    for (int j = 0; j < m; j++) {
      Row row = rows.get(j);
      targets(row.get(1), labelCol, task, q, y, j * q);
      if (task == Task.REGRESSION) {
        units.targetsInPlace(y, j * q);
      }
      w[j] = weightCol.isEmpty() ? 1.0 : weight(row.get(2), weightCol);
    }
    return new TrainingBlock(inputs, new Matrix(q, m, y), null, null, new Matrix(1, m, w));
  }

  private static Matrix denseInputs(List<Row> rows, String featuresCol, int p, Standardization units) {
    int m = rows.size();
    double[] u = new double[(p + 1) * m];
    for (int j = 0; j < m; j++) {
      double[] features = features(rows.get(j), 0, featuresCol, p);
      System.arraycopy(features, 0, u, j * (p + 1), p);
      units.inputsInPlace(u, j * (p + 1));
      u[j * (p + 1) + p] = 1.0;
    }
    return new Matrix(p + 1, m, u);
  }

  /** Whether one row's features would pack sparse: a sparse vector with at most {@link #SPARSE_MAX_DENSITY} non-zeros (any, from {@link #SPARSE_ALWAYS_INPUTS} inputs). */
  static boolean packsSparse(Object features, int p) {
    return features instanceof SparseVector v && (p >= SPARSE_ALWAYS_INPUTS || v.indices().length + 1 <= SPARSE_MAX_DENSITY * (p + 1));
  }

  /**
   * Whether every row's features are a sparse vector and the block's non-zeros, bias included, are at most
   * {@link #SPARSE_MAX_DENSITY} of its entries (at any density from {@link #SPARSE_ALWAYS_INPUTS} inputs).
   */
  static boolean sparseEnough(List<Row> rows, int featuresIndex, int p) {
    long nonZeros = 0;
    for (Row row : rows) {
      if (!(row.get(featuresIndex) instanceof SparseVector v)) {
        return false;
      }
      nonZeros += v.indices().length + 1;
    }
    return p >= SPARSE_ALWAYS_INPUTS || nonZeros <= SPARSE_MAX_DENSITY * (p + 1.0) * rows.size();
  }

  /** The rows' sparse features as sparse columns, as they are, and with {@code bias} a last row p of ones. */
  static SparseColumns sparseInputs(List<Row> rows, int featuresIndex, String featuresCol, int p, boolean bias) {
    int m = rows.size();
    int extra = bias ? 1 : 0;
    int[] start = new int[m + 1];
    for (int j = 0; j < m; j++) {
      start[j + 1] = start[j] + ((SparseVector) rows.get(j).get(featuresIndex)).indices().length + extra;
    }
    int[] index = new int[start[m]];
    double[] value = new double[start[m]];
    for (int j = 0; j < m; j++) {
      SparseVector v = (SparseVector) rows.get(j).get(featuresIndex);
      if (v.size() != p) {
        throw new IllegalArgumentException("column '" + featuresCol + "' has a vector of length " + v.size() + ", expected " + p);
      }
      int[] at = v.indices();
      double[] values = v.values();
      int previous = -1;
      for (int k = 0; k < at.length; k++) {
        if (!Double.isFinite(values[k])) {
          throw new IllegalArgumentException("column '" + featuresCol + "' has a non-finite value " + values[k] + " at index " + at[k]);
        }
        if (at[k] <= previous || at[k] >= p) {
          throw new IllegalArgumentException("column '" + featuresCol + "' has a sparse vector with index " + at[k] + " after " + previous
              + ", expected increasing indices below " + p);
        }
        previous = at[k];
        index[start[j] + k] = at[k];
        value[start[j] + k] = values[k];
      }
      if (bias) {
        index[start[j + 1] - 1] = p;
        value[start[j + 1] - 1] = 1.0;
      }
    }
    return new SparseColumns(p + extra, m, start, index, value);
  }

  private static double weight(Object value, String weightCol) {
    double w = number(value, weightCol);
    if (!(w >= 0) || Double.isInfinite(w)) {
      throw new IllegalArgumentException("column '" + weightCol + "' has weight " + w + ", expected a finite value >= 0");
    }
    return w;
  }

  /** The feature vector of a row, checked for length and finiteness. */
  public static double[] features(Row row, int index, String featuresCol, int p) {
    Object value = row.get(index);
    if (!(value instanceof Vector v)) {
      throw new IllegalArgumentException("column '" + featuresCol + "' must hold ML vectors, got "
          + (value == null ? "null" : value.getClass().getSimpleName()));
    }
    if (v.size() != p) {
      throw new IllegalArgumentException("column '" + featuresCol + "' has a vector of length " + v.size() + ", expected " + p);
    }
    double[] d = v.toArray();
    for (int k = 0; k < d.length; k++) {
      if (!Double.isFinite(d[k])) {
        throw new IllegalArgumentException("column '" + featuresCol + "' has a non-finite value " + d[k] + " at index " + k);
      }
    }
    return d;
  }

  private static void targets(Object label, String labelCol, Task task, int q, double[] y, int offset) {
    if (task == Task.CLASSIFICATION) {
      double c = number(label, labelCol);
      if (c != Math.rint(c) || c < 0 || c >= q) {
        throw new IllegalArgumentException("column '" + labelCol + "' has label " + c + ", expected a class index in 0.." + (q - 1));
      }
      y[offset + (int) c] = 1.0;
    } else if (label instanceof Vector v) {
      if (v.size() != q) {
        throw new IllegalArgumentException("column '" + labelCol + "' has a vector of length " + v.size() + ", expected " + q);
      }
      for (int i = 0; i < q; i++) {
        y[offset + i] = finite(v.apply(i), labelCol);
      }
    } else {
      if (q != 1) {
        throw new IllegalArgumentException("column '" + labelCol + "' holds scalars but the model has " + q + " outputs");
      }
      y[offset] = finite(number(label, labelCol), labelCol);
    }
  }

  private static double number(Object label, String labelCol) {
    if (!(label instanceof Number num)) {
      throw new IllegalArgumentException("column '" + labelCol + "' must be numeric, got "
          + (label == null ? "null" : label.getClass().getSimpleName()));
    }
    return num.doubleValue();
  }

  private static double finite(double v, String col) {
    if (!Double.isFinite(v)) {
      throw new IllegalArgumentException("column '" + col + "' has a non-finite value " + v);
    }
    return v;
  }
}
