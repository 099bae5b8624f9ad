package org.implicitdl.train;

import java.io.Serializable;

/**
 * The gradient trainer's optimizer: Adam on mini-batches, its schedule and early stopping.
 *
 * @param epochs passes over the data at most
 * @param batchSize rows per mini-batch (across all partitions)
 * @param learningRate Adam's step size
 * @param lrDecay multiplicative learning-rate decay per epoch, or {@link #AUTO}: the rate falls to
 *     {@value #RUN_DECAY} of itself over the run's epochs ({@link #decayPerEpoch()})
 * @param patience early stopping: epochs without validation improvement before stopping, or {@link #AUTO}:
 *     {@value #PATIENCE_TENTHS} tenths of the epochs ({@link #patienceEpochs()})
 * @param syncsPerEpoch 0: synchronous mini-batches (one tree-reduce per Adam step, the same steps on
 *     any partitioning); k ≥ 1: each partition takes local Adam steps on its own rows and the driver
 *     averages parameters and moments k times per epoch (one job per average)
 * @param minSteps the fewest optimizer steps a run takes ({@link TrainingBudget}): on small data the
 *     epochs grow to reach it, patience stretched to match and the learning-rate schedule over the longest
 *     extension the budget allows (0: as given)
 * @param averageEpochs the memory, in epochs, of the iterate average that early stopping judges ({@link IterateAverage};
 *     at most a {@value TrainingBudget#AVERAGE_SHARE_INVERSE}th of the budget's steps); 0: the last iterate
 */
public record Optimizer(int epochs, int batchSize, double learningRate, double lrDecay, int patience, int syncsPerEpoch, int minSteps,
    double averageEpochs) implements Serializable {
  /** {@code lrDecay} or {@code patience} left to the run's length. */
  public static final int AUTO = -1;
  /** The automatic schedule's learning rate at the end of a run, as a share of the first. */
  public static final double RUN_DECAY = 0.1;
  /** The automatic patience, in tenths of the epochs: 3 of 10, 60 of 200. */
  static final int PATIENCE_TENTHS = 3;
  /** The values {@code lrDecay} takes, in words ({@link #isDecay}). */
  public static final String DECAY_ALLOWED = "-1 (automatic) or in (0, 1]";
  /** The values {@code patience} takes, in words ({@link #isPatience}). */
  public static final String PATIENCE_ALLOWED = "-1 (automatic) or >= 1";
  public static final Optimizer DEFAULT = new Optimizer(10, 512, 4e-3, AUTO, AUTO, 0, 0, 0);

  public Optimizer {
    Checks.require(epochs >= 0, "epochs must be >= 0, got " + epochs);
    Checks.require(batchSize >= 1, "batchSize must be >= 1, got " + batchSize);
    Checks.require(learningRate > 0 && Double.isFinite(learningRate), "learningRate must be finite and > 0, got " + learningRate);
    Checks.require(isDecay(lrDecay), "lrDecay must be " + DECAY_ALLOWED + ", got " + lrDecay);
    Checks.require(isPatience(patience), "patience must be " + PATIENCE_ALLOWED + ", got " + patience);
    Checks.require(syncsPerEpoch >= 0, "syncsPerEpoch must be >= 0, got " + syncsPerEpoch);
    Checks.require(minSteps >= 0, "minSteps must be >= 0, got " + minSteps);
    Checks.require(averageEpochs >= 0 && Double.isFinite(averageEpochs), "averageEpochs must be finite and >= 0, got " + averageEpochs);
  }

  /** Whether {@code lrDecay} is a decay this record takes: {@link #AUTO}, or a factor in (0, 1]. */
  public static boolean isDecay(double lrDecay) {
    return lrDecay == AUTO || (lrDecay > 0 && lrDecay <= 1);
  }

  /** Whether {@code patience} is a patience this record takes: {@link #AUTO}, or at least one epoch. */
  public static boolean isPatience(int patience) {
    return patience == AUTO || patience >= 1;
  }

  /**
   * The learning-rate factor per epoch: {@code lrDecay} as given, or the one that brings the rate to {@value #RUN_DECAY}
   * of itself over {@code epochs}. Why automatic: a decay per epoch fixed for a run of 10 epochs kills the rate of a
   * longer one (0.8 per epoch leaves 10⁻⁴ of it after 40 epochs, and the run learns nothing more), so a user who asks
   * for more epochs would get a worse model; a schedule over the run makes more epochs mean a slower, longer descent.
   */
  public double decayPerEpoch() {
    if (lrDecay != AUTO) {
      return lrDecay;
    }
    return epochs == 0 ? 1 : Math.pow(RUN_DECAY, 1.0 / epochs);
  }

  /** Early stopping's patience in epochs: {@code patience} as given, or {@value #PATIENCE_TENTHS} tenths of the epochs (at least 1), for the same reason. */
  public int patienceEpochs() {
    if (patience != AUTO) {
      return patience;
    }
    return Math.max(1, (PATIENCE_TENTHS * epochs + 9) / 10);
  }

  /** A learning-rate decay ({@code lrDecay}) in words, for reports and bench notes. */
  public static String scheduleInWords(double lrDecay) {
    return lrDecay == AUTO ? "falling to " + RUN_DECAY + " of itself over the epochs" : "x" + lrDecay + " per epoch";
  }

  public Optimizer withEpochs(int e) {
    return new Optimizer(e, batchSize, learningRate, lrDecay, patience, syncsPerEpoch, minSteps, averageEpochs);
  }

  /** The step: batch size, rate and its decay per epoch. */
  public Optimizer withSteps(int newBatch, double newRate, double newDecay) {
    return new Optimizer(epochs, newBatch, newRate, newDecay, patience, syncsPerEpoch, minSteps, averageEpochs);
  }

  public Optimizer withSyncsPerEpoch(int k) {
    return new Optimizer(epochs, batchSize, learningRate, lrDecay, patience, k, minSteps, averageEpochs);
  }

  public Optimizer withAverageEpochs(double e) {
    return new Optimizer(epochs, batchSize, learningRate, lrDecay, patience, syncsPerEpoch, minSteps, e);
  }

  public Optimizer withMinSteps(int k) {
    return new Optimizer(epochs, batchSize, learningRate, lrDecay, patience, syncsPerEpoch, k, averageEpochs);
  }
}
