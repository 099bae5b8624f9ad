package org.implicitdl.linalg;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The sparse input form computes what the dense one does: every product, slice and join, to rounding. */
class SparseColumnsTest {
  /** A rows × cols block with about {@code density} of its entries non-zero (and some columns empty). */
  static Matrix sparseDense(int rows, int cols, double density, long seed) {
    Random r = new Random(seed);
    Matrix m = Matrix.zeros(rows, cols);
    for (int j = 0; j < cols; j++) {
      if (j % 7 == 3) {
        continue;
      }
      for (int i = 0; i < rows; i++) {
        if (r.nextDouble() < density) {
          m.set(i, j, r.nextGaussian() * 3);
        }
      }
    }
    return m;
  }

  private static Matrix gaussian(int rows, int cols, long seed) {
    Random r = new Random(seed);
    double[] d = new double[rows * cols];
    for (int k = 0; k < d.length; k++) {
      d[k] = r.nextGaussian();
    }
    return new Matrix(rows, cols, d);
  }

  private static void assertClose(Matrix expected, Matrix actual) {
    assertEquals(expected.rows(), actual.rows());
    assertEquals(expected.cols(), actual.cols());
    double scale = Math.max(1, expected.maxAbs());
    for (int k = 0; k < expected.data().length; k++) {
      assertEquals(expected.data()[k], actual.data()[k], 1e-12 * scale, "entry " + k);
    }
  }

  @Test
  void productsEqualTheDenseOnes() {
    for (long seed = 1; seed <= 5; seed++) {
      Matrix dense = sparseDense(40 + (int) seed, 23, 0.1 * seed, seed);
      SparseColumns sparse = SparseColumns.of(dense);
      assertEquals(dense, sparse.dense());
      Matrix left = gaussian(6, dense.rows(), seed + 10);
      assertClose(Blas.multiply(left, dense), sparse.leftProduct(left));
      Matrix g = gaussian(4, dense.cols(), seed + 20);
      assertClose(Blas.multiply(g, false, dense, true), sparse.productWithTranspose(g));
      // a wider left factor (a weight matrix with its bias column last): only its first rows() columns are read
      Matrix wide = gaussian(5, dense.rows() + 1, seed + 30);
      Matrix expected = Blas.multiply(wide.columnSlice(0, dense.rows()), dense);
      Matrix out = Matrix.zeros(5, dense.cols());
      sparse.multiplyLeftInto(wide.data(), 5, out.data());
      assertClose(expected, out);
    }
  }

  /** What the by-column loops compute, written out: the reference for the by-row order's bits. */
  private static Matrix byColumnLeftProduct(SparseColumns u, Matrix left) {
    Matrix dense = u.dense();
    Matrix out = Matrix.zeros(left.rows(), u.cols());
    for (int j = 0; j < u.cols(); j++) {
      for (int r = 0; r < u.rows(); r++) {
        double v = dense.get(r, j);
        for (int i = 0; v != 0 && i < left.rows(); i++) {
          out.set(i, j, out.get(i, j) + v * left.get(i, r));
        }
      }
    }
    return out;
  }

  /** G·Uᵀ by the by-column loops, written out. */
  private static Matrix byColumnProductWithTranspose(SparseColumns u, Matrix g) {
    Matrix dense = u.dense();
    Matrix out = Matrix.zeros(g.rows(), u.rows());
    for (int j = 0; j < u.cols(); j++) {
      for (int r = 0; r < u.rows(); r++) {
        double v = dense.get(r, j);
        for (int i = 0; v != 0 && i < g.rows(); i++) {
          out.set(i, r, out.get(i, r) + v * g.get(i, j));
        }
      }
    }
    return out;
  }

  @Test
  void largeFactorsTakenByRowGiveTheByColumnBits() {
    // 40 x 120,001 > BY_ROW_ABOVE entries: the drive of a wide model, taken by row
    int rows = 120_001;
    int cols = 37;
    Random r = new Random(3);
    int[] start = new int[cols + 1];
    java.util.List<Integer> index = new java.util.ArrayList<>();
    java.util.List<Double> value = new java.util.ArrayList<>();
    for (int j = 0; j < cols; j++) {
      java.util.TreeSet<Integer> present = new java.util.TreeSet<>();
      while (present.size() < (j % 5 == 2 ? 0 : 60)) {
        present.add(r.nextInt(rows));
      }
      for (int i : present) {
        index.add(i);
        value.add(r.nextGaussian());
      }
      start[j + 1] = index.size();
    }
    SparseColumns u = new SparseColumns(rows, cols, start, index.stream().mapToInt(Integer::intValue).toArray(),
        value.stream().mapToDouble(Double::doubleValue).toArray());
    Matrix left = gaussian(40, rows, 4);
    assertTrue((long) left.rows() * rows > SparseColumns.BY_ROW_ABOVE);
    assertEquals(byColumnLeftProduct(u, left), u.leftProduct(left));
    // the columns of a wider matrix, read in place (B's inside [A B])
    Matrix wider = Matrix.hstack(gaussian(40, 3, 6), left);
    Matrix inPlace = Matrix.zeros(40, cols);
    u.multiplyLeftInto(wider.data(), 3 * 40, 40, inPlace.data());
    assertEquals(byColumnLeftProduct(u, left), inPlace);
    Matrix g = gaussian(40, cols, 5);
    Matrix expected = byColumnProductWithTranspose(u, g);
    assertEquals(expected, u.productWithTranspose(g));
    ColumnSparseMatrix product = u.columnSparseProductWithTranspose(g);
    assertEquals(expected, product.dense());
    // only the rows present in the block are held
    assertEquals(new java.util.TreeSet<>(index).size(), product.storedColumns());
  }

  @Test
  void columnSparseSumsEqualTheDenseSums() {
    Matrix a = sparseDense(30, 12, 0.15, 21);
    Matrix b = sparseDense(30, 12, 0.15, 22);
    Matrix g = gaussian(4, 30, 23);
    // G·Uᵀ over two blocks of inputs (rows of U here: the inputs are a's and b's columns' transposes)
    SparseColumns ua = SparseColumns.of(a.transpose());
    SparseColumns ub = SparseColumns.of(b.transpose());
    ColumnSparseMatrix pa = ua.columnSparseProductWithTranspose(g);
    ColumnSparseMatrix pb = ub.columnSparseProductWithTranspose(g);
    Matrix expected = sum(ua.productWithTranspose(g), ub.productWithTranspose(g));
    assertEquals(expected, pa.plus(pb).dense());
    assertEquals(expected, pb.plus(pa).dense());
    // a dense partial and a column-sparse one; two dense ones add in place
    assertEquals(expected, ColumnSparseMatrix.of(ua.productWithTranspose(g)).plus(pb).dense());
    ColumnSparseMatrix whole = ColumnSparseMatrix.of(ua.productWithTranspose(g));
    assertSame(whole, whole.plus(ColumnSparseMatrix.of(ub.productWithTranspose(g))));
    assertEquals(expected, whole.dense());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ColumnSparseMatrix.ofColumns(2, 5, new int[] {3, 1}, new double[4]));
    assertTrue(e.getMessage().contains("columns must increase"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> pa.plus(ColumnSparseMatrix.of(Matrix.zeros(3, 12))));
  }

  private static Matrix sum(Matrix x, Matrix y) {
    Matrix out = x.copy();
    Blas.axpy(1.0, y.data(), out.data());
    return out;
  }

  @Test
  void slicesAndJoinsEqualTheDenseOnes() {
    Matrix a = sparseDense(30, 17, 0.2, 7);
    Matrix b = sparseDense(30, 9, 0.3, 8);
    SparseColumns sa = SparseColumns.of(a);
    SparseColumns sb = SparseColumns.of(b);
    assertEquals(a.columnSlice(3, 11), sa.columnSlice(3, 11).dense());
    assertEquals(a.columnSlice(5, 5), sa.columnSlice(5, 5).dense());
    int[] from = {2, 0};
    int[] to = {13, 9};
    Inputs joined = Inputs.columnsOf(List.of(sa, sb), from, to);
    assertInstanceOf(SparseColumns.class, joined);
    assertEquals(Matrix.columnsOf(List.of(a, b), from, to), joined.dense());
    // a sparse part makes the join sparse, with the same entries; dense parts alone stay dense
    Inputs mixed = Inputs.columnsOf(List.of(sa, b), from, to);
    assertInstanceOf(SparseColumns.class, mixed);
    assertEquals(Matrix.columnsOf(List.of(a, b), from, to), mixed.dense());
    assertInstanceOf(Matrix.class, Inputs.columnsOf(List.of(a, b), from, to));
    assertEquals(sa.storedEntries(), java.util.Arrays.stream(a.data()).filter(v -> v != 0).count());
  }

  @Test
  void aMalformedPatternIsAnException() {
    assertThrows(IllegalArgumentException.class, () -> new SparseColumns(3, 2, new int[] {0, 1}, new int[] {0}, new double[] {1}));
    assertThrows(IllegalArgumentException.class, () -> new SparseColumns(3, 1, new int[] {0, 2}, new int[] {2, 1}, new double[] {1, 2}));
    assertThrows(IllegalArgumentException.class, () -> new SparseColumns(3, 1, new int[] {0, 1}, new int[] {3}, new double[] {1}));
    assertThrows(IllegalArgumentException.class, () -> SparseColumns.of(Matrix.zeros(3, 2)).leftProduct(Matrix.zeros(2, 2)));
    assertThrows(IllegalArgumentException.class, () -> SparseColumns.of(Matrix.zeros(3, 2)).productWithTranspose(Matrix.zeros(2, 3)));
  }
}
