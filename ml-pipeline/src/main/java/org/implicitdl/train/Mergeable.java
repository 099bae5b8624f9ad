package org.implicitdl.train;

import java.io.Serializable;

/**
 * A partial result folded over data blocks: {@code merge} combines two partials (associative and
 * commutative up to rounding), the contract of treeAggregate and of a local fold alike.
 */
public interface Mergeable<S extends Mergeable<S>> extends Serializable {
  /** Adds {@code other} into this partial and returns it. */
  S merge(S other);
}
