package org.implicitdl.train;

import java.io.Serializable;
import org.implicitdl.model.Activation;
import org.implicitdl.model.WellPosedness;
import org.implicitdl.solve.SolverSettings;

/**
 * Settings of the implicit-gradient trainer (design §3): Adam on mini-batches with a proximal
 * step for ℓ1 / group penalties and the projection onto ‖A‖∞ ≤ κ after every step.
 *
 * @param batchSize rows per mini-batch (across all partitions)
 * @param learningRate Adam's step size
 * @param lrDecay multiplicative learning-rate decay per epoch
 * @param weightDecay ridge weight on A, B, C, D
 * @param patience early stopping: epochs without validation improvement before stopping
 * @param syncsPerEpoch 0: synchronous mini-batches (one tree-reduce per Adam step, the same
 *     steps on any partitioning); k ≥ 1: each partition takes local Adam steps on its own rows and
 *     the driver averages parameters and moments k times per epoch (one job per average)
 * @param minSteps the fewest optimizer steps a run takes ({@link TrainingBudget}): on small data the
 *     epochs grow to reach it, the learning-rate schedule and patience stretched to match (0: as given)
 * @param shape the state group penalty and rank limit of paper §6.2–6.3 ({@link StateShape})
 * @param inputPenalty the input-group penalty Σ_j ‖[B_{:,j}; D_{:,j}]‖₂ and its bound on C ({@link InputPenalty});
 *     the feature-selection path sets it ({@link FeatureSelectionPath})
 */
public record GradientSettings(int hiddenDim, Activation activation, Loss loss, BcdSettings.Structure structure, double kappa,
    int epochs, int batchSize, double learningRate, double lrDecay, double l1, double groupLasso, double weightDecay,
    long seed, double initScale, int patience, SolverSettings fixedPoint, int syncsPerEpoch, StateShape shape, int minSteps,
    InputPenalty inputPenalty) implements Serializable {

  public GradientSettings {
    require(hiddenDim >= 1, "hiddenDim must be >= 1, got " + hiddenDim);
    if (structure == BcdSettings.Structure.INF_NORM) {
      WellPosedness.requireKappa(kappa);
    }
    require(epochs >= 0, "epochs must be >= 0, got " + epochs);
    require(batchSize >= 1, "batchSize must be >= 1, got " + batchSize);
    require(learningRate > 0 && Double.isFinite(learningRate), "learningRate must be finite and > 0, got " + learningRate);
    require(lrDecay > 0 && lrDecay <= 1, "lrDecay must lie in (0, 1], got " + lrDecay);
    require(l1 >= 0 && groupLasso >= 0 && weightDecay >= 0, "penalty weights must be >= 0");
    require(initScale > 0, "initScale must be > 0, got " + initScale);
    require(patience >= 1, "patience must be >= 1, got " + patience);
    require(syncsPerEpoch >= 0, "syncsPerEpoch must be >= 0, got " + syncsPerEpoch);
    require(shape != null, "shape must be given");
    shape.requireFor(hiddenDim, structure);
    require(minSteps >= 0, "minSteps must be >= 0, got " + minSteps);
    require(inputPenalty != null, "inputPenalty must be given");
  }

  public static GradientSettings defaults(int hiddenDim, Loss loss) {
    return new GradientSettings(hiddenDim, Activation.RELU, loss, BcdSettings.Structure.INF_NORM, 0.95, 10, 512, 4e-3, 0.8,
        0, 0, 0, 42L, 1.0, 3, new SolverSettings(1e-4, 300), 0, StateShape.DENSE, 0, InputPenalty.NONE);
  }

  public GradientSettings withEpochs(int e) {
    return new GradientSettings(hiddenDim, activation, loss, structure, kappa, e, batchSize, learningRate, lrDecay, l1,
        groupLasso, weightDecay, seed, initScale, patience, fixedPoint, syncsPerEpoch, shape, minSteps, inputPenalty);
  }

  public GradientSettings withOptimizer(int newBatch, double newRate, double newDecay) {
    return new GradientSettings(hiddenDim, activation, loss, structure, kappa, epochs, newBatch, newRate, newDecay, l1,
        groupLasso, weightDecay, seed, initScale, patience, fixedPoint, syncsPerEpoch, shape, minSteps, inputPenalty);
  }

  public GradientSettings withActivation(Activation a) {
    return new GradientSettings(hiddenDim, a, loss, structure, kappa, epochs, batchSize, learningRate, lrDecay, l1,
        groupLasso, weightDecay, seed, initScale, patience, fixedPoint, syncsPerEpoch, shape, minSteps, inputPenalty);
  }

  public GradientSettings withPenalties(double newL1, double newGroup, double newDecay) {
    return new GradientSettings(hiddenDim, activation, loss, structure, kappa, epochs, batchSize, learningRate, lrDecay, newL1,
        newGroup, newDecay, seed, initScale, patience, fixedPoint, syncsPerEpoch, shape, minSteps, inputPenalty);
  }

  public GradientSettings withStructure(BcdSettings.Structure s, double k) {
    return new GradientSettings(hiddenDim, activation, loss, s, k, epochs, batchSize, learningRate, lrDecay, l1,
        groupLasso, weightDecay, seed, initScale, patience, fixedPoint, syncsPerEpoch, shape, minSteps, inputPenalty);
  }

  public GradientSettings withFixedPoint(SolverSettings fp) {
    return new GradientSettings(hiddenDim, activation, loss, structure, kappa, epochs, batchSize, learningRate, lrDecay, l1,
        groupLasso, weightDecay, seed, initScale, patience, fp, syncsPerEpoch, shape, minSteps, inputPenalty);
  }

  public GradientSettings withStatePenalty(double w) {
    return new GradientSettings(hiddenDim, activation, loss, structure, kappa, epochs, batchSize, learningRate, lrDecay, l1,
        groupLasso, weightDecay, seed, initScale, patience, fixedPoint, syncsPerEpoch, shape.withPenalty(w), minSteps, inputPenalty);
  }

  public GradientSettings withShape(StateShape s) {
    return new GradientSettings(hiddenDim, activation, loss, structure, kappa, epochs, batchSize, learningRate, lrDecay, l1,
        groupLasso, weightDecay, seed, initScale, patience, fixedPoint, syncsPerEpoch, s, minSteps, inputPenalty);
  }

  /** The weight of the state group penalties ({@link StateShape#penalty}). */
  public double statePenalty() {
    return shape.penalty();
  }

  public GradientSettings withMinSteps(int k) {
    return new GradientSettings(hiddenDim, activation, loss, structure, kappa, epochs, batchSize, learningRate, lrDecay, l1,
        groupLasso, weightDecay, seed, initScale, patience, fixedPoint, syncsPerEpoch, shape, k, inputPenalty);
  }

  public GradientSettings withSyncsPerEpoch(int k) {
    return new GradientSettings(hiddenDim, activation, loss, structure, kappa, epochs, batchSize, learningRate, lrDecay, l1,
        groupLasso, weightDecay, seed, initScale, patience, fixedPoint, k, shape, minSteps, inputPenalty);
  }

  public GradientSettings withInputPenalty(InputPenalty w) {
    return new GradientSettings(hiddenDim, activation, loss, structure, kappa, epochs, batchSize, learningRate, lrDecay, l1,
        groupLasso, weightDecay, seed, initScale, patience, fixedPoint, syncsPerEpoch, shape, minSteps, w);
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }
}
