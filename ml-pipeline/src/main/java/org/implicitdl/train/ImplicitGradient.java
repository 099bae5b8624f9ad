package org.implicitdl.train;

import org.implicitdl.linalg.Blas;
import org.implicitdl.linalg.Inputs;
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
  private ImplicitGradient() {}

  /** Gradient sums of Σ_j w_j ℓ_j for augmented inputs U' (bias row last; dense or sparse), targets Y, weights w (1×m). */
  public static GradientSums compute(ImplicitModel m, Certificate cert, Inputs uAug, Matrix y, Matrix weights, Loss loss, SolverSettings settings) {
    Matrix drive = m.augmentedDrive(uAug);
    return compute(m, uAug, y, weights, loss, settings, RealRule.statesFromDrive(m, cert, drive, settings), drive);
  }

  /**
   * The same at states {@code fp} already solved for the drive Z = B u' (robust training solves them once for two
   * uses): the drive is formed once, a product as large as the gradient's ∇B.
   */
  static GradientSums compute(ImplicitModel m, Inputs uAug, Matrix y, Matrix weights, Loss loss, SolverSettings settings,
      FixedPointResult fp, Matrix drive) {
    Matrix x = fp.states();
    Matrix c = m.c();
    Matrix yHat = m.augmentedReadout(x, uAug);
    Matrix g = LocalSteps.weighted(loss.gradient(y, yHat), weights);
    Matrix a = m.a();
    Matrix jac = Adjoint.derivatives(a, x, drive, m.activation());
    double[] jd = jac.data();
    Adjoint.Result adj = Adjoint.solve(a, Blas.multiply(c, true, g, false), jac, settings);
    Matrix w = adj.v();
    double[] wd = w.data();
    for (int k = 0; k < wd.length; k++) {
      wd[k] *= jd[k];
    }
    return new GradientSums(Blas.multiply(w, false, x, true), uAug.columnSparseProductWithTranspose(w), Blas.multiply(g, false, x, true),
        uAug.productWithTranspose(g), RuleMetrics.of(y, yHat, weights, loss, fp, fp.converged() && adj.converged()));
  }
}

