package org.implicitdl.train;

import java.util.List;
import java.util.stream.IntStream;

/**
 * A mini-batch's columns cut into pieces whose gradient sums are worked out side by side on this JVM's cores (the
 * common fork-join pool, the calling thread working too) and added in column order. Why: a small fit trains in the
 * driver on a single partition ({@code CanonicalRows} makes one of up to 32,768 rows), so without pieces each optimizer
 * step — its fixed-point and adjoint solves, most of the fit's work — runs on one core while the others idle.
 *
 * <p>The pieces are laid out by the batch's shape alone ({@link #bounds}), never by the number of cores, and their
 * sums are added in the same order, so a fit gives the same model on any machine, and on the cluster (where each task
 * cuts its partition's share the same way) as in the driver. A step on one core costs a few milliseconds at the sizes
 * where pieces apply; handing work to another thread costs about a tenth of a millisecond, hence the least work per piece.
 */
final class ColumnPieces {
  /** The fewest columns in a piece. */
  static final int MIN_COLUMNS = 16;
  /** The most pieces a batch is cut into. */
  static final int MAX_PIECES = 8;
  /**
   * The least work worth a piece of its own, in multiply-adds per fixed-point sweep (n² per column): sixteen columns of
   * 100 states.
   */
  static final long MIN_WORK = 16L * 100 * 100;

  private ColumnPieces() {}

  /** The result of columns [from, to). */
  @FunctionalInterface
  interface Piece<R> {
    R of(int from, int to);
  }

  /**
   * Where the pieces of {@code cols} columns of {@code n} states start, then their end: as many pieces as keep each at
   * least {@value #MIN_COLUMNS} columns and {@link #MIN_WORK} multiply-adds per sweep, at most {@value #MAX_PIECES},
   * rounded down to a power of two (so they share 2, 4 or 8 cores evenly), of nearly equal size.
   */
  static int[] bounds(int n, int cols) {
    long byWork = (long) cols * Math.max(1L, (long) n * n) / MIN_WORK;
    int most = (int) Math.max(1, Math.min(MAX_PIECES, Math.min(cols / MIN_COLUMNS, byWork)));
    int pieces = Integer.highestOneBit(most);
    int[] at = new int[pieces + 1];
    for (int k = 0; k <= pieces; k++) {
      at[k] = (int) ((long) k * cols / pieces);
    }
    return at;
  }

  /** The pieces' results merged in column order (the first with the second, then the third, …); the pieces run side by side. */
  static <S extends Mergeable<S>> S merged(int[] bounds, Piece<S> piece) {
    int pieces = bounds.length - 1;
    if (pieces == 1) {
      return piece.of(bounds[0], bounds[1]);
    }
    List<S> parts = IntStream.range(0, pieces).parallel().mapToObj(k -> piece.of(bounds[k], bounds[k + 1])).toList();
    S acc = parts.get(0);
    for (int k = 1; k < pieces; k++) {
      acc = acc.merge(parts.get(k));
    }
    return acc;
  }
}
