package org.implicitdl.train;

import java.io.Serializable;
import org.implicitdl.linalg.Inputs;
import org.implicitdl.linalg.Matrix;

/**
 * One column block of the training data (paper §4's layout): inputs U_k ((p+1)×m_k, features
 * and the bias row; dense, or sparse for wide sparse data), targets Y_k (q×m_k), the block's states X_k and P_k (n×m_k), and sample
 * weights w_k (1×m_k; every term of a column's objective is multiplied by its weight).
 * The states are null until block-coordinate descent sets them (its first pass): only the lifted
 * problem (10) has them, so the gradient solver's blocks never hold them.
 * Immutable by convention: steps return new blocks.
 *
 * <p>Spark caches, spills and checkpoints blocks with its configured serializer; the annotation makes Kryo (a common
 * cluster setting, whose field serializer cannot rebuild records) write them with Java serialization, which the
 * matrices inside write in bulk. Kryo is Spark's, not a dependency of this maths: without it the annotation is inert.
 */
@com.esotericsoftware.kryo.DefaultSerializer(com.esotericsoftware.kryo.serializers.JavaSerializer.class)
public record TrainingBlock(Inputs u, Matrix y, Matrix x, Matrix p, Matrix w) implements Serializable {

  /** Unit weights for m columns. */
  public static Matrix unitWeights(int m) {
    double[] ones = new double[m];
    java.util.Arrays.fill(ones, 1.0);
    return new Matrix(1, m, ones);
  }

  /** Σ w_j. */
  public double weightSum() {
    return w.sum();
  }

  public int size() {
    return u.cols();
  }

  /**
   * Where share k of {@code shares} starts: ⌊k·m/shares⌋, so share k is columns [shareStart(k), shareStart(k + 1))
   * — a mini-batch's or a local round's part of this block, every column in exactly one share.
   */
  public int shareStart(int k, int shares) {
    return (int) ((long) k * size() / shares);
  }

  /**
   * This block with dense inputs U rounded to single precision and stored as floats when serialized or on disk
   * ({@link Matrix#inSinglePrecision}); sparse inputs, which store only their non-zeros, as they are.
   */
  public TrainingBlock withSinglePrecisionInputs() {
    if (!(u instanceof Matrix dense) || dense.isSinglePrecision()) {
      return this;
    }
    try {
      return new TrainingBlock(dense.inSinglePrecision(), y, x, p, w);
    } catch (IllegalArgumentException e) {
      // the one refusal of inSinglePrecision, said in the training's terms: a row of U is an input feature
      int k = dense.firstBeyondSinglePrecision();
      throw new IllegalArgumentException("parameter blockInputPrecision float: feature " + k % dense.rows() + " (counting from 0) of a row is "
          + dense.data()[k] + ", beyond single precision's range (±3.4e38); use double", e);
    }
  }

  public TrainingBlock withStates(Matrix newX, Matrix newP) {
    return new TrainingBlock(u, y, newX, newP, w);
  }

  public TrainingBlock withStates(States states) {
    return withStates(states.x(), states.p());
  }

  /**
   * The part of a block that block-coordinate descent rewrites (steps 2–3 of an epoch): X_k and
   * P_k. Kept apart from U_k, Y_k and w_k, which never change during a fit, a store rewrites only
   * these 2n rows per column when the states move. Serialized as the blocks are (see above).
   */
  @com.esotericsoftware.kryo.DefaultSerializer(com.esotericsoftware.kryo.serializers.JavaSerializer.class)
  public record States(Matrix x, Matrix p) implements Serializable {}
}
