package org.implicitdl.job;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.ml.Model;
import org.apache.spark.sql.SparkSession;

/** {@code idl evaluate}: a model's metrics on labelled data, as one JSON object. */
final class EvaluateCommand extends JobCommand.WithSpark {
  EvaluateCommand() {
    super("evaluate", "evaluate: --model DIR --input P --format F --label-col C (prints one JSON object)",
        "idl evaluate --model DIR --input PATH --format F --label-col NAME");
  }

  @Override
  int execute(JobConfig cfg, SparkSession spark) throws Exception {
    Model<?> model = Jobs.loadModel(spark, cfg.required("model", "--model"));
    DataSources.Loaded data = Jobs.load(spark, cfg, model, true);
    Map<String, Double> metrics = new LinkedHashMap<>(Jobs.evaluate(model, data.frame(), data.labelCol()));
    System.out.println(Jobs.JSON.writeValueAsString(metrics));
    return 0;
  }
}
