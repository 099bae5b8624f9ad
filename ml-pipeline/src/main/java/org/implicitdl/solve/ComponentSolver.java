package org.implicitdl.solve;

import org.implicitdl.linalg.Blas;
import org.implicitdl.linalg.Matrix;

/**
 * Solves x = φ(Ax + z) component by component ({@link StateComponents}, paper §6.2): in solve
 * order, a component's drive z_C + A_{C,solved} x_solved is fixed, a single state without a
 * self-loop is one evaluation of φ, and only a cyclic component (or a state with a self-loop)
 * iterates — Picard on its own diagonal block, certified by that block's own certificate (the
 * rule is well-posed iff every diagonal block is). The result's error bound is certified on the
 * whole state by the model's certificate from the final residual (residual/(1 − κ)); when the
 * per-block stops left it above the tolerance, Picard sweeps on all states finish the job.
 */
public final class ComponentSolver implements FixedPointSolver {
  private final SolverSettings settings;
  private final StateComponents components;

  public ComponentSolver(SolverSettings settings, StateComponents components) {
    this.settings = settings;
    this.components = components;
  }

  @Override
  public FixedPointResult solve(Matrix a, Matrix drive, Activation activation, Certificate certificate, Matrix start) {
    int n = FixedPointSolver.requireShapes(a, drive, start);
    int m = drive.cols();
    Matrix x = Matrix.zeros(n, m);
    int sweeps = 0;
    for (int[] comp : components.inSolveOrder()) {
      int k = comp.length;
      Matrix rows = Matrix.zeros(k, n);
      for (int r = 0; r < k; r++) {
        for (int j = 0; j < n; j++) {
          rows.set(r, j, a.get(comp[r], j));
        }
      }
      Matrix w = Matrix.zeros(k, m);
      for (int r = 0; r < k; r++) {
        for (int j = 0; j < m; j++) {
          w.set(r, j, drive.get(comp[r], j));
        }
      }
      // the component's own states are still zero in x, so this adds only the solved ones
      Blas.gemm(1.0, rows, false, x, false, 1.0, w);
      Matrix own = StateComponents.diagonalBlock(a, comp);
      boolean selfLoops = own.maxAbs() != 0.0;
      Matrix solved;
      if (!selfLoops) {
        solved = w;
        activation.applyInPlace(solved.data());
        sweeps = Math.max(sweeps, 1);
      } else {
        Certificate blockCertificate = WellPosedness.certify(own, activation);
        FixedPointResult block = FixedPointSolver.forCertificate(blockCertificate, settings).solve(own, w, activation, blockCertificate, null);
        if (!block.converged()) {
          return new FixedPointResult(x, block.iterations(), block.residual(), Double.POSITIVE_INFINITY, false, "components");
        }
        solved = block.states();
        sweeps = Math.max(sweeps, block.iterations());
      }
      for (int r = 0; r < k; r++) {
        for (int j = 0; j < m; j++) {
          x.set(comp[r], j, solved.get(r, j));
        }
      }
    }
    Matrix next = drive.copy();
    Blas.gemm(1.0, a, false, x, false, 1.0, next);
    activation.applyInPlace(next.data());
    double[] weights = certificate.weights();
    double residual = 0;
    double plain = 0;
    for (int k = 0; k < next.data().length; k++) {
      double d = Math.abs(next.data()[k] - x.data()[k]);
      residual = Math.max(residual, d / weights[k % n]);
      plain = Math.max(plain, d);
    }
    double bound = certificate.errorBoundFromResidual(residual);
    if (bound > settings.tolerance()) {
      FixedPointResult finish = new PicardSolver(settings).solve(a, drive, activation, certificate, x);
      return new FixedPointResult(finish.states(), sweeps + finish.iterations(), finish.residual(), finish.errorBound(), finish.converged(),
          "components+picard");
    }
    return new FixedPointResult(x, sweeps, plain, bound, true, "components");
  }
}
