package org.implicitdl.solve;

import java.util.Arrays;
import org.implicitdl.linalg.Blas;
import org.implicitdl.linalg.Matrix;

/**
 * Well-posedness of the implicit rule x = φ(Ax + Bu) (paper §3): matrix norms, the
 * Perron–Frobenius bound λ_pf(|A|) &lt; 1 (Theorem 2's scaling invariance), triangular
 * structure, and the projection onto {‖A‖∞ ≤ κ} (row-wise ℓ1-ball projection; its threshold by Condat 2016).
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

  /**
   * In-place projection of v onto {‖v‖₁ ≤ radius}: v itself when inside, else sign(v)·max(|v| − θ, 0)
   * with θ the threshold of the projection of |v| onto the simplex {x ≥ 0, Σx = radius}
   * ({@link #simplexThreshold}). NaN entries make the result NaN.
   */
  public static void projectL1Ball(double[] v, double radius) {
    double l1 = 0;
    for (double x : v) {
      l1 += Math.abs(x);
    }
    if (l1 <= radius) {
      return;
    }
    double[] magnitudes = new double[v.length];
    for (int k = 0; k < v.length; k++) {
      magnitudes[k] = Math.abs(v[k]);
    }
    double theta = Double.isNaN(l1) ? Double.NaN : simplexThreshold(magnitudes, radius);
    for (int k = 0; k < v.length; k++) {
      v[k] = Math.signum(v[k]) * Math.max(Math.abs(v[k]) - theta, 0.0);
    }
  }

  /**
   * The threshold τ of the Euclidean projection of y ≥ 0 (Σy &gt; a) onto the simplex {x ≥ 0, Σx = a}:
   * x = max(y − τ, 0). Condat's algorithm (Condat 2016, "Fast projection onto the simplex and the
   * ℓ1 ball", Algorithm 3), without a sort: linear in practice, where a sort-based threshold is
   * O(k log k) — the ℓ1-ball projection runs on every row of A after every optimizer step. The list v
   * holds the candidates of the support; ρ is the threshold they imply.
   */
  static double simplexThreshold(double[] y, double a) {
    if (!(a > 0)) {
      return Arrays.stream(y).max().orElse(0.0); // the ball is the origin
    }
    double[] v = new double[y.length];
    double[] set = new double[y.length];
    int size = 1;
    int setSize = 0;
    v[0] = y[0];
    double rho = y[0] - a;
    for (int k = 1; k < y.length; k++) {
      double yk = y[k];
      if (yk > rho) {
        rho += (yk - rho) / (size + 1);
        if (rho > yk - a) {
          v[size++] = yk;
        } else {
          System.arraycopy(v, 0, set, setSize, size);
          setSize += size;
          v[0] = yk;
          size = 1;
          rho = yk - a;
        }
      }
    }
    for (int k = 0; k < setSize; k++) {
      if (set[k] > rho) {
        v[size++] = set[k];
        rho += (set[k] - rho) / size;
      }
    }
    int before;
    do {
      before = size;
      int kept = 0;
      for (int k = 0; k < before; k++) {
        if (v[k] <= rho && size > 1) {
          size--;
          rho += (rho - v[k]) / size;
        } else {
          v[kept++] = v[k];
        }
      }
    } while (size != before);
    // τ from the support found, summed afresh: the running updates of ρ carry rounding from every step
    double sum = 0;
    for (int k = 0; k < size; k++) {
      sum += v[k];
    }
    return (sum - a) / size;
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
