package org.implicitdl.spark;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.train.Mergeable;
import org.implicitdl.train.TrainingBlock;
import org.junit.jupiter.api.Test;

/**
 * Deterministic training's two parts: the ordered reduce equals the same grouped fold of the
 * partials done on the driver, bit for bit and on every run (whatever order tasks finish in),
 * and content-ordered rows pack into the same blocks, and split into the same validation rows,
 * whatever the input's partitioning.
 */
class CanonicalRowsTest {

  @Test
  void theOrderedReduceIsTheSameFoldOnTheDriverBitForBit() {
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(SparkTestSession.get().sparkContext());
    Random r = new Random(3);
    for (int parts : new int[] {1, 3, 7, 16}) {
      List<Partial> partials = new ArrayList<>();
      for (int k = 0; k < parts; k++) {
        Matrix m = Matrix.zeros(3, 4);
        for (int i = 0; i < m.data().length; i++) {
          // magnitudes far apart, so any other order of the sums rounds differently
          m.data()[i] = r.nextGaussian() * Math.pow(10, r.nextInt(16));
        }
        partials.add(new Partial(m, r.nextGaussian() * 1e12));
      }
      JavaRDD<Partial> rdd = sc.parallelize(partials, parts);
      for (int depth : new int[] {1, 2, 3}) {
        // the same fold on the driver: groups of fanIn consecutive partials left to right, then the groups
        int fanIn = OrderedReduce.fanIn(parts, depth);
        Partial local = null;
        for (int g = 0; g < parts; g += fanIn) {
          Partial group = copy(partials.get(g));
          for (int k = g + 1; k < Math.min(parts, g + fanIn); k++) {
            group = group.merge(copy(partials.get(k)));
          }
          local = local == null ? group : local.merge(group);
        }
        for (int run = 0; run < 3; run++) {
          Partial reduced = OrderedReduce.reduce(rdd, depth);
          assertArrayEquals(local.sum().data(), reduced.sum().data(), parts + " partitions, depth " + depth + ", run " + run);
          assertEquals(local.total(), reduced.total());
        }
      }
    }
  }

  private static Partial copy(Partial s) {
    return new Partial(s.sum().copy(), s.total());
  }

  /**
   * A matrix sum and a number, merged by addition: rounding shows any change of order. Parallelized as RDD elements,
   * so (like the training blocks) written with Java serialization under the tests' Kryo.
   */
  @com.esotericsoftware.kryo.DefaultSerializer(com.esotericsoftware.kryo.serializers.JavaSerializer.class)
  record Partial(Matrix sum, double total) implements Mergeable<Partial> {
    @Override
    public Partial merge(Partial o) {
      return new Partial(Mergeable.add(sum, o.sum), total + o.total);
    }
  }

  @Test
  void contentOrderedRowsPackIntoTheSameBlocksWhateverThePartitioning() {
    Random r = new Random(5);
    Matrix u = Matrix.zeros(3, 500);
    double[] labels = new double[500];
    for (int j = 0; j < 500; j++) {
      for (int i = 0; i < 3; i++) {
        u.set(i, j, r.nextGaussian());
      }
      labels[j] = r.nextInt(2);
    }
    Dataset<Row> data = SparkTestSession.frame(u, labels);
    List<List<double[]>> packed = new ArrayList<>();
    List<Long> validation = new ArrayList<>();
    for (int parts : new int[] {1, 4, 9}) {
      Dataset<Row> shuffled = data.repartition(parts).sortWithinPartitions(org.apache.spark.sql.functions.rand(parts));
      Dataset<Row>[] split = CanonicalRows.split(shuffled.select("features", "label"), 0.2, 7L);
      validation.add(split[1].javaRDD().map(row -> CanonicalRows.hash(row, 0L)).reduce(Long::sum));
      long held = split[1].count();
      // about 20% of 500 whatever the labels: the features enter the hash (labels alone would give 0, about 250 or 500)
      assertTrue(held > 60 && held < 140, held + " validation rows of 500");
      Dataset<Row> ordered = CanonicalRows.of(split[0], 16);
      List<double[]> blocks = new ArrayList<>();
      for (TrainingBlock b : BlockPacking.pack(ordered, "features", "label", BlockPacking.Task.CLASSIFICATION, 3, 2, 16).collect()) {
        blocks.add(b.u().dense().data());
      }
      packed.add(blocks);
    }
    assertEquals(validation.get(0), validation.get(1));
    assertEquals(validation.get(0), validation.get(2));
    for (int k = 1; k < packed.size(); k++) {
      assertEquals(packed.get(0).size(), packed.get(k).size());
      for (int b = 0; b < packed.get(0).size(); b++) {
        assertArrayEquals(packed.get(0).get(b), packed.get(k).get(b), "block " + b);
      }
    }
    assertTrue(packed.get(0).size() > 4, "the rows span several partitions of several blocks");
  }
}
