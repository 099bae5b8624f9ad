package org.implicitdl.linalg;

import org.netlib.util.intW;

/**
 * A factored square matrix A = L Rᵀ with L, R ∈ ℝⁿˣᵏ (paper §6.3): a product A·X costs 2nkm
 * flops as L(RᵀX) instead of n²m. Built from A by the singular value decomposition
 * A = U Σ Vᵀ (LAPACK dgesvd): L = U_k Σ_k, R = V_k, the best rank-k approximation in every
 * unitarily invariant norm (Eckart–Young), which makes {@link #truncated} the projection onto
 * {rank ≤ k} that low-rank training steps with.
 *
 * @param left L (n×k)
 * @param right R (n×k)
 */
public record LowRank(Matrix left, Matrix right) implements java.io.Serializable {
  /** Relative size below which a singular value counts as zero in {@link #exact}. */
  public static final double RANK_TOLERANCE = 1e-12;

  public LowRank {
    if (left.rows() != right.rows() || left.cols() != right.cols()) {
      throw new IllegalArgumentException("low-rank factors must have equal shapes, got L " + left.shape() + " and R " + right.shape());
    }
  }

  public int rank() {
    return left.cols();
  }

  public int dim() {
    return left.rows();
  }

  /** L Rᵀ as a dense n×n matrix. */
  public Matrix product() {
    return Blas.multiply(left, false, right, true);
  }

  /** The best rank-k approximation of square A (k ≥ 1; k ≥ n keeps every singular value). */
  public static LowRank truncated(Matrix a, int k) {
    requireSquare(a);
    if (k < 1) {
      throw new IllegalArgumentException("rank must be >= 1, got " + k);
    }
    Svd svd = Svd.of(a);
    return svd.factors(Math.min(k, a.rows()));
  }

  /**
   * The exact factorization: every singular value above {@link #RANK_TOLERANCE}·σ₁ kept, so
   * L Rᵀ equals A to that relative accuracy. A zero matrix gives rank 0.
   */
  public static LowRank exact(Matrix a) {
    requireSquare(a);
    Svd svd = Svd.of(a);
    int k = 0;
    double top = svd.values.length == 0 ? 0 : svd.values[0];
    while (k < svd.values.length && svd.values[k] > RANK_TOLERANCE * top) {
      k++;
    }
    return svd.factors(k);
  }

  /**
   * A's exact low-rank factors when A has rank r with 2r &lt; n/2 (sweeps then cost at most half
   * of a dense one), else null. A seeded Gaussian sketch Y = AΩ with s = ⌊n/4⌋ columns finds the
   * candidate range Q (Y's left singular vectors above {@link #RANK_TOLERANCE}); the answer is
   * L = Q, R = AᵀQ only if ‖A − QQᵀA‖_max ≤ {@link #RANK_TOLERANCE}·‖A‖_max is then checked, so a
   * result is never approximate whatever the sketch drew. O(n²s) flops, once per model.
   */
  public static LowRank discover(Matrix a) {
    int n = a.rows();
    int s = n / 4;
    if (n < 32 || a.cols() != n) {
      return null;
    }
    java.util.Random random = new java.util.Random(n);
    Matrix omega = Matrix.zeros(n, s);
    for (int k = 0; k < omega.data().length; k++) {
      omega.data()[k] = random.nextGaussian();
    }
    Matrix y = Blas.multiply(a, omega);
    Svd range = Svd.of(y);
    int r = 0;
    double top = range.values.length == 0 ? 0 : range.values[0];
    while (r < range.values.length && range.values[r] > RANK_TOLERANCE * top) {
      r++;
    }
    if (r >= s || 4 * r >= n) {
      return null;
    }
    Matrix q = range.u.columnSlice(0, r);
    Matrix right = Blas.multiply(a, true, q, false);
    LowRank factors = new LowRank(q, right);
    Matrix error = factors.product();
    double[] ed = error.data();
    double[] ad = a.data();
    for (int k = 0; k < ed.length; k++) {
      ed[k] -= ad[k];
    }
    return error.maxAbs() <= RANK_TOLERANCE * Math.max(a.maxAbs(), Double.MIN_NORMAL) ? factors : null;
  }

  /** out ← L(Rᵀ·x) on the first {@code cols} columns of n-row column-major buffers; {@code inner} holds k·cols. */
  public void multiply(double[] x, double beta, double[] out, int cols, double[] inner) {
    int n = dim();
    int k = rank();
    if (k == 0) {
      if (beta == 0) {
        java.util.Arrays.fill(out, 0, n * cols, 0.0);
      }
      return;
    }
    Blas.gemm(true, false, k, cols, n, 1.0, right.data(), 0, n, x, 0, n, 0.0, inner, 0, k);
    Blas.gemm(false, false, n, cols, k, 1.0, left.data(), 0, n, inner, 0, k, beta, out, 0, n);
  }

  private static void requireSquare(Matrix a) {
    if (a.rows() != a.cols()) {
      throw new IllegalArgumentException("low-rank factorization needs a square matrix, got " + a.shape());
    }
  }

  /** The singular values and vectors of a square matrix. */
  private record Svd(Matrix u, double[] values, Matrix vt) {
    /** The thin SVD of an m×c matrix with m ≥ c. */
    static Svd of(Matrix a) {
      int m = a.rows();
      int n = a.cols();
      if (n > m) {
        throw new IllegalArgumentException("thin SVD needs rows >= columns, got " + a.shape());
      }
      Matrix work = a.copy();
      double[] s = new double[n];
      Matrix u = Matrix.zeros(m, n);
      Matrix vt = Matrix.zeros(n, n);
      if (n == 0) {
        return new Svd(u, s, vt);
      }
      intW info = new intW(0);
      double[] query = new double[1];
      Blas.lapack().dgesvd("S", "S", m, n, work.data(), m, s, u.data(), m, vt.data(), n, query, -1, info);
      double[] scratch = new double[Math.max(1, (int) query[0])];
      Blas.lapack().dgesvd("S", "S", m, n, work.data(), m, s, u.data(), m, vt.data(), n, scratch, scratch.length, info);
      if (info.val != 0) {
        throw new ArithmeticException("singular value decomposition did not converge (LAPACK info " + info.val + ")");
      }
      return new Svd(u, s, vt);
    }

    LowRank factors(int k) {
      int n = u.rows();
      Matrix l = Matrix.zeros(n, k);
      Matrix r = Matrix.zeros(n, k);
      for (int c = 0; c < k; c++) {
        for (int i = 0; i < n; i++) {
          l.set(i, c, u.get(i, c) * values[c]);
          r.set(i, c, vt.get(c, i));
        }
      }
      return new LowRank(l, r);
    }
  }
}
