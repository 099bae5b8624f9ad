package org.implicitdl.train;

import org.implicitdl.linalg.Blas;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.solve.Certificate;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.solve.Adjoint;
import org.implicitdl.solve.FixedPointResult;
import org.implicitdl.solve.SolverSettings;

/**
 * Gradients of Σ_j ℓ(y_j, ŷ_j) through the real rule by the implicit function theorem
 * (design §3): at the fixed point x = φ(Ax + Bu'), with z = Ax + Bu', J = diag(φ'(z)) and
 * g = ∂ℓ/∂ŷ, solve the adjoint v = Cᵀg + Aᵀ(J v) by Picard (it contracts: ‖AᵀJ‖₁ ≤ ‖A‖∞),
 * w = J v; then ∇A = w xᵀ, ∇B = w u'ᵀ, ∇C = g xᵀ, ∇D = g u'ᵀ, summed over the block's
 * columns with BLAS-3.
 */
public final class ImplicitGradient {
  /**
   * Layout of the returned sums: matrices ∇A, ∇B, ∇C, ∇D; scalars loss, count, unconverged columns,
   * correct predictions and squared error (the batch's real-rule metrics, free with the forward
   * solve); maxima the fixed point's residual and sweeps.
   */
  public static final int LOSS = 0;
  public static final int COUNT = 1;
  public static final int NOT_CONVERGED = 2;
  public static final int CORRECT = 3;
  public static final int SSE = 4;

  private ImplicitGradient() {}

  /** Gradient sums of Σ_j w_j ℓ_j for augmented inputs U' (bias row last), targets Y, weights w (1×m). */
  public static Sums compute(ImplicitModel m, Certificate cert, Matrix uAug, Matrix y, Matrix weights, Loss loss, SolverSettings settings) {
    return compute(m, cert, uAug, y, weights, loss, settings, RealRule.states(m, cert, uAug, settings));
  }

  /** The same at states {@code fp} already solved for these inputs (robust training solves them once for two uses). */
  public static Sums compute(ImplicitModel m, Certificate cert, Matrix uAug, Matrix y, Matrix weights, Loss loss, SolverSettings settings,
      FixedPointResult fp) {
    Matrix x = fp.states();
    Matrix c = m.c();
    Matrix yHat = RealRule.readout(c, m.d(), x, uAug);
    Matrix g = LocalSteps.weighted(loss.gradient(y, yHat), weights);
    Matrix a = m.a();
    Matrix jac = Adjoint.derivatives(a, x, Blas.multiply(m.b(), uAug), m.activation());
    double[] jd = jac.data();
    Adjoint.Result adj = Adjoint.solve(a, Blas.multiply(c, true, g, false), jac, settings);
    Matrix w = adj.v();
    double[] wd = w.data();
    for (int k = 0; k < wd.length; k++) {
      wd[k] *= jd[k];
    }
    Matrix[] grads = {
        Blas.multiply(w, false, x, true), Blas.multiply(w, false, uAug, true),
        Blas.multiply(g, false, x, true), Blas.multiply(g, false, uAug, true)};
    double unconverged = fp.converged() && adj.converged() ? 0 : uAug.cols();
    return new Sums(grads, new double[] {loss.total(y, yHat, weights), weights.sum(), unconverged, LocalSteps.correct(y, yHat, weights),
        LocalSteps.squaredError(y, yHat, weights)}, new double[] {fp.residual(), fp.iterations()});
  }

  /**
   * The real-rule metric sums ({@link RealRule#metrics}' layout) of gradient sums: the loss and
   * metrics of the batches' rows at the models their steps started from.
   */
  public static Sums metrics(Sums gradient) {
    double[] s = new double[RealRule.SCALARS];
    s[RealRule.LOSS] = gradient.scalar(LOSS);
    s[RealRule.CORRECT] = gradient.scalar(CORRECT);
    s[RealRule.SSE] = gradient.scalar(SSE);
    s[RealRule.NOT_CONVERGED] = gradient.scalar(NOT_CONVERGED);
    s[RealRule.COUNT] = gradient.scalar(COUNT);
    return new Sums(new Matrix[0], s, new double[] {gradient.maximum(RealRule.MAX_RESIDUAL), gradient.maximum(RealRule.MAX_ITERATIONS)});
  }
}
