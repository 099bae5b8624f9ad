package org.implicitdl.job;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Set;
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
final class PruneCommand {
  private static final String[] MODES = {"error", "overwrite"};

  private PruneCommand() {}

  static void register() {
    Idl.register("prune", "remove the states that affect no output: --model DIR --output DIR [--mode error|overwrite] (prints JSON)",
        PruneCommand::run);
  }

  static int run(String[] args) throws Exception {
    if (Jobs.help(args, "idl prune --model DIR --output DIR [--mode error|overwrite]")) {
      return 0;
    }
    JobConfig cfg = JobConfig.parse(args, Set.of("output", "mode"));
    String output = cfg.required("output", "--output");
    String mode = cfg.outputMode(MODES);
    SparkSession spark = Sessions.create(cfg, "prune");
    try {
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
    } finally {
      spark.stop();
    }
  }
}
