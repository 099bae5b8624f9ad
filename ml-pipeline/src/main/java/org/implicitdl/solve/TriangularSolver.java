package org.implicitdl.solve;

import java.util.ArrayList;
import java.util.List;
import org.implicitdl.linalg.Blas;
import org.implicitdl.linalg.Matrix;

/**
 * Exact back-substitution for upper-triangular A (feedforward nets, paper §2.2): rows split into
 * contiguous blocks whose diagonal block of A is diagonal (the layers of a converted network);
 * blocks are solved bottom-up, each with one dgemm:
 * X_blk = φ(W) / (1 − diag(A_blk)·φ'(W)), W = Z_blk + A_blk,below · X_below.
 * The diagonal term is exact for piecewise-linear φ; for other φ the diagonal must be zero.
 */
public final class TriangularSolver implements FixedPointSolver {

  @Override
  public FixedPointResult solve(Matrix a, Matrix drive, Activation activation, Certificate certificate, Matrix start) {
    int n = FixedPointSolver.requireShapes(a, drive, start);
    if (!WellPosedness.admitsBackSubstitution(a, activation)) {
      throw new IllegalArgumentException("back-substitution needs upper-triangular A with a diagonal it can solve exactly");
    }
    int m = drive.cols();
    Matrix x = drive.copy();
    double[] xd = x.data();
    double[] ad = a.data();
    List<int[]> blocks = diagonalBlocks(a);
    for (int[] blk : blocks) {
      int s = blk[0];
      int e = blk[1];
      Blas.gemm(false, false, e - s, m, n - e, 1.0, ad, s + e * n, n, xd, e, n, 1.0, xd, s, n);
      for (int j = 0; j < m; j++) {
        for (int i = s; i < e; i++) {
          double w = xd[i + j * n];
          double diag = ad[i + i * n];
          xd[i + j * n] = diag == 0.0 ? activation.apply(w) : activation.apply(w) / (1.0 - diag * activation.derivative(w));
        }
      }
    }
    return new FixedPointResult(x, 1, 0.0, 0.0, true, "back-substitution");
  }

  /** Contiguous [start, end) row ranges, bottom-up, within which A is diagonal. */
  static List<int[]> diagonalBlocks(Matrix a) {
    int n = a.rows();
    List<int[]> blocks = new ArrayList<>();
    int end = n;
    while (end > 0) {
      int start = end - 1;
      while (start > 0 && rowIsZero(a, start - 1, start, end)) {
        start--;
      }
      blocks.add(new int[] {start, end});
      end = start;
    }
    return blocks;
  }

  private static boolean rowIsZero(Matrix a, int row, int from, int to) {
    for (int j = from; j < to; j++) {
      if (a.get(row, j) != 0.0) {
        return false;
      }
    }
    return true;
  }
}
