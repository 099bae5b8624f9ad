package org.implicitdl.linalg;

import java.util.List;

/**
 * A block of input columns U (rows = inputs, one column per data point), dense or sparse: the one
 * operand of the training and prediction products that may be sparse. Every product the real rule
 * (paper eq. 1) and its gradient (design §3) take with U goes through here — the drive B·U, the
 * readout D·U, the gradient sums W·Uᵀ and G·Uᵀ — so a wide, sparse input costs its non-zeros,
 * not rows × columns. Dense blocks are {@link Matrix}; sparse ones {@link SparseColumns}.
 */
public interface Inputs extends java.io.Serializable {
  int rows();

  int cols();

  /** out (k×cols, column-major, k = {@code leftRows}) += L · U, where L's columns 0..rows−1 start at i·leftRows in {@code left}. */
  default void multiplyLeftInto(double[] left, int leftRows, double[] out) {
    multiplyLeftInto(left, 0, leftRows, out);
  }

  /**
   * The same with L's column i at {@code leftOffset} + i·leftRows: the columns of a larger matrix (B's inside [A B]),
   * without a copy of them.
   */
  void multiplyLeftInto(double[] left, int leftOffset, int leftRows, double[] out);

  /** L · U for L with {@code rows()} columns. */
  default Matrix leftProduct(Matrix left) {
    if (left.cols() != rows()) {
      throw new IllegalArgumentException("product L·U: L is " + left.shape() + ", U has " + rows() + " rows");
    }
    Matrix out = Matrix.zeros(left.rows(), cols());
    multiplyLeftInto(left.data(), left.rows(), out.data());
    return out;
  }

  /** G · Uᵀ for G with {@code cols()} columns: k × rows. */
  default Matrix productWithTranspose(Matrix g) {
    Matrix out = Matrix.zeros(g.rows(), rows());
    addProductWithTranspose(g, out.data(), 0);
    return out;
  }

  /**
   * G · Uᵀ holding only the columns (inputs) that can be non-zero: every one for a dense block, those present in a
   * sparse one. The gradient ∇B of a mini-batch of hashed inputs is this.
   */
  default ColumnSparseMatrix columnSparseProductWithTranspose(Matrix g) {
    return ColumnSparseMatrix.of(productWithTranspose(g));
  }

  /** out[offset ...] (k × rows, column-major) += G · Uᵀ: a sum over blocks without a matrix per block. */
  void addProductWithTranspose(Matrix g, double[] out, int offset);

  /** Columns [from, to) as new inputs of the same kind. */
  Inputs columnSlice(int from, int to);

  /** These inputs as a dense matrix (itself when already dense). */
  Matrix dense();

  /** Entries stored: rows × cols for dense blocks, the non-zeros for sparse ones. */
  long storedEntries();

  /**
   * Columns [from_k, to_k) of each part, side by side: sparse when any part is sparse (a dense part is converted: at
   * p = 10⁵ the sparse parts' dense form would be gigabytes), dense otherwise.
   */
  static Inputs columnsOf(List<? extends Inputs> parts, int[] from, int[] to) {
    if (parts.stream().anyMatch(p -> p instanceof SparseColumns)) {
      return SparseColumns.columnsOf(parts.stream().map(p -> p instanceof SparseColumns s ? s : SparseColumns.of(p.dense())).toList(), from, to);
    }
    return Matrix.columnsOf(parts.stream().map(Inputs::dense).toList(), from, to);
  }
}
