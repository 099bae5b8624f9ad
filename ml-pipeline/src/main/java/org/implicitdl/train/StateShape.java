package org.implicitdl.train;

import java.io.Serializable;

/**
 * The architecture knobs of paper §6.2–6.3, shared by both solvers: the weight of the state group
 * penalties ({@link Prox#withStateGroups}: rows of [A B], columns of A and of C, which drive whole
 * states to zero for exact pruning) and a limit on rank(A) (A = L Rᵀ with k columns, so a
 * fixed-point sweep costs O(nk); 0 = no limit).
 *
 * @param penalty weight of the state group penalties (≥ 0)
 * @param rank the largest rank A may have, or 0 for none
 * @param layers the feedforward pattern of §2.2 the model keeps ({@link LayerMask}), or null for none
 */
public record StateShape(double penalty, int rank, LayerMask layers) implements Serializable {
  /** No penalty, no rank limit: a dense A. */
  public static final StateShape DENSE = new StateShape(0.0, 0, null);

  public StateShape(double penalty, int rank) {
    this(penalty, rank, null);
  }

  public StateShape {
    if (!(penalty >= 0 && Double.isFinite(penalty))) {
      throw new IllegalArgumentException("statePenalty must be finite and >= 0, got " + penalty);
    }
    if (rank < 0) {
      throw new IllegalArgumentException("rank must be >= 0 (0: no limit), got " + rank);
    }
  }

  /**
   * Checks the rank against the problem: below the number of states n (a limit of n or more is
   * no limit and is refused as a likely mistake), and only with the ∞-norm condition (the
   * triangular mask does not keep a low rank).
   */
  public StateShape requireFor(int hiddenDim, Architecture.Structure structure) {
    if (rank >= hiddenDim) {
      throw new IllegalArgumentException("rank must be below hiddenDim = " + hiddenDim + " (0: no limit), got " + rank);
    }
    if (layers != null && layers.states() != hiddenDim) {
      throw new IllegalArgumentException("layers " + java.util.Arrays.toString(layers.widths()) + " hold " + layers.states()
          + " states; expected hiddenDim = " + hiddenDim);
    }
    if (layers != null && rank > 0) {
      throw new IllegalArgumentException("rank = " + rank + " cannot be combined with a layer pattern");
    }
    if (rank > 0 && structure == Architecture.Structure.TRIANGULAR) {
      throw new IllegalArgumentException("rank = " + rank + " needs wellPosedness inf_norm, got triangular");
    }
    return this;
  }

  /** The same keeping the feedforward pattern of {@code mask} (null: none). */
  public StateShape withLayers(LayerMask mask) {
    return new StateShape(penalty, rank, mask);
  }

  /** The 0/1 pattern of [A B], or null without layers. */
  public org.implicitdl.linalg.Matrix hiddenPattern(int inputs) {
    return layers == null ? null : layers.hiddenPattern(inputs);
  }

  /** The 0/1 pattern of [C D], or null without layers. */
  public org.implicitdl.linalg.Matrix readoutPattern(int inputs, int outputs) {
    return layers == null ? null : layers.readoutPattern(inputs, outputs);
  }

  public boolean lowRank() {
    return rank > 0;
  }

  public StateShape withPenalty(double w) {
    return new StateShape(w, rank, layers);
  }

  public StateShape withRank(int k) {
    return new StateShape(penalty, k, layers);
  }
}
