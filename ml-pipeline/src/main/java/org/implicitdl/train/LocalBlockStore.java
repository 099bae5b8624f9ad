package org.implicitdl.train;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.implicitdl.linalg.Matrix;

/** Blocks held in this JVM, folded in order: the reference the distributed store must equal. */
public final class LocalBlockStore implements BlockStore {
  private final List<TrainingBlock> blocks;

  public LocalBlockStore(List<TrainingBlock> blocks) {
    this.blocks = new ArrayList<>(blocks);
  }

  /**
   * Splits columns of raw inputs U (p×m) and targets Y (q×m) into blocks of at most
   * {@code blockSize} columns, appending the bias row to U and zero states of n rows.
   */
  public static LocalBlockStore of(Matrix u, Matrix y, int n, int blockSize) {
    return of(u, y, TrainingBlock.unitWeights(u.cols()), n, blockSize);
  }

  /** As {@link #of(Matrix, Matrix, int, int)} with sample weights w (1×m). */
  public static LocalBlockStore of(Matrix u, Matrix y, Matrix w, int n, int blockSize) {
    List<TrainingBlock> out = new ArrayList<>();
    for (int from = 0; from < u.cols(); from += blockSize) {
      int to = Math.min(u.cols(), from + blockSize);
      out.add(block(u.columnSlice(from, to), y.columnSlice(from, to), w.columnSlice(from, to), n));
    }
    return new LocalBlockStore(out);
  }

  /** A training block from raw inputs: U gets the bias row; X and P start at zero; unit weights. */
  public static TrainingBlock block(Matrix u, Matrix y, int n) {
    return block(u, y, TrainingBlock.unitWeights(u.cols()), n);
  }

  /** A training block with sample weights w (1×m). */
  public static TrainingBlock block(Matrix u, Matrix y, Matrix w, int n) {
    return new TrainingBlock(Matrix.vstack(u, TrainingBlock.unitWeights(u.cols())), y, Matrix.zeros(n, u.cols()),
        Matrix.zeros(n, u.cols()), w);
  }

  public List<TrainingBlock> blocks() {
    return List.copyOf(blocks);
  }

  @Override
  public <P extends Serializable, S extends Mergeable<S>> S aggregate(String description, P payload, BlockFunction<P, S> f) {
    S acc = null;
    for (TrainingBlock b : blocks) {
      S part = f.apply(payload, b);
      acc = acc == null ? part : acc.merge(part);
    }
    if (acc == null) {
      throw new IllegalArgumentException("training data is empty: 0 rows");
    }
    return acc;
  }

  @Override
  public <P extends Serializable, S extends Mergeable<S>> S aggregatePartitions(String description, P payload, PartitionFunction<P, S> f) {
    if (blocks.isEmpty()) {
      throw new IllegalArgumentException("training data is empty: 0 rows");
    }
    return f.apply(payload, blocks.iterator());
  }

  @Override
  public <P extends Serializable> void update(String description, P payload, BlockFunction<P, TrainingBlock> f) {
    blocks.replaceAll(b -> f.apply(payload, b));
  }
}
