package org.implicitdl.train;

import java.io.Serializable;
import org.implicitdl.solve.Activation;
import org.implicitdl.solve.SolverSettings;

/**
 * Settings of the implicit-gradient trainer (design §3): Adam on mini-batches with a proximal
 * step for ℓ1 / group penalties and the projection onto ‖A‖∞ ≤ κ after every step. Parts: what is
 * trained ({@link Architecture}), the {@link Optimizer}, the {@link Penalties} (ridge = weight decay).
 *
 * @param seed initialisation and shuffling seed
 * @param initScale scale of the random initial B (times 1/√p)
 * @param fixedPoint settings of the forward and adjoint fixed-point solves
 * @param inputPenalty the input-group penalty Σ_j ‖[B_{:,j}; D_{:,j}]‖₂ and its bound on C ({@link InputPenalty});
 *     the feature-selection path sets it ({@link FeatureSelectionPath})
 */
public record GradientSettings(Architecture architecture, Optimizer optimizer, Penalties penalties, long seed, double initScale,
    SolverSettings fixedPoint, InputPenalty inputPenalty) implements TrainerSettings, Serializable {

  public GradientSettings {
    Checks.require(architecture != null && optimizer != null && penalties != null, "settings parts must be given");
    Checks.require(initScale > 0, "initScale must be > 0, got " + initScale);
    Checks.require(inputPenalty != null, "inputPenalty must be given");
  }

  public static GradientSettings defaults(int hiddenDim, Loss loss) {
    return new GradientSettings(Architecture.of(hiddenDim, loss), Optimizer.DEFAULT, Penalties.NONE, 42L, 1.0, new SolverSettings(1e-4, 300),
        InputPenalty.NONE);
  }

  /**
   * Whether a proximal map of this run sets weights to exactly zero, at places that move from step to step: ℓ1, group
   * lasso, state groups or input groups.
   */
  public boolean zeroingPenalty() {
    return l1() != 0 || groupLasso() != 0 || statePenalty() > 0 || inputPenalty().active();
  }

  /** The ridge weight on A, B, C, D. */
  public double weightDecay() {
    return penalties.ridge();
  }

  public GradientSettings withEpochs(int e) {
    return withOptimizer(optimizer.withEpochs(e));
  }

  public GradientSettings withOptimizer(int newBatch, double newRate, double newDecay) {
    return withOptimizer(optimizer.withSteps(newBatch, newRate, newDecay));
  }

  public GradientSettings withAverageEpochs(double e) {
    return withOptimizer(optimizer.withAverageEpochs(e));
  }

  public GradientSettings withMinSteps(int k) {
    return withOptimizer(optimizer.withMinSteps(k));
  }

  public GradientSettings withSyncsPerEpoch(int k) {
    return withOptimizer(optimizer.withSyncsPerEpoch(k));
  }

  public GradientSettings withOptimizer(Optimizer o) {
    return new GradientSettings(architecture, o, penalties, seed, initScale, fixedPoint, inputPenalty);
  }

  public GradientSettings withArchitecture(Architecture a) {
    return new GradientSettings(a, optimizer, penalties, seed, initScale, fixedPoint, inputPenalty);
  }

  public GradientSettings withActivation(Activation a) {
    return withArchitecture(architecture.withActivation(a));
  }

  public GradientSettings withStructure(Architecture.Structure s, double k) {
    return withArchitecture(architecture.withStructure(s, k));
  }

  public GradientSettings withStatePenalty(double w) {
    return withShape(shape().withPenalty(w));
  }

  public GradientSettings withShape(StateShape s) {
    return withArchitecture(architecture.withShape(s));
  }

  /** ℓ1, group and ridge (weight decay) weights, in that order. */
  public GradientSettings withPenalties(double newL1, double newGroup, double newDecay) {
    return new GradientSettings(architecture, optimizer, new Penalties(newDecay, newL1, newGroup), seed, initScale, fixedPoint, inputPenalty);
  }

  public GradientSettings withFixedPoint(SolverSettings fp) {
    return new GradientSettings(architecture, optimizer, penalties, seed, initScale, fp, inputPenalty);
  }

  public GradientSettings withInputPenalty(InputPenalty w) {
    return new GradientSettings(architecture, optimizer, penalties, seed, initScale, fixedPoint, w);
  }

  public GradientSettings withSeed(long s) {
    return new GradientSettings(architecture, optimizer, penalties, s, initScale, fixedPoint, inputPenalty);
  }
}
