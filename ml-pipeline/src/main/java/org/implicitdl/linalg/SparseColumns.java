package org.implicitdl.linalg;

import java.util.Arrays;
import java.util.List;

/**
 * A sparse block of input columns in compressed sparse column form (CSC): column j's non-zeros
 * are {@code value[start[j] .. start[j+1])} at rows {@code index[...]} (increasing). The products
 * run over the non-zeros only, each an axpy of a column of the dense factor, so they cost
 * 2·k·nnz flops where a dense block costs 2·k·rows·cols: the form for hashed or one-hot features,
 * where rows may be 10⁵ and a column holds a hundred entries.
 */
public final class SparseColumns implements Inputs {
  private static final long serialVersionUID = 1L;
  private final int rows;
  private final int cols;
  private final int[] start;
  private final int[] index;
  private final double[] value;

  /** Wraps the arrays without copying; checks their shape and that each column's rows are increasing and in range. */
  public SparseColumns(int rows, int cols, int[] start, int[] index, double[] value) {
    if (rows < 0 || cols < 0 || start.length != cols + 1 || start[0] != 0 || index.length != value.length
        || start[cols] != index.length) {
      throw new IllegalArgumentException("sparse columns " + rows + "x" + cols + ": column starts " + start.length + " (expected "
          + (cols + 1) + ", first 0, last = the " + index.length + " non-zeros)");
    }
    for (int j = 0; j < cols; j++) {
      int previous = -1;
      if (start[j + 1] < start[j]) {
        throw new IllegalArgumentException("sparse columns: column " + j + " ends before it starts");
      }
      for (int k = start[j]; k < start[j + 1]; k++) {
        if (index[k] <= previous || index[k] >= rows) {
          throw new IllegalArgumentException("sparse columns: column " + j + " has row " + index[k] + " after " + previous
              + ", expected increasing rows below " + rows);
        }
        previous = index[k];
      }
    }
    this.rows = rows;
    this.cols = cols;
    this.start = start;
    this.index = index;
    this.value = value;
  }

  /** The sparse form of a dense block (its exact zeros dropped). */
  public static SparseColumns of(Matrix dense) {
    double[] d = dense.data();
    int r = dense.rows();
    int[] start = new int[dense.cols() + 1];
    int nnz = 0;
    for (double v : d) {
      nnz += v != 0 ? 1 : 0;
    }
    int[] index = new int[nnz];
    double[] value = new double[nnz];
    int at = 0;
    for (int j = 0; j < dense.cols(); j++) {
      for (int i = 0; i < r; i++) {
        double v = d[i + j * r];
        if (v != 0) {
          index[at] = i;
          value[at++] = v;
        }
      }
      start[j + 1] = at;
    }
    return new SparseColumns(r, dense.cols(), start, index, value);
  }

  @Override
  public int rows() {
    return rows;
  }

  @Override
  public int cols() {
    return cols;
  }

  /** The non-zeros' values, column by column (shared, not copied: scale them in place only on a copy). */
  public double[] values() {
    return value;
  }

  /** The non-zeros' rows, column by column. */
  public int[] indices() {
    return index;
  }

  /** Where each column's non-zeros start (cols + 1 entries). */
  public int[] starts() {
    return start;
  }

  /** The same pattern with other values (one per non-zero). */
  public SparseColumns withValues(double[] newValues) {
    if (newValues.length != value.length) {
      throw new IllegalArgumentException("sparse columns hold " + value.length + " non-zeros, got " + newValues.length + " values");
    }
    return new SparseColumns(rows, cols, start, index, newValues, true);
  }

  private SparseColumns(int rows, int cols, int[] start, int[] index, double[] value, boolean checked) {
    this.rows = rows;
    this.cols = cols;
    this.start = start;
    this.index = index;
    this.value = value;
  }

  @Override
  public long storedEntries() {
    return value.length;
  }

  /**
   * The same non-zeros ordered by row (CSR: row r's are {@code column[start[r] .. start[r+1])}, by increasing column),
   * for the products whose dense factor is too large for the cache ({@link #BY_ROW_ABOVE}): by row, the
   * factor is read in address order and the scattered accesses fall in the small block-sized operand. Each output
   * entry still sums its terms in the same order as by column, so both orders give the same bits.
   */
  private record ByRow(int[] start, int[] column, double[] value) {
    /** out[at .. at + k) += G·Uᵀ's column for row r: Σ over row r's non-zeros of value · G's column (G k × cols, in gd). */
    void addRowProduct(int r, double[] gd, int k, double[] out, int at) {
      for (int e = start[r]; e < start[r + 1]; e++) {
        double v = value[e];
        int gj = column[e] * k;
        for (int i = 0; i < k; i++) {
          out[at + i] += v * gd[gj + i];
        }
      }
    }
  }

  /** Dense factors of more than this many entries (32 MB) are taken by row ({@link ByRow}). */
  static final long BY_ROW_ABOVE = 1L << 22;

  /** The by-row order, built for each product that takes it (a block keeps no second copy of its non-zeros). */
  private ByRow byRow() {
    int[] rowStart = new int[rows + 1];
    for (int i : index) {
      rowStart[i + 1]++;
    }
    for (int r = 0; r < rows; r++) {
      rowStart[r + 1] += rowStart[r];
    }
    int[] next = Arrays.copyOf(rowStart, rows);
    int[] column = new int[index.length];
    double[] v = new double[index.length];
    for (int j = 0; j < cols; j++) {
      for (int e = start[j]; e < start[j + 1]; e++) {
        int at = next[index[e]]++;
        column[at] = j;
        v[at] = value[e];
      }
    }
    return new ByRow(rowStart, column, v);
  }

  @Override
  public void multiplyLeftInto(double[] left, int leftOffset, int leftRows, double[] out) {
    Blas.countFlops(2L * leftRows * value.length);
    if ((long) leftRows * rows > BY_ROW_ABOVE) {
      ByRow t = byRow();
      for (int r = 0; r < rows; r++) {
        int l = leftOffset + r * leftRows;
        for (int e = t.start[r]; e < t.start[r + 1]; e++) {
          double v = t.value[e];
          int o = t.column[e] * leftRows;
          for (int i = 0; i < leftRows; i++) {
            out[o + i] += v * left[l + i];
          }
        }
      }
      return;
    }
    for (int j = 0; j < cols; j++) {
      int o = j * leftRows;
      for (int k = start[j]; k < start[j + 1]; k++) {
        double v = value[k];
        int l = leftOffset + index[k] * leftRows;
        for (int i = 0; i < leftRows; i++) {
          out[o + i] += v * left[l + i];
        }
      }
    }
  }

  @Override
  public void addProductWithTranspose(Matrix g, double[] o, int offset) {
    if (g.cols() != cols) {
      throw new IllegalArgumentException("product G·Uᵀ: G is " + g.shape() + ", U has " + cols + " columns");
    }
    int k = g.rows();
    double[] gd = g.data();
    Blas.countFlops(2L * k * value.length);
    if ((long) k * rows > BY_ROW_ABOVE) {
      ByRow t = byRow();
      for (int r = 0; r < rows; r++) {
        t.addRowProduct(r, gd, k, o, offset + r * k);
      }
      return;
    }
    for (int j = 0; j < cols; j++) {
      int gj = j * k;
      for (int e = start[j]; e < start[j + 1]; e++) {
        double v = value[e];
        int oi = offset + index[e] * k;
        for (int i = 0; i < k; i++) {
          o[oi + i] += v * gd[gj + i];
        }
      }
    }
  }

  /**
   * G · Uᵀ over the rows present in these columns only: the same sums as {@link #addProductWithTranspose}, in the same
   * order (taken by row, {@link ByRow}), stored for those rows (k × present) instead of for all of them.
   */
  @Override
  public ColumnSparseMatrix columnSparseProductWithTranspose(Matrix g) {
    if (g.cols() != cols) {
      throw new IllegalArgumentException("product G·Uᵀ: G is " + g.shape() + ", U has " + cols + " columns");
    }
    ByRow t = byRow();
    int count = 0;
    for (int r = 0; r < rows; r++) {
      count += t.start[r + 1] > t.start[r] ? 1 : 0;
    }
    int[] columns = new int[count];
    int k = g.rows();
    double[] out = new double[k * count];
    double[] gd = g.data();
    for (int r = 0, s = 0; r < rows; r++) {
      if (t.start[r + 1] == t.start[r]) {
        continue;
      }
      columns[s] = r;
      t.addRowProduct(r, gd, k, out, s++ * k);
    }
    Blas.countFlops(2L * k * value.length);
    return ColumnSparseMatrix.ofColumns(k, rows, columns, out);
  }

  @Override
  public SparseColumns columnSlice(int from, int to) {
    if (from < 0 || to > cols || from > to) {
      throw new IllegalArgumentException("columns [" + from + ", " + to + ") of " + rows + "x" + cols);
    }
    int[] s = new int[to - from + 1];
    for (int j = from; j <= to; j++) {
      s[j - from] = start[j] - start[from];
    }
    return new SparseColumns(rows, to - from, s, Arrays.copyOfRange(index, start[from], start[to]),
        Arrays.copyOfRange(value, start[from], start[to]), true);
  }

  /** Columns [from_k, to_k) of each part, side by side (all with the same row count). */
  public static SparseColumns columnsOf(List<SparseColumns> parts, int[] from, int[] to) {
    int r = parts.isEmpty() ? 0 : parts.get(0).rows;
    int c = 0;
    int nnz = 0;
    for (int k = 0; k < parts.size(); k++) {
      SparseColumns part = parts.get(k);
      if (part.rows != r) {
        throw new IllegalArgumentException("sparse column blocks with " + r + " and " + part.rows + " rows");
      }
      c += to[k] - from[k];
      nnz += part.start[to[k]] - part.start[from[k]];
    }
    int[] s = new int[c + 1];
    int[] index = new int[nnz];
    double[] value = new double[nnz];
    int col = 0;
    int at = 0;
    for (int k = 0; k < parts.size(); k++) {
      SparseColumns part = parts.get(k);
      int length = part.start[to[k]] - part.start[from[k]];
      System.arraycopy(part.index, part.start[from[k]], index, at, length);
      System.arraycopy(part.value, part.start[from[k]], value, at, length);
      for (int j = from[k]; j < to[k]; j++) {
        s[++col] = at + part.start[j + 1] - part.start[from[k]];
      }
      at += length;
    }
    return new SparseColumns(r, c, s, index, value, true);
  }

  @Override
  public Matrix dense() {
    Matrix out = Matrix.zeros(rows, cols);
    double[] d = out.data();
    for (int j = 0; j < cols; j++) {
      for (int k = start[j]; k < start[j + 1]; k++) {
        d[index[k] + j * rows] = value[k];
      }
    }
    return out;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SparseColumns s && s.rows == rows && s.cols == cols && Arrays.equals(s.start, start) && Arrays.equals(s.index, index)
        && Arrays.equals(s.value, value);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(value) + Arrays.hashCode(index);
  }

  @Override
  public String toString() {
    return "SparseColumns " + rows + "x" + cols + " (" + value.length + " non-zeros)";
  }
}
