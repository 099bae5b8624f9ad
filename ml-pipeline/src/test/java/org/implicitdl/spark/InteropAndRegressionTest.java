package org.implicitdl.spark;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import org.apache.spark.ml.classification.MultilayerPerceptronClassificationModel;
import org.apache.spark.ml.classification.MultilayerPerceptronClassifier;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.implicitdl.TestData;
import org.implicitdl.data.SyntheticData;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.solve.Activation;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.model.ModelJson;
import org.implicitdl.solve.WellPosedness;
import org.implicitdl.train.BlockCoordinateDescent;
import org.implicitdl.train.Loss;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InteropAndRegressionTest {
  @TempDir
  Path tmp;

  private static Dataset<Row> features(Dataset<Row> df) {
    return new VectorAssembler().setInputCols(new String[] {"a", "b", "c", "d"}).setOutputCol("features").transform(df);
  }

  @Test
  void mlpConversionPredictsIdentically() {
    Dataset<Row> data = features(ImplicitClassifierTest.blobs(200, 5));
    MultilayerPerceptronClassificationModel mlp = new MultilayerPerceptronClassifier().setLayers(new int[] {4, 7, 5, 3})
        .setMaxIter(30).setSeed(1).fit(data);
    ImplicitClassificationModel converted = MlpConversion.convert(mlp);
    assertEquals("TRIANGULAR", converted.certificate().condition().name());
    List<Row> expected = mlp.transform(data).select("probability", "prediction").collectAsList();
    List<Row> got = converted.transform(data).select("probability", "prediction").collectAsList();
    for (int i = 0; i < expected.size(); i++) {
      double[] pe = ((Vector) expected.get(i).get(0)).toArray();
      double[] pg = ((Vector) got.get(i).get(0)).toArray();
      for (int k = 0; k < pe.length; k++) {
        assertEquals(pe[k], pg[k], 1e-9, "row " + i);
      }
      assertEquals(expected.get(i).getDouble(1), got.get(i).getDouble(1));
    }
  }

  @Test
  void jsonRoundTripIsExactAndBadJsonIsRefusedByName() {
    ImplicitModel m = new ImplicitModel(WellPosedness.projectInfNorm(TestData.gaussian(5, 5, 1, 1), 0.9), TestData.gaussian(5, 4, 1, 2),
        TestData.gaussian(2, 5, 1, 3), TestData.gaussian(2, 4, 1, 4), Activation.TANH, true);
    ImplicitModel back = ModelJson.read(ModelJson.write(m));
    assertEquals(m.a(), back.a());
    assertEquals(m.b(), back.b());
    assertEquals(m.c(), back.c());
    assertEquals(m.d(), back.d());
    assertEquals(m.activation(), back.activation());
    assertTrue(back.inputBias());
    assertRefused("{\"activation\":\"relu\",\"A\":[[1.5]],\"B\":[[1]],\"C\":[[1]],\"D\":[[0]]}", "ill-posed");
    assertRefused("{\"activation\":\"relu\",\"A\":[[0.1,0],[0]],\"B\":[[1],[1]],\"C\":[[1,1]],\"D\":[[0]]}", "'A' row 1 has 1 entries, expected 2");
    assertRefused("{\"activation\":\"relu\",\"B\":[[1]],\"C\":[[1]],\"D\":[[0]]}", "missing key 'A'");
    assertRefused("{\"activation\":\"relu\",\"A\":[[0.1]],\"B\":[[1]],\"C\":[[1]],\"D\":[[0, 1]]}", "D must be 1x1, got 1x2");
    assertRefused("{\"activation\":\"swish\",\"A\":[[0.1]],\"B\":[[1]],\"C\":[[1]],\"D\":[[0]]}", "unknown activation 'swish'");
    assertRefused("{\"activation\":\"relu\",\"A\":[[\"x\"]],\"B\":[[1]],\"C\":[[1]],\"D\":[[0]]}", "entry (0, 0) is not a number");
    assertRefused("{not json", "malformed");
  }

  private static void assertRefused(String json, String expected) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelJson.read(json));
    assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
  }

  @Test
  void multiOutputRegressorFitsSavesAndLoads() throws Exception {
    java.util.Random r = new java.util.Random(9);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      double x1 = r.nextGaussian();
      double x2 = r.nextGaussian();
      rows.add(RowFactory.create(Vectors.dense(x1, x2, r.nextGaussian()), Vectors.dense(Math.max(0, x1 + x2), x1 - 0.5 * x2)));
    }
    StructType schema = new StructType().add("features", SQLDataTypes.VectorType()).add("label", SQLDataTypes.VectorType());
    Dataset<Row> data = SparkTestSession.get().createDataFrame(rows, schema);
    ImplicitRegressionModel model = new ImplicitRegressor().setHiddenDim(8).setMaxIter(15).setBatchSize(40).setStepSize(0.03)
        .setStepDecay(0.9).fit(data);
    assertEquals(2, model.numOutputs());
    double rmse = model.evaluate(data).get("rmse");
    assertTrue(rmse < 0.3, "rmse " + rmse);
    String path = tmp.resolve("reg").toString();
    model.write().save(path);
    ImplicitRegressionModel loaded = ImplicitRegressionModel.load(path);
    assertEquals(model.transform(data).select("prediction").collectAsList(), loaded.transform(data).select("prediction").collectAsList());

    Files.writeString(Path.of(path, "data").resolve("garbage.parquet"), "not parquet");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ImplicitRegressionModel.load(path));
    assertTrue(e.getMessage().contains("model data"), e.getMessage());
    IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
        () -> ImplicitRegressionModel.load(tmp.resolve("nowhere").toString()));
    assertTrue(missing.getMessage().contains("metadata"), missing.getMessage());
  }

  /**
   * gradient+bcd: the gradient solver's proximal steps leave nearly every column of (B; D) non-zero; the
   * BCD stage after it, with its own column weight (bcdGroupLasso), zeroes whole columns exactly. The gradient stage runs
   * as configured (minSteps 0: no small-data budget), so the two solvers' penalties are compared, not the staged run's
   * choice on the validation rows between its stages.
   */
  @Test
  void gradientThenBcdZeroesColumnsTheGradientSolverLeavesNonZero() {
    SyntheticData.Generated g = SyntheticData.implicitRelu(8, 12, 1, 240, 6, 0.5, 0.01, 3);
    Dataset<Row> data = SparkTestSession.frame(g.data().inputs(), g.data().targets().data().clone());
    Supplier<ImplicitRegressor> common = () -> new ImplicitRegressor().setHiddenDim(6).setMaxIter(60).setBatchSize(40)
        .setStepSize(0.01).setStepDecay(0.99).setGroupLasso(0.5).setMinSteps(0);
    ImplicitRegressionModel gradient = common.get().setSolver("gradient").fit(data);
    ImplicitRegressionModel both = common.get().setSolver("gradient+bcd").setBcdEpochs(25).setBcdGroupLasso(40).setLambda(100).setMu(100)
        .fit(data);
    int[] selected = both.summary().selectedFeatures();
    System.out.printf("gradient+bcd on 12 features (6 relevant %s): gradient alone keeps %s, gradient+bcd %s%n",
        Arrays.toString(IntStream.range(0, 12).filter(j -> g.relevantFeatures()[j]).toArray()),
        Arrays.toString(gradient.summary().selectedFeatures()), Arrays.toString(selected));
    assertTrue(selected.length < gradient.summary().selectedFeatures().length, "BCD stage zeroed no column: " + Arrays.toString(selected));
    boolean[] kept = new boolean[12];
    for (int j : selected) {
      kept[j] = true;
    }
    for (int j = 0; j < 12; j++) {
      assertTrue(!g.relevantFeatures()[j] || kept[j], "relevant feature " + j + " dropped");
    }
    assertEquals("gradient+bcd", both.summary().solver());
    // BCD's records carry the lifted problem's coupling term; the gradient solver's are 0
    assertTrue(both.summary().history().stream().anyMatch(r -> r.coupling() > 0), "no BCD epochs after the gradient epochs");
    assertArrayEquals(BlockCoordinateDescent.selectedFeatures(both.implicitModel()), selected,
        "the summary's features are the non-zero columns of B or D, the others exactly 0");
  }

  @Test
  void bcdTakesItsOwnColumnWeightWhenSetElseGroupLasso() {
    ImplicitRegressor r = new ImplicitRegressor().setGroupLasso(0.3);
    assertEquals(0.3, TrainingSettings.bcdSettings(r, Loss.SQUARED, 5).groupLasso());
    assertEquals(0.3, TrainingSettings.gradientSettings(r, Loss.SQUARED, Activation.RELU).groupLasso());
    r.setBcdGroupLasso(70);
    assertEquals(70.0, TrainingSettings.bcdSettings(r, Loss.SQUARED, 5).groupLasso());
    assertEquals(0.3, TrainingSettings.gradientSettings(r, Loss.SQUARED, Activation.RELU).groupLasso());
    for (double bad : new double[] {Double.NaN, -2}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> r.setBcdGroupLasso(bad));
      assertTrue(e.getMessage().contains("bcdGroupLasso"), e.getMessage());
    }
  }

  @Test
  void loadRefusesAnIllPosedModel() throws Exception {
    Matrix a = Matrix.fromRows(new double[][] {{0.9, 0.5}, {0.5, 0.9}});
    ImplicitModel ill = new ImplicitModel(a, Matrix.zeros(2, 3), Matrix.zeros(1, 2), Matrix.zeros(1, 3), Activation.RELU, true);
    String path = tmp.resolve("ill").toString();
    new ImplicitRegressionModel("x", ill).write().save(path);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ImplicitRegressionModel.load(path));
    assertTrue(e.getMessage().contains("ill-posed"), e.getMessage());
  }
}
