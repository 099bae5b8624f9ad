package org.implicitdl.train;

import org.implicitdl.linalg.Matrix;
import org.implicitdl.solve.FixedPointResult;

/**
 * The real rule's (paper eq. 1) metric sums over data blocks: weighted loss, correct argmax and
 * squared error, the columns whose fixed point did not converge and the total weight, merged by
 * addition; the largest final residual and sweep count, merged by max.
 *
 * @param loss Σ_j w_j ℓ(y_j, ŷ_j)
 * @param correct Σ_j w_j [argmax ŷ_j = argmax y_j]
 * @param squaredError Σ_j w_j ‖y_j − ŷ_j‖²
 * @param notConverged columns whose fixed point (or adjoint) did not converge
 * @param weight Σ_j w_j (the row count with unit weights)
 * @param maxResidual the largest final fixed-point residual
 * @param maxIterations the most fixed-point sweeps
 */
public record RuleMetrics(double loss, double correct, double squaredError, double notConverged, double weight, double maxResidual,
    double maxIterations) implements Mergeable<RuleMetrics> {

  /** The metrics of predictions {@code yHat} for targets {@code y} with column weights w (1×m), at fixed point {@code solved}. */
  public static RuleMetrics of(Matrix y, Matrix yHat, Matrix w, Loss lossFunction, FixedPointResult solved, boolean converged) {
    return new RuleMetrics(lossFunction.total(y, yHat, w), LocalSteps.correct(y, yHat, w), LocalSteps.squaredError(y, yHat, w),
        converged ? 0 : y.cols(), w.sum(), solved.residual(), solved.iterations());
  }

  /** The same metrics with the loss replaced (e.g. by the robust objective's). */
  public RuleMetrics withLoss(double newLoss) {
    return new RuleMetrics(newLoss, correct, squaredError, notConverged, weight, maxResidual, maxIterations);
  }

  /** The same metrics with the count of non-converged columns replaced. */
  public RuleMetrics withNotConverged(double columns) {
    return new RuleMetrics(loss, correct, squaredError, columns, weight, maxResidual, maxIterations);
  }

  /** The weighted mean loss. */
  public double meanLoss() {
    return loss / weight;
  }

  /** Accuracy (cross-entropy) or RMSE over the outputs (squared). */
  public double metric(Loss lossFunction, int outputs) {
    return lossFunction == Loss.CROSS_ENTROPY ? correct / weight : Math.sqrt(squaredError / (weight * outputs));
  }

  @Override
  public RuleMetrics merge(RuleMetrics o) {
    return new RuleMetrics(loss + o.loss, correct + o.correct, squaredError + o.squaredError, notConverged + o.notConverged,
        weight + o.weight, Math.max(maxResidual, o.maxResidual), Math.max(maxIterations, o.maxIterations));
  }
}
