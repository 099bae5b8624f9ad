package org.implicitdl.train;

import java.io.Serializable;

/**
 * The input-group penalty of feature selection, weight·Σ_j ‖[Γ B_{:,j}; D_{:,j}]‖₂
 * ({@link InputGroups}), and the inputs held at zero (those a path has dropped, or all but a chosen
 * support in its refit).
 *
 * @param weight λ ≥ 0 (0: no penalty)
 * @param dropped inputs whose columns of B and D stay exactly zero (empty: none)
 * @param scale per-input multipliers s_j of λ, the adaptive group lasso's λ·s_j·‖·‖ (empty: 1 for every input)
 */
public record InputPenalty(double weight, boolean[] dropped, double[] scale) implements Serializable {
  public static final InputPenalty NONE = new InputPenalty(0, new boolean[0]);

  public InputPenalty {
    if (!(weight >= 0) || !Double.isFinite(weight)) {
      throw new IllegalArgumentException("input penalty weight must be finite and >= 0, got " + weight);
    }
    for (double v : scale) {
      if (!(v > 0) || !Double.isFinite(v)) {
        throw new IllegalArgumentException("input penalty scales must be finite and > 0, got " + v);
      }
    }
    dropped = dropped.clone();
    scale = scale.clone();
  }

  /** The penalty λ on every input (unscaled), the {@code dropped} inputs held at zero. */
  public InputPenalty(double weight, boolean[] dropped) {
    this(weight, dropped, new double[0]);
  }

  /** λ·s_j: the weight on input j's group. */
  public double weightOf(int j) {
    return scale.length == 0 ? weight : weight * scale[j];
  }

  /** The same scales at another weight and with other inputs dropped. */
  public InputPenalty at(double newWeight, boolean[] newDropped) {
    return new InputPenalty(newWeight, newDropped, scale);
  }

  /** The penalty λ on every input. */
  public static InputPenalty of(double weight) {
    return new InputPenalty(weight, new boolean[0]);
  }

  /** No penalty; the inputs outside {@code kept} held at zero. */
  public static InputPenalty keeping(int[] kept, int inputs) {
    boolean[] dropped = new boolean[inputs];
    java.util.Arrays.fill(dropped, true);
    for (int j : kept) {
      dropped[j] = false;
    }
    return new InputPenalty(0, dropped);
  }

  public boolean active() {
    return weight > 0 || dropped.length > 0;
  }

  @Override
  public boolean[] dropped() {
    return dropped.clone();
  }

  @Override
  public double[] scale() {
    return scale.clone();
  }
}
