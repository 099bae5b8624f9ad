package org.implicitdl.robust;

import org.implicitdl.linalg.Blas;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.solve.Activation;
import org.implicitdl.solve.Certificate;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.solve.FixedPointResult;
import org.implicitdl.solve.FixedPointSolver;
import org.implicitdl.solve.SolverSettings;

/**
 * Certified bounds of an implicit model's states and outputs over an input box (paper §5,
 * uncertainty model eq. 16): every input column u_j may move to any point of
 * [u_j − r_j, u_j + r_j], r_j ≥ 0 per feature.
 *
 * <p>Closed form: φ is monotone and 1-Lipschitz, so |Δx| ≤ |A||Δx| + |B|r, and with
 * ρ(|A|) &lt; 1 (which every certificate of {@link org.implicitdl.solve.WellPosedness} implies)
 * |Δx| ≤ (I − |A|)⁻¹|B| r and |Δŷ| ≤ (|C|(I − |A|)⁻¹|B| + |D|) r; that matrix is the model's
 * {@link #sensitivity() sensitivity}.
 *
 * <p>Interval fixed point: in centre–radius form the interval map is
 * x_hi = φ(A x_c + |A| x_r + B u + |B| r), x_lo = φ(A x_c − |A| x_r + B u − |B| r), i.e.
 * x_hi = φ(A⁺x_hi − A⁻x_lo + B⁺u_hi − B⁻u_lo) and its mirror. It maps the closed-form box into
 * itself, so iterating from that box gives a nested sequence of boxes, each of which contains
 * every state the input box can produce: the bounds are sound at <em>every</em> iterate, and the
 * stopping rule only decides how tight they are (the gap to the interval fixed point is at most
 * κ/(1−κ) times the last step in the certificate's weighted norm). Never looser than the
 * closed form, because the iteration starts from it and only intersects.
 *
 * <p>Immutable and serializable: build once per model and broadcast.
 */
public final class IntervalAnalysis implements java.io.Serializable {
  private static final long serialVersionUID = 1L;
  private final ImplicitModel model;
  private final Certificate certificate;
  private final Matrix a;
  private final Matrix absA;
  private final Matrix absB;
  private final Matrix c;
  private final Matrix absC;
  private final Matrix d;
  private final Matrix absD;
  private final Matrix gain;

  /** @throws IllegalArgumentException when the model has no well-posedness certificate (no bound then exists) */
  public IntervalAnalysis(ImplicitModel model) {
    this(model, model.certificate());
  }

  /** With a certificate of A already at hand (training computes a cheap one per step). */
  public IntervalAnalysis(ImplicitModel model, Certificate certificate) {
    this.certificate = certificate;
    if (!certificate.isWellPosed()) {
      throw new IllegalArgumentException("cannot bound an ill-posed model: no well-posedness certificate holds (‖A‖∞ = "
          + certificate.infNorm() + ", λpf(|A|) ≤ " + certificate.perronFrobenius() + ")");
    }
    int p = model.inputDim();
    this.model = model;
    this.a = model.a();
    this.absA = a.absolute();
    this.absB = model.b().columnSlice(0, p).absolute();
    this.c = model.c();
    this.absC = c.absolute();
    this.d = model.d();
    this.absD = d.columnSlice(0, p).absolute();
    Matrix iMinusAbsA = absA.scaled(-1);
    for (int i = 0; i < a.rows(); i++) {
      iMinusAbsA.set(i, i, 1 + iMinusAbsA.get(i, i));
    }
    Matrix g = absB.copy();
    if (!Blas.solveGeneral(iMinusAbsA, g)) {
      throw new IllegalArgumentException("I − |A| is singular although A is certified (" + certificate + ")");
    }
    double[] gd = g.data();
    for (int k = 0; k < gd.length; k++) {
      gd[k] = Math.max(gd[k], 0.0);
    }
    this.gain = g;
  }

  public ImplicitModel model() {
    return model;
  }

  /** (I − |A|)⁻¹|B| (n×p): the worst-case change of each state per unit change of each input. */
  public Matrix stateGain() {
    return gain.copy();
  }

  /** The sensitivity matrix |C|(I − |A|)⁻¹|B| + |D| (q×p): worst-case influence of each input on each output. */
  public Matrix sensitivity() {
    Matrix s = absD.copy();
    Blas.gemm(1.0, absC, false, gain, false, 1.0, s);
    return s;
  }

  /** Per-input totals of the sensitivity matrix (its column sums), for reports. */
  public double[] sensitivityTotals() {
    Matrix s = sensitivity();
    double[] totals = new double[s.cols()];
    for (int j = 0; j < s.cols(); j++) {
      for (int i = 0; i < s.rows(); i++) {
        totals[j] += s.get(i, j);
      }
    }
    return totals;
  }

  /** The closed-form bounds for inputs U (p×m) and radii R (p×m). */
  public Bounds closedForm(Matrix u, Matrix radius, SolverSettings settings) {
    Nominal nominal = nominal(u, radius, settings, null);
    return bounds(u, radius, nominal, nominal.center, nominal.radius, 0, 0, true);
  }

  /** The interval fixed point's bounds for inputs U (p×m) and radii R (p×m), from the closed-form box. */
  public Bounds interval(Matrix u, Matrix radius, SolverSettings settings) {
    return interval(u, radius, settings, null);
  }

  /**
   * The same from nominal states already solved for U with this model's certificate (null: solved
   * here), so a caller that needs them too solves the fixed point once.
   */
  public Bounds interval(Matrix u, Matrix radius, SolverSettings settings, FixedPointResult nominalStates) {
    Nominal nominal = nominal(u, radius, settings, nominalStates);
    int n = a.rows();
    double[] xc = nominal.center.data().clone();
    double[] xr = nominal.radius.data().clone();
    Matrix zc0 = model.drive(u);
    Matrix zr0 = Blas.multiply(absB, radius);
    Activation phi = model.activation();
    double[] weights = certificate.weights();
    double step = Double.POSITIVE_INFINITY;
    int iterations = 0;
    while (iterations < settings.maxIterations() && step > settings.tolerance()) {
      Matrix zc = zc0.copy();
      Matrix zr = zr0.copy();
      Blas.gemm(false, false, n, u.cols(), n, 1.0, a.data(), 0, Math.max(1, n), xc, 0, Math.max(1, n), 1.0, zc.data(), 0, Math.max(1, n));
      Blas.gemm(false, false, n, u.cols(), n, 1.0, absA.data(), 0, Math.max(1, n), xr, 0, Math.max(1, n), 1.0, zr.data(), 0, Math.max(1, n));
      double[] zcd = zc.data();
      double[] zrd = zr.data();
      step = 0;
      for (int k = 0; k < xc.length; k++) {
        double hi = Math.min(phi.apply(zcd[k] + zrd[k]), xc[k] + xr[k]);
        double lo = Math.max(phi.apply(zcd[k] - zrd[k]), xc[k] - xr[k]);
        if (hi < lo) {
          hi = lo = 0.5 * (hi + lo);
        }
        double newCenter = 0.5 * (hi + lo);
        double newRadius = 0.5 * (hi - lo);
        double w = weights[k % n];
        step = Math.max(step, Math.max(Math.abs(newCenter - xc[k]), Math.abs(newRadius - xr[k])) / w);
        xc[k] = newCenter;
        xr[k] = newRadius;
      }
      iterations++;
    }
    double kappa = certificate.contraction();
    double gap = kappa / (1 - kappa) * step;
    return bounds(u, radius, nominal, new Matrix(n, u.cols(), xc), new Matrix(n, u.cols(), xr), iterations, gap,
        step <= settings.tolerance());
  }

  /** The nominal states x̂ and the closed-form state radius (I − |A|)⁻¹|B|r widened by x̂'s certified error. */
  private record Nominal(Matrix center, Matrix radius, Matrix output) {}

  private Nominal nominal(Matrix u, Matrix radius, SolverSettings settings, FixedPointResult solved) {
    int p = model.inputDim();
    u.requireShape("input block U", p, u.cols());
    radius.requireShape("input radii R", p, u.cols());
    for (double r : radius.data()) {
      if (!(r >= 0) || Double.isInfinite(r)) {
        throw new IllegalArgumentException("input radii must be finite and >= 0, got " + r);
      }
    }
    FixedPointResult fp = solved != null ? solved
        : FixedPointSolver.forCertificate(certificate, settings).solve(a, model.drive(u), model.activation(), certificate, null);
    if (!fp.converged()) {
      throw new ArithmeticException("fixed point did not converge: residual " + fp.residual() + " after " + fp.iterations()
          + " iterations");
    }
    Matrix xr = Blas.multiply(gain, radius);
    double error = Double.isFinite(fp.errorBound()) ? fp.errorBound() : fp.residual();
    double[] xrd = xr.data();
    for (int k = 0; k < xrd.length; k++) {
      xrd[k] += error;
    }
    return new Nominal(fp.states(), xr, model.readout(fp.states(), u));
  }

  private Bounds bounds(Matrix u, Matrix radius, Nominal nominal, Matrix xc, Matrix xr, int iterations, double gap, boolean converged) {
    Matrix yc = model.readout(xc, u);
    Matrix yr = Blas.multiply(absC, xr);
    Blas.gemm(1.0, absD, false, radius, false, 1.0, yr);
    Matrix lower = yc.copy();
    Matrix upper = yc.copy();
    for (int k = 0; k < yc.data().length; k++) {
      lower.data()[k] -= yr.data()[k];
      upper.data()[k] += yr.data()[k];
    }
    Matrix stateLower = xc.copy();
    Matrix stateUpper = xc.copy();
    for (int k = 0; k < xc.data().length; k++) {
      stateLower.data()[k] -= xr.data()[k];
      stateUpper.data()[k] += xr.data()[k];
    }
    int[] predicted = argmax(nominal.output);
    double[] margins = worstMargins(predicted, u, radius, xc, xr);
    return new Bounds(stateLower, stateUpper, lower, upper, nominal.output, predicted, margins, iterations, gap, converged);
  }

  /**
   * For each column, the lower bound over the box of min_{k ≠ c} (ŷ_c − ŷ_k), c the nominal
   * prediction, bounded through the rows C_c − C_k and D_c − D_k (tighter than comparing
   * separate output bounds). Positive means the predicted class provably cannot change.
   */
  private double[] worstMargins(int[] predicted, Matrix u, Matrix radius, Matrix xc, Matrix xr) {
    int q = c.rows();
    int p = model.inputDim();
    double[] margins = new double[u.cols()];
    if (q < 2) {
      java.util.Arrays.fill(margins, Double.NaN);
      return margins;
    }
    double[] dd = d.data();
    for (int j = 0; j < u.cols(); j++) {
      int top = predicted[j];
      double worst = Double.POSITIVE_INFINITY;
      for (int k = 0; k < q; k++) {
        if (k == top) {
          continue;
        }
        double bias = model.inputBias() ? dd[top + p * q] - dd[k + p * q] : 0;
        worst = Math.min(worst, bias + pairLowerBound(c, d, top, k, xc, xr, u, radius, j));
      }
      margins[j] = worst;
    }
    return margins;
  }

  /**
   * The lower bound over the box of ŷ_top − ŷ_k in column j through the rows E = C_top − C_k and
   * F = D_top − D_k: E x_c − |E| x_r + F u − |F| r, over D's first u.rows() columns (a bias column
   * beyond them is the caller's).
   */
  public static double pairLowerBound(Matrix c, Matrix d, int top, int k, Matrix xc, Matrix xr, Matrix u, Matrix r, int j) {
    double lower = 0;
    for (int i = 0; i < c.cols(); i++) {
      double e = c.get(top, i) - c.get(k, i);
      lower += e * xc.get(i, j) - Math.abs(e) * xr.get(i, j);
    }
    for (int f = 0; f < u.rows(); f++) {
      double e = d.get(top, f) - d.get(k, f);
      lower += e * u.get(f, j) - Math.abs(e) * r.get(f, j);
    }
    return lower;
  }

  /** The predicted class of each column. */
  static int[] argmax(Matrix y) {
    int[] out = new int[y.cols()];
    for (int j = 0; j < out.length; j++) {
      out[j] = y.argmaxInColumn(j);
    }
    return out;
  }
}
