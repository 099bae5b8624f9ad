package org.implicitdl.train;

import org.implicitdl.linalg.Inputs;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.solve.Certificate;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.solve.FixedPointResult;
import org.implicitdl.solve.FixedPointSolver;
import org.implicitdl.solve.SolverSettings;

/**
 * Judges a model by its real rule (paper eq. 1) on a block: states by the fixed-point solver,
 * never proxies. Inputs carry the bias row; the metric sums are {@link RuleMetrics}.
 */
public final class RealRule {
  private RealRule() {}

  /** States x* for a block of augmented inputs, with the certificate's solver. */
  public static FixedPointResult states(ImplicitModel m, Certificate cert, Inputs uAug, SolverSettings settings) {
    return statesFromDrive(m, cert, m.augmentedDrive(uAug), settings);
  }

  /** States x* for the drive Z = B u' already formed (the gradient reuses it for the Jacobian). */
  static FixedPointResult statesFromDrive(ImplicitModel m, Certificate cert, Matrix drive, SolverSettings settings) {
    return FixedPointSolver.forCertificate(cert, settings).solve(m.a(), drive, m.activation(), cert, null);
  }

  /** Weighted metric sums of the real rule on one block (w is 1×m; the weight is Σw). */
  public static RuleMetrics metrics(ImplicitModel m, Certificate cert, Inputs uAug, Matrix y, Matrix w, Loss loss, SolverSettings settings) {
    return metrics(m, uAug, y, w, loss, states(m, cert, uAug, settings));
  }

  /** The same at states {@code real} already solved for these inputs. */
  public static RuleMetrics metrics(ImplicitModel m, Inputs uAug, Matrix y, Matrix w, Loss loss, FixedPointResult real) {
    return RuleMetrics.of(y, m.augmentedReadout(real.states(), uAug), w, loss, real, real.converged());
  }
}
