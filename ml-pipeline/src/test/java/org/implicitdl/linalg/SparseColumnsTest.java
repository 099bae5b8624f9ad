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
