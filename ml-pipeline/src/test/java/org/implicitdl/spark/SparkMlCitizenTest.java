package org.implicitdl.spark;

import static org.junit.jupiter.api.Assertions.*;

import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.Logger;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.feature.StandardScaler;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.Params;
import org.apache.spark.ml.tuning.CrossValidator;
import org.apache.spark.ml.tuning.CrossValidatorModel;
import org.apache.spark.ml.tuning.ParamGridBuilder;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.implicitdl.train.EpochRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The conventions MLlib's own estimators keep: models carry their training params, names, getters and setters, readable params, quiet fits. */
class SparkMlCitizenTest {
  @TempDir
  Path tmp;

  private static Pipeline assembledScaled(ImplicitClassifier clf) {
    return new Pipeline().setStages(new PipelineStage[] {
        new VectorAssembler().setInputCols(new String[] {"a", "b", "c", "d"}).setOutputCol("raw"),
        new StandardScaler().setInputCol("raw").setOutputCol("features"), clf});
  }

  @Test
  void crossValidatorBestModelSavedAndLoadedAnswersEveryTrainingParamWithTheChosenValue() throws Exception {
    Dataset<Row> data = ImplicitClassifierTest.blobs(240, 3);
    Dataset<Row> features = new VectorAssembler().setInputCols(new String[] {"a", "b", "c", "d"}).setOutputCol("features").transform(data);
    ImplicitClassifier clf = ImplicitClassifierTest.small().setMaxIter(3).setKappa(0.9).setLambdaGrowth(1.5).setSyncsPerEpoch(1)
        .setLambdaPerState(new double[] {1, 2, 3, 4, 5, 6});
    ParamMap[] grid = new ParamGridBuilder().addGrid(clf.hiddenDim(), new int[] {6}).addGrid(clf.stepSize(), new double[] {0.05, 0.02})
        .build();
    CrossValidatorModel cv = new CrossValidator().setEstimator(clf).setEstimatorParamMaps(grid).setNumFolds(2).setSeed(5)
        .setEvaluator(new MulticlassClassificationEvaluator().setMetricName("accuracy")).fit(features);
    int best = 0;
    for (int k = 1; k < cv.avgMetrics().length; k++) {
      best = cv.avgMetrics()[k] > cv.avgMetrics()[best] ? k : best;
    }
    ImplicitClassifier chosen = clf.copy(grid[best]);
    ImplicitClassificationModel bestModel = (ImplicitClassificationModel) cv.bestModel();
    String dir = tmp.resolve("cv").toString();
    cv.write().save(dir);
    ImplicitClassificationModel loaded = (ImplicitClassificationModel) CrossValidatorModel.load(dir).bestModel();
    for (ImplicitClassificationModel m : List.of(bestModel, loaded)) {
      for (Param<?> p : chosen.params()) {
        assertTrue(m.hasParam(p.name()), "model lacks param " + p.name());
        if (!chosen.isDefined(p)) {
          assertFalse(m.isDefined(m.getParam(p.name())), p.name());
          continue;
        }
        Object expected = chosen.getOrDefault(p);
        Object got = m.getOrDefault(m.getParam(p.name()));
        if (expected instanceof double[] e) {
          assertArrayEquals(e, (double[]) got, p.name());
        } else {
          assertEquals(expected, got, p.name());
        }
      }
      assertEquals(0.9, m.getKappa());
      assertEquals(grid[best].apply(clf.stepSize()), m.getStepSize());
      assertTrue(m.extractParamMap().toString().contains("hiddenDim"), "extractParamMap says how the model was trained");
    }
  }

  @Test
  void selectedFeatureNamesAreTheAssembledColumnsThroughAScalerAndSurviveSaveAndLoad() throws Exception {
    Dataset<Row> data = ImplicitClassifierTest.blobs(200, 4);
    PipelineModel model = assembledScaled(ImplicitClassifierTest.small().setMaxIter(2)).fit(data);
    ImplicitClassificationModel m = (ImplicitClassificationModel) model.stages()[2];
    assertArrayEquals(new String[] {"a", "b", "c", "d"}, m.featureNames().names());
    assertTrue(m.featureNames().source().contains("'raw'"), m.featureNames().source());
    String[] selected = m.selectedFeatureNames();
    assertTrue(selected.length > 0);
    assertTrue(Set.of("a", "b", "c", "d").containsAll(Arrays.asList(selected)), Arrays.toString(selected));
    String dir = tmp.resolve("pipeline").toString();
    model.write().save(dir);
    ImplicitClassificationModel loaded = (ImplicitClassificationModel) PipelineModel.load(dir).stages()[2];
    assertEquals(m.featureNames(), loaded.featureNames());
    assertArrayEquals(selected, loaded.selectedFeatureNames());
  }

  /**
   * Labels that are words go through a StringIndexer, as in MLlib: the model remembers the indexer's names, puts them on
   * its prediction column (IndexToString needs no labels), and keeps them through pruning, saving and loading; a model
   * saved by format version 2, before class names were stored, still loads, with none.
   */
  @Test
  void classNamesOfAStringIndexerAreRememberedPutOnPredictionsAndSurviveSaveAndLoad() throws Exception {
    String[] animals = {"dog", "ant", "cat"};
    Dataset<Row> data = ImplicitClassifierTest.blobs(210, 6).withColumn("animal", org.apache.spark.sql.functions.element_at(
        org.apache.spark.sql.functions.array(Arrays.stream(animals).map(org.apache.spark.sql.functions::lit)
            .toArray(org.apache.spark.sql.Column[]::new)), org.apache.spark.sql.functions.col("label").cast("int").plus(1))).drop("label");
    PipelineModel model = new Pipeline().setStages(new PipelineStage[] {
        new org.apache.spark.ml.feature.StringIndexer().setInputCol("animal").setOutputCol("label").setStringOrderType("alphabetAsc"),
        new VectorAssembler().setInputCols(new String[] {"a", "b", "c", "d"}).setOutputCol("features"),
        ImplicitClassifierTest.small().setMaxIter(3)}).fit(data);
    ImplicitClassificationModel m = (ImplicitClassificationModel) model.stages()[2];
    assertArrayEquals(new String[] {"ant", "cat", "dog"}, m.classNames());
    Dataset<Row> named = new org.apache.spark.ml.feature.IndexToString().setInputCol("prediction").setOutputCol("predictedAnimal")
        .transform(model.transform(data));
    List<Row> rows = named.select("prediction", "predictedAnimal").collectAsList();
    for (Row r : rows) {
      assertEquals(m.classNames()[(int) r.getDouble(0)], r.getString(1));
    }
    assertTrue(named.select("animal", "predictedAnimal").filter("animal = predictedAnimal").count() > rows.size() / 2,
        "the names are the classes the rows were trained with, not only consistent with the indices");
    assertArrayEquals(m.classNames(), m.pruned().classNames());
    String dir = tmp.resolve("named").toString();
    m.write().save(dir);
    ImplicitClassificationModel loaded = ImplicitClassificationModel.load(dir);
    assertArrayEquals(m.classNames(), loaded.classNames());
    org.apache.spark.sql.SparkSession spark = SparkTestSession.get();
    String old = tmp.resolve("version2").toString();
    m.write().save(old);
    Dataset<Row> stored = spark.read().parquet(old + "/data");
    stored.drop("classNames").withColumn("formatVersion", org.apache.spark.sql.functions.lit(2)).write().mode("overwrite")
        .parquet(old + "/data2");
    java.nio.file.Path data2 = Path.of(old, "data2");
    org.apache.commons.io.FileUtils.deleteDirectory(Path.of(old, "data").toFile());
    java.nio.file.Files.move(data2, Path.of(old, "data"));
    ImplicitClassificationModel version2 = ImplicitClassificationModel.load(old);
    assertEquals(0, version2.classNames().length);
    Dataset<Row> features = new VectorAssembler().setInputCols(new String[] {"a", "b", "c", "d"}).setOutputCol("features").transform(data);
    assertEquals(m.transform(features).select("prediction").collectAsList(), version2.transform(features).select("prediction").collectAsList());
  }

  @Test
  void withoutAttributesTheNamesAreGeneratedAndSaySo() {
    Dataset<Row> data = SparkTestSession.frame(gaussian(3, 40, 1), labels(40));
    ImplicitClassificationModel m = ImplicitClassifierTest.small().setMaxIter(1).fit(data);
    assertArrayEquals(new String[] {"f0", "f1", "f2"}, m.featureNames().names());
    assertTrue(m.featureNames().source().startsWith("generated"), m.featureNames().source());
  }

  private static org.implicitdl.linalg.Matrix gaussian(int rows, int cols, long seed) {
    java.util.Random r = new java.util.Random(seed);
    double[] d = new double[rows * cols];
    for (int k = 0; k < d.length; k++) {
      d[k] = r.nextGaussian();
    }
    return new org.implicitdl.linalg.Matrix(rows, cols, d);
  }

  private static double[] labels(int m) {
    double[] y = new double[m];
    for (int j = 0; j < m; j++) {
      y[j] = j % 2;
    }
    return y;
  }

  /** Every estimator param has get/set; every model param a getter, and its prediction-time params a setter. */
  @Test
  void everyParamHasAJavaGetterAndSetter() {
    Set<String> predictionTime = Set.of("featuresCol", "labelCol", "predictionCol", "probabilityCol", "rawPredictionCol", "thresholds",
        "stateCol", "fixedPointInfoCol", "fixedPointTol", "maxFixedPointIter");
    List<String> missing = new ArrayList<>();
    ImplicitClassificationModel cm = ImplicitClassifierTest.small().setMaxIter(1).fit(
        SparkTestSession.frame(gaussian(3, 40, 2), labels(40)));
    ImplicitRegressionModel rm = new ImplicitRegressor().setHiddenDim(3).setMaxIter(1).setBlockSize(20).fit(
        SparkTestSession.frame(gaussian(3, 40, 2), labels(40)));
    for (Params owner : List.of(new ImplicitClassifier(), new ImplicitRegressor(), cm, rm)) {
      boolean estimator = owner instanceof org.apache.spark.ml.Estimator;
      for (Param<?> p : owner.params()) {
        String cap = Character.toUpperCase(p.name().charAt(0)) + p.name().substring(1);
        if (method(owner, "get" + cap) == null) {
          missing.add(owner.getClass().getSimpleName() + ".get" + cap + "()");
        }
        if ((estimator || predictionTime.contains(p.name())) && method(owner, "set" + cap) == null) {
          missing.add(owner.getClass().getSimpleName() + ".set" + cap + "(…)");
        }
      }
    }
    assertEquals(List.of(), missing);
  }

  private static Method method(Object owner, String name) {
    return Arrays.stream(owner.getClass().getMethods()).filter(m -> m.getName().equals(name)
        && (name.startsWith("get") ? m.getParameterCount() == 0 : m.getParameterCount() == 1)).findFirst().orElse(null);
  }

  /** An estimator is reusable: fitting it twice on the same rows gives the same model, for both solvers (BCD with continuation). */
  @Test
  void anEstimatorFitsTwiceToTheSameModel() {
    Dataset<Row> data = SparkTestSession.frame(gaussian(3, 60, 4), labels(60));
    for (ImplicitRegressor r : List.of(new ImplicitRegressor().setSolver("bcd").setLambdaGrowth(1.3),
        new ImplicitRegressor().setSolver("gradient"))) {
      r.setHiddenDim(4).setMaxIter(3).setBlockSize(20);
      org.implicitdl.model.ImplicitModel first = r.fit(data).implicitModel();
      org.implicitdl.model.ImplicitModel second = r.fit(data).implicitModel();
      assertArrayEquals(first.b().data(), second.b().data(), r.getSolver());
      assertArrayEquals(first.d().data(), second.d().data(), r.getSolver());
    }
  }

  @Test
  void paramsAndRecordsPrintReadably() {
    ImplicitClassifier clf = new ImplicitClassifier().setLambdaPerState(new double[] {1.5, 2}).setThresholds(new double[] {0.5, 0.5});
    String explained = clf.explainParams();
    assertFalse(explained.contains("[D@"), explained);
    assertTrue(explained.contains("lambdaPerState: one lambda per state (eq. 11); empty: use lambda for all (default: [], current: [1.5, 2.0])"),
        explained);
    EpochRecord r = new EpochRecord(1, 2, 3, 4, 5, 6, 7, 0.5, 1e-9, 0, new double[] {0.1, 0.2});
    assertFalse(r.toString().contains("[D@"), r.toString());
    assertTrue(r.toString().contains("seconds=[0.1, 0.2]"), r.toString());
  }

  @Test
  void invalidValuesAreRefusedWithTheAllowedValues() {
    ImplicitClassifier clf = new ImplicitClassifier();
    assertEquals("parameter kappa must be in (0, 1), got 1.0", assertThrows(IllegalArgumentException.class, () -> clf.setKappa(1.0)).getMessage());
    assertEquals("parameter solver must be one of bcd, gradient, bcd+gradient, gradient+bcd, got 'newton'",
        assertThrows(IllegalArgumentException.class, () -> clf.setSolver("newton")).getMessage());
    assertEquals("parameter hiddenDim must be >= 1, got 0", assertThrows(IllegalArgumentException.class, () -> clf.setHiddenDim(0)).getMessage());
    assertEquals("parameter stepSize must be > 0, got NaN",
        assertThrows(IllegalArgumentException.class, () -> clf.setStepSize(Double.NaN)).getMessage());
    assertTrue(assertThrows(IllegalArgumentException.class, () -> clf.setLambdaPerState(new double[] {1, -1})).getMessage()
        .contains("got [1.0, -1.0]"));
    assertEquals("parameter maxFixedPointIter must be >= 1, got 0",
        assertThrows(IllegalArgumentException.class, () -> new ImplicitRegressor().setMaxFixedPointIter(0)).getMessage());
    assertEquals("parameter blockStorageLevel must be a Spark storage level that keeps data (e.g. MEMORY_AND_DISK, MEMORY_AND_DISK_SER, "
        + "DISK_ONLY), got 'NONE'", assertThrows(IllegalArgumentException.class, () -> clf.setBlockStorageLevel("NONE")).getMessage());
    assertThrows(IllegalArgumentException.class, () -> clf.setBlockStorageLevel("IN_THE_CLOUD"));
    assertEquals("MEMORY_AND_DISK_SER", clf.setBlockStorageLevel("MEMORY_AND_DISK_SER").getBlockStorageLevel());
    assertEquals("parameter blockInputPrecision must be one of double, float, got 'half'",
        assertThrows(IllegalArgumentException.class, () -> clf.setBlockInputPrecision("half")).getMessage());
    assertEquals("double", new ImplicitClassifier().getBlockInputPrecision());
    assertEquals("parameter localTrainingMb must be -1 (automatic) or a finite number >= 0, got -2.0",
        assertThrows(IllegalArgumentException.class, () -> clf.setLocalTrainingMb(-2)).getMessage());
  }

  @Test
  void heldOutRowsAreScoredAfterEveryEpochAndNotTrainedOn() {
    Dataset<Row> data = new VectorAssembler().setInputCols(new String[] {"a", "b", "c", "d"}).setOutputCol("features")
        .transform(ImplicitClassifierTest.blobs(300, 7)).withColumn("held", org.apache.spark.sql.functions.col("d").gt(10.5));
    Dataset<Row> heldOut = data.where("held");
    for (String solver : List.of("gradient", "bcd")) {
      // no early-stopping split: the last epoch's model is the one the held-out curve ends with
      ImplicitClassificationModel m = ImplicitClassifierTest.small().setSolver(solver).setMaxIter(4).setValidationFraction(0).setHeldOutCol("held")
          .fit(data);
      List<EpochRecord> history = m.summary().history();
      assertTrue(history.stream().allMatch(EpochRecord::hasHeldOut), solver);
      EpochRecord last = solver.equals("bcd") ? m.summary().finalRecord() : history.get(history.size() - 1);
      Map<String, Double> direct = m.evaluate(heldOut);
      assertEquals(direct.get("accuracy"), last.heldOutMetric(), 1e-12, solver);
      assertEquals(direct.get("logLoss"), last.heldOutLoss(), 1e-9, solver);
    }
    ImplicitClassificationModel onlyTraining = ImplicitClassifierTest.small().setMaxIter(4).fit(data.where("NOT held"));
    ImplicitClassificationModel withHeldOut = ImplicitClassifierTest.small().setMaxIter(4).setHeldOutCol("held").fit(data);
    assertArrayEquals(onlyTraining.implicitModel().b().data(), withHeldOut.implicitModel().b().data(), 1e-12,
        "held-out rows are not trained on");
    assertEquals("column 'd' must be of type boolean, got double",
        assertThrows(IllegalArgumentException.class, () -> ImplicitClassifierTest.small().setHeldOutCol("d").fit(data)).getMessage());
    // a column that marks no row: the same fit as without it (the validation rows draw the curve), on the driver and on the RDD path
    ImplicitClassificationModel unmarked = ImplicitClassifierTest.small().setMaxIter(4).setMinSteps(0).fit(data);
    for (double localMb : new double[] {-1, 0}) {
      ImplicitClassificationModel noneMarked = ImplicitClassifierTest.small().setMaxIter(4).setMinSteps(0).setLocalTrainingMb(localMb).setHeldOutCol("never")
          .fit(data.withColumn("never", org.apache.spark.sql.functions.lit(false)));
      assertEquals(unmarked.summary().finalRecord().heldOutLoss(), noneMarked.summary().finalRecord().heldOutLoss(), 1e-9);
      assertArrayEquals(unmarked.implicitModel().b().data(), noneMarked.implicitModel().b().data(), 1e-9, "local training MB " + localMb);
    }
  }

  /** Captures WARN and worse from every logger while a fit runs. */
  private static final class WarningCapture extends AbstractAppender {
    final List<String> lines = new ArrayList<>();

    WarningCapture() {
      super("warning-capture", null, null, true, Property.EMPTY_ARRAY);
    }

    @Override
    public synchronized void append(LogEvent event) {
      if (event.getLevel().isMoreSpecificThan(Level.WARN)) {
        lines.add(event.getLevel() + " " + event.getLoggerName() + ": " + event.getMessage().getFormattedMessage());
      }
    }
  }

  @Test
  void aFitLogsNoWarning() {
    Dataset<Row> data = ImplicitClassifierTest.blobs(300, 6);
    SparkTestSession.get();
    Logger root = (Logger) LogManager.getRootLogger();
    WarningCapture capture = new WarningCapture();
    capture.start();
    root.addAppender(capture);
    try {
      for (String solver : List.of("gradient", "bcd", "bcd+gradient")) {
        assembledScaled(ImplicitClassifierTest.small().setSolver(solver).setMaxIter(12).setBcdEpochs(12).setCheckpointInterval(2)).fit(data);
      }
    } finally {
      root.removeAppender(capture);
      capture.stop();
    }
    assertEquals(List.of(), capture.lines);
  }
}
