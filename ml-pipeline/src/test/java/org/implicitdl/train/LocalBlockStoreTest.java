package org.implicitdl.train;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.implicitdl.data.LabeledBlock;
import org.implicitdl.model.ImplicitModel;
import org.junit.jupiter.api.Test;

/** The driver's store folds its blocks on several threads and still gives the sequential fold, bit for bit. */
class LocalBlockStoreTest {
  private static final int N = 6;

  private static List<List<TrainingBlock>> partitions() {
    LabeledBlock data = GradientTrainerTest.classes(900, 5);
    List<TrainingBlock> blocks = LocalBlockStore.of(data.inputs(), data.targets(), 50).blocks();
    return List.of(blocks.subList(0, 7), blocks.subList(7, 12), blocks.subList(12, blocks.size()));
  }

  private static GradientTrainer.StepPayload payload() {
    GradientSettings st = GradientSettings.defaults(N, Loss.CROSS_ENTROPY);
    ImplicitModel m = new GradientTrainer(new LocalBlockStore(List.of()), null, st, 10, 3, null).initialModel();
    return new GradientTrainer.StepPayload(m, m.certificate(), 0, 1, st);
  }

  private static org.implicitdl.linalg.Matrix filled(int rows, int cols, double value) {
    double[] d = new double[rows * cols];
    java.util.Arrays.fill(d, value);
    return new org.implicitdl.linalg.Matrix(rows, cols, d);
  }

  @Test
  void foldsOnSeveralThreadsEqualTheSequentialFoldBitForBit() {
    LocalBlockStore store = LocalBlockStore.ofPartitions(partitions());
    GradientTrainer.StepPayload payload = payload();
    Set<String> threads = ConcurrentHashMap.newKeySet();
    // the first piece waits (up to 10 s) for a second to start: small blocks otherwise let one pool thread take them
    // all before the others wake, and "side by side" would pass or fail by the scheduler's luck
    java.util.concurrent.CountDownLatch twoStarted = new java.util.concurrent.CountDownLatch(2);
    GradientSums parallel = store.aggregate("fold", payload, (p, b) -> {
      threads.add(Thread.currentThread().getName());
      twoStarted.countDown();
      try {
        twoStarted.await(10, java.util.concurrent.TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return GradientTrainer.miniBatch(p, b);
    });
    GradientSums sequential = null;
    for (TrainingBlock b : store.blocks()) {
      GradientSums one = GradientTrainer.miniBatch(payload, b);
      sequential = sequential == null ? one : sequential.merge(one);
    }
    SameStatistics.assertSame(sequential, parallel, 0.0, "block fold");
    if (Runtime.getRuntime().availableProcessors() > 1) {
      assertTrue(threads.size() > 1, "the blocks were folded on one thread: " + threads);
    }
    GradientSums byPartition = store.aggregatePartitions("partitions", payload, GradientTrainer::partitionBatch);
    GradientSums expected = null;
    for (List<TrainingBlock> part : store.partitions()) {
      GradientSums one = GradientTrainer.partitionBatch(payload, part.iterator());
      expected = expected == null ? one : expected.merge(one);
    }
    SameStatistics.assertSame(expected, byPartition, 0.0, "partition fold");
  }

  @Test
  void updatesKeepTheBlockOrderAndNestedPassesDoNotWait() {
    LocalBlockStore store = LocalBlockStore.ofPartitions(partitions());
    List<TrainingBlock> before = store.blocks();
    // each block's update runs a pass of a store of its own (as a nested fit would) on the same threads
    store.updateStates("nested", payload(), (p, b) -> {
      LocalBlockStore inner = LocalBlockStore.ofPartitions(List.of(List.of(b), List.of(b)));
      double rows = inner.aggregate("inner", p, GradientTrainer::evaluate).weight();
      assertEquals(2.0 * b.size(), rows);
      return new TrainingBlock.States(filled(3, b.size(), rows), filled(3, b.size(), 0));
    });
    List<TrainingBlock> after = store.blocks();
    assertEquals(before.size(), after.size());
    for (int k = 0; k < before.size(); k++) {
      assertSame(before.get(k).u(), after.get(k).u(), "block " + k + " moved");
      assertEquals(2.0 * before.get(k).size(), after.get(k).x().get(0, 0));
    }
    assertEquals(3, store.partitions().size());
  }

  @Test
  void aFailingBlockFailsThePassWithItsOwnException() {
    LocalBlockStore store = LocalBlockStore.ofPartitions(partitions());
    int bad = store.blocks().size() - 2;
    TrainingBlock target = store.blocks().get(bad);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> store.aggregate("fails", payload(), (p, b) -> {
      if (b == target) {
        throw new IllegalArgumentException("row 7 of block " + bad + " is bad");
      }
      return GradientTrainer.evaluate(p, b);
    }));
    assertEquals("row 7 of block " + bad + " is bad", e.getMessage());
    List<TrainingBlock> unchanged = store.blocks();
    assertThrows(IllegalArgumentException.class, () -> store.update("fails", payload(), (p, b) -> {
      if (b == target) {
        throw new IllegalArgumentException("bad");
      }
      return b.withStates(filled(3, b.size(), 1), filled(3, b.size(), 1));
    }));
    assertEquals(unchanged, store.blocks(), "a failed update replaced blocks");
  }
}
