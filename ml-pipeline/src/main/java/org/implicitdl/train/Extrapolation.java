package org.implicitdl.train;

import org.implicitdl.linalg.Blas;
import org.implicitdl.linalg.Matrix;

/**
 * Nesterov's extrapolation for the cross-entropy (C, D)-step's majorize–minimize rounds: each round minimizes Böhning's
 * quadratic bound ½G around an extrapolated point rather than around the last iterate — FISTA in the bound's metric
 * (Beck and Teboulle 2009), the ridge and the penalties kept exact in the round's own solve. The bound holds the softmax
 * curvature at ½, where a class of probability f curves by f(1 − f): with many classes, or rare ones, plain rounds take
 * steps that many times too short and stop far from the minimum. A round whose step turns against the momentum restarts
 * it (O'Donoghue and Candès 2015, the gradient scheme in the bound's metric), so the rounds do not oscillate.
 */
final class Extrapolation {
  /** The bound's metric Q (d×d): the restart test's inner product. */
  private final Matrix metric;
  private Matrix last;
  private Matrix previous;
  private double t = 1;
  private double momentum = 0;

  Extrapolation(Matrix start, Matrix metric) {
    this.metric = metric;
    this.last = start;
    this.previous = start;
  }

  /** The point the next round's bound is taken around: the last iterate, moved on along the last step by the momentum. */
  Matrix point() {
    if (momentum == 0) {
      return last;
    }
    Matrix y = last.copy();
    double[] yd = y.data();
    double[] ld = last.data();
    double[] pd = previous.data();
    for (int i = 0; i < yd.length; i++) {
      yd[i] += momentum * (ld[i] - pd[i]);
    }
    return y;
  }

  /**
   * Takes the round's minimizer {@code next} of the bound around {@code point}. Restarts (no momentum in the next round)
   * when ⟨point − next, next − last⟩ in the metric is positive: the generalized gradient at the point has a component
   * along the new step, so the momentum carried the iterate past the minimum.
   */
  void advance(Matrix point, Matrix next) {
    Matrix back = point.copy();
    Blas.axpy(-1.0, next.data(), back.data());
    Matrix step = next.copy();
    Blas.axpy(-1.0, last.data(), step.data());
    double[] metricBack = Blas.multiply(back, metric).data();
    double along = 0;
    for (int i = 0; i < metricBack.length; i++) {
      along += metricBack[i] * step.data()[i];
    }
    previous = last;
    last = next;
    if (along > 0) {
      t = 1;
      momentum = 0;
    } else {
      double following = (1 + Math.sqrt(1 + 4 * t * t)) / 2;
      momentum = (t - 1) / following;
      t = following;
    }
  }

  /** The last round's minimizer. */
  Matrix last() {
    return last;
  }
}
