package com.example;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.feature.StandardScaler;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.implicitdl.spark.ImplicitClassificationModel;
import org.implicitdl.spark.ImplicitClassifier;

/** The README's pipeline snippet as a user's program: assemble, scale, train an implicit classifier, save, load, predict. */
public final class PipelineExample {
  private PipelineExample() {}

  /** Trains on three noisy classes in columns x1..x3 (x3 is noise) and returns the test accuracy of the reloaded pipeline. */
  public static double run(SparkSession spark, String saveDir) {
    String[] cols = {"x1", "x2", "x3"};
    Dataset<Row> train = data(spark, 600, 1);
    Dataset<Row> test = data(spark, 300, 2);
    ImplicitClassifier clf = new ImplicitClassifier()
        .setHiddenDim(8).setSolver("gradient").setKappa(0.95).setMaxIter(15).setBatchSize(64).setStepSize(0.03);
    Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {
        new VectorAssembler().setInputCols(cols).setOutputCol("raw"),
        new StandardScaler().setInputCol("raw").setOutputCol("features"), clf});
    PipelineModel model = pipeline.fit(train);
    ImplicitClassificationModel m = (ImplicitClassificationModel) model.stages()[2];
    System.out.println(m.certificate().inWords());
    System.out.println("selected features: " + Arrays.toString(m.selectedFeatureNames()) + " (" + m.featureNames().source() + ")");
    System.out.println("trained with hiddenDim=" + m.getHiddenDim() + ", epochs=" + m.getMaxIter());
    try {
      model.write().overwrite().save(saveDir);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    Dataset<Row> predicted = PipelineModel.load(saveDir).transform(test);
    return new MulticlassClassificationEvaluator().setMetricName("accuracy").evaluate(predicted);
  }

  static Dataset<Row> data(SparkSession spark, int rows, long seed) {
    Random r = new Random(seed);
    List<Row> out = new ArrayList<>();
    for (int i = 0; i < rows; i++) {
      int c = i % 3;
      out.add(RowFactory.create(100 * (c + 0.4 * r.nextGaussian()), 0.01 * (c * c - 0.4 * r.nextGaussian()), r.nextGaussian(), (double) c));
    }
    StructType schema = new StructType().add("x1", DataTypes.DoubleType).add("x2", DataTypes.DoubleType).add("x3", DataTypes.DoubleType)
        .add("label", DataTypes.DoubleType);
    return spark.createDataFrame(out, schema);
  }

  public static void main(String[] args) {
    SparkSession spark = SparkSession.builder().master("local[2]").appName("implicitdl-consumer").getOrCreate();
    try {
      System.out.printf("test accuracy %.4f%n", run(spark, args.length > 0 ? args[0] : "target/pipeline-model"));
    } finally {
      spark.stop();
    }
  }
}
