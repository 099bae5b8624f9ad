package org.implicitdl.linalg;

import dev.ludovic.netlib.blas.BLAS;
import dev.ludovic.netlib.lapack.LAPACK;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.LongAdder;
import org.netlib.util.intW;

/**
 * The BLAS/LAPACK kernels the project uses, through dev.ludovic.netlib (the BLAS behind Breeze
 * and MLlib): native OpenBLAS when {@code libblas.so.3} is loadable, the JDK Vector API when
 * {@code --add-modules jdk.incubator.vector} is given, plain Java otherwise.
 */
public final class Blas {
  private static final BLAS BLAS_IMPL = BLAS.getInstance();
  /**
   * Pure-Java LAPACK on purpose: native OpenBLAS's threaded dgetrf/dpotrf overflow the default
   * 1 MiB stack of JVM threads (seen here as a silent SIGSEGV at n = 30). LAPACK is used only for
   * small driver-side systems, so the Java build costs little.
   */
  private static final LAPACK LAPACK_IMPL = dev.ludovic.netlib.lapack.JavaLAPACK.getInstance();

  /** Floating-point operations issued through gemm/gemv in this JVM (for benchmarks). */
  private static final LongAdder FLOPS = new LongAdder();

  private Blas() {}

  /** The (pure-Java) LAPACK for factorizations the wrappers here do not cover (e.g. the SVD of {@link LowRank}). */
  static LAPACK lapack() {
    return LAPACK_IMPL;
  }

  /** Floating-point operations counted so far (2mnk per gemm, 2mn per gemv). */
  public static long flops() {
    return FLOPS.sum();
  }

  /** Adds flops done outside BLAS (the sparse products of {@link SparseColumns}) to {@link #flops()}. */
  static void countFlops(long flops) {
    FLOPS.add(flops);
  }

  /** The class name of the active BLAS implementation (JNIBLAS = native, VectorBLAS, Java…). */
  public static String implementation() {
    return BLAS_IMPL.getClass().getSimpleName();
  }

  /** True when native BLAS (e.g. OpenBLAS) is in use. */
  public static boolean isNative() {
    return implementation().contains("JNI");
  }

  /** C ← alpha · op(A) · op(B) + beta · C. */
  public static void gemm(double alpha, Matrix a, boolean transA, Matrix b, boolean transB, double beta, Matrix c) {
    int m = transA ? a.cols() : a.rows();
    int k = transA ? a.rows() : a.cols();
    int kb = transB ? b.cols() : b.rows();
    int n = transB ? b.rows() : b.cols();
    if (k != kb || c.rows() != m || c.cols() != n) {
      throw new IllegalArgumentException("gemm shapes: op(A) " + m + "x" + k + ", op(B) " + kb + "x" + n + ", C " + c.shape());
    }
    if (m == 0 || n == 0) {
      return;
    }
    if (k == 0) {
      scal(beta, c.data());
      return;
    }
    FLOPS.add(2L * m * n * k);
    BLAS_IMPL.dgemm(transA ? "T" : "N", transB ? "T" : "N", m, n, k, alpha,
        a.data(), Math.max(1, a.rows()), b.data(), Math.max(1, b.rows()), beta, c.data(), Math.max(1, c.rows()));
  }

  /** Raw dgemm on sub-blocks addressed by offsets and leading dimensions (column-major). */
  public static void gemm(boolean transA, boolean transB, int m, int n, int k, double alpha,
      double[] a, int offA, int lda, double[] b, int offB, int ldb, double beta, double[] c, int offC, int ldc) {
    if (m == 0 || n == 0 || k == 0) {
      return;
    }
    FLOPS.add(2L * m * n * k);
    BLAS_IMPL.dgemm(transA ? "T" : "N", transB ? "T" : "N", m, n, k, alpha, a, offA, lda, b, offB, ldb, beta, c, offC, ldc);
  }

  /** op(A) · op(B) as a new matrix. */
  public static Matrix multiply(Matrix a, boolean transA, Matrix b, boolean transB) {
    Matrix c = Matrix.zeros(transA ? a.cols() : a.rows(), transB ? b.rows() : b.cols());
    gemm(1.0, a, transA, b, transB, 0.0, c);
    return c;
  }

  public static Matrix multiply(Matrix a, Matrix b) {
    return multiply(a, false, b, false);
  }

  /** Below this many flops a product is not worth splitting across threads. */
  private static final long PARALLEL_MIN_FLOPS = 20_000_000L;
  private static final int DRIVER_THREADS = Runtime.getRuntime().availableProcessors();
  private static final ExecutorService DRIVER_POOL = Executors.newFixedThreadPool(
      DRIVER_THREADS, r -> {
        Thread t = new Thread(r, "implicitdl-driver-blas");
        t.setDaemon(true);
        return t;
      });

  /**
   * A · B with the columns of B split across this JVM's cores, one single-threaded dgemm per
   * slice (column slices of column-major matrices are contiguous, so no copies). For driver-side
   * steps, which run while the executors' cores wait; small products stay on the calling thread.
   */
  public static Matrix parallelMultiply(Matrix a, Matrix b) {
    int m = a.rows();
    int k = a.cols();
    int n = b.cols();
    if (b.rows() != k) {
      throw new IllegalArgumentException("multiply shapes: A " + a.shape() + ", B " + b.shape());
    }
    Matrix c = Matrix.zeros(m, n);
    int slices = (int) Math.min(DRIVER_THREADS, Math.max(1, 2L * m * n * k / PARALLEL_MIN_FLOPS));
    if (slices <= 1 || n < slices) {
      gemm(1.0, a, false, b, false, 0.0, c);
      return c;
    }
    List<Future<?>> parts = new ArrayList<>();
    for (int s = 0; s < slices; s++) {
      int from = (int) ((long) n * s / slices);
      int to = (int) ((long) n * (s + 1) / slices);
      parts.add(DRIVER_POOL.submit(() -> gemm(false, false, m, to - from, k, 1.0, a.data(), 0, Math.max(1, m),
          b.data(), from * k, Math.max(1, k), 0.0, c.data(), from * m, Math.max(1, m))));
    }
    for (Future<?> f : parts) {
      try {
        f.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted in a driver-side product", e);
      } catch (ExecutionException e) {
        throw new IllegalStateException("driver-side product failed: " + e.getCause(), e.getCause());
      }
    }
    return c;
  }

  /** C ← alpha · A · Aᵀ + beta · C (full symmetric result; both triangles filled). */
  public static void syrk(double alpha, Matrix a, double beta, Matrix c) {
    int n = a.rows();
    if (c.rows() != n || c.cols() != n) {
      throw new IllegalArgumentException("syrk: C must be " + n + "x" + n + ", got " + c.shape());
    }
    if (a.cols() == 0 || n == 0) {
      scal(beta, c.data());
      return;
    }
    BLAS_IMPL.dsyrk("U", "N", n, a.cols(), alpha, a.data(), Math.max(1, n), beta, c.data(), Math.max(1, n));
    for (int j = 0; j < n; j++) {
      for (int i = j + 1; i < n; i++) {
        c.set(i, j, c.get(j, i));
      }
    }
  }

  /** y ← alpha · op(A) · x + beta · y. */
  public static void gemv(double alpha, Matrix a, boolean trans, double[] x, double beta, double[] y) {
    int m = trans ? a.cols() : a.rows();
    int k = trans ? a.rows() : a.cols();
    if (x.length != k || y.length != m) {
      throw new IllegalArgumentException("gemv shapes: A " + a.shape() + (trans ? "ᵀ" : "") + ", x " + x.length + ", y " + y.length);
    }
    if (m == 0) {
      return;
    }
    if (k == 0) {
      scal(beta, y);
      return;
    }
    FLOPS.add(2L * m * k);
    BLAS_IMPL.dgemv(trans ? "T" : "N", a.rows(), a.cols(), alpha, a.data(), Math.max(1, a.rows()), x, 1, beta, y, 1);
  }

  /** y ← alpha · x + y. */
  public static void axpy(double alpha, double[] x, double[] y) {
    if (x.length != y.length) {
      throw new IllegalArgumentException("axpy lengths differ: " + x.length + " vs " + y.length);
    }
    BLAS_IMPL.daxpy(x.length, alpha, x, 1, y, 1);
  }

  /** y[yOffset ..] ← alpha · x[xOffset ..] + y[yOffset ..] over {@code length} entries (e.g. one column into another). */
  public static void axpy(int length, double alpha, double[] x, int xOffset, double[] y, int yOffset) {
    if (xOffset < 0 || yOffset < 0 || xOffset + length > x.length || yOffset + length > y.length) {
      throw new IllegalArgumentException("axpy of " + length + " entries from offsets " + xOffset + ", " + yOffset
          + " runs past arrays of " + x.length + " and " + y.length);
    }
    BLAS_IMPL.daxpy(length, alpha, x, xOffset, 1, y, yOffset, 1);
  }

  public static double dot(double[] x, double[] y) {
    if (x.length != y.length) {
      throw new IllegalArgumentException("dot lengths differ: " + x.length + " vs " + y.length);
    }
    return x.length == 0 ? 0.0 : BLAS_IMPL.ddot(x.length, x, 1, y, 1);
  }

  public static void scal(double alpha, double[] x) {
    if (alpha == 0.0) {
      Arrays.fill(x, 0.0);
    } else if (x.length > 0) {
      BLAS_IMPL.dscal(x.length, alpha, x, 1);
    }
  }

  /**
   * Solves G X = R for symmetric positive definite G (Cholesky); R is overwritten with X. Returns
   * false when G is not numerically positive definite (a result, not an error).
   */
  public static boolean solveSpd(Matrix g, Matrix r) {
    Cholesky factor = Cholesky.of(g);
    if (factor == null) {
      return false;
    }
    factor.solve(r);
    return true;
  }

  /**
   * The Cholesky factor G = L Lᵀ of a symmetric positive definite matrix, kept to solve G X = R
   * for right-hand sides that arrive one after another (a step's majorize–minimize rounds share
   * their G): n³/3 flops once, then 2n² per column.
   */
  public static final class Cholesky {
    private final int n;
    private final double[] factor;

    private Cholesky(int n, double[] factor) {
      this.n = n;
      this.factor = factor;
    }

    /** The factor of G, or null when G is not numerically positive definite. */
    public static Cholesky of(Matrix g) {
      int n = g.rows();
      if (g.cols() != n) {
        throw new IllegalArgumentException("Cholesky of a non-square matrix " + g.shape());
      }
      // one spare column: netlib's bounds checks take a sub-block's last column as full height
      double[] factor = Arrays.copyOf(g.data(), n * (n + 1));
      return blockedCholesky(factor, n) ? new Cholesky(n, factor) : null;
    }

    /** Overwrites R with G⁻¹R. */
    public void solve(Matrix r) {
      if (r.rows() != n) {
        throw new IllegalArgumentException("Cholesky solve: G is " + n + "x" + n + ", R " + r.shape());
      }
      int m = r.cols();
      if (n == 0 || m == 0) {
        return;
      }
      BLAS_IMPL.dtrsm("L", "L", "N", "N", n, m, 1.0, factor, 0, n, r.data(), 0, n);
      BLAS_IMPL.dtrsm("L", "L", "T", "N", n, m, 1.0, factor, 0, n, r.data(), 0, n);
      FLOPS.add(2L * n * n * m);
    }

    /** Overwrites R with L⁻¹R: half of {@link #solve}, for a change of basis by the factor. */
    public void solveLower(Matrix r) {
      if (r.rows() != n) {
        throw new IllegalArgumentException("triangular solve: L is " + n + "x" + n + ", R " + r.shape());
      }
      if (n > 0 && r.cols() > 0) {
        BLAS_IMPL.dtrsm("L", "L", "N", "N", n, r.cols(), 1.0, factor, 0, n, r.data(), 0, n);
        FLOPS.add((long) n * n * r.cols());
      }
    }

    /** Lᵀ, the upper triangular factor (zeros below the diagonal). */
    public Matrix upper() {
      Matrix u = Matrix.zeros(n, n);
      double[] ud = u.data();
      for (int j = 0; j < n; j++) {
        for (int i = j; i < n; i++) {
          ud[j + i * n] = factor[i + j * n];
        }
      }
      return u;
    }
  }

  private static final int CHOLESKY_BLOCK = 96;

  /**
   * G = L Lᵀ in place (lower triangle), right-looking and blocked: LAPACK's dpotrf (Java) on the
   * diagonal blocks, the BLAS-3 dtrsm/dsyrk of the active BLAS for the panels and the trailing
   * matrix, where nearly all of the n³/3 flops are. False when G is not positive definite.
   */
  private static boolean blockedCholesky(double[] a, int n) {
    for (int k = 0; k < n; k += CHOLESKY_BLOCK) {
      int kb = Math.min(CHOLESKY_BLOCK, n - k);
      intW info = new intW(0);
      LAPACK_IMPL.dpotrf("L", kb, a, k * n + k, n, info);
      if (info.val != 0) {
        return false;
      }
      int rest = n - k - kb;
      if (rest > 0) {
        BLAS_IMPL.dtrsm("R", "L", "T", "N", rest, kb, 1.0, a, k * n + k, n, a, k * n + k + kb, n);
        BLAS_IMPL.dsyrk("L", "N", rest, kb, -1.0, a, k * n + k + kb, n, 1.0, a, (k + kb) * n + k + kb, n);
      }
    }
    FLOPS.add((long) n * n * n / 3);
    return true;
  }

  /**
   * Solves G X = R for square G (LU with partial pivoting, LAPACK dgesv); R is overwritten with
   * X. Returns false when G is singular.
   */
  public static boolean solveGeneral(Matrix g, Matrix r) {
    int n = g.rows();
    if (g.cols() != n || r.rows() != n) {
      throw new IllegalArgumentException("solveGeneral: G " + g.shape() + ", R " + r.shape());
    }
    if (n == 0 || r.cols() == 0) {
      return true;
    }
    Matrix work = g.copy();
    int[] pivots = new int[n];
    intW info = new intW(0);
    LAPACK_IMPL.dgesv(n, r.cols(), work.data(), n, pivots, r.data(), n, info);
    return info.val == 0;
  }

  /**
   * The eigenvalues of a symmetric matrix, ascending (LAPACK dsyev, values only; the lower triangle is read). Returns
   * null when the iteration does not converge.
   */
  public static double[] symmetricEigenvalues(Matrix g) {
    int n = g.rows();
    if (g.cols() != n) {
      throw new IllegalArgumentException("symmetricEigenvalues of a non-square matrix " + g.shape());
    }
    double[] values = new double[n];
    if (n == 0) {
      return values;
    }
    double[] a = g.data().clone();
    double[] size = new double[1];
    intW info = new intW(0);
    LAPACK_IMPL.dsyev("N", "L", n, a, n, values, size, -1, info);
    double[] work = new double[Math.max(1, (int) size[0])];
    LAPACK_IMPL.dsyev("N", "L", n, a, n, values, work, work.length, info);
    return info.val == 0 ? values : null;
  }
}
