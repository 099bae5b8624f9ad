package org.implicitdl.train;

import java.io.Serializable;

/**
 * Where the training blocks live: in local memory (tests, one machine) or in a cached Spark RDD
 * partitioned across executors. The trainer only folds statistics over blocks and replaces
 * blocks; a payload (the current model) goes to the blocks once per pass (a broadcast on Spark).
 */
public interface BlockStore {

  /** A per-block computation with a shared read-only payload. */
  interface BlockFunction<P, R> extends Serializable {
    R apply(P payload, TrainingBlock block);
  }

  /** A computation over all blocks of one partition, in order (e.g. local optimizer steps). */
  interface PartitionFunction<P, R> extends Serializable {
    R apply(P payload, java.util.Iterator<TrainingBlock> blocks);
  }

  /** Runs f once per partition and merges the partials; a local store is one partition. */
  <P extends Serializable, S extends Mergeable<S>> S aggregatePartitions(String description, P payload, PartitionFunction<P, S> f);

  /** Folds f over all blocks and merges the partials (treeAggregate on Spark). */
  <P extends Serializable, S extends Mergeable<S>> S aggregate(String description, P payload, BlockFunction<P, S> f);

  /** Replaces every block by f(block) (a new cached RDD on Spark; the old one is released). */
  <P extends Serializable> void update(String description, P payload, BlockFunction<P, TrainingBlock> f);

  /**
   * Replaces every block's states by f(block), its U, Y and w unchanged: a store that keeps the
   * states apart rewrites only them (block-coordinate descent's updates).
   */
  <P extends Serializable> void updateStates(String description, P payload, BlockFunction<P, TrainingBlock.States> f);

  /** Releases cached data. */
  default void close() {}
}
