package org.implicitdl.train;

import java.io.Serializable;
import org.implicitdl.solve.Activation;
import org.implicitdl.solve.WellPosedness;

/**
 * What both trainers train: n states with activation φ, the loss, how A is kept well-posed and the
 * state shape of paper §6.2–6.3.
 *
 * @param hiddenDim n, the number of states
 * @param activation φ of the states (paper eq. 1)
 * @param loss the data-fit term
 * @param structure how A is kept well-posed: ‖A‖∞ ≤ κ, or strictly upper triangular
 * @param kappa κ ∈ (0, 1) for the norm constraint
 * @param shape the state group penalty, rank limit and layer pattern ({@link StateShape})
 */
public record Architecture(int hiddenDim, Activation activation, Loss loss, Structure structure, double kappa, StateShape shape)
    implements Serializable {

  /** How a trainer keeps A well-posed. */
  public enum Structure { INF_NORM, TRIANGULAR }

  public Architecture {
    Checks.require(hiddenDim >= 1, "hiddenDim must be >= 1, got " + hiddenDim);
    Checks.require(activation != null, "activation must be given");
    Checks.require(loss != null, "loss must be given");
    if (structure == Structure.INF_NORM) {
      WellPosedness.requireKappa(kappa);
    }
    Checks.require(shape != null, "shape must be given");
    shape.requireFor(hiddenDim, structure);
  }

  /** n ReLU states under ‖A‖∞ ≤ 0.95, dense. */
  public static Architecture of(int hiddenDim, Loss loss) {
    return new Architecture(hiddenDim, Activation.RELU, loss, Structure.INF_NORM, 0.95, StateShape.DENSE);
  }

  public Architecture withActivation(Activation a) {
    return new Architecture(hiddenDim, a, loss, structure, kappa, shape);
  }

  public Architecture withStructure(Structure s, double k) {
    return new Architecture(hiddenDim, activation, loss, s, k, shape);
  }

  public Architecture withShape(StateShape s) {
    return new Architecture(hiddenDim, activation, loss, structure, kappa, s);
  }
}
