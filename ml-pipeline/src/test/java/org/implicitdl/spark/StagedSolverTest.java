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
import org.implicitdl.train.EpochRecord;
import org.junit.jupiter.api.Test;

/**
 * A staged bcd+gradient run is never worse on its validation rows than its own BCD stage, even
 * when the gradient stage is given too little to do (one epoch at a tiny step size).
 */
class StagedSolverTest {

  private static Dataset<Row> rows(int m, long seed) {
    Random r = new Random(seed);
    List<Row> out = new ArrayList<>();
    for (int j = 0; j < m; j++) {
      int c = j % 3;
      double[] u = {c + 0.4 * r.nextGaussian(), r.nextGaussian(), -c + 0.4 * r.nextGaussian()};
      out.add(RowFactory.create(Vectors.dense(u), (double) c));
    }
    StructType schema = new StructType().add("features", SQLDataTypes.VectorType()).add("label", DataTypes.DoubleType);
    return SparkTestSession.get().createDataFrame(out, schema);
  }

  @Test
  void bcdThenGradientKeepsTheBetterStage() {
    Dataset<Row> data = rows(600, 3).cache();
    ImplicitClassifier staged = new ImplicitClassifier().setHiddenDim(6).setSolver("bcd+gradient").setBcdEpochs(6).setMaxIter(1)
        .setStepSize(1e-5).setMinSteps(0).setValidationFraction(0.2);
    ImplicitClassificationModel model = staged.fit(data);
    ImplicitClassifier bcdOnly = new ImplicitClassifier().setHiddenDim(6).setSolver("bcd").setMaxIter(6).setValidationFraction(0.2);
    ImplicitClassificationModel bcd = bcdOnly.fit(data);
    // the same split (same seed): the staged result scores at least as well as BCD alone on the whole data
    double stagedLoss = model.evaluate(data).get("logLoss");
    double bcdLoss = bcd.evaluate(data).get("logLoss");
    assertTrue(stagedLoss <= bcdLoss + 1e-9, "staged " + stagedLoss + " vs its BCD stage " + bcdLoss);
    EpochRecord last = model.summary().finalRecord();
    assertNotNull(last);
  }
}
