package org.implicitdl.robust;

import org.implicitdl.linalg.Blas;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.solve.Adjoint;
import org.implicitdl.solve.FixedPointResult;
import org.implicitdl.solve.SolverSettings;

/**
 * Projected-gradient attack in the ℓ∞ box u ± r (eq. 16) on the softmax cross-entropy of the
 * true class. The input gradient comes from the implicit function theorem:
 * ∂ŷ/∂u = D + C(I − JA)⁻¹JB, applied transposed as ∇_u ℓ = Dᵀg + Bᵀ(J v) with v = Cᵀg + Aᵀ(J v)
 * the adjoint fixed point ({@link Adjoint}) and g = softmax(ŷ) − e_y. Each step moves every
 * feature by α = 2.5·r/steps in the gradient's sign and projects back onto the box. A column
 * counts as broken when any iterate (the start included) is misclassified, so the attack's
 * accuracy is an upper bound on the true robust accuracy, as certified accuracy is a lower one.
 */
public final class PgdAttack {
  private PgdAttack() {}

  /**
   * @param adversarial the last iterate per column (p×m)
   * @param broken per column, whether some iterate in the box was misclassified
   */
  public record Result(Matrix adversarial, boolean[] broken) {
    public int brokenCount() {
      int k = 0;
      for (boolean b : broken) {
        k += b ? 1 : 0;
      }
      return k;
    }
  }

  /**
   * @param u inputs (p×m)
   * @param labels true class per column
   * @param radius per-feature, per-column radii r (p×m)
   * @param steps projected-gradient steps (≥ 1)
   */
  public static Result attack(ImplicitModel model, Matrix u, int[] labels, Matrix radius, int steps, SolverSettings settings) {
    int p = model.inputDim();
    int q = model.outputDim();
    int m = u.cols();
    u.requireShape("input block U", p, m);
    radius.requireShape("input radii R", p, m);
    if (labels.length != m) {
      throw new IllegalArgumentException("need one label per column: " + labels.length + " labels for " + m + " columns");
    }
    if (steps < 1) {
      throw new IllegalArgumentException("attack steps must be >= 1, got " + steps);
    }
    for (int label : labels) {
      if (label < 0 || label >= q) {
        throw new IllegalArgumentException("label " + label + " is not a class of this model (0.." + (q - 1) + ")");
      }
    }
    Matrix a = model.a();
    Matrix bFeatures = model.b().columnSlice(0, p);
    Matrix c = model.c();
    Matrix dFeatures = model.d().columnSlice(0, p);
    Matrix current = u.copy();
    boolean[] broken = new boolean[m];
    for (int step = 0; step <= steps; step++) {
      FixedPointResult fp = model.solveStates(current, settings);
      Matrix yHat = model.readout(fp.states(), current);
      int[] predicted = IntervalAnalysis.argmax(yHat);
      for (int j = 0; j < m; j++) {
        broken[j] |= predicted[j] != labels[j];
      }
      if (step == steps) {
        break;
      }
      Matrix g = softmaxMinusOneHot(yHat, labels);
      Matrix jac = Adjoint.derivatives(a, fp.states(), model.drive(current), model.activation());
      Matrix v = Adjoint.solve(a, Blas.multiply(c, true, g, false), jac, settings).v();
      double[] vd = v.data();
      double[] jd = jac.data();
      for (int k = 0; k < vd.length; k++) {
        vd[k] *= jd[k];
      }
      Matrix grad = Blas.multiply(bFeatures, true, v, false);
      Blas.gemm(1.0, dFeatures, true, g, false, 1.0, grad);
      double[] cur = current.data();
      double[] gd = grad.data();
      double[] rd = radius.data();
      double[] ud = u.data();
      for (int k = 0; k < cur.length; k++) {
        double alpha = 2.5 * rd[k] / steps;
        double moved = cur[k] + alpha * Math.signum(gd[k]);
        cur[k] = Math.min(ud[k] + rd[k], Math.max(ud[k] - rd[k], moved));
      }
    }
    return new Result(current, broken);
  }

  private static Matrix softmaxMinusOneHot(Matrix yHat, int[] labels) {
    int q = yHat.rows();
    Matrix g = yHat.copy();
    double[] gd = g.data();
    for (int j = 0; j < labels.length; j++) {
      double max = Double.NEGATIVE_INFINITY;
      for (int i = 0; i < q; i++) {
        max = Math.max(max, gd[i + j * q]);
      }
      double sum = 0;
      for (int i = 0; i < q; i++) {
        gd[i + j * q] = Math.exp(gd[i + j * q] - max);
        sum += gd[i + j * q];
      }
      for (int i = 0; i < q; i++) {
        gd[i + j * q] /= sum;
      }
      gd[labels[j] + j * q] -= 1;
    }
    return g;
  }
}
