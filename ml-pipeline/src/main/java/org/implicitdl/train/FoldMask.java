package org.implicitdl.train;

import java.io.Serializable;
import org.implicitdl.linalg.Matrix;

/**
 * One fold of a K-fold cross-validation expressed as row weights: row j of every block belongs to fold j mod K, and
 * the mask keeps either that fold's rows ({@code heldOut}) or every other row, the rest weighted 0. Every term of the
 * objective is multiplied by its row's weight ({@link TrainingBlock}), so a fit on the masked store is the fit on the
 * other K − 1 folds and a score on the held-out mask is the mean loss on the fold, with no rows copied; the sample
 * weights are kept. Folds by position within a block rather than by block so that a store of a single block (a few
 * hundred rows) still splits K ways; blocks hold rows in their hash order, so the folds are as random as the rows.
 */
public record FoldMask(int fold, int folds, boolean heldOut) implements Serializable {

  public FoldMask {
    if (folds < 2 || fold < 0 || fold >= folds) {
      throw new IllegalArgumentException("fold " + fold + " of " + folds + ": expected 0 <= fold < folds, folds >= 2");
    }
  }

  /** The block with its weights masked. */
  public TrainingBlock apply(TrainingBlock block) {
    Matrix w = block.w();
    double[] masked = new double[w.cols()];
    for (int j = 0; j < masked.length; j++) {
      masked[j] = (j % folds == fold) == heldOut ? w.get(0, j) : 0.0;
    }
    return new TrainingBlock(block.u(), block.y(), block.x(), block.p(), new Matrix(1, masked.length, masked));
  }
}
