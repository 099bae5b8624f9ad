package org.implicitdl.solve;

import org.implicitdl.linalg.Blas;
import org.implicitdl.linalg.Matrix;

/**
 * Anderson-accelerated fixed-point iteration (type II, memory {@code depth}) on the whole block
 * seen as one vector, safeguarded: the certified stopping test uses the true residual
 * r = ‖φ(AX + Z) − X‖_s, giving ‖X − X*‖∞ ≤ r/(1−κ) (paper §3 contraction).
 */
public final class AndersonSolver implements FixedPointSolver {
  private static final double REGULARISATION = 1e-10;
  private final SolverSettings settings;
  private final int depth;

  public AndersonSolver(SolverSettings settings, int depth) {
    if (depth < 1) {
      throw new IllegalArgumentException("Anderson depth must be >= 1, got " + depth);
    }
    this.settings = settings;
    this.depth = depth;
  }

  @Override
  public FixedPointResult solve(Matrix a, Matrix drive, Activation activation, Certificate certificate, Matrix start) {
    int n = FixedPointSolver.requireShapes(a, drive, start);
    int size = drive.data().length;
    Matrix x = start == null ? Matrix.zeros(n, drive.cols()) : start.copy();
    Matrix g = Matrix.zeros(n, drive.cols());
    Matrix dF = Matrix.zeros(size, depth);
    Matrix dG = Matrix.zeros(size, depth);
    double[] previousF = null;
    double[] previousG = null;
    double residual = Double.POSITIVE_INFINITY;
    int stored = 0;
    double[] inverse = PicardSolver.inverseWeights(certificate);
    for (int t = 1; t <= settings.maxIterations(); t++) {
      PicardSolver.sweep(a, drive, activation, x, g);
      double[] sizes = PicardSolver.stepSizes(x.data(), g.data(), inverse, n);
      residual = sizes[0];
      double bound = certificate.isWellPosed() ? certificate.errorBoundFromResidual(sizes[1]) : residual;
      if (!Double.isFinite(residual)) {
        return new FixedPointResult(x, t, residual, Double.POSITIVE_INFINITY, false, "anderson");
      }
      if (bound <= settings.tolerance()) {
        return new FixedPointResult(x, t, residual, certificate.isWellPosed() ? bound : Double.POSITIVE_INFINITY, true, "anderson");
      }
      double[] f = new double[size];
      for (int k = 0; k < size; k++) {
        f[k] = g.data()[k] - x.data()[k];
      }
      if (previousF != null) {
        int slot = (stored++) % depth;
        for (int k = 0; k < size; k++) {
          dF.data()[slot * size + k] = f[k] - previousF[k];
          dG.data()[slot * size + k] = g.data()[k] - previousG[k];
        }
      }
      previousF = f;
      previousG = g.data().clone();
      int used = Math.min(stored, depth);
      double[] next = g.data().clone();
      if (used > 0) {
        double[] gamma = leastSquares(dF, used, f);
        if (gamma != null) {
          Blas.gemv(-1.0, dG.columnSlice(0, used), false, gamma, 1.0, next);
        }
      }
      x = new Matrix(n, drive.cols(), next);
    }
    return new FixedPointResult(x, settings.maxIterations(), residual, Double.POSITIVE_INFINITY, false, "anderson");
  }

  /** γ = argmin ‖f − ΔF γ‖ with a small ridge, or null when the normal equations fail. */
  private static double[] leastSquares(Matrix dF, int used, double[] f) {
    Matrix history = dF.columnSlice(0, used);
    Matrix gram = Blas.multiply(history, true, history, false);
    double scale = 0;
    for (int i = 0; i < used; i++) {
      scale = Math.max(scale, gram.get(i, i));
    }
    for (int i = 0; i < used; i++) {
      gram.set(i, i, gram.get(i, i) + REGULARISATION * Math.max(scale, 1e-300));
    }
    double[] rhs = new double[used];
    Blas.gemv(1.0, history, true, f, 0.0, rhs);
    Matrix r = new Matrix(used, 1, rhs);
    return Blas.solveSpd(gram, r) ? r.data() : null;
  }
}
