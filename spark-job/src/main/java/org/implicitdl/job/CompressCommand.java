package org.implicitdl.job;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.List;
import java.util.function.ToDoubleFunction;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.implicitdl.linalg.LowRank;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.spark.ImplicitClassificationModel;
import org.implicitdl.spark.ImplicitClassifier;
import org.implicitdl.spark.ImplicitRegressionModel;
import org.implicitdl.spark.ImplicitRegressor;
import org.implicitdl.spark.ImplicitTrainingParams;
import org.implicitdl.spark.ModelInfo;
import org.implicitdl.train.ApproximatePruning;
import org.implicitdl.train.Loss;

/**
 * {@code idl compress} (paper §6.2): turns a trained model — an MLP converted from MLlib too —
 * into a smaller implicit model: exact pruning, then the least important states cut to
 * {@code --max-states K} or as far as a held-out loss {@code --tolerance} allows, with
 * {@code --rank k} A replaced by its best rank-k approximation (§6.3, O(nk) sweeps), then a
 * short fine-tune of the smaller model by the gradient solver on the given data (keeping the
 * rank); prints the states, the held-out metric and inference rows/s before and after as one
 * JSON object.
 */
final class CompressCommand extends JobCommand.WithSpark {
  private static final double HELD_OUT = 0.1;
  private static final int MAX_HELD_OUT_ROWS = 5000;

  CompressCommand() {
    super("compress", "a smaller model: --model DIR --output DIR --input P --format F --label-col C (--max-states K | --tolerance T) "
        + "[--rank k] [--epochs N] (prints JSON)",
        "idl compress --model DIR --output DIR --input PATH --format F --label-col C (--max-states K | --tolerance T) [--rank k] [--epochs N]",
        "output", "max-states", "tolerance");
  }

  @Override
  void check(JobConfig cfg) {
    cfg.required("output", "--output");
    target(cfg);
  }

  /** The flags' target: exactly one of --max-states and --tolerance; 3 fine-tune epochs unless given. */
  private static Target target(JobConfig cfg) {
    int maxStates = cfg.wholeNumber("max-states", "--max-states", 1, 0);
    double tolerance = cfg.finiteNumber("tolerance", "--tolerance", 0, false, -1);
    if ((maxStates > 0) == (tolerance >= 0)) {
      throw new Idl.UsageException("give exactly one of --max-states K and --tolerance T");
    }
    int epochs = cfg.given("trainer.epochs") ? cfg.integer("trainer.epochs") : 3;
    return new Target(maxStates, tolerance, cfg.wholeNumber("trainer.rank", "--rank", 0, 0), epochs);
  }

  @Override
  int execute(JobConfig cfg, SparkSession spark) throws Exception {
    String output = cfg.required("output", "--output");
    Path out = new Path(output);
    if (out.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(out)) {
      throw new Idl.UsageException("output " + output + " exists; choose another --output");
    }
    Model<?> model = Jobs.loadModel(spark, cfg.required("model", "--model"));
    boolean classifier = model instanceof ImplicitClassificationModel;
    DataSources.Loaded data = Jobs.load(spark, cfg, model, true);
    Dataset<Row>[] split = data.frame().randomSplit(new double[] {1 - HELD_OUT, HELD_OUT}, 7L);
    Dataset<Row> train = split[0].cache();
    Dataset<Row> held = split[1].limit(MAX_HELD_OUT_ROWS).cache();
    String label = data.labelCol();
    Outcome result = compress(model, train, held, label, target(cfg), new Path(out, "_cut"));
    ObjectNode o = Jobs.JSON.createObjectNode();
    o.put("statesBefore", result.statesBefore());
    o.put("statesAfterExactPruning", result.statesAfterExactPruning());
    o.put("statesAfter", result.cut().hiddenDim());
    o.put("rankAfter", LowRank.exact(((ModelInfo) result.tuned()).implicitModel().a()).rank());
    String metric = classifier ? "accuracy" : "rmse";
    o.put(metric + "Before", Jobs.evaluate(model, held, label).get(metric));
    o.put(metric + "AfterCut", metricOf(result.cut(), held, label, classifier));
    o.put(metric + "After", Jobs.evaluate(result.tuned(), held, label).get(metric));
    o.put("rowsPerSecondBefore", rowsPerSecond(model, held));
    o.put("rowsPerSecondAfter", rowsPerSecond(result.tuned(), held));
    o.put("heldOutRows", held.count());
    ((MLWritable) result.tuned()).write().save(new Path(out, "model").toString());
    System.out.println(Jobs.JSON.writeValueAsString(o));
    return 0;
  }

  /** How far to compress: K states (or a held-out loss tolerance), a rank limit (0: none), fine-tune epochs. */
  record Target(int maxStates, double tolerance, int rank, int epochs) {}

  /** The fine-tuned smaller model, the cut it started from, and the states before and after exact pruning. */
  record Outcome(Model<?> tuned, ImplicitModel cut, int statesBefore, int statesAfterExactPruning) {}

  /**
   * Exact pruning, the cut to the target, the rank limit, then the fine-tune on {@code train}
   * (the cut model is staged at {@code staging} as the fine-tune's initial model, then deleted).
   */
  static Outcome compress(Model<?> model, Dataset<Row> train, Dataset<Row> held, String label, Target target, Path staging)
      throws IOException {
    boolean classifier = model instanceof ImplicitClassificationModel;
    ImplicitModel before = ((ModelInfo) model).exactlyPruned();
    int originalStates = ((ModelInfo) model).implicitModel().hiddenDim();
    if (target.maxStates() > before.hiddenDim()) {
      throw new Idl.UsageException("bad value for --max-states: " + target.maxStates() + " (the model has " + before.hiddenDim() + " states)");
    }
    ImplicitModel cut = target.maxStates() > 0 ? ApproximatePruning.toAtMost(before, target.maxStates())
        : ApproximatePruning.withinTolerance(before, target.tolerance(), heldOutLoss(held, label, before, classifier));
    ImplicitTrainingParams modelParams = (ImplicitTrainingParams) model;
    int rank = target.rank();
    if (rank > 0) {
      if (rank >= cut.hiddenDim()) {
        throw new Idl.UsageException("bad value for --rank: " + rank + " (must be below the " + cut.hiddenDim() + " states kept)");
      }
      cut = ApproximatePruning.toRank(cut, rank, modelParams.getKappa());
    }
    Model<?> cutModel = classifier ? new ImplicitClassificationModel("cut", cut) : new ImplicitRegressionModel("cut", cut);
    ((MLWritable) cutModel).write().overwrite().save(staging.toString());
    Estimator<?> estimator = classifier ? new ImplicitClassifier() : new ImplicitRegressor();
    model.copyValues(estimator, new ParamMap());
    ImplicitTrainingParams params = (ImplicitTrainingParams) estimator;
    params.set(params.hiddenDim(), cut.hiddenDim());
    params.set(params.solver(), "gradient");
    params.set(params.maxIter(), target.epochs());
    params.set(params.initialModelPath(), staging.toString());
    params.set(params.heldOutCol(), "");
    params.set(params.trainerStateDir(), "");
    params.set(params.validationFraction(), 0.0);
    params.set(params.statePenalty(), 0.0);
    params.set(params.rank(), rank);
    if (rank > 0) {
      params.set(params.wellPosedness(), "inf_norm");
    }
    estimator.set(estimator.getParam("labelCol"), label);
    estimator.set(estimator.getParam("featuresCol"), DataSources.FEATURES);
    Model<?> tuned;
    try {
      tuned = (Model<?>) estimator.fit(train);
    } finally {
      staging.getFileSystem(train.sparkSession().sparkContext().hadoopConfiguration()).delete(staging, true);
    }
    return new Outcome(tuned, cut, originalStates, before.hiddenDim());
  }

  private static double metricOf(ImplicitModel m, Dataset<Row> held, String label, boolean classifier) {
    Model<?> wrapped = classifier ? new ImplicitClassificationModel("cut", m) : new ImplicitRegressionModel("cut", m);
    return Jobs.evaluate(wrapped, held, label).get(classifier ? "accuracy" : "rmse");
  }

  /** The held-out rows collected for the tolerance search (at most {@link #MAX_HELD_OUT_ROWS}). */
  private static ToDoubleFunction<ImplicitModel> heldOutLoss(Dataset<Row> held, String label, ImplicitModel model, boolean classifier) {
    List<Row> rows = held.select(DataSources.FEATURES, label).collectAsList();
    int p = model.inputDim();
    int q = model.outputDim();
    Matrix u = Matrix.zeros(p, rows.size());
    Matrix y = Matrix.zeros(q, rows.size());
    for (int j = 0; j < rows.size(); j++) {
      double[] f = ((Vector) rows.get(j).get(0)).toArray();
      for (int k = 0; k < p; k++) {
        u.set(k, j, f[k]);
      }
      Object target = rows.get(j).get(1);
      if (classifier) {
        y.set((int) ((Number) target).doubleValue(), j, 1);
      } else if (target instanceof Vector v) {
        for (int k = 0; k < q; k++) {
          y.set(k, j, v.apply(k));
        }
      } else {
        y.set(0, j, ((Number) target).doubleValue());
      }
    }
    return ApproximatePruning.heldOutLoss(u, y, classifier ? Loss.CROSS_ENTROPY : Loss.SQUARED);
  }

  static double rowsPerSecond(Model<?> model, Dataset<Row> held) {
    long rows = held.count();
    model.transform(held).foreach(r -> { });
    long t0 = System.nanoTime();
    for (int k = 0; k < 3; k++) {
      model.transform(held).foreach(r -> { });
    }
    return Math.round(3 * rows / ((System.nanoTime() - t0) / 1e9));
  }
}
