package org.implicitdl.spark;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.evaluation.RegressionEvaluator;
import org.apache.spark.ml.regression.LinearRegression;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.train.BlockStore;
import org.implicitdl.train.Standardization;
import org.junit.jupiter.api.Test;

/**
 * A default regression on a few dozen rows still holds out validation rows ({@link TrainingStores#MIN_VALIDATION_ROWS}), so it
 * stops early and meets the linear check. Without them, a 30-row linear regression trained its whole budget under the
 * small-data weight decay (10/rows, 0.4 per row here) away from the linear model it started from: test rmse several times
 * the least-squares fit's.
 */
class TinyDataTest {

  /**
   * The automatic split of 30 rows holds out about a third of them ({@value TrainingStores#MIN_VALIDATION_ROWS} expected),
   * not a tenth (3 expected, none at all in 4% of draws): summed over five data sets, 50 rows expected against 15.
   */
  @Test
  void thirtyRowsHoldOutAboutTenForValidation() {
    ImplicitRegressor params = new ImplicitRegressor();
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(SparkTestSession.get().sparkContext());
    long held = 0;
    for (int seed = 0; seed < 5; seed++) {
      Random r = new Random(seed);
      Matrix u = Matrix.zeros(3, 30);
      double[] y = new double[30];
      for (int j = 0; j < 30; j++) {
        for (int i = 0; i < 3; i++) {
          u.set(i, j, r.nextGaussian());
        }
        y[j] = r.nextGaussian();
      }
      FitRows rows = FitRows.of(params, SparkTestSession.frame(u, y),
          new FitRows.Names("features", "label", "", BlockPacking.Task.REGRESSION, 3, 1, 100), SolverPipeline.GRADIENT, false);
      BlockStore validation = rows.validationStore(sc, Standardization.identity(3, 1, true));
      held += validation == null ? 0 : StageChoices.rows(validation);
    }
    assertTrue(held >= 35 && held <= 65, held + " validation rows of 150");
  }

  @Test
  void aDefaultFitOnThirtyLinearRowsScoresNearTheirLeastSquaresFit() {
    int rows = 30;
    int test = 400;
    Random r = new Random(5);
    double[] scale = {1, 100, 0.01};
    double[] w = {2, -0.015, 120};
    Matrix u = Matrix.zeros(3, rows + test);
    double[] y = new double[rows + test];
    for (int j = 0; j < rows + test; j++) {
      for (int i = 0; i < 3; i++) {
        u.set(i, j, scale[i] * r.nextGaussian());
        y[j] += w[i] * u.get(i, j);
      }
      y[j] += 0.1 * r.nextGaussian();
    }
    Dataset<Row> train = SparkTestSession.frame(u.columnSlice(0, rows), Arrays.copyOf(y, rows));
    Dataset<Row> fresh = SparkTestSession.frame(u.columnSlice(rows, rows + test), Arrays.copyOfRange(y, rows, rows + test));
    RegressionEvaluator rmse = new RegressionEvaluator().setMetricName("rmse");
    double implicit = rmse.evaluate(new ImplicitRegressor().fit(train).transform(fresh));
    // MLlib's LinearRegression with its defaults (no ridge): the ordinary least-squares fit, the job's linear baseline
    double leastSquares = rmse.evaluate(new LinearRegression().fit(train).transform(fresh));
    assertTrue(implicit <= 1.5 * leastSquares, "test rmse " + implicit + " against least squares' " + leastSquares);
  }
}
