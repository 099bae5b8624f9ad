package org.implicitdl.spark;

import org.implicitdl.train.BlockStore;

/**
 * A fit's training rows as the choices that train more than once see them (the step-size search's candidates, the
 * linear model's ridge path): the store itself up to {@value StageChoices#CHOICE_SAMPLE_ROWS} rows, past that its even
 * sample of about that many ({@link TrainingStores#sample}). One per fit: the rows are counted once, the sample is built
 * (on Spark: cached) once, on first use, and every choice fits on the same blocks. Closing it closes the sample, never the
 * store.
 */
final class ChoiceRows implements AutoCloseable {
  private final BlockStore store;
  private long storeRows = -1;
  private BlockStore sample;
  private long sampleRows = -1;

  ChoiceRows(BlockStore store) {
    this.store = store;
  }

  /** Every training row. */
  BlockStore training() {
    return store;
  }

  /** The number of training rows (counted once: one pass). */
  long trainingRows() {
    if (storeRows < 0) {
      storeRows = StageChoices.rows(store);
    }
    return storeRows;
  }

  /** Whether the choices fit on a sample rather than on every training row. */
  boolean sampled() {
    return trainingRows() > StageChoices.CHOICE_SAMPLE_ROWS;
  }

  /** The rows a choice fits on: the training store, or its sample (built on first use). */
  BlockStore fitRows() {
    if (!sampled()) {
      return store;
    }
    if (sample == null) {
      sample = TrainingStores.sample(store, StageChoices.CHOICE_SAMPLE_ROWS / (double) trainingRows());
    }
    return sample;
  }

  /** The number of {@link #fitRows()}' rows (counted once). */
  long fitRowCount() {
    if (!sampled()) {
      return trainingRows();
    }
    if (sampleRows < 0) {
      sampleRows = StageChoices.rows(fitRows());
    }
    return sampleRows;
  }

  @Override
  public void close() {
    if (sample != null) {
      sample.close();
      sample = null;
    }
  }
}
