package org.implicitdl.spark;

import java.util.Arrays;
import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;

/**
 * Training rows in an order and a partitioning that depend only on their content, so that the
 * same data, settings and seed give the same blocks — and with {@link OrderedReduce} the same
 * model — whatever the input's files, its partitioning and the number of executors. Each row
 * gets a 64-bit hash of its features, label and weight; the hash picks its partition among
 * {@link #partitions} of them, and each partition is sorted by (hash, second hash) with Spark's
 * external sort: rows equal in both 64-bit hashes are, but with odds of 2⁻¹²⁸, the same row, whose
 * order changes no block. Costs one shuffle of the training rows per fit. Also the seeded split of rows into training and validation by a
 * hash of their values, which Dataset.randomSplit is not: its draw depends on the partitioning.
 */
public final class CanonicalRows {
  /**
   * Blocks per partition aimed at: few partitions keep the per-step task overhead of the gradient
   * solver low (one task per partition per optimizer step).
   */
  private static final int BLOCKS_PER_PARTITION = 16;
  /** The hash column while the rows are sorted. */
  private static final String HASH = "__idl_row_hash";
  /** The second hash, which orders rows of equal first hash. */
  private static final String TIE = "__idl_row_tie";
  /** The salt of the second hash. */
  static final long TIE_SALT = 0x2545F4914F6CDD1DL;
  /** Upper bound on partitions (a power of two). */
  static final int MAX_PARTITIONS = 4096;

  private CanonicalRows() {}

  /** The rows (features, label[, weight] columns, in that order) re-ordered and re-partitioned by content. */
  public static Dataset<Row> of(Dataset<Row> rows, int blockSize) {
    int partitions = partitions(rows.count(), blockSize);
    String[] names = rows.columns();
    JavaRDD<Row> byHash = rows.javaRDD()
        .mapToPair(r -> new scala.Tuple2<>(hash(r, 0L), r))
        .partitionBy(new ByHash(partitions))
        .map(t -> {
          Object[] values = new Object[t._2().length() + 2];
          for (int i = 0; i < t._2().length(); i++) {
            values[i] = t._2().get(i);
          }
          values[values.length - 2] = t._1();
          values[values.length - 1] = hash(t._2(), TIE_SALT);
          return RowFactory.create(values);
        });
    Dataset<Row> hashed = rows.sparkSession().createDataFrame(byHash,
        rows.schema().add(HASH, DataTypes.LongType).add(TIE, DataTypes.LongType));
    // Spark's external sort within each partition (it spills; no partition is held in memory): by the hash, then by a
    // second one; sort keys of two longs, where the values themselves (a wide vector as an array) would cost a copy of
    // each vector per comparison
    return hashed.sortWithinPartitions(hashed.col(HASH), hashed.col(TIE)).select(
        Arrays.stream(names).map(hashed::col).toArray(Column[]::new));
  }

  /**
   * P = ⌈rows / (16·blockSize)⌉ rounded up to a power of two (which spreads evenly over 2, 4, 8…
   * cores), at most {@value #MAX_PARTITIONS}: a function of the data alone.
   */
  static int partitions(long rows, int blockSize) {
    long wanted = Math.max(1, (rows + (long) BLOCKS_PER_PARTITION * blockSize - 1) / ((long) BLOCKS_PER_PARTITION * blockSize));
    int p = 1;
    while (p < wanted && p < MAX_PARTITIONS) {
      p *= 2;
    }
    return p;
  }

  /**
   * Rows split into {training, validation} with about {@code fraction} in validation: a row goes to
   * validation when its seeded hash, as a number in [0, 1), is below the fraction — the same rows
   * whatever the partitioning. Identical rows go to the same side.
   */
  public static Dataset<Row>[] split(Dataset<Row> rows, double fraction, long seed) {
    // Spark's xxHash64 of every column (vectors as arrays of doubles), seeded: codegen, no UDF
    StructField[] fields = rows.schema().fields();
    Column[] all = new Column[fields.length + 1];
    all[0] = org.apache.spark.sql.functions.lit(seed);
    for (int i = 0; i < fields.length; i++) {
      all[i + 1] = comparable(rows, fields[i]);
    }
    long buckets = 1L << 30;
    Column unit = org.apache.spark.sql.functions.pmod(org.apache.spark.sql.functions.xxhash64(all),
        org.apache.spark.sql.functions.lit(buckets)).cast("double").divide((double) buckets);
    Column marked = unit.lt(fraction);
    @SuppressWarnings("unchecked")
    Dataset<Row>[] out = new Dataset[] {rows.where(org.apache.spark.sql.functions.not(marked)), rows.where(marked)};
    return out;
  }

  /** A column as Spark SQL can sort and hash it: a vector as its array of doubles, anything else as it is. */
  private static Column comparable(Dataset<Row> rows, StructField f) {
    Column c = rows.col("`" + f.name().replace("`", "``") + "`"); // the name as it is, a dot in it included
    return f.dataType().equals(SQLDataTypes.VectorType()) ? org.apache.spark.ml.functions.vector_to_array(c, "float64") : c;
  }

  /**
   * A 64-bit hash of a row's values (dense vectors element by element, sparse ones by their non-zeros and where they
   * are, so a wide sparse row costs its non-zeros; numbers by their bits), mixed with {@code salt}.
   */
  static long hash(Row r, long salt) {
    long h = mix(salt ^ r.length());
    for (int i = 0; i < r.length(); i++) {
      Object v = r.get(i);
      if (v instanceof SparseVector sv) {
        h = mix(h ^ ~(long) sv.size());
        int[] at = sv.indices();
        double[] values = sv.values();
        for (int k = 0; k < at.length; k++) {
          if (values[k] != 0.0) {
            h = mix(mix(h ^ at[k]) ^ Double.doubleToLongBits(values[k]));
          }
        }
      } else if (v instanceof Vector vec) {
        double[] d = vec.toArray();
        h = mix(h ^ d.length);
        for (double x : d) {
          h = mix(h ^ Double.doubleToLongBits(x == 0.0 ? 0.0 : x));
        }
      } else if (v instanceof Number num) {
        double x = num.doubleValue();
        h = mix(h ^ Double.doubleToLongBits(x == 0.0 ? 0.0 : x));
      } else {
        h = mix(h ^ (v == null ? 0x5bd1e995L : v.hashCode()));
      }
    }
    return h;
  }

  /** SplitMix64's finalizer: every input bit affects every output bit. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  private static double unit(long h) {
    return (h >>> 11) * 0x1.0p-53;
  }

  /** Partition = ⌊unit(hash)·P⌋. */
  static int partitionOf(long hash, int partitions) {
    return (int) Math.min(partitions - 1, (long) (unit(hash) * partitions));
  }

  /** The partitioner of {@link #of}. */
  private static final class ByHash extends Partitioner {
    private static final long serialVersionUID = 1L;
    private final int partitions;

    ByHash(int partitions) {
      this.partitions = partitions;
    }

    @Override
    public int numPartitions() {
      return partitions;
    }

    @Override
    public int getPartition(Object key) {
      return partitionOf((Long) key, partitions);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof ByHash b && b.partitions == partitions;
    }

    @Override
    public int hashCode() {
      return partitions;
    }
  }
}
