package org.implicitdl.linalg;

import java.util.Arrays;

/**
 * A rows × cols matrix of which only some columns are stored, the others zero: the gradient
 * G·Uᵀ of a sparse input block, whose non-zero columns are the inputs that occur in it. At
 * p = 10⁵ hashed inputs a mini-batch touches a fraction of them, and the dense form would be the
 * largest array of the step, zeroed, filled and merged once per partition.
 * Columns are held in increasing order; {@code columns == null} means every column, in order.
 */
public final class ColumnSparseMatrix implements java.io.Serializable {
  private static final long serialVersionUID = 1L;
  private final int rows;
  private final int cols;
  /** The stored columns, increasing; null: all of them. */
  private final int[] columns;
  /** Column-major values of the stored columns, rows × stored. */
  private final double[] values;

  private ColumnSparseMatrix(int rows, int cols, int[] columns, double[] values) {
    this.rows = rows;
    this.cols = cols;
    this.columns = columns;
    this.values = values;
  }

  /** Every column of {@code dense} (its array adopted, not copied). */
  public static ColumnSparseMatrix of(Matrix dense) {
    return new ColumnSparseMatrix(dense.rows(), dense.cols(), null, dense.data());
  }

  /** The columns {@code columns} (increasing, below {@code cols}) with column-major {@code values} (adopted). */
  public static ColumnSparseMatrix ofColumns(int rows, int cols, int[] columns, double[] values) {
    if (values.length != (long) rows * columns.length) {
      throw new IllegalArgumentException("column-sparse " + rows + "x" + cols + ": " + columns.length + " columns need " + (long) rows * columns.length
          + " values, got " + values.length);
    }
    for (int k = 0; k < columns.length; k++) {
      if (columns[k] < 0 || columns[k] >= cols || (k > 0 && columns[k] <= columns[k - 1])) {
        throw new IllegalArgumentException("column-sparse " + rows + "x" + cols + ": columns must increase within [0, " + cols + "), got "
            + columns[k] + " at " + k);
      }
    }
    return new ColumnSparseMatrix(rows, cols, columns, values);
  }

  public int rows() {
    return rows;
  }

  public int cols() {
    return cols;
  }

  /** Whether every column is stored (then {@link #values} is the whole column-major matrix). */
  public boolean allColumns() {
    return columns == null;
  }

  /** The stored columns, increasing (a copy); every column when {@link #allColumns}. */
  public int[] columns() {
    if (columns == null) {
      int[] all = new int[cols];
      Arrays.setAll(all, j -> j);
      return all;
    }
    return columns.clone();
  }

  /** How many columns are stored. */
  public int storedColumns() {
    return columns == null ? cols : columns.length;
  }

  /** The k-th stored column's index. */
  public int column(int k) {
    return columns == null ? k : columns[k];
  }

  /** The stored values, column-major (rows × {@link #storedColumns}); the array itself, for loops over it. */
  public double[] values() {
    return values;
  }

  /** The dense rows × cols form. */
  public Matrix dense() {
    if (columns == null) {
      return new Matrix(rows, cols, values.clone());
    }
    double[] out = new double[rows * cols];
    for (int k = 0; k < columns.length; k++) {
      System.arraycopy(values, k * rows, out, columns[k] * rows, rows);
    }
    return new Matrix(rows, cols, out);
  }

  /**
   * this + other, as a fold's merge: when both hold every column, other is added into this one's array (a partial
   * owned by the fold) and this is returned; otherwise the union of their columns, each entry the same sum (a column
   * only one of them holds is that one's, exactly).
   */
  public ColumnSparseMatrix plus(ColumnSparseMatrix other) {
    if (rows != other.rows || cols != other.cols) {
      throw new IllegalArgumentException("cannot add column-sparse matrices of shapes " + rows + "x" + cols + " and " + other.rows + "x" + other.cols);
    }
    if (columns == null && other.columns == null) {
      Blas.axpy(1.0, other.values, values);
      return this;
    }
    int[] mine = columns();
    int[] theirs = other.columns();
    int[] union = new int[mine.length + theirs.length];
    int count = 0;
    for (int i = 0, j = 0; i < mine.length || j < theirs.length;) {
      int next = j >= theirs.length || (i < mine.length && mine[i] <= theirs[j]) ? mine[i] : theirs[j];
      union[count++] = next;
      i += i < mine.length && mine[i] == next ? 1 : 0;
      j += j < theirs.length && theirs[j] == next ? 1 : 0;
    }
    double[] out = new double[rows * count];
    for (int k = 0, i = 0, j = 0; k < count; k++) {
      int col = union[k];
      boolean inMine = i < mine.length && mine[i] == col;
      boolean inTheirs = j < theirs.length && theirs[j] == col;
      for (int r = 0; r < rows; r++) {
        double v = inMine ? values[i * rows + r] : 0.0;
        out[k * rows + r] = inTheirs ? v + other.values[j * rows + r] : v;
      }
      i += inMine ? 1 : 0;
      j += inTheirs ? 1 : 0;
    }
    return count == cols ? new ColumnSparseMatrix(rows, cols, null, out) : new ColumnSparseMatrix(rows, cols, Arrays.copyOf(union, count), out);
  }

  @Override
  public String toString() {
    return "ColumnSparseMatrix " + rows + "x" + cols + " (" + storedColumns() + " columns stored)";
  }
}
