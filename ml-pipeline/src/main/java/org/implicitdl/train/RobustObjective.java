package org.implicitdl.train;

import org.implicitdl.robust.InputBox;

/**
 * Robust training's objective (paper §5, trained as interval-bound propagation trains): the loss
 * (1 − w)·ℓ(y, ŷ) + w·ℓ_worst, where ℓ_worst is the loss at the worst outputs the certified bounds
 * over the box allow ({@link RobustGradient}). ε and w grow linearly from 0 over the first
 * {@code rampFraction} of training, so the model first learns the task and then its robustness;
 * a box reached at full ε is the one later certified.
 *
 * @param box the input box (ε and per-feature σ in the units the trainer sees)
 * @param weight w ∈ [0, 1], the final share of the worst-case loss
 * @param rampFraction share of training over which ε and w ramp up, in [0, 1]
 */
public record RobustObjective(InputBox box, double weight, double rampFraction) implements java.io.Serializable {

  public RobustObjective {
    if (!(weight >= 0 && weight <= 1)) {
      throw new IllegalArgumentException("robust weight must lie in [0, 1], got " + weight);
    }
    if (!(rampFraction >= 0 && rampFraction <= 1)) {
      throw new IllegalArgumentException("robust ramp must lie in [0, 1], got " + rampFraction);
    }
  }

  /** Whether this objective differs from the nominal loss. */
  public boolean active() {
    return box.epsilon() > 0 && weight > 0;
  }

  /** ε and w at a point of training, {@code progress} ∈ [0, 1] (fraction of all optimizer steps done). */
  public RobustObjective at(double progress) {
    double t = rampFraction == 0 ? 1 : Math.min(1, Math.max(0, progress / rampFraction));
    return new RobustObjective(new InputBox(box.sigma(), box.epsilon() * t), weight * t, 0);
  }

  /** Progress of step {@code step} (0-based) of {@code steps} in epoch {@code epoch} (1-based) of {@code epochs}. */
  static double progress(int epoch, int step, int steps, int epochs) {
    return epochs == 0 ? 1 : ((epoch - 1) + (double) step / steps) / epochs;
  }
}
