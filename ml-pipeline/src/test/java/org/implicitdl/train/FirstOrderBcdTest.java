package org.implicitdl.train;

import static org.junit.jupiter.api.Assertions.*;

import org.implicitdl.TestData;
import org.implicitdl.data.LabeledBlock;
import org.implicitdl.data.SyntheticData;
import org.implicitdl.linalg.Blas;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.linalg.SparseColumns;
import org.implicitdl.solve.WellPosedness;
import org.junit.jupiter.api.Test;

/**
 * BCD's first-order steps for wide inputs: the Gram operator applied by passes equals the product
 * with the assembled Gram matrix, its norm bound holds, and BCD with first-order steps descends
 * and fits about as well as with the exact steps.
 */
class FirstOrderBcdTest {

  /** Blocks with states P (and X) set, sparse inputs in every other block. */
  private static LocalBlockStore store(int n, int p, int m, long seed) {
    Matrix u = TestData.gaussian(p, m, 1.0, seed);
    LocalBlockStore dense = LocalBlockStore.of(u, TestData.gaussian(2, m, 1.0, seed + 1), TestData.gaussian(1, m, 1.0, seed + 2).absolute(), 25);
    java.util.List<TrainingBlock> blocks = new java.util.ArrayList<>();
    int k = 0;
    for (TrainingBlock b : dense.blocks()) {
      Matrix x = TestData.gaussian(n, b.size(), 1.0, seed + 10 + k).absolute();
      Matrix pState = TestData.gaussian(n, b.size(), 1.0, seed + 20 + k).absolute();
      blocks.add(new TrainingBlock(k % 2 == 0 ? b.u() : SparseColumns.of(b.u().dense()), b.y(), x, pState, b.w()));
      k++;
    }
    return new LocalBlockStore(blocks);
  }

  /** [S; U'] diag(w) [S; U']ᵀ assembled on the driver, S the blocks' P or X. */
  private static Matrix gram(LocalBlockStore store, boolean useP) {
    Matrix g = null;
    for (TrainingBlock b : store.blocks()) {
      Matrix s = Matrix.vstack(useP ? b.p() : b.x(), b.u().dense());
      Matrix part = Blas.multiply(LocalSteps.weighted(s, b.w()), false, s, true);
      g = g == null ? part : Mergeable.add(g, part);
    }
    return g;
  }

  @Test
  void theGramOperatorByPassesIsTheAssembledProduct() {
    int n = 4;
    int p = 7;
    LocalBlockStore store = store(n, p, 90, 3);
    for (DistributedGram.State state : DistributedGram.State.values()) {
      Matrix q = ReadoutQuadratic.withRidge(gram(store, state == DistributedGram.State.P).scaled(0.5), 0.3);
      DistributedGram op = new DistributedGram(store, state, n + p + 1, 0.5, 0.3, "test");
      Matrix w = TestData.gaussian(3, n + p + 1, 1.0, 9);
      Matrix expected = Blas.multiply(w, q);
      Matrix got = op.apply(w);
      for (int k = 0; k < expected.data().length; k++) {
        assertEquals(expected.data()[k], got.data()[k], 1e-10 * expected.maxAbs(), state + " entry " + k);
      }
      double norm = WellPosedness.twoNorm(q);
      assertTrue(op.norm() >= norm * 0.999 && op.norm() <= norm * DistributedGram.NORM_MARGIN * 1.001, state + ": bound " + op.norm() + " for ‖Q‖ " + norm);
    }
  }

  @Test
  void theExactStepsAreKeptWhileTheirStatisticsFitAnEighthOfTheHeap() {
    long twoGigabytes = 2L << 30;
    assertTrue(BlockCoordinateDescent.gramFitsTheDriver(100, 784, twoGigabytes));
    assertTrue(BlockCoordinateDescent.gramFitsTheDriver(50, 5_700, twoGigabytes));
    assertFalse(BlockCoordinateDescent.gramFitsTheDriver(50, 6_000, twoGigabytes));
    assertFalse(BlockCoordinateDescent.gramFitsTheDriver(50, 100_000, 16L << 30));
  }

  @Test
  void firstOrderStepsDescendAndFitLikeTheExactOnes() {
    SyntheticData.Generated g = SyntheticData.implicitRelu(20, 30, 2, 300, 15, 0.5, 0.05, 11);
    BcdSettings st = BcdSettings.defaults(10, Loss.SQUARED).withPenalties(1e-3, 0, 0).withEpochs(8).withLambdaMu(new double[] {2}, 2);
    LocalBlockStore store = LocalBlockStore.of(g.data().inputs(), g.data().targets(), 64);
    BlockCoordinateDescent.Result exact = new BlockCoordinateDescent(store, st, 30, 2, null).train(null);
    BlockCoordinateDescent.Result firstOrder = new BlockCoordinateDescent(store, st, 30, 2, null).withFirstOrderSteps().train(null);
    BlockCoordinateDescentTest.assertMonotone(firstOrder);
    double start = firstOrder.history().get(0).realMetric();
    assertTrue(firstOrder.finalRecord().realMetric() < 0.8 * start, "real-rule RMSE " + start + " -> " + firstOrder.finalRecord().realMetric());
    assertEquals(exact.finalRecord().realMetric(), firstOrder.finalRecord().realMetric(), 0.1 * exact.finalRecord().realMetric(),
        "first-order vs exact steps: real-rule RMSE");
    assertTrue(WellPosedness.infNorm(firstOrder.model().a()) <= st.kappa() + 1e-12);
  }

  @Test
  void firstOrderCrossEntropyStepsDescend() {
    SyntheticData.Generated g = SyntheticData.implicitRelu(20, 20, 3, 300, 10, 0.5, 0.05, 12);
    int[] labels = new int[300];
    for (int j = 0; j < 300; j++) {
      labels[j] = LocalSteps.argmax(g.data().targets(), j);
    }
    LabeledBlock data = new LabeledBlock(g.data().inputs(), LabeledBlock.oneHot(labels, 3), labels);
    BcdSettings st = BcdSettings.defaults(8, Loss.CROSS_ENTROPY).withPenalties(1e-3, 0, 0).withEpochs(8).withLambdaMu(new double[] {1}, 1.0);
    LocalBlockStore store = LocalBlockStore.of(data.inputs(), data.targets(), 64);
    BlockCoordinateDescent.Result exact = new BlockCoordinateDescent(store, st, 20, 3, null).train(null);
    BlockCoordinateDescent.Result firstOrder = new BlockCoordinateDescent(store, st, 20, 3, null).withFirstOrderSteps().train(null);
    BlockCoordinateDescentTest.assertMonotone(firstOrder);
    assertTrue(firstOrder.finalRecord().realMetric() > exact.finalRecord().realMetric() - 0.05,
        "training accuracy: first-order " + firstOrder.finalRecord().realMetric() + ", exact " + exact.finalRecord().realMetric());
  }
}
