package org.implicitdl.solve;

import org.implicitdl.linalg.Blas;
import org.implicitdl.linalg.Matrix;

/**
 * The adjoint of the implicit rule (design §3): at a fixed point x = φ(Ax + z) with
 * J = diag(φ'(Ax + z)), the row vector ∂ℓ/∂z is (J v)ᵀ where v solves v = G + Aᵀ(J v), G the
 * loss's gradient carried back to the states (Cᵀ∂ℓ/∂ŷ). Solved by Picard, which contracts
 * whenever the rule does (‖AᵀJ‖₁ ≤ ‖A‖∞, and the dual weighted norm for the scaled certificates),
 * with each column's sweeps Anderson-mixed ({@link ColumnAnderson}; on this linear map, a Krylov method).
 */
public final class Adjoint {
  private Adjoint() {}

  /** The adjoint states V (n×m) and whether every column met the tolerance. */
  public record Result(Matrix v, boolean converged) {}

  /**
   * Mixed Picard sweeps on V = G + Aᵀ(J∘V), column by column: each column stops when its own step is below
   * the tolerance ({@link ActiveColumns}), so a row's result does not depend on how rows are
   * blocked, and later sweeps multiply only the columns still moving.
   *
   * @param base G (n×m)
   * @param jac J as a block of derivatives (n×m)
   */
  public static Result solve(Matrix a, Matrix base, Matrix jac, SolverSettings settings) {
    int n = a.rows();
    ActiveColumns columns = new ActiveColumns(base, base, jac);
    ActiveColumns.StopTest test = ActiveColumns.plainStep(n);
    double[] jv = new double[base.data().length];
    for (int it = 0; it < settings.maxIterations(); it++) {
      int cols = columns.active();
      double[] v = columns.states();
      double[] jd = columns.carried(1);
      for (int k = 0; k < n * cols; k++) {
        jv[k] = jd[k] * v[k];
      }
      double[] next = columns.next();
      System.arraycopy(columns.carried(0), 0, next, 0, n * cols);
      Blas.gemm(true, false, n, cols, n, 1.0, a.data(), 0, Math.max(1, n), jv, 0, Math.max(1, n), 1.0, next, 0, Math.max(1, n));
      if (!columns.retireConverged(test, settings.tolerance())) {
        return new Result(columns.result(), false);
      }
      if (columns.active() == 0) {
        return new Result(columns.result(), true);
      }
    }
    return new Result(columns.result(), false);
  }

  /** J = φ'(AX + Z) at states X for drive Z, as a block. */
  public static Matrix derivatives(Matrix a, Matrix x, Matrix drive, org.implicitdl.solve.Activation phi) {
    Matrix jac = drive.copy();
    Blas.gemm(1.0, a, false, x, false, 1.0, jac);
    double[] jd = jac.data();
    for (int k = 0; k < jd.length; k++) {
      jd[k] = phi.derivative(jd[k]);
    }
    return jac;
  }
}
