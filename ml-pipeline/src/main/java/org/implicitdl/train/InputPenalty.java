package org.implicitdl.train;

import java.io.Serializable;

/**
 * The input-group penalty of feature selection, weight·Σ_j ‖[Γ B_{:,j}; D_{:,j}]‖₂
 * ({@link InputGroups}), and the inputs held at zero (those a path has dropped, or all but a chosen
 * support in its refit).
 *
 * @param weight λ ≥ 0 (0: no penalty)
 * @param dropped inputs whose columns of B and D stay exactly zero (empty: none)
 */
public record InputPenalty(double weight, boolean[] dropped) implements Serializable {
  public static final InputPenalty NONE = new InputPenalty(0, new boolean[0]);

  public InputPenalty {
    if (!(weight >= 0) || !Double.isFinite(weight)) {
      throw new IllegalArgumentException("input penalty weight must be finite and >= 0, got " + weight);
    }
    dropped = dropped.clone();
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
}
