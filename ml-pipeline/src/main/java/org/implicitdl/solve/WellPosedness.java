package org.implicitdl.solve;

import java.util.Arrays;
import org.implicitdl.linalg.Blas;
import org.implicitdl.linalg.Matrix;

/**
 * Well-posedness of the implicit rule x = φ(Ax + Bu) (paper §3): matrix norms, the
 * Perron–Frobenius bound λ_pf(|A|) &lt; 1 (Theorem 2's scaling invariance), triangular
 * structure, and the projection onto {‖A‖∞ ≤ κ} (row-wise ℓ1-ball projection, Duchi et al. 2008).
 */
public final class WellPosedness {
  private static final int POWER_ITERATIONS = 5000;

  private WellPosedness() {}

  /** ‖A‖∞ = max_i Σ_j |A_ij| (largest absolute row sum). */
  public static double infNorm(Matrix a) {
    double[] sums = new double[a.rows()];
    double[] d = a.data();
    for (int j = 0; j < a.cols(); j++) {
      int off = j * a.rows();
      for (int i = 0; i < a.rows(); i++) {
        sums[i] += Math.abs(d[off + i]);
      }
    }
    return max(sums);
  }

  /** ‖A‖₁ = max_j Σ_i |A_ij| (largest absolute column sum). */
  public static double oneNorm(Matrix a) {
    double m = 0;
    double[] d = a.data();
    for (int j = 0; j < a.cols(); j++) {
      double s = 0;
      for (int i = 0; i < a.rows(); i++) {
        s += Math.abs(d[j * a.rows() + i]);
      }
      m = Math.max(m, s);
    }
    return m;
  }

  /** ‖A‖₂, the largest singular value, by power iteration on AᵀA (converges from below). */
  public static double twoNorm(Matrix a) {
    int n = a.cols();
    if (n == 0 || a.rows() == 0) {
      return 0;
    }
    double[] v = new double[n];
    Arrays.fill(v, 1.0 / Math.sqrt(n));
    double[] av = new double[a.rows()];
    double sigma = 0;
    for (int it = 0; it < POWER_ITERATIONS; it++) {
      Blas.gemv(1.0, a, false, v, 0.0, av);
      Blas.gemv(1.0, a, true, av, 0.0, v);
      double norm = Math.sqrt(Blas.dot(v, v));
      if (norm == 0) {
        return 0;
      }
      Blas.scal(1.0 / norm, v);
      double next = Math.sqrt(norm);
      if (Math.abs(next - sigma) <= 1e-13 * next) {
        return next;
      }
      sigma = next;
    }
    return sigma;
  }

  /**
   * The positive scaling s = (γI − |A|)⁻¹·1 for γ &gt; λ_pf(|A|); then |A|s &lt; γs, so the Picard
   * map contracts with factor below γ in ‖x‖_s = max_i |x_i|/s_i. Returns null when γ ≤ λ_pf
   * (the solve then has a non-positive entry: with v the left Perron vector, vᵀs = vᵀ1/(γ − λ_pf)).
   */
  public static double[] scalingFor(Matrix absA, double gamma) {
    int n = absA.rows();
    Matrix g = absA.copy();
    Blas.scal(-1.0, g.data());
    for (int i = 0; i < n; i++) {
      g.set(i, i, g.get(i, i) + gamma);
    }
    double[] ones = new double[n];
    Arrays.fill(ones, 1.0);
    Matrix s = new Matrix(n, 1, ones);
    if (!Blas.solveGeneral(g, s)) {
      return null;
    }
    double max = 0;
    for (double v : s.data()) {
      if (!(v > 0) || Double.isInfinite(v)) {
        return null;
      }
      max = Math.max(max, v);
    }
    Blas.scal(1.0 / max, s.data());
    return s.data();
  }

  /**
   * An upper bound on the Perron–Frobenius eigenvalue λ_pf(|A|), by bisection on γ with the
   * positivity test of {@link #scalingFor} (relative precision 1e-7); +∞ when it is ≥ 2‖A‖∞.
   */
  public static double perronFrobeniusBound(Matrix a) {
    Matrix abs = a.absolute();
    double hi = Math.max(1e-300, 2 * infNorm(abs));
    if (infNorm(abs) == 0) {
      return 0.0;
    }
    double lo = 0;
    if (scalingFor(abs, hi) == null) {
      return Double.POSITIVE_INFINITY;
    }
    while (hi - lo > 1e-7 * hi + 1e-300) {
      double mid = 0.5 * (lo + hi);
      if (scalingFor(abs, mid) != null) {
        hi = mid;
      } else {
        lo = mid;
      }
    }
    return hi;
  }

  /** max_i (|A| s)_i / s_i: an upper bound on λ_pf(|A|) for any positive s (Collatz–Wielandt). */
  public static double collatzWielandtUpper(Matrix absA, double[] s) {
    double[] as = new double[s.length];
    Blas.gemv(1.0, absA, false, s, 0.0, as);
    double m = 0;
    for (int i = 0; i < s.length; i++) {
      m = Math.max(m, as[i] / s[i]);
    }
    return m;
  }

  /** True when A_ij = 0 for every i &gt; j. */
  public static boolean isUpperTriangular(Matrix a) {
    int n = requireSquare(a);
    for (int j = 0; j < n; j++) {
      for (int i = j + 1; i < n; i++) {
        if (a.get(i, j) != 0.0) {
          return false;
        }
      }
    }
    return true;
  }

  /**
   * True when A is upper triangular and back-substitution solves x = φ(Ax + z) exactly: a zero
   * diagonal for any φ, or a diagonal in [0, 1) for a piecewise-linear φ (ReLU, leaky ReLU).
   */
  public static boolean admitsBackSubstitution(Matrix a, Activation activation) {
    if (!isUpperTriangular(a)) {
      return false;
    }
    for (int i = 0; i < a.rows(); i++) {
      double d = a.get(i, i);
      boolean ok = d == 0.0 || (activation.isPiecewiseLinear() && d >= 0.0 && d < 1.0);
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /**
   * The strongest certificate that holds: triangular (exact back-substitution), then ‖A‖∞ &lt; 1,
   * then λ_pf(|A|) &lt; 1. Triangular and Perron–Frobenius certificates carry the scaling
   * s = (γI − |A|)⁻¹·1 with γ a quarter of the way from λ_pf to 1, and its contraction factor,
   * so iterative solvers stay certified on them too.
   */
  public static Certificate certify(Matrix a, Activation activation) {
    int n = requireSquare(a);
    a.requireFinite("A");
    double inf = infNorm(a);
    double pf = perronFrobeniusBound(a);
    double[] ones = new double[n];
    Arrays.fill(ones, 1.0);
    double[] weights = null;
    double scaledContraction = Double.NaN;
    if (pf < 1.0) {
      Matrix abs = a.absolute();
      weights = scalingFor(abs, pf + (1.0 - pf) / 4);
      scaledContraction = weights == null ? Double.NaN : collatzWielandtUpper(abs, weights);
    }
    boolean scaled = weights != null && scaledContraction < 1.0;
    if (admitsBackSubstitution(a, activation) && scaled) {
      return new Certificate(Certificate.Condition.TRIANGULAR, scaledContraction, weights, inf, pf);
    }
    if (inf < 1.0) {
      return new Certificate(Certificate.Condition.INF_NORM, inf, ones, inf, pf);
    }
    if (scaled) {
      return new Certificate(Certificate.Condition.PERRON_FROBENIUS, scaledContraction, weights, inf, pf);
    }
    return new Certificate(Certificate.Condition.NONE, Double.NaN, ones, inf, pf);
  }

  /**
   * Euclidean projection of A onto {‖A‖∞ ≤ κ}: each row onto the ℓ1 ball of radius κ (rows
   * decouple because the constraint is a max over rows).
   */
  public static Matrix projectInfNorm(Matrix a, double kappa) {
    if (!(kappa >= 0) || Double.isInfinite(kappa)) {
      throw new IllegalArgumentException("kappa must be a finite number >= 0, got " + kappa);
    }
    Matrix out = a.copy();
    double[] row = new double[a.cols()];
    for (int i = 0; i < a.rows(); i++) {
      for (int j = 0; j < a.cols(); j++) {
        row[j] = a.get(i, j);
      }
      projectL1Ball(row, kappa);
      for (int j = 0; j < a.cols(); j++) {
        out.set(i, j, row[j]);
      }
    }
    return out;
  }

  /** In-place projection of v onto {‖v‖₁ ≤ radius} (sort-based, O(k log k)). */
  public static void projectL1Ball(double[] v, double radius) {
    double l1 = 0;
    for (double x : v) {
      l1 += Math.abs(x);
    }
    if (l1 <= radius) {
      return;
    }
    double[] u = new double[v.length];
    for (int k = 0; k < v.length; k++) {
      u[k] = Math.abs(v[k]);
    }
    Arrays.sort(u);
    double cumulative = 0;
    double theta = 0;
    for (int j = 1; j <= u.length; j++) {
      double uj = u[u.length - j];
      cumulative += uj;
      double t = (cumulative - radius) / j;
      if (uj - t > 0) {
        theta = t;
      } else {
        break;
      }
    }
    for (int k = 0; k < v.length; k++) {
      v[k] = Math.signum(v[k]) * Math.max(Math.abs(v[k]) - theta, 0.0);
    }
  }

  /**
   * Checks κ for the norm condition ‖A‖∞ ≤ κ: it certifies well-posedness only when
   * 0 &lt; κ &lt; 1, so anything else is an ill-posed parameter.
   */
  public static double requireKappa(double kappa) {
    if (!(kappa > 0.0 && kappa < 1.0)) {
      throw new IllegalArgumentException("kappa must lie in (0, 1) for the well-posedness condition ||A||_inf <= kappa, got " + kappa);
    }
    return kappa;
  }

  private static int requireSquare(Matrix a) {
    if (a.rows() != a.cols()) {
      throw new IllegalArgumentException("A must be square, got " + a.shape());
    }
    return a.rows();
  }

  private static double max(double[] v) {
    double m = 0;
    for (double x : v) {
      m = Math.max(m, x);
    }
    return m;
  }
}
