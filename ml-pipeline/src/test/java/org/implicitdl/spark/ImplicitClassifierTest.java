package org.implicitdl.spark;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.feature.StandardScaler;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.tuning.CrossValidator;
import org.apache.spark.ml.tuning.CrossValidatorModel;
import org.apache.spark.ml.tuning.ParamGridBuilder;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.implicitdl.solve.WellPosedness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImplicitClassifierTest {
  @TempDir
  Path tmp;

  /** Three Gaussian blobs in 4 raw numeric columns. */
  static Dataset<Row> blobs(int rows, long seed) {
    java.util.Random r = new java.util.Random(seed);
    List<Row> data = new ArrayList<>();
    for (int i = 0; i < rows; i++) {
      int c = i % 3;
      data.add(RowFactory.create(c + r.nextGaussian() * 0.6, 2 * c - r.nextGaussian() * 0.6, r.nextGaussian(), 10 + r.nextGaussian(), (double) c));
    }
    StructType schema = new StructType().add("a", DataTypes.DoubleType).add("b", DataTypes.DoubleType).add("c", DataTypes.DoubleType)
        .add("d", DataTypes.DoubleType).add("label", DataTypes.DoubleType);
    return SparkTestSession.get().createDataFrame(data, schema);
  }

  static ImplicitClassifier small() {
    return new ImplicitClassifier().setHiddenDim(6).setMaxIter(12).setBatchSize(50).setStepSize(0.05).setStepDecay(0.9).setBlockSize(50);
  }

  @Test
  void pipelineFitsTransformsSavesAndLoadsWithIdenticalPredictions() throws Exception {
    Dataset<Row> data = blobs(300, 1);
    Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {
        new VectorAssembler().setInputCols(new String[] {"a", "b", "c", "d"}).setOutputCol("raw"),
        new StandardScaler().setInputCol("raw").setOutputCol("features"),
        small().setStateCol("state").setFixedPointInfoCol("fp")});
    PipelineModel model = pipeline.fit(data);
    Dataset<Row> predicted = model.transform(data);
    double accuracy = new MulticlassClassificationEvaluator().setMetricName("accuracy").evaluate(predicted);
    assertTrue(accuracy > 0.8, "accuracy " + accuracy);
    ImplicitClassificationModel fitted = (ImplicitClassificationModel) model.stages()[2];
    assertTrue(WellPosedness.infNorm(fitted.implicitModel().a()) <= 0.95 + 1e-12);
    assertTrue(fitted.hasSummary() && fitted.summary().history().size() >= 2);
    assertEquals(6, ((org.apache.spark.ml.linalg.Vector) predicted.select("state").first().get(0)).size());

    String path = tmp.resolve("pipeline").toString();
    model.write().overwrite().save(path);
    PipelineModel loaded = PipelineModel.load(path);
    List<Row> a = predicted.select("probability", "prediction").collectAsList();
    List<Row> b = loaded.transform(data).select("probability", "prediction").collectAsList();
    assertEquals(a, b);

    String estimatorPath = tmp.resolve("estimator").toString();
    small().setHiddenDim(9).write().overwrite().save(estimatorPath);
    ImplicitClassifier reloaded = ImplicitClassifier.load(estimatorPath);
    assertEquals(9, (int) (Integer) reloaded.getOrDefault(reloaded.hiddenDim()));
  }

  @Test
  void crossValidatorPicksAModelOverHiddenDimAndLambda() {
    Dataset<Row> data = new VectorAssembler().setInputCols(new String[] {"a", "b", "c", "d"}).setOutputCol("features").transform(blobs(240, 2));
    ImplicitClassifier clf = small();
    ParamMap[] grid = new ParamGridBuilder().addGrid(clf.hiddenDim(), new int[] {3, 8})
        .addGrid(clf.lambda(), new double[] {0.5, 2.0}).build();
    CrossValidatorModel cv = new CrossValidator().setEstimator(clf).setEstimatorParamMaps(grid)
        .setEvaluator(new MulticlassClassificationEvaluator().setMetricName("accuracy")).setNumFolds(2).setSeed(3).fit(data);
    assertEquals(4, cv.avgMetrics().length);
    assertTrue(cv.bestModel() instanceof ImplicitClassificationModel);
  }

  /**
   * The patience param reaches early stopping: a fit stops at most {@code patience} epochs after its
   * best validation epoch, returns that epoch's model, and a longer patience runs at least as long.
   */
  @Test
  void patienceBoundsHowLongAFitRunsPastItsBestEpoch() {
    Dataset<Row> data = new VectorAssembler().setInputCols(new String[] {"a", "b", "c", "d"}).setOutputCol("features").transform(blobs(300, 4));
    int[] epochs = new int[2];
    int k = 0;
    for (int patience : new int[] {1, 4}) {
      ImplicitClassificationModel m = small().setMaxIter(40).setStepSize(0.2).setStepDecay(1.0).setMinSteps(0).setPatience(patience)
          .setValidationFraction(0.3).fit(data);
      List<org.implicitdl.train.EpochRecord> history = m.summary().history();
      int ran = history.get(history.size() - 1).epoch();
      int best = m.summary().finalRecord().epoch();
      assertTrue(ran <= best + patience, "patience " + patience + ": ran " + ran + " epochs, best " + best);
      assertTrue(ran == 40 || ran == best + patience, "patience " + patience + ": stopped at " + ran + " without cause (best " + best + ")");
      epochs[k++] = ran;
    }
    assertTrue(epochs[1] >= epochs[0], "patience 4 ran " + epochs[1] + " epochs, patience 1 " + epochs[0]);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> small().setPatience(0));
    assertTrue(e.getMessage().contains("patience"), e.getMessage());
    assertEquals(-1, small().setPatience(-1).getPatience(), "-1: automatic");
    e = assertThrows(IllegalArgumentException.class, () -> small().setStepDecay(-0.5));
    assertTrue(e.getMessage().contains("stepDecay") && e.getMessage().contains("-1 (automatic) or in (0, 1]"), e.getMessage());
  }

  @Test
  void badInputColumnsNameTheColumn() {
    Dataset<Row> data = blobs(60, 3);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> small().setFeaturesCol("a").fit(data));
    assertTrue(e.getMessage().contains("column 'a' must be of type vector, got double"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> small().fit(data));
    assertTrue(e.getMessage().contains("column 'features' does not exist"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> small().setKappa(1.2));
    assertTrue(e.getMessage().contains("kappa"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> small().setInitialization("kmeans"));
    assertTrue(e.getMessage().contains("initialization") && e.getMessage().contains("kmeans"), e.getMessage());
    Dataset<Row> assembled = new VectorAssembler().setInputCols(new String[] {"a", "b", "c", "d"}).setOutputCol("features").transform(data);
    Dataset<Row> negative = assembled.withColumn("w", org.apache.spark.sql.functions.lit(-1.0));
    e = assertThrows(IllegalArgumentException.class, () -> small().setWeightCol("w").fit(negative));
    assertTrue(e.getMessage().contains("column 'w' has weight -1.0, expected a finite value >= 0"), e.getMessage());
    ImplicitClassificationModel weighted = small().setWeightCol("w").fit(assembled.withColumn("w", org.apache.spark.sql.functions.lit(2.0)));
    assertEquals(6, weighted.implicitModel().hiddenDim());
    ImplicitClassificationModel fromPrototypes = small().setSolver("bcd").setInitialization("prototypes").fit(assembled);
    assertTrue(fromPrototypes.summary().history().size() > 1, "BCD from prototypes trained");
  }


  /**
   * Gaussian blobs of one spread (a linear rule is the best one): the linear check returns the linear model, whose states
   * are unused (C = 0); with linearCheck off the trained implicit model is returned, its states in use.
   */
  @Test
  void linearCheckOffReturnsTheTrainedModel() {
    Dataset<Row> data = new VectorAssembler().setInputCols(new String[] {"a", "b", "c", "d"}).setOutputCol("features").transform(blobs(300, 2));
    ImplicitClassificationModel checked = small().fit(data);
    ImplicitClassificationModel trained = small().setLinearCheck(false).fit(data);
    assertEquals(0.0, checked.implicitModel().c().maxAbs(), "the linear model: C = 0");
    assertTrue(trained.implicitModel().c().maxAbs() > 0, "the trained model's states are read out");
    assertTrue(!trained.getLinearCheck(), "the model carries the param");
  }

  /**
   * Two classes: evaluate adds the area under the ROC curve, equal to the Mann–Whitney statistic of the collected scores;
   * on rows of one class only it has no pairs to rank, and gives no figure.
   */
  @Test
  void twoClassesAreAlsoScoredByTheAreaUnderTheRocCurve() {
    Dataset<Row> data = new VectorAssembler().setInputCols(new String[] {"a", "b", "c", "d"}).setOutputCol("features")
        .transform(blobs(300, 9)).where("label < 2");
    ImplicitClassificationModel m = small().setMaxIter(2).setMinSteps(0).fit(data);
    java.util.Map<String, Double> metrics = m.evaluate(data);
    List<Row> scored = m.transform(data).select("probability", "label").collectAsList();
    double pairs = 0;
    double ordered = 0;
    for (Row p : scored) {
      for (Row n : scored) {
        if (p.getDouble(1) == 1 && n.getDouble(1) == 0) {
          double sp = ((org.apache.spark.ml.linalg.Vector) p.get(0)).apply(1);
          double sn = ((org.apache.spark.ml.linalg.Vector) n.get(0)).apply(1);
          pairs++;
          ordered += sp > sn ? 1 : sp == sn ? 0.5 : 0;
        }
      }
    }
    assertEquals(ordered / pairs, metrics.get("areaUnderROC"), 1e-9);
    java.util.Map<String, Double> oneClass = m.evaluate(data.where("label = 1"));
    assertTrue(oneClass.containsKey("accuracy") && !oneClass.containsKey("areaUnderROC"), "rows of one class rank no pairs: no AUC, " + oneClass);
    assertFalse(small().setMaxIter(1).setMinSteps(0).fit(new VectorAssembler().setInputCols(new String[] {"a", "b", "c", "d"})
        .setOutputCol("features").transform(blobs(90, 9))).evaluate(new VectorAssembler().setInputCols(new String[] {"a", "b", "c", "d"})
        .setOutputCol("features").transform(blobs(90, 9))).containsKey("areaUnderROC"), "three classes: no ROC curve");
  }
}
