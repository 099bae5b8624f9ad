package org.implicitdl.train;

/**
 * How much optimization a gradient run gets on data of a given size, so that a default run does
 * not collapse on small data: the mini-batch is at most an eighth of the rows (at least
 * {@value #MIN_BATCH}), so an epoch has about 8 steps or more; the epochs grow until the run takes
 * {@link GradientSettings#minSteps()} steps; the per-epoch learning-rate decay is stretched so that
 * the longest run an extension may take ({@link #maxEpochs}) decays as the configured epochs would,
 * and patience is stretched with the budget's epochs. On data where the configured epochs already
 * give that many steps nothing changes. The weight decay is at least
 * {@value #PRIOR_PRECISION}/rows: a Gaussian prior of that precision on every weight (in standard
 * units) weighs 1/rows against the mean loss, so it matters on small data — where the hidden layer
 * can only overfit — and fades on large data. minSteps 0 turns the whole budget off (as given).
 *
 * <p>Where the budget grew the epochs, their number is a guess made before seeing the data, so it
 * may be extended ({@link #goesOn}): with validation rows, training continues a quarter of the
 * budget at a time, the learning rate decaying on, while the last quarter still lowered the best
 * validation loss by at least {@value #EXTENSION_GAIN} of it, up to {@value #MAX_EXTENSION} times
 * the budget's epochs. Data that has stopped improving ends on time; data still learning is not
 * cut off by a count of steps. Why the decay spans the extension rather than the budget: on small
 * nonlinear data the validation loss often stays flat for the first quarter of the budget and
 * falls slowly after; decayed over the budget alone, the rate is at its floor by the time the
 * extension starts, and the extended epochs learn little. Over the longest run, the rate at the
 * budget's end is still {@code RUN_DECAY^(1/3)} (about half) of the first, and a run that stops
 * there is smoothed by the iterate average (the comparisons: docs/results/README.md, defaults section).
 *
 * @param batchSize rows per mini-batch
 * @param stepsPerEpoch optimizer steps per epoch
 * @param epochs epochs to run
 * @param lrDecay per-epoch learning-rate factor
 * @param patience epochs without validation improvement before stopping
 * @param weightDecay the ridge weight on the mean loss
 * @param maxEpochs the most epochs an extended run takes ({@code epochs} where the budget did not grow them)
 * @param averageHorizon the iterate average's memory in optimizer steps ({@link IterateAverage}): the configured
 *     {@link Optimizer#averageEpochs()}, at most a {@value #AVERAGE_SHARE_INVERSE}th of the budget's steps, so that on a
 *     run of few epochs the average does not lag behind a model still learning; 1 or less: the last iterate
 */
public record TrainingBudget(int batchSize, int stepsPerEpoch, int epochs, double lrDecay, int patience, double weightDecay, int maxEpochs,
    double averageHorizon) {
  static final double PRIOR_PRECISION = 10;
  static final int MIN_BATCH = 16;
  static final int MIN_STEPS_PER_EPOCH = 8;
  /** The relative drop of the best validation loss over the last quarter that earns another quarter. */
  static final double EXTENSION_GAIN = 0.02;
  /** An extended run's epochs at most, as a multiple of the budget's. */
  static final int MAX_EXTENSION = 3;
  /** The iterate average spans at most this inverse share of the budget's steps. */
  static final int AVERAGE_SHARE_INVERSE = 20;

  public static TrainingBudget of(GradientSettings s, double rows) {
    int batch = (int) Math.min(s.optimizer().batchSize(), Math.max(MIN_BATCH, Math.ceil(rows / MIN_STEPS_PER_EPOCH)));
    int steps = (int) Math.max(1, Math.round(rows / batch));
    double decay = s.optimizer().minSteps() > 0 ? Math.max(s.weightDecay(), PRIOR_PRECISION / Math.max(1, rows)) : s.weightDecay();
    if (s.optimizer().epochs() == 0) {
      return new TrainingBudget(batch, steps, 0, s.optimizer().decayPerEpoch(), s.optimizer().patienceEpochs(), decay, 0, 1);
    }
    int epochs = Math.max(s.optimizer().epochs(), (int) Math.ceil(s.optimizer().minSteps() / (double) steps));
    double stretch = epochs / (double) s.optimizer().epochs();
    int most = epochs > s.optimizer().epochs() ? MAX_EXTENSION * epochs : epochs;
    double horizon = Math.max(1, Math.min(s.optimizer().averageEpochs() * steps, epochs * (double) steps / AVERAGE_SHARE_INVERSE));
    double decayPerEpoch = Math.pow(s.optimizer().decayPerEpoch(), s.optimizer().epochs() / (double) most);
    return new TrainingBudget(batch, steps, epochs, decayPerEpoch,
        (int) Math.ceil(s.optimizer().patienceEpochs() * stretch),
        decay, most, horizon);
  }

  /** Whether the run judges an average of its iterates rather than the last one. */
  public boolean averages() {
    return averageHorizon > 1;
  }

  /** The epochs between two extension checks: a quarter of the budget's. */
  public int quarter() {
    return Math.max(1, epochs / 4);
  }

  /**
   * Whether a run at the end of {@code epoch} trains on: always within the budget's epochs; past them (and
   * before {@link #maxEpochs}) only at a check — every {@link #quarter()} epochs from the budget's last — whose
   * best validation loss {@code best} is at least {@value #EXTENSION_GAIN} below {@code quarterAgo}, the best a
   * quarter earlier. {@code validated} false (no validation rows to judge by): never past the budget.
   */
  public boolean goesOn(int epoch, boolean validated, double best, double quarterAgo) {
    if (epoch < epochs) {
      return true;
    }
    if (!validated || epoch >= maxEpochs) {
      return false;
    }
    if (!atQuarterMark(epoch)) {
      return true;
    }
    return best <= (1 - EXTENSION_GAIN) * quarterAgo;
  }

  /** Whether the best validation loss at the end of {@code epoch} is the one a later check compares against. */
  public boolean checkpointsBest(int epoch) {
    return atQuarterMark(epoch);
  }

  /**
   * The quarter marks: the budget's last epoch, every {@link #quarter()} epochs after it, and the one a quarter before
   * it (whose best the first check compares against) — one grid for the checks and the scores they compare.
   */
  private boolean atQuarterMark(int epoch) {
    return epoch >= epochs - quarter() && (epoch - epochs) % quarter() == 0;
  }
}
