package org.implicitdl.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.implicitdl.linalg.Matrix;
import org.junit.jupiter.api.Test;

class FoldMaskTest {

  /** Each row is held out by exactly one of the K folds, the other K − 1 train on it, with its own weight; the rest is the block's. */
  @Test
  void everyRowIsHeldOutOnceAndTrainedOnByTheOtherFolds() {
    int m = 13;
    Matrix w = Matrix.zeros(1, m);
    for (int j = 0; j < m; j++) {
      w.set(0, j, 1 + 0.5 * j);
    }
    TrainingBlock block = new TrainingBlock(new Matrix(2, m, new double[2 * m]), Matrix.zeros(1, m), null, null, w);
    int folds = 5;
    double[] heldOut = new double[m];
    double[] trained = new double[m];
    for (int k = 0; k < folds; k++) {
      TrainingBlock held = new FoldMask(k, folds, true).apply(block);
      TrainingBlock others = new FoldMask(k, folds, false).apply(block);
      assertSame(block.u(), held.u());
      assertSame(block.y(), others.y());
      for (int j = 0; j < m; j++) {
        assertEquals(w.get(0, j), held.w().get(0, j) + others.w().get(0, j), 0.0, "fold " + k + " row " + j + ": one of the two masks");
        heldOut[j] += held.w().get(0, j);
        trained[j] += others.w().get(0, j);
      }
    }
    for (int j = 0; j < m; j++) {
      assertEquals(w.get(0, j), heldOut[j], 0.0, "row " + j + " held out once");
      assertEquals((folds - 1) * w.get(0, j), trained[j], 0.0, "row " + j + " trained on by the other folds");
    }
  }

  @Test
  void aFoldOutsideTheFoldsIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> new FoldMask(5, 5, true));
    assertThrows(IllegalArgumentException.class, () -> new FoldMask(0, 1, true));
  }
}
