package org.implicitdl.train;

import static org.junit.jupiter.api.Assertions.*;

import org.implicitdl.TestData;
import org.implicitdl.linalg.Blas;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.model.ImplicitModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PrototypeInitializationTest {
  private static final Matrix U = TestData.gaussian(5, 300, 1.0, 17);
  private static final Matrix Y = Matrix.zeros(1, 300);

  /** The seeding sample, hence the prototypes, do not depend on how the rows are blocked. */
  @ParameterizedTest
  @ValueSource(ints = {1, 7, 64})
  void prototypesDoNotDependOnTheBlocking(int blockSize) {
    Matrix whole = PrototypeInitialization.prototypes(LocalBlockStore.of(U, Y, 10_000), 8, 5L);
    Matrix split = PrototypeInitialization.prototypes(LocalBlockStore.of(U, Y, blockSize), 8, 5L);
    assertTrue(TestData.maxAbsDiff(whole, split) <= 1e-12, "prototypes differ by " + TestData.maxAbsDiff(whole, split));
    assertNotEquals(whole, PrototypeInitialization.prototypes(LocalBlockStore.of(U, Y, blockSize), 8, 6L), "the seed chooses the start");
  }

  /** One Lloyd pass by hand: each prototype moves to the weighted mean of the rows nearest to it. */
  @Test
  void aLloydPassMovesEachPrototypeToTheWeightedMeanOfItsNearestRows() {
    Matrix u = Matrix.fromRows(new double[][] {{0, 0, 10, 10}, {0, 1, 0, 2}});
    Matrix w = new Matrix(1, 4, new double[] {1, 3, 1, 1});
    TrainingBlock block = LocalBlockStore.of(u, Matrix.zeros(1, 4), w, 4).blocks().get(0);
    Matrix centroids = Matrix.fromRows(new double[][] {{0, 10}, {0, 0}});
    Matrix sums = PrototypeInitialization.clusterSums(PrototypeInitialization.scoring(centroids), block).sums();
    Matrix next = PrototypeInitialization.updated(centroids, sums);
    assertEquals(Matrix.fromRows(new double[][] {{0, 10}, {0.75, 1}}), next);
    assertEquals(4.0, sums.get(2, 0), "weight of the first cluster");
  }

  /** An empty cluster keeps its prototype instead of becoming 0/0. */
  @Test
  void anEmptyClusterKeepsItsPrototype() {
    Matrix centroids = Matrix.fromRows(new double[][] {{1, 2}, {3, 4}});
    Matrix sums = Matrix.fromRows(new double[][] {{6, 0}, {8, 0}, {2, 0}});
    assertEquals(Matrix.fromRows(new double[][] {{3, 2}, {4, 4}}), PrototypeInitialization.updated(centroids, sums));
  }

  /** Row i of B has norm s and points from the input mean to prototype i; z_i(ū) = 0. */
  @Test
  void eachStatePointsFromTheInputMeanToItsPrototype() {
    LocalBlockStore store = LocalBlockStore.of(U, Y, 64);
    BcdSettings st = BcdSettings.defaults(8, Loss.SQUARED).withInitialization(BcdSettings.Initialization.PROTOTYPES);
    BlockCoordinateDescent bcd = new BlockCoordinateDescent(store, st, 5, 1, null);
    ImplicitModel gaussian = bcd.initialModel();
    Matrix uu = store.aggregate("constants", (BcdPayload) null, LocalSteps::constants).uu();
    ImplicitModel start = PrototypeInitialization.model(store, st, gaussian, uu);
    Matrix prototypes = PrototypeInitialization.prototypes(store, 8, st.seed());
    double[] mean = new double[5];
    for (int j = 0; j < 5; j++) {
      mean[j] = U.rowSlice(j, j + 1).sum() / 300;
    }
    for (int i = 0; i < 8; i++) {
      double[] row = new double[5];
      double[] direction = new double[5];
      double bias = start.b().get(i, 5);
      for (int j = 0; j < 5; j++) {
        row[j] = start.b().get(i, j);
        direction[j] = prototypes.get(j, i) - mean[j];
        bias += row[j] * mean[j];
      }
      double cos = Blas.dot(row, direction) / Math.sqrt(Blas.dot(row, row) * Blas.dot(direction, direction));
      assertEquals(1.0, cos, 1e-12, "state " + i + " points to its prototype");
      assertEquals(st.initScale(), Math.sqrt(Blas.dot(row, row)), 1e-12, "state " + i + " has norm initScale");
      assertEquals(0.0, bias, 1e-12, "state " + i + " is 0 at the input mean");
    }
    assertEquals(gaussian.a(), start.a());
    assertEquals(gaussian.d(), start.d());
  }

  /** Fewer distinct rows than states: a clear error, not duplicated prototypes. */
  @Test
  void fewerDistinctRowsThanStatesIsAClearError() {
    Matrix five = TestData.gaussian(3, 5, 1.0, 2);
    Matrix repeated = Matrix.zeros(3, 100);
    for (int k = 0; k < 100; k++) {
      repeated.setBlock(0, k, five.columnSlice(k % 5, k % 5 + 1));
    }
    LocalBlockStore store = LocalBlockStore.of(repeated, Matrix.zeros(1, 100), 16);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PrototypeInitialization.prototypes(store, 10, 1L));
    assertTrue(e.getMessage().contains("n = 10") && e.getMessage().contains("got 5"), e.getMessage());
  }

  /** BCD from the prototype start still takes descent steps only. */
  @Test
  void trainingFromPrototypesNeverIncreasesTheObjective() {
    org.implicitdl.data.SyntheticData.Generated g = org.implicitdl.data.SyntheticData.implicitRelu(8, 5, 1, 300, 5, 0.5, 0.01, 4);
    BcdSettings st = BcdSettings.defaults(6, Loss.SQUARED).withEpochs(8).withInitialization(BcdSettings.Initialization.PROTOTYPES);
    BlockCoordinateDescent.Result r = new BlockCoordinateDescent(LocalBlockStore.of(g.data().inputs(), g.data().targets(), 64), st, 5, 1, null)
        .train(null);
    BlockCoordinateDescentTest.assertMonotone(r);
  }
}
