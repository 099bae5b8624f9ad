package org.implicitdl.spark;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.implicitdl.train.Mergeable;
import scala.Tuple2;

/**
 * A tree reduce whose result does not depend on the order in which tasks finish. Spark's
 * treeReduce merges the last level on the driver as results arrive, so floating-point sums
 * differ in their last bits from run to run; here every merge happens in partition order — the
 * partials of each group of {@code fanIn} consecutive partitions are merged in index order, and
 * the groups' results in group order — so the same partitioning gives bit-identical statistics.
 */
final class OrderedReduce {
  private OrderedReduce() {}

  /**
   * Merges one partial per partition (empty partitions contribute nothing) in partition order; depth as treeReduce's.
   * The partials travel {@link Shipped} (Java serialization, whatever spark.serializer is).
   */
  static <S extends Mergeable<S>> S reduce(JavaRDD<S> partials, int depth) {
    int parts = partials.getNumPartitions();
    int fanIn = fanIn(parts, depth);
    List<Tuple2<Integer, Shipped<S>>> results;
    if (fanIn >= parts) {
      results = partials.mapPartitionsWithIndex((Integer index, Iterator<S> it) -> single(index, it), true).collect();
    } else {
      int groups = (parts + fanIn - 1) / fanIn;
      JavaPairRDD<Integer, Tuple2<Integer, Shipped<S>>> keyed = partials.mapPartitionsWithIndex(
          (Integer index, Iterator<S> it) -> {
            List<Tuple2<Integer, Tuple2<Integer, Shipped<S>>>> out = new ArrayList<>(1);
            single(index, it).forEachRemaining(t -> out.add(new Tuple2<>(index / fanIn, t)));
            return out.iterator();
          }, true).mapToPair(t -> t);
      results = keyed.groupByKey(Math.max(1, Math.min(groups, parts / 2))).mapToPair(g -> {
        List<Tuple2<Integer, Shipped<S>>> members = new ArrayList<>();
        g._2().forEach(members::add);
        return new Tuple2<>(g._1(), new Shipped<>(inOrder(members)));
      }).collect();
    }
    S merged = inOrder(new ArrayList<>(results));
    if (merged == null) {
      throw new IllegalStateException("nothing to reduce: every partition is empty");
    }
    return merged;
  }

  /**
   * Partitions per group of the first level, about parts^(1/depth); all of them (one flat level)
   * at depth 1 or where a level would not save work — treeAggregate's rule.
   */
  static int fanIn(int parts, int depth) {
    int fanIn = depth <= 1 ? parts : Math.max(2, (int) Math.ceil(Math.pow(parts, 1.0 / depth)));
    return parts <= fanIn + (parts + fanIn - 1) / fanIn ? parts : fanIn;
  }

  private static <S> Iterator<Tuple2<Integer, Shipped<S>>> single(int index, Iterator<S> it) {
    List<Tuple2<Integer, Shipped<S>>> out = new ArrayList<>(1);
    it.forEachRemaining(s -> out.add(new Tuple2<>(index, new Shipped<>(s))));
    if (out.size() > 1) {
      throw new IllegalStateException("more than one partial in partition " + index);
    }
    return out.iterator();
  }

  /** Sorted by index, then merged left to right (null when empty). */
  private static <S extends Mergeable<S>> S inOrder(List<Tuple2<Integer, Shipped<S>>> members) {
    members.sort((x, y) -> Integer.compare(x._1(), y._1()));
    S acc = null;
    for (Tuple2<Integer, Shipped<S>> m : members) {
      acc = acc == null ? m._2().value() : acc.merge(m._2().value());
    }
    return acc;
  }
}
