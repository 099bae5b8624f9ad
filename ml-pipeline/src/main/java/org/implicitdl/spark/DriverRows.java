package org.implicitdl.spark;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.catalyst.expressions.XxHash64Function;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.implicitdl.train.Standardization;
import org.implicitdl.train.TrainingBlock;

/**
 * Small data's rows prepared in the driver exactly as the Spark path prepares them: the seeded
 * validation split of {@link CanonicalRows#split} (Spark's own xxHash64 of the same values, so the
 * same rows on each side), the content order and partitioning of {@link CanonicalRows#of}, and
 * the packing of {@link BlockPacking} (same checks, same messages). A test holds the two paths
 * to the same rows and the same model.
 */
final class DriverRows {
  /** Spark SQL's {@code xxhash64} starts from this seed. */
  private static final long XXHASH64_SEED = 42L;
  private static final DataType DOUBLES = DataTypes.createArrayType(DataTypes.DoubleType, false);

  private DriverRows() {}

  /** All rows of {@code frame} when there are at most {@code limit} (one counting job, one collecting job), else null. */
  static List<Row> collectAtMost(Dataset<Row> frame, long limit) {
    if (limit <= 0 || frame.limit((int) Math.min(Integer.MAX_VALUE - 1, limit + 1)).count() > limit) {
      return null;
    }
    return frame.collectAsList();
  }

  /** Whether every column is of a type this class hashes as Spark SQL does (vectors and numbers). */
  static boolean hashable(StructType schema) {
    for (StructField f : schema.fields()) {
      DataType t = f.dataType();
      boolean ok = t.equals(SQLDataTypes.VectorType()) || t.equals(DataTypes.DoubleType) || t.equals(DataTypes.FloatType)
          || t.equals(DataTypes.IntegerType) || t.equals(DataTypes.LongType) || t.equals(DataTypes.ShortType)
          || t.equals(DataTypes.ByteType);
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  static Row withoutLast(Row r) {
    Object[] values = new Object[r.length() - 1];
    for (int i = 0; i < values.length; i++) {
      values[i] = r.get(i);
    }
    return RowFactory.create(values);
  }

  /** {training, validation} as {@link CanonicalRows#split} draws them for these rows of {@code schema}. */
  @SuppressWarnings("unchecked")
  static List<Row>[] split(List<Row> rows, StructType schema, double fraction, long seed) {
    List<Row> training = new ArrayList<>();
    List<Row> validation = new ArrayList<>();
    long buckets = 1L << 30;
    for (Row r : rows) {
      long h = XxHash64Function.hash(seed, DataTypes.LongType, XXHASH64_SEED);
      for (int i = 0; i < schema.fields().length; i++) {
        Object v = r.get(i);
        h = v instanceof Vector vec
            ? XxHash64Function.hash(new GenericArrayData(vec.toArray()), DOUBLES, h)
            : XxHash64Function.hash(v, schema.fields()[i].dataType(), h);
      }
      double unit = Math.floorMod(h, buckets) / (double) buckets;
      (unit < fraction ? validation : training).add(r);
    }
    return new List[] {training, validation};
  }

  /** The rows in {@link CanonicalRows#of}'s partitions, each sorted by (hash, second hash). */
  static List<List<Row>> canonical(List<Row> rows, int blockSize) {
    int partitions = CanonicalRows.partitions(rows.size(), blockSize);
    List<List<Hashed>> parts = new ArrayList<>();
    for (int k = 0; k < partitions; k++) {
      parts.add(new ArrayList<>());
    }
    for (Row r : rows) {
      long h = CanonicalRows.hash(r, 0L);
      parts.get(CanonicalRows.partitionOf(h, partitions)).add(new Hashed(h, CanonicalRows.hash(r, CanonicalRows.TIE_SALT), r));
    }
    List<List<Row>> out = new ArrayList<>();
    for (List<Hashed> part : parts) {
      part.sort(Comparator.comparingLong(Hashed::hash).thenComparingLong(Hashed::tie));
      out.add(part.stream().map(Hashed::row).toList());
    }
    return out;
  }

  private record Hashed(long hash, long tie, Row row) {}

  /** One partition's rows packed into blocks of at most {@code blockSize}, as {@link BlockPacking#pack} packs a partition. */
  static List<TrainingBlock> pack(List<Row> part, FitRows.Names names, int blockSize, Standardization units) {
    List<TrainingBlock> out = new ArrayList<>();
    for (int from = 0; from < part.size(); from += blockSize) {
      out.add(BlockPacking.toBlock(part.subList(from, Math.min(part.size(), from + blockSize)), names.features(), names.label(),
          names.weight(), names.task(), names.inputs(), names.outputs(), units));
    }
    return out;
  }
}
