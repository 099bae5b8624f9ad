package org.implicitdl.train;

import java.io.Serializable;
import org.implicitdl.linalg.Matrix;

/**
 * One column block of the training data (paper §4's layout): inputs U_k (p×m_k, raw features),
 * targets Y_k (q×m_k), and the block's states X_k and P_k (n×m_k). Immutable by convention:
 * steps return new blocks.
 */
public record TrainingBlock(Matrix u, Matrix y, Matrix x, Matrix p) implements Serializable {
  public int size() {
    return u.cols();
  }

  public TrainingBlock withStates(Matrix newX, Matrix newP) {
    return new TrainingBlock(u, y, newX, newP);
  }
}
