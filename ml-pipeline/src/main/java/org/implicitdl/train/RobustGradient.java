package org.implicitdl.train;

import org.implicitdl.linalg.Blas;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.robust.Bounds;
import org.implicitdl.robust.IntervalAnalysis;
import org.implicitdl.solve.Activation;
import org.implicitdl.solve.Certificate;
import org.implicitdl.solve.FixedPointResult;
import org.implicitdl.solve.SolverSettings;

/**
 * Gradient of the robust objective (1 − w)·ℓ(y, ŷ) + w·ℓ(y, ŷ_worst) ({@link RobustObjective}) by
 * implicit differentiation through the interval fixed point (paper §5).
 *
 * <p>The interval map is itself an implicit rule on the stacked state s = (h, l) = (x_hi, x_lo):
 * h = φ(z_h), l = φ(z_l) with z_h = A x_c + |A| x_r + B u + |B| r, z_l = A x_c − |A| x_r + B u − |B| r
 * (x_c = (h + l)/2, x_r = (h − l)/2). Its adjoint is v = ∂ℓ/∂s + Mᵀ(J v) with J = φ'(z) and
 * Mᵀ(J v) = ½(Aᵀw_c ± |A|ᵀw_r) for w = J v, w_c = w_h + w_l, w_r = w_h − w_l; then
 * ∇A = w_c x_cᵀ + sgn(A)∘(w_r x_rᵀ) and ∇B = w_c uᵀ + sgn(B)∘(w_r rᵀ) (sgn(0) = 0: the
 * symmetric subgradient of |·| at 0).
 *
 * <p>Worst outputs: for cross-entropy, the worst logits relative to the true class y,
 * z̃_k = −(lower bound of ŷ_y − ŷ_k) through the rows C_y − C_k, D_y − D_k (z̃_y = 0); for the
 * squared loss, each output at whichever end of its bound is farther from the target.
 */
public final class RobustGradient {
  private RobustGradient() {}

  /** Gradient sums ({@link ImplicitGradient}'s) of the robust objective for augmented inputs U' (bias row last). */
  public static GradientSums compute(ImplicitModel m, Certificate cert, Matrix uAug, Matrix y, Matrix weights, Loss loss,
      SolverSettings settings, RobustObjective objective) {
    Matrix drive = Blas.multiply(m.b(), uAug);
    FixedPointResult fp = RealRule.statesFromDrive(m, cert, drive, settings);
    GradientSums nominal = ImplicitGradient.compute(m, uAug, y, weights, loss, settings, fp, drive);
    if (!objective.active()) {
      return nominal;
    }
    GradientSums worst = worstCase(m, cert, uAug, y, weights, loss, settings, objective, fp);
    double w = objective.weight();
    RuleMetrics rule = nominal.rule().withLoss((1 - w) * nominal.rule().loss() + w * worst.rule().loss())
        .withNotConverged(Math.max(nominal.rule().notConverged(), worst.rule().notConverged()));
    return nominal.blend(worst, w, rule);
  }

  /** The real rule's metrics with the robust objective's value as the loss (validation). */
  public static RuleMetrics metrics(ImplicitModel m, Certificate cert, Matrix uAug, Matrix y, Matrix weights, Loss loss,
      SolverSettings settings, RobustObjective objective) {
    FixedPointResult fp = RealRule.states(m, cert, uAug, settings);
    RuleMetrics real = RealRule.metrics(m, uAug, y, weights, loss, fp);
    if (!objective.active()) {
      return real;
    }
    Worst worst = worstOutputs(m, cert, uAug, y, weights, loss, settings, objective, fp);
    double w = objective.weight();
    return real.withLoss((1 - w) * real.loss() + w * weightedTotal(worst.loss, weights));
  }

  /** The bounds, the per-column worst-case loss, and its gradients in the state centre and radius and in C and D. */
  private record Worst(Bounds bounds, Matrix xc, Matrix xr, Matrix u, Matrix r, double[] loss, Matrix gc, Matrix gr, Matrix dC, Matrix dD,
      boolean converged) {}

  private static double weightedTotal(double[] loss, Matrix weights) {
    double t = 0;
    for (int j = 0; j < loss.length; j++) {
      t += weights.data()[j] * loss[j];
    }
    return t;
  }

  /** The worst-case term's gradient sums; its metrics hold only the worst-case loss, weight and non-convergence. */
  private static GradientSums worstCase(ImplicitModel m, Certificate cert, Matrix uAug, Matrix y, Matrix weights, Loss loss,
      SolverSettings settings, RobustObjective objective, FixedPointResult fp) {
    Worst worst = worstOutputs(m, cert, uAug, y, weights, loss, settings, objective, fp);
    int n = m.hiddenDim();
    int cols = uAug.cols();
    Matrix a = m.a();
    Matrix absA = a.absolute();
    Matrix xc = worst.xc;
    Matrix xr = worst.xr;
    Matrix b = m.b();
    Matrix absB = b.absolute();
    Matrix zc = Blas.multiply(b, uAug);
    Blas.gemm(1.0, a, false, xc, false, 1.0, zc);
    Matrix zr = Blas.multiply(absB, worst.r);
    Blas.gemm(1.0, absA, false, xr, false, 1.0, zr);
    Activation phi = m.activation();
    double[] jh = new double[n * cols];
    double[] jl = new double[n * cols];
    for (int k = 0; k < jh.length; k++) {
      jh[k] = phi.derivative(zc.data()[k] + zr.data()[k]);
      jl[k] = phi.derivative(zc.data()[k] - zr.data()[k]);
    }
    double[] gh = new double[n * cols];
    double[] gl = new double[n * cols];
    for (int k = 0; k < gh.length; k++) {
      gh[k] = 0.5 * (worst.gc.data()[k] + worst.gr.data()[k]);
      gl[k] = 0.5 * (worst.gc.data()[k] - worst.gr.data()[k]);
    }
    double[] vh = gh.clone();
    double[] vl = gl.clone();
    Matrix wc = Matrix.zeros(n, cols);
    Matrix wr = Matrix.zeros(n, cols);
    boolean converged = false;
    for (int it = 0; it < settings.maxIterations() && !converged; it++) {
      centreAndRadius(jh, vh, jl, vl, wc, wr);
      Matrix t1 = Blas.multiply(a, true, wc, false);
      Matrix t2 = Blas.multiply(absA, true, wr, false);
      double step = 0;
      for (int k = 0; k < vh.length; k++) {
        double nh = gh[k] + 0.5 * (t1.data()[k] + t2.data()[k]);
        double nl = gl[k] + 0.5 * (t1.data()[k] - t2.data()[k]);
        step = Math.max(step, Math.max(Math.abs(nh - vh[k]), Math.abs(nl - vl[k])));
        vh[k] = nh;
        vl[k] = nl;
      }
      converged = step <= settings.tolerance() * Math.max(1, maxAbs(vh, vl));
    }
    centreAndRadius(jh, vh, jl, vl, wc, wr);
    Matrix dA = Blas.multiply(wc, false, xc, true);
    addSignMasked(dA, a, Blas.multiply(wr, false, xr, true));
    Matrix dB = Blas.multiply(wc, false, uAug, true);
    addSignMasked(dB, b, Blas.multiply(wr, false, worst.r, true));
    double unconverged = converged && worst.converged ? 0 : cols;
    return new GradientSums(dA, dB, worst.dC, worst.dD, new RuleMetrics(weightedTotal(worst.loss, weights), 0, 0, unconverged, weights.sum(), 0, 0));
  }

  /** The worst outputs over the box, from the nominal states {@code fp} the caller solved for uAug. */
  private static Worst worstOutputs(ImplicitModel m, Certificate cert, Matrix uAug, Matrix y, Matrix weights, Loss loss,
      SolverSettings settings, RobustObjective objective, FixedPointResult fp) {
    int p = m.inputDim();
    int cols = uAug.cols();
    Matrix u = uAug.rowSlice(0, p);
    Matrix r = objective.box().radii(cols);
    Bounds bounds = new IntervalAnalysis(m, cert).interval(u, r, settings, fp);
    int n = m.hiddenDim();
    Matrix xc = bounds.stateLower().copy();
    Matrix xr = bounds.stateUpper().copy();
    for (int k = 0; k < xc.data().length; k++) {
      double lo = xc.data()[k];
      double hi = xr.data()[k];
      xc.data()[k] = 0.5 * (hi + lo);
      xr.data()[k] = 0.5 * (hi - lo);
    }
    Matrix rAug = Matrix.vstack(r, Matrix.zeros(1, cols));
    Matrix c = m.c();
    Matrix d = m.d();
    int q = c.rows();
    Matrix gc = Matrix.zeros(n, cols);
    Matrix gr = Matrix.zeros(n, cols);
    Matrix dC = Matrix.zeros(q, n);
    Matrix dD = Matrix.zeros(q, p + 1);
    double[] lossPerColumn = new double[cols];
    WorstOutputs out = loss == Loss.CROSS_ENTROPY ? new WorstOutputs.Logits(c, d) : new WorstOutputs.Squared(c, d);
    for (int j = 0; j < cols; j++) {
      lossPerColumn[j] = out.column(j, weights.data()[j], y, xc, xr, uAug, rAug, gc, gr, dC, dD);
    }
    return new Worst(bounds, xc, xr, u, rAug, lossPerColumn, gc, gr, dC, dD, bounds.converged());
  }

  /** w = J∘v on both halves, written as w_c = w_h + w_l and w_r = w_h − w_l. */
  private static void centreAndRadius(double[] jh, double[] vh, double[] jl, double[] vl, Matrix wc, Matrix wr) {
    for (int k = 0; k < vh.length; k++) {
      double h = jh[k] * vh[k];
      double l = jl[k] * vl[k];
      wc.data()[k] = h + l;
      wr.data()[k] = h - l;
    }
  }

  private static void addSignMasked(Matrix target, Matrix signOf, Matrix term) {
    double[] t = target.data();
    double[] s = signOf.data();
    double[] v = term.data();
    for (int k = 0; k < t.length; k++) {
      t[k] += Math.signum(s[k]) * v[k];
    }
  }

  private static double maxAbs(double[] x, double[] y) {
    double m = 0;
    for (int k = 0; k < x.length; k++) {
      m = Math.max(m, Math.max(Math.abs(x[k]), Math.abs(y[k])));
    }
    return m;
  }
}
