package org.implicitdl.job;

import java.io.IOException;
import java.util.Arrays;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.Model;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.implicitdl.spark.ImplicitClassificationModel;
import org.implicitdl.spark.ModelInfo;

/**
 * What a new version must not be worse than before it is published: the published model's metric on this run's
 * validation rows — the rows the new model was just scored on — where it can read them (the same inputs, the same task
 * and classes); else the metric it recorded on its own validation rows, and the refusal says so. Comparing a model's
 * score on new rows with another's on old rows refuses a retrain as good as the published model whenever the new rows
 * are harder, and publishes a worse one whenever they are easier.
 */
record PublishedScore(double value, String where) {

  static PublishedScore of(SparkSession spark, ModelRepository repo, Path published, Model<?> fresh, Dataset<Row> validation,
      DataSources.Loaded data, String metricName) throws IOException {
    double recorded = Jobs.JSON.readTree(repo.readText(new Path(published, "metrics.json"))).get(metricName).asDouble();
    PublishedScore own = new PublishedScore(recorded, "on its own validation rows (it reads other inputs or classes)");
    Model<?> model = Jobs.loadModel(spark, new Path(published, "model").toString());
    boolean classifier = model instanceof ImplicitClassificationModel;
    if (classifier != metricName.equals("accuracy") || !Arrays.asList(((ModelInfo) model).featureNames().names()).equals(data.featureNames())) {
      return own;
    }
    if (classifier && !sameClasses((ImplicitClassificationModel) model, (ImplicitClassificationModel) fresh)) {
      return own;
    }
    Map<String, Double> scored = Jobs.evaluate(model, validation, data.labelCol());
    return new PublishedScore(scored.get(metricName), "on the same rows");
  }

  /** Whether the published classifier's class indices mean what the new one's do: as many classes, the same names. */
  private static boolean sameClasses(ImplicitClassificationModel published, ImplicitClassificationModel fresh) {
    return published.numClasses() == fresh.numClasses() && Arrays.equals(published.classNames(), fresh.classNames());
  }
}
