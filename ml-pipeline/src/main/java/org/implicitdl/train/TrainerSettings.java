package org.implicitdl.train;

import org.implicitdl.solve.Activation;
import org.implicitdl.solve.SolverSettings;

/**
 * What the settings of both trainers share: the {@link Architecture} trained, the {@link Penalties},
 * the seeded start and the fixed-point solves that judge the real rule — with the architecture's
 * and penalties' components readable directly.
 */
public interface TrainerSettings {
  Architecture architecture();

  Penalties penalties();

  /** The seed of the start and of every shuffle. */
  long seed();

  /** Scale of the random initial B (times 1/√p). */
  double initScale();

  /** Settings of the fixed-point solves that judge the real rule. */
  SolverSettings fixedPoint();

  default int hiddenDim() {
    return architecture().hiddenDim();
  }

  default Activation activation() {
    return architecture().activation();
  }

  default Loss loss() {
    return architecture().loss();
  }

  default Architecture.Structure structure() {
    return architecture().structure();
  }

  default double kappa() {
    return architecture().kappa();
  }

  default StateShape shape() {
    return architecture().shape();
  }

  /** The weight of the state group penalties ({@link StateShape#penalty}). */
  default double statePenalty() {
    return shape().penalty();
  }

  default double l1() {
    return penalties().l1();
  }

  default double groupLasso() {
    return penalties().groupLasso();
  }
}
