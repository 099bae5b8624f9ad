package org.implicitdl.train;

import java.io.Serializable;

/**
 * The gradient trainer's optimizer: Adam on mini-batches, its schedule and early stopping.
 *
 * @param epochs passes over the data at most
 * @param batchSize rows per mini-batch (across all partitions)
 * @param learningRate Adam's step size
 * @param lrDecay multiplicative learning-rate decay per epoch
 * @param patience early stopping: epochs without validation improvement before stopping
 * @param syncsPerEpoch 0: synchronous mini-batches (one tree-reduce per Adam step, the same steps on
 *     any partitioning); k ≥ 1: each partition takes local Adam steps on its own rows and the driver
 *     averages parameters and moments k times per epoch (one job per average)
 * @param minSteps the fewest optimizer steps a run takes ({@link TrainingBudget}): on small data the
 *     epochs grow to reach it, the learning-rate schedule and patience stretched to match (0: as given)
 */
public record Optimizer(int epochs, int batchSize, double learningRate, double lrDecay, int patience, int syncsPerEpoch, int minSteps)
    implements Serializable {
  public static final Optimizer DEFAULT = new Optimizer(10, 512, 4e-3, 0.8, 3, 0, 0);

  public Optimizer {
    Checks.require(epochs >= 0, "epochs must be >= 0, got " + epochs);
    Checks.require(batchSize >= 1, "batchSize must be >= 1, got " + batchSize);
    Checks.require(learningRate > 0 && Double.isFinite(learningRate), "learningRate must be finite and > 0, got " + learningRate);
    Checks.require(lrDecay > 0 && lrDecay <= 1, "lrDecay must lie in (0, 1], got " + lrDecay);
    Checks.require(patience >= 1, "patience must be >= 1, got " + patience);
    Checks.require(syncsPerEpoch >= 0, "syncsPerEpoch must be >= 0, got " + syncsPerEpoch);
    Checks.require(minSteps >= 0, "minSteps must be >= 0, got " + minSteps);
  }

  public Optimizer withEpochs(int e) {
    return new Optimizer(e, batchSize, learningRate, lrDecay, patience, syncsPerEpoch, minSteps);
  }

  /** The step: batch size, rate and its decay per epoch. */
  public Optimizer withSteps(int newBatch, double newRate, double newDecay) {
    return new Optimizer(epochs, newBatch, newRate, newDecay, patience, syncsPerEpoch, minSteps);
  }

  public Optimizer withSyncsPerEpoch(int k) {
    return new Optimizer(epochs, batchSize, learningRate, lrDecay, patience, k, minSteps);
  }

  public Optimizer withMinSteps(int k) {
    return new Optimizer(epochs, batchSize, learningRate, lrDecay, patience, syncsPerEpoch, k);
  }
}
