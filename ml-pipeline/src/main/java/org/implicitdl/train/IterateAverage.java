package org.implicitdl.train;

import java.io.Serializable;
import org.implicitdl.model.ImplicitModel;

/**
 * An exponential moving average of the optimizer's iterates (Polyak–Ruppert averaging, Polyak and Juditsky 1992, in its
 * exponentially weighted form): θ̄_t = Σ_s β^(t−s) θ_s / Σ_s β^(t−s), with β = 1 − 1/horizon. Mini-batch Adam on a few
 * hundred rows ends its learning-rate schedule still wandering around the minimum it found; the average of the wandering
 * sits nearer its centre, so the model judged on the validation rows is that average rather than whichever iterate an
 * epoch happened to end on.
 *
 * <p>Well-posedness is kept: the projection puts every iterate's A in a convex set (‖A‖∞ ≤ κ, or the strictly lower
 * triangular matrices; a layer pattern's zeros are a subspace too), and a weighted average of points of a convex set lies
 * in it. What is not convex is not kept ({@link #keepsStructure}): exact zeros that move (an input the group lasso drops
 * for a while is back in the average) and a rank limit.
 *
 * @param model the average so far (null before the first iterate)
 * @param weightSum Σ_s β^(t−s), the average's normalizer, which corrects the start's bias towards the first iterate
 * @param decay β per optimizer step
 */
public record IterateAverage(ImplicitModel model, double weightSum, double decay) implements Serializable {
  /** An empty average whose memory is {@code horizon} optimizer steps (1: no averaging, the last iterate). */
  public static IterateAverage over(double horizon) {
    if (!(horizon >= 1)) {
      throw new IllegalArgumentException("an average's horizon is at least one step, got " + horizon);
    }
    return new IterateAverage(null, 0, 1 - 1 / horizon);
  }

  /**
   * Whether the average of this trainer's iterates is again one of its iterates' kind: no ℓ1, group-lasso, state-group or
   * input penalty (their zeros move from step to step) and no rank limit on A (a sum of rank-k matrices has a larger rank).
   */
  public static boolean keepsStructure(GradientSettings st) {
    return !st.zeroingPenalty() && !st.shape().lowRank();
  }

  /** The average with {@code iterate} folded in: θ̄ ← θ̄ + (θ − θ̄)/S, S ← βS + 1. */
  public IterateAverage add(ImplicitModel iterate) {
    double sum = decay * weightSum + 1;
    if (model == null || decay == 0) {
      return new IterateAverage(iterate, sum, decay);
    }
    return new IterateAverage(model.interpolated(iterate, 1 / sum), sum, decay);
  }
}
