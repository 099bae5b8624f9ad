package org.implicitdl.train;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.implicitdl.linalg.Matrix;

/**
 * Blocks held in this JVM, grouped in partitions as on the cluster they came from: the reference
 * the distributed store must equal, and the driver path of small fits. Statistics are merged
 * block after block in order (partition-wise work partition after partition), while the blocks'
 * (partitions') own work runs side by side on this JVM's cores ({@link PartitionThreads}): the
 * driver path uses the machine as executors would, and the result is bit for bit the sequential
 * fold's, whatever the thread count.
 */
public final class LocalBlockStore implements BlockStore {
  private final List<TrainingBlock> blocks;
  /** Where each partition starts in {@link #blocks} (one partition unless built from several). */
  private final int[] partitionStarts;

  public LocalBlockStore(List<TrainingBlock> blocks) {
    this.blocks = new ArrayList<>(blocks);
    this.partitionStarts = new int[] {0};
  }

  /**
   * Blocks kept in their partitions, so that partition-wise work ({@link #aggregatePartitions},
   * local optimizer rounds) sees the same groups as on the cluster the blocks came from.
   */
  public static LocalBlockStore ofPartitions(List<List<TrainingBlock>> partitions) {
    List<TrainingBlock> all = new ArrayList<>();
    List<Integer> starts = new ArrayList<>();
    for (List<TrainingBlock> part : partitions) {
      if (!part.isEmpty()) {
        starts.add(all.size());
        all.addAll(part);
      }
    }
    return new LocalBlockStore(all, starts.isEmpty() ? new int[] {0} : starts.stream().mapToInt(Integer::intValue).toArray());
  }

  private LocalBlockStore(List<TrainingBlock> blocks, int[] partitionStarts) {
    this.blocks = new ArrayList<>(blocks);
    this.partitionStarts = partitionStarts;
  }

  /** The blocks grouped by partition. */
  public List<List<TrainingBlock>> partitions() {
    List<List<TrainingBlock>> out = new ArrayList<>();
    for (int k = 0; k < partitionStarts.length; k++) {
      int end = k + 1 < partitionStarts.length ? partitionStarts[k + 1] : blocks.size();
      out.add(List.copyOf(blocks.subList(partitionStarts[k], end)));
    }
    return out;
  }

  /** Replaces the blocks by ones restored from a saved state (same count and order). */
  public void replaceBlocks(List<TrainingBlock> restored) {
    if (restored.size() != blocks.size()) {
      throw new IllegalArgumentException("restored " + restored.size() + " blocks for a store of " + blocks.size());
    }
    for (int k = 0; k < restored.size(); k++) {
      blocks.set(k, restored.get(k));
    }
  }

  /**
   * Splits columns of raw inputs U (p×m) and targets Y (q×m) into blocks of at most
   * {@code blockSize} columns, appending the bias row to U (no states yet).
   */
  public static LocalBlockStore of(Matrix u, Matrix y, int blockSize) {
    return of(u, y, TrainingBlock.unitWeights(u.cols()), blockSize);
  }

  /** As {@link #of(Matrix, Matrix, int)} with sample weights w (1×m). */
  public static LocalBlockStore of(Matrix u, Matrix y, Matrix w, int blockSize) {
    List<TrainingBlock> out = new ArrayList<>();
    for (int from = 0; from < u.cols(); from += blockSize) {
      int to = Math.min(u.cols(), from + blockSize);
      out.add(block(u.columnSlice(from, to), y.columnSlice(from, to), w.columnSlice(from, to)));
    }
    return new LocalBlockStore(out);
  }

  /** A training block from raw inputs: U gets the bias row; no states yet; unit weights. */
  public static TrainingBlock block(Matrix u, Matrix y) {
    return block(u, y, TrainingBlock.unitWeights(u.cols()));
  }

  /** A training block with sample weights w (1×m). */
  public static TrainingBlock block(Matrix u, Matrix y, Matrix w) {
    return new TrainingBlock(Matrix.vstack(u, TrainingBlock.unitWeights(u.cols())), y, null, null, w);
  }

  public List<TrainingBlock> blocks() {
    return List.copyOf(blocks);
  }

  @Override
  public <P extends Serializable, S extends Mergeable<S>> S aggregate(String description, P payload, BlockFunction<P, S> f) {
    if (blocks.isEmpty()) {
      throw new IllegalArgumentException("training data is empty: 0 rows");
    }
    List<Supplier<S>> work = new ArrayList<>();
    for (TrainingBlock b : blocks) {
      work.add(() -> f.apply(payload, b));
    }
    return PartitionThreads.merged(work);
  }

  @Override
  public <P extends Serializable, S extends Mergeable<S>> S aggregatePartitions(String description, P payload, PartitionFunction<P, S> f) {
    if (blocks.isEmpty()) {
      throw new IllegalArgumentException("training data is empty: 0 rows");
    }
    List<Supplier<S>> work = new ArrayList<>();
    for (List<TrainingBlock> part : partitions()) {
      work.add(() -> f.apply(payload, part.iterator()));
    }
    return PartitionThreads.merged(work);
  }

  @Override
  public <P extends Serializable> void update(String description, P payload, BlockFunction<P, TrainingBlock> f) {
    List<Supplier<TrainingBlock>> work = new ArrayList<>();
    for (TrainingBlock b : blocks) {
      work.add(() -> f.apply(payload, b));
    }
    List<TrainingBlock> next = PartitionThreads.inOrder(work);
    blocks.clear();
    blocks.addAll(next);
  }

  @Override
  public <P extends Serializable> void updateStates(String description, P payload, BlockFunction<P, TrainingBlock.States> f) {
    update(description, payload, (P value, TrainingBlock b) -> b.withStates(f.apply(value, b)));
  }
}
