package org.implicitdl.train;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.linalg.SparseColumns;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.solve.Activation;
import org.implicitdl.solve.SolverSettings;
import org.junit.jupiter.api.Test;

/** A linear readout path fitted in the span of the rows is the one fitted on the full inputs. */
class RowSpanTest {
  private static final SolverSettings FIXED_POINT = new SolverSettings(1e-10, 500);

  @Test
  void theReadoutPathInTheSpanOfTheRowsIsTheFullOne() {
    for (Loss loss : Loss.values()) {
      Random r = new Random(3);
      int p = 150;
      Matrix[] data = data(r, p, 60, 3, loss);
      assertSamePath(LocalBlockStore.of(data[0], data[1], 25), p, 3, loss);
    }
  }

  /** Rows that repeat leave K singular: the jitter lets it factor, and the path is still the full one. */
  @Test
  void rowsThatRepeatStillReduce() {
    Random r = new Random(5);
    int p = 90;
    Matrix[] data = data(r, p, 30, 2, Loss.CROSS_ENTROPY);
    LocalBlockStore twice = LocalBlockStore.of(Matrix.hstack(data[0], data[0]), Matrix.hstack(data[1], data[1]), 16);
    assertSamePath(twice, p, 2, Loss.CROSS_ENTROPY);
  }

  @Test
  void sparseInputsReduceAsTheirDenseForm() {
    Random r = new Random(9);
    int p = 200;
    Matrix[] data = data(r, p, 50, 2, Loss.CROSS_ENTROPY);
    List<TrainingBlock> blocks = new java.util.ArrayList<>();
    for (TrainingBlock b : LocalBlockStore.of(data[0], data[1], 20).blocks()) {
      blocks.add(new TrainingBlock(SparseColumns.of(b.u().dense()), b.y(), null, null, b.w()));
    }
    assertSamePath(new LocalBlockStore(blocks), p, 2, Loss.CROSS_ENTROPY);
  }

  @Test
  void onlyDataWithFewerRowsThanInputsIsReduced() {
    Random r = new Random(2);
    Matrix[] data = data(r, 40, 40, 1, Loss.SQUARED);
    assertNull(RowSpan.of(LocalBlockStore.of(data[0], data[1], 16), 40), "as many rows as inputs");
    assertNotNull(RowSpan.of(LocalBlockStore.of(data[0], data[1], 16), 41));
  }

  private static void assertSamePath(LocalBlockStore store, int p, int q, Loss loss) {
    int n = 3;
    ImplicitModel zero = ImplicitModel.zero(n, p, q, Activation.RELU);
    BcdSettings settings = BcdSettings.defaults(n, loss).withFixedPoint(FIXED_POINT).withEpochs(1);
    int rows = store.blocks().stream().mapToInt(TrainingBlock::size).sum();
    double scale = (p + 1.0) / rows;
    double[] ridges = {10 * scale, scale, 0.1 * scale};
    List<ImplicitModel> full = new BlockCoordinateDescent(store, settings, p, q, null).fitReadoutPath(zero, ridges, fit -> true);
    RowSpan span = RowSpan.of(store, p);
    assertNotNull(span);
    List<ImplicitModel> reduced = new BlockCoordinateDescent(span.reducedStore(), settings, span.reducedInputs(), q, null)
        .fitReadoutPath(span.reduced(zero), ridges, fit -> true);
    for (int k = 0; k < ridges.length; k++) {
      Matrix expected = full.get(k).d();
      Matrix got = span.lifted(reduced.get(k)).d();
      double diff = 0;
      for (int i = 0; i < expected.data().length; i++) {
        diff = Math.max(diff, Math.abs(expected.data()[i] - got.data()[i]));
      }
      assertTrue(diff <= 1e-7 * expected.maxAbs(), loss + " at ridge " + ridges[k] + ": D differs by " + diff + " of " + expected.maxAbs());
    }
  }

  /** Standard Gaussian inputs; targets from a random linear map (squared loss) or its arg max as one-hot classes. */
  static Matrix[] data(Random r, int p, int m, int q, Loss loss) {
    Matrix u = Matrix.zeros(p, m);
    for (int k = 0; k < u.data().length; k++) {
      u.data()[k] = r.nextGaussian();
    }
    Matrix w = Matrix.zeros(q, p);
    for (int k = 0; k < w.data().length; k++) {
      w.data()[k] = r.nextGaussian() / Math.sqrt(p);
    }
    Matrix y = org.implicitdl.linalg.Blas.multiply(w, u);
    if (loss == Loss.CROSS_ENTROPY) {
      Matrix oneHot = Matrix.zeros(q, m);
      for (int k = 0; k < m; k++) {
        oneHot.set(q == 1 ? 0 : y.argmaxInColumn(k), k, 1);
      }
      return new Matrix[] {u, oneHot};
    }
    return new Matrix[] {u, y};
  }
}
