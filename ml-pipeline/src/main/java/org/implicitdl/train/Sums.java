package org.implicitdl.train;

import org.implicitdl.linalg.Matrix;

/**
 * Sufficient statistics gathered from data blocks: a list of matrix sums (Gram matrices
 * G = SSᵀ, cross moments H = TSᵀ, gradients) and scalar sums (loss parts, counts), each
 * added block by block and merged elementwise.
 */
public final class Sums implements Mergeable<Sums> {
  private static final long serialVersionUID = 1L;
  private final Matrix[] matrices;
  private final double[] scalars;
  private final double[] maxima;

  public Sums(Matrix[] matrices, double[] scalars) {
    this(matrices, scalars, new double[0]);
  }

  /** Sums with, besides, entries merged by max (e.g. the largest residual over blocks). */
  public Sums(Matrix[] matrices, double[] scalars, double[] maxima) {
    this.matrices = matrices;
    this.scalars = scalars;
    this.maxima = maxima;
  }

  /** Empty sums (zeros) with the given matrix shapes {rows, cols} and scalar count. */
  public static Sums zeros(int[][] shapes, int scalarCount) {
    Matrix[] m = new Matrix[shapes.length];
    for (int k = 0; k < shapes.length; k++) {
      m[k] = Matrix.zeros(shapes[k][0], shapes[k][1]);
    }
    return new Sums(m, new double[scalarCount]);
  }

  public Matrix matrix(int k) {
    return matrices[k];
  }

  public int matrixCount() {
    return matrices.length;
  }

  /**
   * One pass, two folds: these statistics followed by {@code other}'s (matrices, scalars and
   * maxima each appended after this one's).
   */
  public Sums joinedWith(Sums other) {
    Matrix[] m = java.util.Arrays.copyOf(matrices, matrices.length + other.matrices.length);
    System.arraycopy(other.matrices, 0, m, matrices.length, other.matrices.length);
    return new Sums(m, concat(scalars, other.scalars), concat(maxima, other.maxima));
  }

  private static double[] concat(double[] a, double[] b) {
    double[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  public double scalar(int k) {
    return scalars[k];
  }

  public double maximum(int k) {
    return maxima[k];
  }

  @Override
  public Sums merge(Sums other) {
    if (other.matrices.length != matrices.length || other.scalars.length != scalars.length || other.maxima.length != maxima.length) {
      throw new IllegalArgumentException("cannot merge statistics of different layouts");
    }
    for (int k = 0; k < matrices.length; k++) {
      double[] a = matrices[k].data();
      double[] b = other.matrices[k].data();
      if (a.length != b.length) {
        throw new IllegalArgumentException("statistic " + k + " shapes differ: " + matrices[k].shape() + " vs " + other.matrices[k].shape());
      }
      for (int i = 0; i < a.length; i++) {
        a[i] += b[i];
      }
    }
    for (int k = 0; k < scalars.length; k++) {
      scalars[k] += other.scalars[k];
    }
    for (int k = 0; k < maxima.length; k++) {
      maxima[k] = Math.max(maxima[k], other.maxima[k]);
    }
    return this;
  }
}
