package org.implicitdl.spark;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.solve.Activation;
import org.implicitdl.model.ImplicitModel;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Certified robustness through the Spark API (paper §5): transform's bounds hold the outputs of
 * points in the box, certified rows keep their class under attack, certified accuracy ≤ attacked
 * accuracy ≤ accuracy, and robust training raises certified accuracy over nominal training.
 */
class RobustnessSparkTest {
  private static final double EPSILON = 0.15;
  private static Dataset<Row> train;
  private static Dataset<Row> test;
  private static ImplicitClassificationModel nominal;
  private static ImplicitClassificationModel robust;

  /** Three Gaussian classes in 4 features (class means 1.2 apart on a few axes): separable only with margin to spare. */
  private static Dataset<Row> rows(int m, long seed) {
    Random r = new Random(seed);
    double[][] means = {{0, 0, 0, 0}, {1.2, 0, 0.6, 0}, {0, 1.2, 0, -0.6}};
    List<Row> out = new ArrayList<>();
    for (int j = 0; j < m; j++) {
      int c = j % 3;
      double[] u = new double[4];
      for (int k = 0; k < 4; k++) {
        u[k] = means[c][k] + 0.35 * r.nextGaussian();
      }
      out.add(RowFactory.create(Vectors.dense(u), (double) c));
    }
    StructType schema = new StructType().add("features", SQLDataTypes.VectorType()).add("label", DataTypes.DoubleType);
    return SparkTestSession.get().createDataFrame(out, schema).repartition(2);
  }

  private static ImplicitClassifier classifier() {
    return new ImplicitClassifier().setHiddenDim(8).setMaxIter(12).setBatchSize(50).setStepSize(0.02).setStepDecay(0.95).setBlockSize(128);
  }

  /**
   * Nominal training of the same implicit model, without the linear check: it may return a linear model instead (the
   * classes are Gaussian clusters of one spread, whose best rule is linear), and the robust fit, which skips that check,
   * would be compared with another kind of model.
   */
  private static ImplicitClassifier nominalClassifier() {
    return classifier().setLinearCheck(false);
  }

  @BeforeAll
  static void fit() {
    train = rows(600, 1);
    test = rows(300, 2);
    nominal = nominalClassifier().fit(train);
    robust = classifier().setRobustEpsilon(EPSILON).setRobustWeight(0.7).fit(train);
  }

  @Test
  void boundsHoldSampledPointsAndCertifiedRowsAreNotBroken() {
    ImplicitClassificationModel m = robust.copy(new org.apache.spark.ml.param.ParamMap()).setEpsilon(EPSILON);
    List<Row> rows = m.transform(test).select("features", "lowerBound", "upperBound", "certified", "prediction").collectAsList();
    ImplicitModel im = m.implicitModel();
    Random r = new Random(5);
    int certified = 0;
    for (Row row : rows) {
      double[] u = ((Vector) row.get(0)).toArray();
      double[] lower = ((Vector) row.get(1)).toArray();
      double[] upper = ((Vector) row.get(2)).toArray();
      boolean cert = row.getBoolean(3);
      certified += cert ? 1 : 0;
      for (int s = 0; s < 20; s++) {
        double[] point = u.clone();
        for (int k = 0; k < point.length; k++) {
          point[k] += EPSILON * (s < 2 ? (s == 0 ? -1 : 1) : 2 * r.nextDouble() - 1);
        }
        double[] y = im.predict(point);
        int top = 0;
        for (int k = 0; k < y.length; k++) {
          assertTrue(y[k] >= lower[k] - 1e-7 && y[k] <= upper[k] + 1e-7, "output " + k + " left its certified bounds");
          top = y[k] > y[top] ? k : top;
        }
        if (cert) {
          assertEquals(row.getDouble(4), top, "a certified row changed class inside its box");
        }
      }
    }
    assertTrue(certified > 0, "no row certified at all: the test shows nothing");
    Map<String, Double> metrics = m.setLabelCol("label").evaluate(test);
    Map<String, Double> attacked = m.attack(test, 10);
    assertTrue(metrics.get("certifiedAccuracy") <= attacked.get("attackedAccuracy") + 1e-12, metrics + " vs " + attacked);
    assertTrue(attacked.get("attackedAccuracy") <= attacked.get("accuracy") + 1e-12);
    assertEquals(metrics.get("accuracy"), attacked.get("accuracy"), 1e-12);
    assertEquals(EPSILON, metrics.get("epsilon"));
  }

  /** The attack aggregate over partitions equals the same attack folded locally over the collected rows. */
  @Test
  void theDistributedAttackEqualsTheLocalFold() {
    ImplicitClassificationModel m = robust.copy(new org.apache.spark.ml.param.ParamMap()).setEpsilon(EPSILON);
    Map<String, Double> distributed = m.attack(test, 5);
    List<Row> rows = test.select("features", "label").collectAsList();
    Matrix u = Matrix.zeros(4, rows.size());
    int[] labels = new int[rows.size()];
    for (int j = 0; j < rows.size(); j++) {
      double[] f = ((Vector) rows.get(j).get(0)).toArray();
      for (int k = 0; k < 4; k++) {
        u.set(k, j, f[k]);
      }
      labels[j] = (int) rows.get(j).getDouble(1);
    }
    org.implicitdl.robust.PgdAttack.Result local = org.implicitdl.robust.PgdAttack.attack(m.implicitModel(), u, labels,
        org.implicitdl.robust.InputBox.uniform(4, EPSILON).radii(rows.size()), 5, TrainingSettings.fixedPoint(m));
    assertEquals(1 - local.brokenCount() / (double) rows.size(), distributed.get("attackedAccuracy"), 1e-12);
    assertEquals((double) rows.size(), distributed.get("count"));
  }

  /**
   * On every one of four training draws robust training certifies more test rows than nominal training, and
   * on average at least 5 points more: one draw's gap moves by several points with rounding-level changes of
   * the optimizer's path, the average over draws does not.
   */
  @Test
  void robustTrainingCertifiesMoreRowsThanNominalTraining() {
    double gaps = 0;
    long[] seeds = {1, 3, 5, 7};
    for (long seed : seeds) {
      Dataset<Row> draw = seed == 1 ? train : rows(600, seed);
      ImplicitClassificationModel n = seed == 1 ? nominal : nominalClassifier().fit(draw);
      ImplicitClassificationModel r = seed == 1 ? robust : classifier().setRobustEpsilon(EPSILON).setRobustWeight(0.7).fit(draw);
      double nominalCertified = n.copy(new org.apache.spark.ml.param.ParamMap()).setEpsilon(EPSILON).setLabelCol("label").evaluate(test)
          .get("certifiedAccuracy");
      Map<String, Double> robustMetrics = r.copy(new org.apache.spark.ml.param.ParamMap()).setEpsilon(EPSILON).setLabelCol("label")
          .evaluate(test);
      assertTrue(robustMetrics.get("certifiedAccuracy") > nominalCertified,
          "training draw " + seed + ": robust " + robustMetrics + " vs nominal certified accuracy " + nominalCertified);
      gaps += robustMetrics.get("certifiedAccuracy") - nominalCertified;
    }
    assertTrue(gaps / seeds.length > 0.05, "mean certified-accuracy gain of robust training " + gaps / seeds.length);
    assertEquals(EPSILON, robust.getRobustEpsilon(), "the model carries the robust training params");
  }

  @Test
  void certifiedRadiusColumnIsCertifiedAtItsValue() {
    ImplicitClassificationModel m = robust.copy(new org.apache.spark.ml.param.ParamMap()).setCertifiedRadiusCol("radius");
    List<Row> rows = m.transform(test.limit(20)).select("features", "radius").collectAsList();
    org.implicitdl.robust.IntervalAnalysis analysis = new org.implicitdl.robust.IntervalAnalysis(m.implicitModel());
    for (Row row : rows) {
      double radius = row.getDouble(1);
      assertTrue(radius >= 0);
      if (radius > 0) {
        Matrix u = Matrix.column(((Vector) row.get(0)).toArray());
        assertTrue(analysis.interval(u, org.implicitdl.robust.InputBox.uniform(4, radius).radii(1),
            org.implicitdl.solve.SolverSettings.DEFAULT).certified(0));
      }
    }
  }

  @Test
  void badEpsilonScaleAndIllPosedModelsAreOneLineErrors() {
    assertThrows(IllegalArgumentException.class, () -> nominal.copy(new org.apache.spark.ml.param.ParamMap()).setEpsilon(-0.1));
    assertThrows(IllegalArgumentException.class, () -> nominal.copy(new org.apache.spark.ml.param.ParamMap()).setEpsilon(Double.NaN));
    InvalidParamException wrongLength = assertThrows(InvalidParamException.class,
        () -> nominal.copy(new org.apache.spark.ml.param.ParamMap()).setEpsilon(0.1).setFeatureScale(new double[] {1, 1}).transform(test));
    assertTrue(wrongLength.getMessage().contains("featureScale has 2 entries"), wrongLength.getMessage());
    Matrix a = Matrix.identity(8).scaled(1.5);
    ImplicitModel illPosed = new ImplicitModel(a, Matrix.zeros(8, 5), Matrix.zeros(3, 8), Matrix.zeros(3, 5), Activation.RELU, true);
    InvalidParamException ill = assertThrows(InvalidParamException.class,
        () -> new ImplicitClassificationModel("ill", illPosed).setEpsilon(0.1).transform(test));
    assertTrue(ill.getMessage().contains("not certified well-posed"), ill.getMessage());
    InvalidParamException scale = assertThrows(InvalidParamException.class,
        () -> classifier().setRobustEpsilon(0.1).setFeatureScale(new double[] {1}).fit(train));
    assertTrue(scale.getMessage().contains("featureScale has 1 entries, the features have 4"), scale.getMessage());
  }
}
