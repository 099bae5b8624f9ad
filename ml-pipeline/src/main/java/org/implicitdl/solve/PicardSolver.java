package org.implicitdl.solve;

import org.implicitdl.linalg.Blas;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.model.Activation;
import org.implicitdl.model.Certificate;

/**
 * Picard iteration X ← φ(AX + Z) on a whole block (one dgemm per sweep). With a certificate of
 * contraction κ in the weighted norm ‖·‖_s, the error after a step of size δ is at most
 * κ/(1−κ)·δ (paper §3), which is the stopping test.
 */
public final class PicardSolver implements FixedPointSolver {
  private final SolverSettings settings;

  public PicardSolver(SolverSettings settings) {
    this.settings = settings;
  }

  @Override
  public FixedPointResult solve(Matrix a, Matrix drive, Activation activation, Certificate certificate, Matrix start) {
    int n = FixedPointSolver.requireShapes(a, drive, start);
    Matrix x = start == null ? Matrix.zeros(n, drive.cols()) : start.copy();
    Matrix next = Matrix.zeros(n, drive.cols());
    double step = Double.POSITIVE_INFINITY;
    double bound = Double.POSITIVE_INFINITY;
    double[] inverse = inverseWeights(certificate);
    for (int t = 1; t <= settings.maxIterations(); t++) {
      sweep(a, drive, activation, x, next);
      double[] sizes = stepSizes(x.data(), next.data(), inverse, n);
      step = sizes[0];
      double weightedStep = sizes[1];
      Matrix swap = x;
      x = next;
      next = swap;
      if (!Double.isFinite(step)) {
        return new FixedPointResult(x, t, step, Double.POSITIVE_INFINITY, false, "picard");
      }
      bound = certificate.isWellPosed() ? certificate.errorBoundFromStep(weightedStep) : step;
      if (bound <= settings.tolerance()) {
        return new FixedPointResult(x, t, step, certificate.isWellPosed() ? bound : Double.POSITIVE_INFINITY, true, "picard");
      }
    }
    return new FixedPointResult(x, settings.maxIterations(), step,
        certificate.isWellPosed() ? bound : Double.POSITIVE_INFINITY, false, "picard");
  }

  /** out ← φ(A·x + Z). */
  static void sweep(Matrix a, Matrix drive, Activation activation, Matrix x, Matrix out) {
    System.arraycopy(drive.data(), 0, out.data(), 0, drive.data().length);
    Blas.gemm(1.0, a, false, x, false, 1.0, out);
    activation.applyInPlace(out.data());
  }

  /** 1/s_i of the certificate's scaling, or null when every s_i is 1 (the weighted norm is then ‖·‖∞). */
  static double[] inverseWeights(Certificate certificate) {
    double[] w = certificate.weights();
    boolean unit = true;
    for (int i = 0; i < w.length; i++) {
      unit &= w[i] == 1.0;
      w[i] = 1.0 / w[i];
    }
    return unit ? null : w;
  }

  /**
   * {‖cur − prev‖∞, ‖cur − prev‖_s} given {@link #inverseWeights} (null: unit weights); NaN as soon
   * as a difference is NaN. Loops by column, no per-entry modulo.
   */
  static double[] stepSizes(double[] previous, double[] current, double[] inverse, int n) {
    double inf = 0;
    double weighted = 0;
    for (int base = 0; base < current.length; base += n) {
      for (int i = 0; i < n; i++) {
        double d = Math.abs(current[base + i] - previous[base + i]);
        if (d != d) {
          return new double[] {Double.NaN, Double.NaN};
        }
        if (d > inf) {
          inf = d;
        }
        if (inverse != null && d * inverse[i] > weighted) {
          weighted = d * inverse[i];
        }
      }
    }
    return new double[] {inf, inverse == null ? inf : weighted};
  }
}
