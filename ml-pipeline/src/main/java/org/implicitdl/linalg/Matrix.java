package org.implicitdl.linalg;

import java.io.IOException;
import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;

/**
 * A dense real matrix stored column-major in one {@code double[]}, the layout BLAS expects.
 *
 * <p>Entry (i, j) lives at {@code data[i + j * rows]}. The class is a plain container: shape
 * errors throw {@link IllegalArgumentException}; arithmetic goes through {@link Blas}.
 * Instances are mutable so hot loops can reuse buffers; immutable holders (such as the implicit
 * model) copy on the way in and out.
 */
public final class Matrix implements Inputs {
  private static final long serialVersionUID = 2L;
  private final int rows;
  private final int cols;
  /**
   * Whether serialization writes the entries as 4-byte floats: only for {@link #inSinglePrecision}'s matrices, whose
   * entries are floats exactly, so the bytes are half and the round trip is exact. A compatible addition (same
   * serialVersionUID): matrices serialized before it read back as double precision.
   */
  private final boolean singlePrecision;
  /** Not final only so that {@link #readObject} can fill it; never reassigned otherwise. */
  private transient double[] data;

  /** Wraps {@code data} (column-major, length rows × cols) without copying. */
  public Matrix(int rows, int cols, double[] data) {
    this(rows, cols, data, false);
  }

  private Matrix(int rows, int cols, double[] data, boolean singlePrecision) {
    if (rows < 0 || cols < 0) {
      throw new IllegalArgumentException("negative matrix shape " + rows + "x" + cols);
    }
    if (data.length != (long) rows * cols) {
      throw new IllegalArgumentException(
          "matrix " + rows + "x" + cols + " needs " + ((long) rows * cols) + " entries, got " + data.length);
    }
    this.rows = rows;
    this.cols = cols;
    this.data = data;
    this.singlePrecision = singlePrecision;
  }

  /**
   * A copy with every entry rounded to the nearest float (relative change at most 2⁻²⁴), serialized as 4 bytes per
   * entry: training inputs U stored at half the bytes when blocks are kept serialized or on disk (data larger than
   * memory), read back into doubles exactly equal to the rounded entries. Products and copies of it are ordinary
   * matrices.
   */
  public Matrix inSinglePrecision() {
    double[] rounded = new double[data.length];
    for (int k = 0; k < data.length; k++) {
      rounded[k] = (float) data[k];
      if (beyondSinglePrecision(data[k])) {
        throw new IllegalArgumentException("entry (" + k % rows + ", " + k / rows + ") = " + data[k] + " is beyond single precision's range (±3.4e38)");
      }
    }
    return new Matrix(rows, cols, rounded, true);
  }

  /** The column-major index of the first entry {@link #inSinglePrecision} refuses (finite, but infinite as a float), or −1. */
  public int firstBeyondSinglePrecision() {
    for (int k = 0; k < data.length; k++) {
      if (beyondSinglePrecision(data[k])) {
        return k;
      }
    }
    return -1;
  }

  private static boolean beyondSinglePrecision(double x) {
    return Double.isFinite(x) && Float.isInfinite((float) x);
  }

  /** Whether this matrix came from {@link #inSinglePrecision} (its entries are floats and serialize as such). */
  public boolean isSinglePrecision() {
    return singlePrecision;
  }

  /**
   * Serialized as its shape and the entries' bytes in one bulk copy (native byte order), not
   * double by double: Spark writes and reads every cached training block this way when blocks are
   * kept serialized or on disk (data larger than the executors' memory), once per pass. A
   * {@link #inSinglePrecision} matrix writes 4-byte floats, read back into the same doubles.
   */
  private void writeObject(ObjectOutputStream out) throws IOException {
    out.defaultWriteObject();
    out.writeBoolean(ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN);
    int width = singlePrecision ? 4 : 8;
    byte[] chunk = new byte[width * Math.min(data.length, CHUNK)];
    ByteBuffer buffer = ByteBuffer.wrap(chunk).order(ByteOrder.nativeOrder());
    float[] floats = singlePrecision ? new float[Math.min(data.length, CHUNK)] : null;
    for (int from = 0; from < data.length; from += CHUNK) {
      int length = Math.min(CHUNK, data.length - from);
      buffer.clear();
      if (singlePrecision) {
        for (int k = 0; k < length; k++) {
          floats[k] = (float) data[from + k];
        }
        buffer.asFloatBuffer().put(floats, 0, length);
      } else {
        buffer.asDoubleBuffer().put(data, from, length);
      }
      out.write(chunk, 0, width * length);
    }
  }

  private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
    in.defaultReadObject();
    ByteOrder order = in.readBoolean() ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN;
    if (rows < 0 || cols < 0) {
      throw new InvalidObjectException("negative matrix shape " + rows + "x" + cols);
    }
    data = new double[Math.multiplyExact(rows, cols)];
    int width = singlePrecision ? 4 : 8;
    byte[] chunk = new byte[width * Math.min(data.length, CHUNK)];
    ByteBuffer buffer = ByteBuffer.wrap(chunk).order(order);
    float[] floats = singlePrecision ? new float[Math.min(data.length, CHUNK)] : null;
    for (int from = 0; from < data.length; from += CHUNK) {
      int length = Math.min(CHUNK, data.length - from);
      in.readFully(chunk, 0, width * length);
      buffer.clear();
      if (singlePrecision) {
        buffer.asFloatBuffer().get(floats, 0, length);
        for (int k = 0; k < length; k++) {
          data[from + k] = floats[k];
        }
      } else {
        buffer.asDoubleBuffer().get(data, from, length);
      }
    }
  }

  /** Entries per bulk copy of {@link #writeObject}: 512 KB buffers. */
  private static final int CHUNK = 1 << 16;

  public static Matrix zeros(int rows, int cols) {
    return new Matrix(rows, cols, new double[Math.multiplyExact(rows, cols)]);
  }

  public static Matrix identity(int n) {
    Matrix m = zeros(n, n);
    for (int i = 0; i < n; i++) {
      m.set(i, i, 1.0);
    }
    return m;
  }

  /** Builds a matrix from row arrays (all of one length); {@code rowArrays[i][j]} is entry (i, j). */
  public static Matrix fromRows(double[][] rowArrays) {
    int r = rowArrays.length;
    int c = r == 0 ? 0 : rowArrays[0].length;
    Matrix m = zeros(r, c);
    for (int i = 0; i < r; i++) {
      if (rowArrays[i].length != c) {
        throw new IllegalArgumentException("row " + i + " has " + rowArrays[i].length + " entries, expected " + c);
      }
      for (int j = 0; j < c; j++) {
        m.set(i, j, rowArrays[i][j]);
      }
    }
    return m;
  }

  /** A column vector (n × 1) copied from {@code v}. */
  public static Matrix column(double[] v) {
    return new Matrix(v.length, 1, v.clone());
  }

  public int rows() {
    return rows;
  }

  public int cols() {
    return cols;
  }

  /** The backing array (column-major); shared, not copied. */
  public double[] data() {
    return data;
  }

  public double get(int i, int j) {
    return data[i + j * rows];
  }

  public void set(int i, int j, double v) {
    data[i + j * rows] = v;
  }

  public Matrix copy() {
    return new Matrix(rows, cols, data.clone());
  }

  public double[][] toRows() {
    double[][] out = new double[rows][cols];
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        out[i][j] = get(i, j);
      }
    }
    return out;
  }

  /** Column j as a fresh array. */
  public double[] columnCopy(int j) {
    return Arrays.copyOfRange(data, j * rows, (j + 1) * rows);
  }

  /** Rows [from, to) as a new matrix. */
  public Matrix rowSlice(int from, int to) {
    Matrix out = zeros(to - from, cols);
    for (int j = 0; j < cols; j++) {
      System.arraycopy(data, j * rows + from, out.data, j * out.rows, to - from);
    }
    return out;
  }

  /** Columns [from, to) as a new matrix (one contiguous copy). */
  /** The columns {@code cols} (in that order) as a new matrix. */
  public Matrix columns(int[] cols) {
    Matrix out = zeros(rows, cols.length);
    for (int k = 0; k < cols.length; k++) {
      System.arraycopy(data, cols[k] * rows, out.data, k * rows, rows);
    }
    return out;
  }

  @Override
  public void multiplyLeftInto(double[] left, int leftOffset, int leftRows, double[] out) {
    Blas.gemm(false, false, leftRows, cols, rows, 1.0, left, leftOffset, Math.max(1, leftRows), data, 0, Math.max(1, rows), 1.0, out, 0,
        Math.max(1, leftRows));
  }

  @Override
  public Matrix leftProduct(Matrix left) {
    return Blas.multiply(left, this);
  }

  @Override
  public Matrix productWithTranspose(Matrix g) {
    return Blas.multiply(g, false, this, true);
  }

  @Override
  public void addProductWithTranspose(Matrix g, double[] out, int offset) {
    if (g.cols() != cols) {
      throw new IllegalArgumentException("product G·Uᵀ: G is " + g.shape() + ", U has " + cols + " columns");
    }
    Blas.gemm(false, true, g.rows(), rows, cols, 1.0, g.data(), 0, Math.max(1, g.rows()), data, 0, Math.max(1, rows), 1.0, out, offset,
        Math.max(1, g.rows()));
  }

  /** Itself: already dense. */
  @Override
  public Matrix dense() {
    return this;
  }

  @Override
  public long storedEntries() {
    return (long) rows * cols;
  }

  @Override
  public Matrix columnSlice(int from, int to) {
    return new Matrix(rows, to - from, Arrays.copyOfRange(data, from * rows, to * rows));
  }

  public Matrix transpose() {
    Matrix t = zeros(cols, rows);
    for (int j = 0; j < cols; j++) {
      for (int i = 0; i < rows; i++) {
        t.data[j + i * cols] = data[i + j * rows];
      }
    }
    return t;
  }

  /** Stacks {@code top} over {@code bottom} (same column count). */
  public static Matrix vstack(Matrix top, Matrix bottom) {
    requireSame("columns", top.cols, bottom.cols);
    Matrix out = zeros(top.rows + bottom.rows, top.cols);
    for (int j = 0; j < top.cols; j++) {
      System.arraycopy(top.data, j * top.rows, out.data, j * out.rows, top.rows);
      System.arraycopy(bottom.data, j * bottom.rows, out.data, j * out.rows + top.rows, bottom.rows);
    }
    return out;
  }

  /** Places {@code left} beside {@code right} (same row count). */
  public static Matrix hstack(Matrix left, Matrix right) {
    requireSame("rows", left.rows, right.rows);
    double[] d = Arrays.copyOf(left.data, left.data.length + right.data.length);
    System.arraycopy(right.data, 0, d, left.data.length, right.data.length);
    return new Matrix(left.rows, left.cols + right.cols, d);
  }

  /** Columns [from_k, to_k) of each matrix k, side by side in that order (all with the same row count). */
  public static Matrix columnsOf(List<Matrix> parts, int[] from, int[] to) {
    int rows = parts.isEmpty() ? 0 : parts.get(0).rows;
    int cols = 0;
    for (int k = 0; k < parts.size(); k++) {
      requireSame("rows", rows, parts.get(k).rows);
      cols += to[k] - from[k];
    }
    double[] d = new double[rows * cols];
    int at = 0;
    for (int k = 0; k < parts.size(); k++) {
      int length = (to[k] - from[k]) * rows;
      System.arraycopy(parts.get(k).data, from[k] * rows, d, at, length);
      at += length;
    }
    return new Matrix(rows, cols, d);
  }

  /** Writes {@code block} into this matrix with its top-left corner at (row, col). */
  public void setBlock(int row, int col, Matrix block) {
    if (row + block.rows > rows || col + block.cols > cols) {
      throw new IllegalArgumentException("block " + block.shape() + " at (" + row + "," + col + ") exceeds " + shape());
    }
    for (int j = 0; j < block.cols; j++) {
      System.arraycopy(block.data, j * block.rows, data, (col + j) * rows + row, block.rows);
    }
  }

  /** The sub-matrix of rows [r0, r1) and columns [c0, c1). */
  public Matrix block(int r0, int r1, int c0, int c1) {
    Matrix out = zeros(r1 - r0, c1 - c0);
    for (int j = c0; j < c1; j++) {
      System.arraycopy(data, j * rows + r0, out.data, (j - c0) * out.rows, r1 - r0);
    }
    return out;
  }

  /** Index of the first non-finite entry, or -1 when all entries are finite. */
  public int firstNonFinite() {
    // a branch-free pass first (long ops that vectorize): an exponent of all ones, the mark of NaN and ±∞, carries
    // into the sign bit when one is added to it; only a matrix that has such an entry is searched entry by entry
    if (allFinite(data)) {
      return -1;
    }
    for (int k = 0; k < data.length; k++) {
      if (!Double.isFinite(data[k])) {
        return k;
      }
    }
    return -1;
  }

  /** Whether every value is finite: one branch-free pass ({@link #finiteMark}s ORed), which vectorizes. */
  public static boolean allFinite(double[] values) {
    long marks = 0;
    for (double v : values) {
      marks |= finiteMark(v);
    }
    return !marksNonFinite(marks);
  }

  /**
   * A mark of {@code v} for a pass that checks finiteness as it writes: OR the marks of the entries and test the result
   * with {@link #marksNonFinite}, as {@link #firstNonFinite}'s branch-free pass does, without a pass of its own.
   */
  public static long finiteMark(double v) {
    return (Double.doubleToRawLongBits(v) & EXPONENT) + EXPONENT_ONE;
  }

  /** Whether ORed {@link #finiteMark}s include a NaN or an infinity. */
  public static boolean marksNonFinite(long marks) {
    return marks < 0;
  }

  private static final long EXPONENT = 0x7ff0000000000000L;
  private static final long EXPONENT_ONE = 0x0010000000000000L;

  /** Throws naming {@code what} and the entry when an entry is NaN or infinite. */
  public Matrix requireFinite(String what) {
    int k = firstNonFinite();
    if (k >= 0) {
      throw new IllegalArgumentException(
          what + " has a non-finite entry " + data[k] + " at (" + (k % rows) + ", " + (k / rows) + ")");
    }
    return this;
  }

  /** Throws naming {@code what} unless the shape is rows × cols. */
  public Matrix requireShape(String what, int r, int c) {
    if (rows != r || cols != c) {
      throw new IllegalArgumentException(what + " must be " + r + "x" + c + ", got " + shape());
    }
    return this;
  }

  public String shape() {
    return rows + "x" + cols;
  }

  /** Largest absolute entry (the max-norm of the entries). */
  public double maxAbs() {
    double m = 0;
    for (double v : data) {
      m = Math.max(m, Math.abs(v));
    }
    return m;
  }

  /** Sum of all entries. */
  public double sum() {
    double s = 0;
    for (double v : data) {
      s += v;
    }
    return s;
  }

  /** |M|, entry by entry (a new matrix). */
  public Matrix absolute() {
    double[] d = data.clone();
    for (int k = 0; k < d.length; k++) {
      d[k] = Math.abs(d[k]);
    }
    return new Matrix(rows, cols, d);
  }

  /** The row of the largest entry of column j (the first one on ties): a predicted class. */
  public int argmaxInColumn(int j) {
    int best = 0;
    for (int i = 1; i < rows; i++) {
      if (get(i, j) > get(best, j)) {
        best = i;
      }
    }
    return best;
  }

  /** A copy with every entry multiplied by {@code factor}. */
  public Matrix scaled(double factor) {
    Matrix out = copy();
    Blas.scal(factor, out.data);
    return out;
  }

  /** Frobenius norm. */
  public double frobenius() {
    return Math.sqrt(Blas.dot(data, data));
  }

  private static void requireSame(String what, int a, int b) {
    if (a != b) {
      throw new IllegalArgumentException("matrix " + what + " differ: " + a + " vs " + b);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Matrix m && m.rows == rows && m.cols == cols && Arrays.equals(m.data, data);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * rows + cols) + Arrays.hashCode(data);
  }

  @Override
  public String toString() {
    return "Matrix(" + shape() + ")";
  }
}
