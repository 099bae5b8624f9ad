package org.implicitdl.train;

/**
 * How much optimization a gradient run gets on data of a given size, so that a default run does
 * not collapse on small data: the mini-batch is at most an eighth of the rows (at least
 * {@value #MIN_BATCH}), so an epoch has about 8 steps or more; the epochs grow until the run takes
 * {@link GradientSettings#minSteps()} steps; the per-epoch learning-rate decay is stretched so the
 * whole run decays as the configured epochs would, and patience likewise. On data where the
 * configured epochs already give that many steps nothing changes. The weight decay is at least
 * {@value #PRIOR_PRECISION}/rows: a Gaussian prior of that precision on every weight (in standard
 * units) weighs 1/rows against the mean loss, so it matters on small data — where the hidden layer
 * can only overfit — and fades on large data. minSteps 0 turns the whole budget off (as given).
 *
 * @param batchSize rows per mini-batch
 * @param stepsPerEpoch optimizer steps per epoch
 * @param epochs epochs to run
 * @param lrDecay per-epoch learning-rate factor
 * @param patience epochs without validation improvement before stopping
 * @param weightDecay the ridge weight on the mean loss
 */
public record TrainingBudget(int batchSize, int stepsPerEpoch, int epochs, double lrDecay, int patience, double weightDecay) {
  static final double PRIOR_PRECISION = 10;
  static final int MIN_BATCH = 16;
  static final int MIN_STEPS_PER_EPOCH = 8;

  public static TrainingBudget of(GradientSettings s, double rows) {
    int batch = (int) Math.min(s.optimizer().batchSize(), Math.max(MIN_BATCH, Math.ceil(rows / MIN_STEPS_PER_EPOCH)));
    int steps = (int) Math.max(1, Math.round(rows / batch));
    double decay = s.optimizer().minSteps() > 0 ? Math.max(s.weightDecay(), PRIOR_PRECISION / Math.max(1, rows)) : s.weightDecay();
    if (s.optimizer().epochs() == 0) {
      return new TrainingBudget(batch, steps, 0, s.optimizer().lrDecay(), s.optimizer().patience(), decay);
    }
    int epochs = Math.max(s.optimizer().epochs(), (int) Math.ceil(s.optimizer().minSteps() / (double) steps));
    double stretch = epochs / (double) s.optimizer().epochs();
    return new TrainingBudget(batch, steps, epochs, Math.pow(s.optimizer().lrDecay(), 1 / stretch), (int) Math.ceil(s.optimizer().patience() * stretch), decay);
  }
}
