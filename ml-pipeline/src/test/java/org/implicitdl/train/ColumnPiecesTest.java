package org.implicitdl.train;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.implicitdl.data.LabeledBlock;
import org.implicitdl.model.ImplicitModel;
import org.junit.jupiter.api.Test;

/** A batch's gradient in pieces side by side: a layout fixed by the shape, the sums of the whole batch. */
class ColumnPiecesTest {

  @Test
  void theLayoutDependsOnTheShapeAloneAndCoversEveryColumnOnce() {
    for (int n : new int[] {3, 20, 100, 400}) {
      for (int cols : new int[] {1, 15, 16, 31, 32, 45, 90, 225, 512, 2048, 5000}) {
        int[] at = ColumnPieces.bounds(n, cols);
        int pieces = at.length - 1;
        String shape = n + " states, " + cols + " columns";
        assertEquals(0, at[0], shape);
        assertEquals(cols, at[pieces], shape);
        assertEquals(1, Integer.bitCount(pieces), shape + ": " + pieces + " pieces, not a power of two");
        assertTrue(pieces <= ColumnPieces.MAX_PIECES, shape);
        for (int k = 0; k < pieces; k++) {
          int size = at[k + 1] - at[k];
          assertTrue(size > 0, shape);
          if (pieces > 1) {
            assertTrue(size >= ColumnPieces.MIN_COLUMNS, shape + ": a piece of " + size + " columns");
            assertTrue((long) size * n * n >= ColumnPieces.MIN_WORK, shape + ": a piece of too little work");
          }
        }
      }
    }
    // what a small fit's batches get: 100 states, a mini-batch of an eighth of 360 or 720 rows
    assertEquals(2, ColumnPieces.bounds(100, 45).length - 1);
    assertEquals(4, ColumnPieces.bounds(100, 90).length - 1);
    // too little work per column to share: 10 states
    assertEquals(1, ColumnPieces.bounds(10, 90).length - 1);
    assertEquals(ColumnPieces.MAX_PIECES, ColumnPieces.bounds(100, 100_000).length - 1);
  }

  @Test
  void aBatchInPiecesHasTheWholeBatchsSumsAddedInColumnOrder() {
    int n = 60;
    LabeledBlock data = GradientTrainerTest.classes(150, 9);
    TrainingBlock block = LocalBlockStore.of(data.inputs(), data.targets(), 500).blocks().get(0);
    GradientSettings st = GradientSettings.defaults(n, Loss.CROSS_ENTROPY);
    ImplicitModel m = new GradientTrainer(new LocalBlockStore(java.util.List.of()), null, st, 10, 3, null).initialModel();
    GradientTrainer.StepPayload payload = new GradientTrainer.StepPayload(m, m.certificate(), 0, 1, st);
    int[] at = ColumnPieces.bounds(n, block.size());
    assertTrue(at.length - 1 >= 2, "the test's batch is cut: " + (at.length - 1) + " pieces");

    GradientSums inPieces = GradientTrainer.miniBatch(payload, block);
    GradientSums inOrder = null;
    for (int k = 0; k + 1 < at.length; k++) {
      GradientSums one = GradientTrainer.gradient(m, m.certificate(), block.u().columnSlice(at[k], at[k + 1]), block.y().columnSlice(at[k], at[k + 1]),
          block.w().columnSlice(at[k], at[k + 1]), st, null);
      inOrder = inOrder == null ? one : inOrder.merge(one);
    }
    SameStatistics.assertSame(inOrder, inPieces, 0.0, "pieces side by side against one after another");
    GradientSums whole = GradientTrainer.gradient(m, m.certificate(), block.u(), block.y(), block.w(), st, null);
    // the same sums to rounding: every column's fixed point and adjoint are its own, only the order of the additions differs
    SameStatistics.assertSame(whole, inPieces, 1e-12, "pieces against the whole batch");
    assertEquals(whole.rule().weight(), inPieces.rule().weight());
    assertEquals(whole.rule().correct(), inPieces.rule().correct());
  }

  @Test
  void piecesRunSideBySideAndMergeInOrder() {
    Set<String> threads = ConcurrentHashMap.newKeySet();
    // each piece waits (up to 10 s) for a second to start, so "side by side" does not pass or fail by the scheduler's luck
    CountDownLatch twoStarted = new CountDownLatch(2);
    int[] at = {0, 3, 7, 12, 20};
    RuleMetrics merged = ColumnPieces.merged(at, (from, to) -> {
      threads.add(Thread.currentThread().getName());
      twoStarted.countDown();
      try {
        twoStarted.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      // the weight counts the piece's columns, the loss marks the first piece, the sweeps say where the piece starts
      return new RuleMetrics(from == 0 ? 1 : 0, 0, 0, 0, to - from, 0, from);
    });
    assertEquals(20, merged.weight());
    assertEquals(1, merged.loss());
    assertEquals(12, merged.maxIterations());
    if (Runtime.getRuntime().availableProcessors() > 1) {
      assertTrue(threads.size() > 1, "the pieces ran on one thread: " + threads);
    }
  }
}
