package org.implicitdl.train;

import java.io.Serializable;
import org.implicitdl.linalg.Blas;
import org.implicitdl.linalg.Matrix;

/**
 * A partial result folded over data blocks: {@code merge} combines two partials (associative and
 * commutative up to rounding), the contract of treeAggregate and of a local fold alike.
 */
public interface Mergeable<S extends Mergeable<S>> extends Serializable {
  /** Adds {@code other} into this partial and returns it. */
  S merge(S other);

  /** a += b elementwise (a partial's own matrix, owned by the fold); returns a. */
  static Matrix add(Matrix a, Matrix b) {
    if (a.rows() != b.rows() || a.cols() != b.cols()) {
      throw new IllegalArgumentException("cannot merge statistics of shapes " + a.shape() + " and " + b.shape());
    }
    Blas.axpy(1.0, b.data(), a.data());
    return a;
  }

  /** One pass, two folds: both partials merged side by side. */
  record Both<F extends Mergeable<F>, T extends Mergeable<T>>(F first, T second) implements Mergeable<Both<F, T>> {
    @Override
    public Both<F, T> merge(Both<F, T> other) {
      return new Both<>(first.merge(other.first), second.merge(other.second));
    }
  }
}
