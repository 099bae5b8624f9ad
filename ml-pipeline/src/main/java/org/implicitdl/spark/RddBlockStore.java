package org.implicitdl.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import org.implicitdl.train.BlockStore;
import org.implicitdl.train.Mergeable;
import org.implicitdl.train.TrainingBlock;

/**
 * Training blocks in a cached RDD, partitioned across executors (design card §4). Each pass
 * broadcasts the payload, runs the block function inside the executors (mapPartitions), and
 * either tree-reduces the partial statistics to the driver in partition order ({@link OrderedReduce}:
 * the same partitioning gives bit-identical sums; the broadcast is then destroyed) or
 * caches the new blocks, releasing the old ones. Nothing is local-checkpointed, so every block a
 * lost executor held is recomputable: when the SparkContext has a checkpoint directory (a
 * reliable file system), the packed blocks and every {@code checkpointInterval}-th update are
 * checkpointed there, as MLlib's iterative estimators do; without one, the lineage reaches back
 * to the source data (one map per update, BCD updates once or twice an epoch). An update's
 * broadcast stays referenced by the blocks' lineage, so it is only unpersisted (executor copies
 * dropped, the driver keeps it for recomputation) when the next update replaces it; Spark's
 * context cleaner frees it once the lineage is gone.
 * <p>The states X, P that block-coordinate descent rewrites (twice an epoch) live in an RDD of
 * their own, zipped partition by partition with the blocks' U, Y and w, which no step of a fit
 * changes: a state update writes 2n rows per column, not the whole block — the difference
 * between rewriting a few hundred MB and a few GB per epoch when the blocks are serialized or on
 * disk (data larger than the executors' memory).
 * No maths here: the functions come from the trainer.
 */
public final class RddBlockStore implements BlockStore {
  private final JavaSparkContext sc;
  private final StorageLevel storageLevel;
  private final int aggregationDepth;
  private final int checkpointInterval;
  /** The blocks' U, Y and w (and states, until the first state update). */
  private JavaRDD<TrainingBlock> data;
  /** Each block's states, in the same partitions and order as {@link #data}; null until the first state update. */
  private JavaRDD<TrainingBlock.States> states;
  /** {@link #data} with {@link #states} zipped in: the blocks every pass reads. */
  private JavaRDD<TrainingBlock> blocks;
  private Broadcast<?> blocksBroadcast;
  private int updates;
  private int passes;
  private final long blockCount;
  /** Test hook (Spark conf {@value #FAIL_PASS}): the first attempt of partition 0's task in this pass fails once. */
  private final int failPass;
  /** Spark conf key of the fault-injection hook the cluster tests use; 0 or absent: off. */
  public static final String FAIL_PASS = "spark.implicitdl.test.failPass";

  public RddBlockStore(JavaSparkContext sc, JavaRDD<TrainingBlock> blocks, int aggregationDepth, int checkpointInterval) {
    this(sc, blocks, aggregationDepth, checkpointInterval, StorageLevel.MEMORY_AND_DISK());
  }

  /** Blocks cached at {@code storageLevel} (serialized or disk-backed for data larger than the executors' storage memory). */
  public RddBlockStore(JavaSparkContext sc, JavaRDD<TrainingBlock> blocks, int aggregationDepth, int checkpointInterval,
      StorageLevel storageLevel) {
    this.sc = sc;
    this.storageLevel = storageLevel;
    this.aggregationDepth = aggregationDepth;
    this.checkpointInterval = checkpointInterval;
    this.failPass = Integer.parseInt(sc.getConf().get(FAIL_PASS, "0"));
    this.data = blocks.persist(storageLevel);
    this.blocks = data;
    if (reliableCheckpoints()) {
      this.data.checkpoint();
    }
    this.sc.setJobDescription("pack rows into column blocks");
    try {
      this.blockCount = this.data.count();
    } catch (Exception e) {
      throw rootCause(e);
    } finally {
      this.sc.setJobDescription(null);
    }
  }

  /**
   * The storage level named {@code name} (Spark's names, any case), or null when there is none or
   * it keeps nothing (NONE): the blocks are read on every pass, so they must be kept somewhere.
   */
  public static StorageLevel storageLevel(String name) {
    try {
      StorageLevel level = StorageLevel.fromString(name.trim().toUpperCase(Locale.ROOT));
      return level.isValid() ? level : null;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** A store of this one's blocks followed by {@code other}'s (e.g. training and validation rows for a final refit). */
  public RddBlockStore union(RddBlockStore other) {
    return new RddBlockStore(sc, blocks.union(other.blocks), aggregationDepth, 0, storageLevel);
  }

  /** About {@code share} of the blocks at an even stride ({@link TrainingStores#sample}), cached as a store of their own. */
  RddBlockStore sample(double share) {
    long count = blockCount;
    JavaRDD<TrainingBlock> kept = blocks.zipWithIndex().filter(t -> TrainingStores.strideKeeps(t._2(), count, share)).map(t -> t._1());
    return new RddBlockStore(sc, kept, aggregationDepth, 0, storageLevel);
  }

  /** How many blocks the data was packed into. */
  public long blockCount() {
    return blockCount;
  }

  /** The blocks with their current states. */
  public JavaRDD<TrainingBlock> blocks() {
    return blocks;
  }

  /** The ids of the cached RDDs that hold the blocks (U, Y, w; and the states, once kept apart). */
  public List<Integer> cachedRddIds() {
    return states == null ? List.of(data.id()) : List.of(data.id(), states.id());
  }

  @Override
  public <P extends Serializable, S extends Mergeable<S>> S aggregate(String description, P payload, BlockFunction<P, S> f) {
    return aggregatePartitions(description, payload, (P value, Iterator<TrainingBlock> it) -> {
      S acc = f.apply(value, it.next());
      while (it.hasNext()) {
        acc = acc.merge(f.apply(value, it.next()));
      }
      return acc;
    });
  }

  @Override
  public <P extends Serializable, S extends Mergeable<S>> S aggregatePartitions(String description, P payload, PartitionFunction<P, S> f) {
    // Counted once when the blocks were packed: an RDD.isEmpty() here would run partition 0 a
    // second time, alone, on every pass.
    if (blockCount == 0) {
      throw new IllegalArgumentException("training data is empty: 0 rows");
    }
    Broadcast<Shipped<P>> bc = sc.broadcast(new Shipped<>(payload));
    sc.setJobDescription(description);
    boolean fail = ++passes == failPass;
    try {
      JavaRDD<S> partials = blocks.mapPartitions((Iterator<TrainingBlock> it) -> {
        injectFailure(fail);
        List<S> out = new ArrayList<>(1);
        if (it.hasNext()) {
          out.add(f.apply(bc.value().value(), it));
        }
        return out.iterator();
      });
      return OrderedReduce.reduce(partials, aggregationDepth);
    } catch (Exception e) {
      throw rootCause(e);
    } finally {
      bc.destroy();
      sc.setJobDescription(null);
    }
  }

  @Override
  public <P extends Serializable> void update(String description, P payload, BlockFunction<P, TrainingBlock> f) {
    replaceData(rewrite(description, payload, storageLevel, bc -> blocks.map(b -> f.apply(bc.value().value(), b))));
  }

  /** {@code next} (cached, computed) becomes the blocks, states included; the old blocks and states are released. */
  private void replaceData(JavaRDD<TrainingBlock> next) {
    data.unpersist(false);
    if (states != null) {
      states.unpersist(false);
    }
    data = next;
    states = null;
    blocks = data;
  }

  @Override
  public <P extends Serializable> void updateStates(String description, P payload, BlockFunction<P, TrainingBlock.States> f) {
    JavaRDD<TrainingBlock.States> next = rewrite(description, payload, statesLevel(storageLevel), bc -> blocks.map(b -> f.apply(bc.value().value(), b)));
    if (states != null) {
      states.unpersist(false);
    }
    states = next;
    blocks = data.zipPartitions(states, RddBlockStore::zipped);
  }

  /**
   * Where the states are cached when the blocks are at {@code level}: the same level, except that
   * serialized blocks that may spill to disk (the levels for data larger than the executors'
   * memory) get disk-only states. The states are rewritten twice an epoch; cached in memory, each
   * new set would evict (least recently used first) the blocks' U, which never changes, is read on
   * every pass and is the larger part — kept on disk, they leave the storage memory to U.
   */
  public static StorageLevel statesLevel(StorageLevel level) {
    return level.useDisk() && level.useMemory() && !level.deserialized() ? StorageLevel.DISK_ONLY() : level;
  }

  /**
   * Runs {@code pass} (a map of the blocks under the payload's broadcast) into a new RDD cached at
   * {@code level}, checkpointed every {@code checkpointInterval}-th rewrite, and computed now.
   */
  private <P extends Serializable, T> JavaRDD<T> rewrite(String description, P payload, StorageLevel level,
      Function<Broadcast<Shipped<P>>, JavaRDD<T>> pass) {
    Broadcast<Shipped<P>> bc = sc.broadcast(new Shipped<>(payload));
    sc.setJobDescription(description);
    boolean fail = ++passes == failPass;
    try {
      JavaRDD<T> next = pass.apply(bc).mapPartitions((Iterator<T> it) -> {
        injectFailure(fail);
        return it;
      }, true).persist(level);
      updates++;
      if (reliableCheckpoints() && updates % checkpointInterval == 0) {
        next.checkpoint();
      }
      next.count();
      if (blocksBroadcast != null) {
        blocksBroadcast.unpersist(false);
      }
      blocksBroadcast = bc;
      return next;
    } catch (Exception e) {
      bc.unpersist(false);
      throw rootCause(e);
    } finally {
      sc.setJobDescription(null);
    }
  }

  /** One partition's blocks joined with their states, in order. */
  private static Iterator<TrainingBlock> zipped(Iterator<TrainingBlock> data, Iterator<TrainingBlock.States> states) {
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return data.hasNext();
      }

      @Override
      public TrainingBlock next() {
        return data.next().withStates(states.next());
      }
    };
  }

  /** Replaces the blocks by {@code restored} (a resumed fit's saved blocks, with their states), cached and counted. */
  void replaceBlocks(JavaRDD<TrainingBlock> restored) {
    JavaRDD<TrainingBlock> next = restored.persist(storageLevel);
    if (next.count() != blockCount) {
      throw new IllegalArgumentException("the saved trainer state has " + next.count() + " blocks, the data has " + blockCount);
    }
    replaceData(next);
  }

  /** Failures the {@link #FAIL_PASS} hook threw in this JVM (a local master's tasks run here): lets a test see that it fired. */
  public static int injectedFailures() {
    return INJECTED.get();
  }

  private static final AtomicInteger INJECTED = new AtomicInteger();

  private static void injectFailure(boolean fail) {
    TaskContext task = TaskContext.get();
    if (fail && task != null && task.partitionId() == 0 && task.attemptNumber() == 0) {
      INJECTED.incrementAndGet();
      throw new IllegalStateException("failure injected by " + FAIL_PASS + " (a test hook)");
    }
  }

  /** Checkpoints go to the context's checkpoint directory, if it has one and the interval is not 0. */
  private boolean reliableCheckpoints() {
    return checkpointInterval > 0 && sc.getCheckpointDir().isPresent();
  }

  @Override
  public void close() {
    data.unpersist(false);
    if (states != null) {
      states.unpersist(false);
    }
  }

  /**
   * Turns a task failure caused by bad input back into the IllegalArgumentException it was
   * (the cause in local mode; the task's message text on a cluster).
   */
  static RuntimeException rootCause(Exception e) {
    String marker = IllegalArgumentException.class.getName() + ": ";
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof IllegalArgumentException) {
        return new IllegalArgumentException(t.getMessage(), e);
      }
      String m = t.getMessage();
      if (m != null && m.contains(marker)) {
        String rest = m.substring(m.indexOf(marker) + marker.length());
        int end = rest.indexOf('\n');
        return new IllegalArgumentException(end < 0 ? rest : rest.substring(0, end), e);
      }
    }
    return e instanceof RuntimeException re ? re : new IllegalStateException(e.getMessage(), e);
  }
}
