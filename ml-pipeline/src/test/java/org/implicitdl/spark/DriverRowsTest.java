package org.implicitdl.spark;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.implicitdl.train.Standardization;
import org.implicitdl.train.TrainingBlock;
import org.junit.jupiter.api.Test;

/**
 * Small data's rows prepared in the driver are the Spark path's rows: the same validation split
 * (Spark's xxHash64 reproduced, for integer and double labels, weights, sparse vectors, −0.0 and
 * duplicate rows) and the same partitions in the same order, hence the same blocks.
 */
class DriverRowsTest {

  private static Dataset<Row> frame(boolean integerLabels, int m, long seed) {
    Random r = new Random(seed);
    List<Row> out = new ArrayList<>();
    for (int j = 0; j < m; j++) {
      double[] u = {r.nextGaussian(), j % 7 == 0 ? -0.0 : r.nextGaussian(), r.nextInt(3) == 0 ? 0.0 : r.nextGaussian()};
      Object label = integerLabels ? (Object) r.nextInt(3) : (Object) (r.nextGaussian() * 1000);
      org.apache.spark.ml.linalg.Vector v = j % 5 == 0 ? Vectors.dense(u).toSparse() : Vectors.dense(u);
      Row row = RowFactory.create(v, label, 0.5 + r.nextDouble());
      out.add(row);
      if (j % 50 == 0) {
        out.add(row); // a duplicate row: the same side of the split, adjacent in the order
      }
    }
    StructType schema = new StructType().add("features", SQLDataTypes.VectorType())
        .add("label", integerLabels ? DataTypes.IntegerType : DataTypes.DoubleType).add("weight", DataTypes.DoubleType);
    return SparkTestSession.get().createDataFrame(out, schema).repartition(3);
  }

  @Test
  void theDriversSplitAndOrderAreSparks() {
    for (boolean integerLabels : new boolean[] {true, false}) {
      Dataset<Row> data = frame(integerLabels, 600, integerLabels ? 3 : 4).cache();
      assertTrue(DriverRows.hashable(data.schema()));
      Dataset<Row>[] spark = CanonicalRows.split(data, 0.25, 11L);
      List<Row>[] driver = DriverRows.split(data.collectAsList(), data.schema(), 0.25, 11L);
      for (int side = 0; side < 2; side++) {
        List<List<Row>> sparkParts = CanonicalRows.of(spark[side], 32).javaRDD().glom().collect();
        List<List<Row>> driverParts = DriverRows.canonical(driver[side], 32);
        assertEquals(sparkParts.size(), driverParts.size(), "partitions");
        for (int k = 0; k < sparkParts.size(); k++) {
          assertEquals(sparkParts.get(k), driverParts.get(k), "labels " + (integerLabels ? "int" : "double") + ", side " + side + ", partition " + k);
        }
      }
      assertTrue(driver[1].size() > 100 && driver[1].size() < 200, driver[1].size() + " validation rows of 612");
    }
  }

  @Test
  void theDriversBlocksAreThePackedBlocks() {
    Dataset<Row> data = CanonicalRows.of(frame(true, 300, 5), 32).cache();
    FitRows.Names names = new FitRows.Names("features", "label", "weight", BlockPacking.Task.CLASSIFICATION, 3, 3, 4);
    Standardization units = Standardization.identity(3, 3, false);
    List<TrainingBlock> spark = BlockPacking.pack(data, "features", "label", "weight", BlockPacking.Task.CLASSIFICATION, 3, 3, 32).collect();
    List<TrainingBlock> driver = new ArrayList<>();
    for (List<Row> part : data.javaRDD().glom().collect()) {
      driver.addAll(DriverRows.pack(part, names, 32, units));
    }
    assertEquals(spark.size(), driver.size());
    for (int b = 0; b < spark.size(); b++) {
      assertArrayEquals(spark.get(b).u().dense().data(), driver.get(b).u().dense().data());
      assertArrayEquals(spark.get(b).y().data(), driver.get(b).y().data());
      assertArrayEquals(spark.get(b).w().data(), driver.get(b).w().data());
    }
  }

  @Test
  void onlyDataWithinTheLimitIsCollected() {
    Dataset<Row> data = frame(false, 100, 6);
    assertNull(DriverRows.collectAtMost(data, 50));
    assertNull(DriverRows.collectAtMost(data, 0));
    assertEquals(102, DriverRows.collectAtMost(data, 102).size());
  }
}
