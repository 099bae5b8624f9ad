package org.implicitdl.train;

import java.io.Serializable;

/**
 * Where a trainer leaves its state at the end of an epoch and finds it again after its driver was
 * killed (design card §8): everything the next epoch reads — the model, the optimizer's moments,
 * the λ/μ schedule, the best model so far, the history — so that a resumed fit ends with the
 * model an uninterrupted one would have. BCD's P- and X-states live in the blocks, so BCD also
 * hands over its store to be saved with the state. Randomness is re-derived from the seed and the
 * epoch number, never carried.
 */
public interface EpochCheckpoint {
  /** The state a killed fit left here, or null to start from the beginning. */
  Serializable restore(BlockStore store);

  /**
   * Saves {@code state} after {@code epoch}; {@code blocksWithState} is the store when its
   * blocks carry state (BCD), null otherwise. An implementation may save only every k-th epoch.
   */
  void save(int epoch, Serializable state, BlockStore blocksWithState);

  /** No checkpoints: every fit starts from the beginning. */
  static EpochCheckpoint none() {
    return new EpochCheckpoint() {
      @Override
      public Serializable restore(BlockStore store) {
        return null;
      }

      @Override
      public void save(int epoch, Serializable state, BlockStore blocksWithState) {}
    };
  }
}
