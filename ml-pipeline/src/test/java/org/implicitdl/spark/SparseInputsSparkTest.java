package org.implicitdl.spark;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.linalg.SparseColumns;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.train.TrainingBlock;
import org.junit.jupiter.api.Test;

/**
 * Wide sparse feature vectors (hashed or one-hot columns) are packed as sparse blocks and train to
 * the model the same rows train to as dense vectors; the executor path equals the driver's; the
 * transform of sparse rows equals that of dense ones; bad sparse rows get one line naming the column.
 */
class SparseInputsSparkTest {
  private static final int P = 400;

  /** m rows of P features with 6 non-zeros each (1.5%); the class is which of three feature ranges holds the largest value. */
  private static Dataset<Row> rows(int m, long seed, boolean sparse) {
    Random r = new Random(seed);
    List<Row> out = new ArrayList<>();
    for (int j = 0; j < m; j++) {
      java.util.TreeMap<Integer, Double> entries = new java.util.TreeMap<>();
      while (entries.size() < 6) {
        entries.put(r.nextInt(P), 1 + 9 * r.nextDouble());
      }
      int[] index = entries.keySet().stream().mapToInt(Integer::intValue).toArray();
      double[] value = entries.values().stream().mapToDouble(Double::doubleValue).toArray();
      int best = 0;
      for (int k = 1; k < index.length; k++) {
        best = value[k] > value[best] ? k : best;
      }
      double label = Math.min(2, index[best] * 3 / P);
      Vector v = Vectors.sparse(P, index, value);
      out.add(RowFactory.create(sparse ? v : Vectors.dense(v.toArray()), label));
    }
    StructType schema = new StructType().add("features", SQLDataTypes.VectorType()).add("label", DataTypes.DoubleType);
    // two partitions in list order (repartition would order rows by their bytes, which differ between the representations)
    return SparkTestSession.get().createDataFrame(org.apache.spark.api.java.JavaSparkContext.fromSparkContext(SparkTestSession.get().sparkContext())
        .parallelize(out, 2), schema);
  }

  private static ImplicitClassifier classifier() {
    return new ImplicitClassifier().setHiddenDim(8).setMaxIter(4).setBatchSize(50).setStepSize(0.02).setBlockSize(128).setMinSteps(0)
        .setValidationFraction(0);
  }

  @Test
  void sparseRowsPackSparseAndTrainAsTheirDenseCopies() {
    Dataset<Row> sparse = rows(600, 1, true).cache();
    Dataset<Row> dense = rows(600, 1, false).cache();
    for (TrainingBlock b : BlockPacking.pack(sparse, "features", "label", BlockPacking.Task.CLASSIFICATION, P, 3, 128).collect()) {
      assertInstanceOf(SparseColumns.class, b.u());
      assertEquals(7L * b.size(), b.u().storedEntries());
    }
    for (TrainingBlock b : BlockPacking.pack(dense, "features", "label", BlockPacking.Task.CLASSIFICATION, P, 3, 128).collect()) {
      assertInstanceOf(Matrix.class, b.u());
    }
    // without standardization the units agree, so the models must: sparse products are the same sums. The rows keep
    // the frame's order (not deterministic's content order, whose hash reads a sparse vector by its non-zeros)
    ImplicitModel fromDense = classifier().setStandardization(false).setDeterministic(false).fit(dense).implicitModel();
    ImplicitModel fromSparse = classifier().setStandardization(false).setDeterministic(false).fit(sparse).implicitModel();
    LocalTrainingTest.assertSameModel(fromDense, fromSparse, "gradient fit on sparse rows vs their dense copies");
    // block-coordinate descent too: its P- and X-steps and statistics take the sparse products
    LocalTrainingTest.assertSameModel(classifier().setSolver("bcd").setMaxIter(3).setStandardization(false).setDeterministic(false).fit(dense)
        .implicitModel(), classifier().setSolver("bcd").setMaxIter(3).setStandardization(false).setDeterministic(false).fit(sparse).implicitModel(),
        "bcd fit on sparse rows vs dense");
    // with standardization (scale-only for sparse data), the executors' path equals the driver's
    ImplicitClassificationModel onDriver = classifier().fit(sparse);
    LocalTrainingTest.assertSameModel(classifier().setLocalTrainingMb(0).fit(sparse).implicitModel(), onDriver.implicitModel(), "executor vs driver path");
    // the transform reads sparse rows sparse, and predicts what it predicts on the same rows as dense vectors
    List<Row> both = new ArrayList<>();
    for (Row r : sparse.collectAsList()) {
      both.add(RowFactory.create(r.get(0), Vectors.dense(((Vector) r.get(0)).toArray())));
    }
    Dataset<Row> pairs = SparkTestSession.get().createDataFrame(both,
        new StructType().add("features", SQLDataTypes.VectorType()).add("dense", SQLDataTypes.VectorType()));
    List<Row> a = onDriver.transform(pairs).select("probability").collectAsList();
    List<Row> b = ((ImplicitClassificationModel) onDriver.copy(new org.apache.spark.ml.param.ParamMap())).setFeaturesCol("dense")
        .transform(pairs).select("probability").collectAsList();
    for (int j = 0; j < a.size(); j++) {
      Vector pa = a.get(j).getAs(0);
      Vector pb = b.get(j).getAs(0);
      for (int k = 0; k < 3; k++) {
        assertEquals(pb.apply(k), pa.apply(k), 1e-12);
      }
    }
    double accuracy = onDriver.evaluate(sparse).get("accuracy");
    assertTrue(accuracy > 0.5, "accuracy on the training rows " + accuracy);
  }

  @Test
  void badSparseRowsNameTheColumn() {
    StructType schema = new StructType().add("features", SQLDataTypes.VectorType()).add("label", DataTypes.DoubleType);
    List<Row> bad = new ArrayList<>();
    for (int j = 0; j < 50; j++) {
      bad.add(RowFactory.create(Vectors.sparse(P, new int[] {j}, new double[] {j == 17 ? Double.NaN : 1.0}), (double) (j % 2)));
    }
    Dataset<Row> frame = SparkTestSession.get().createDataFrame(bad, schema);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> classifier().fit(frame));
    assertEquals("column 'features' has a non-finite value NaN at index 17", e.getMessage());
    List<Row> shorter = new ArrayList<>(bad.subList(0, 17));
    shorter.add(RowFactory.create(new SparseVector(P - 1, new int[] {3}, new double[] {1.0}), 1.0));
    IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class,
        () -> classifier().fit(SparkTestSession.get().createDataFrame(shorter, schema)));
    assertTrue(e2.getMessage().contains("column 'features' has a vector of length " + (P - 1) + ", expected " + P), e2.getMessage());
  }
}
