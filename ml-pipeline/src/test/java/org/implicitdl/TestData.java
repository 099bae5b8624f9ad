package org.implicitdl;

import java.util.Random;
import org.implicitdl.linalg.Matrix;

/** Seeded random matrices for tests. */
public final class TestData {
  private TestData() {}

  public static Matrix gaussian(int rows, int cols, double scale, long seed) {
    Random r = new Random(seed);
    double[] d = new double[rows * cols];
    for (int k = 0; k < d.length; k++) {
      d[k] = scale * r.nextGaussian();
    }
    return new Matrix(rows, cols, d);
  }

  public static double maxAbsDiff(Matrix x, Matrix y) {
    double m = 0;
    for (int k = 0; k < x.data().length; k++) {
      m = Math.max(m, Math.abs(x.data()[k] - y.data()[k]));
    }
    return m;
  }
}
