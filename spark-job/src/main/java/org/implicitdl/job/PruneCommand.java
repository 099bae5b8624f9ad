package org.implicitdl.job;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.sql.SparkSession;
import org.implicitdl.spark.ImplicitClassificationModel;
import org.implicitdl.spark.ImplicitRegressionModel;
import org.implicitdl.spark.ModelInfo;

/**
 * {@code idl prune --model DIR --output DIR} (paper §6.2): writes the model without the states that
 * provably affect no output (every prediction unchanged) and prints the hidden dimension before
 * and after as one JSON object.
 */
final class PruneCommand extends JobCommand.WithSpark {
  private static final String[] MODES = {"error", "overwrite"};

  PruneCommand() {
    super("prune", "remove the states that affect no output: --model DIR --output DIR [--mode error|overwrite] (prints JSON)",
        "idl prune --model DIR --output DIR [--mode error|overwrite]", "output", "mode");
  }

  @Override
  void check(JobConfig cfg) {
    cfg.required("output", "--output");
    cfg.outputMode(MODES);
  }

  @Override
  int execute(JobConfig cfg, SparkSession spark) throws Exception {
    String output = cfg.required("output", "--output");
    String mode = cfg.outputMode(MODES);
    Jobs.requireNewOutput(spark, output, mode, MODES);
    Model<?> model = Jobs.loadModel(spark, cfg.required("model", "--model"));
    int before = ((ModelInfo) model).implicitModel().hiddenDim();
    Model<?> pruned = model instanceof ImplicitClassificationModel c ? c.pruned() : ((ImplicitRegressionModel) model).pruned();
    MLWritable writable = (MLWritable) pruned;
    (mode.equals("overwrite") ? writable.write().overwrite() : writable.write()).save(output);
    ObjectNode o = Jobs.JSON.createObjectNode();
    o.put("hiddenDimBefore", before);
    o.put("hiddenDimAfter", ((ModelInfo) pruned).implicitModel().hiddenDim());
    o.put("output", output);
    System.out.println(Jobs.JSON.writeValueAsString(o));
    return 0;
  }
}
