package org.implicitdl.spark;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.implicitdl.model.Activation;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.solve.SolverSettings;
import org.implicitdl.train.BcdSettings;
import org.implicitdl.train.BlockCoordinateDescent;
import org.implicitdl.train.EpochRecord;
import org.implicitdl.train.GradientSettings;
import org.implicitdl.train.GradientTrainer;
import org.implicitdl.train.Loss;
import org.implicitdl.train.TrainingBlock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fit path shared by the classifier and the regressor: pack rows into blocks, build the
 * settings from params, run the chosen solver(s) on an {@link RddBlockStore}, return the model
 * and its summary. It moves data and calls the maths; it holds no maths.
 */
final class ImplicitTraining {
  private static final Logger LOG = LoggerFactory.getLogger(ImplicitTraining.class);

  /** Result of a fit. */
  record Fitted(ImplicitModel model, TrainingSummary summary) {}

  private ImplicitTraining() {}

  static Fitted fit(ImplicitTrainingParams params, Dataset<?> dataset, String featuresCol, String labelCol,
      BlockPacking.Task task, int inputs, int outputs, Consumer<EpochRecord> progress) {
    String solver = (String) params.getOrDefault(params.solver());
    Loss loss = task == BlockPacking.Task.CLASSIFICATION ? Loss.CROSS_ENTROPY : Loss.SQUARED;
    int n = (Integer) params.getOrDefault(params.hiddenDim());
    int blockSize = (Integer) params.getOrDefault(params.blockSize());
    Activation activation = Activation.parse((String) params.getOrDefault(params.activation()));
    if (solver.contains("bcd") && activation != Activation.RELU) {
      throw new IllegalArgumentException("solver '" + solver + "' needs activation relu (BCD's convex blocks are for ReLU), got " + activation.id());
    }
    double validationFraction = (Double) params.getOrDefault(params.validationFraction());
    String weightCol = (String) params.getOrDefault(params.weightCol());
    Dataset<Row> rows = weightCol.isEmpty() ? dataset.toDF().select(featuresCol, labelCol) : dataset.toDF().select(featuresCol, labelCol, weightCol);
    Dataset<Row> validationRows = null;
    if (validationFraction > 0) {
      Dataset<Row>[] split = rows.randomSplit(new double[] {1 - validationFraction, validationFraction},
          (Long) params.getOrDefault(params.seed()));
      rows = split[0];
      validationRows = split[1];
    }
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(dataset.sparkSession().sparkContext());
    int depth = (Integer) params.getOrDefault(params.aggregationDepth());
    int checkpoint = (Integer) params.getOrDefault(params.checkpointInterval());
    JavaRDD<TrainingBlock> blocks = BlockPacking.pack(rows, featuresCol, labelCol, weightCol, task, inputs, outputs, n, blockSize);
    RddBlockStore store = new RddBlockStore(sc, blocks, depth, checkpoint);
    RddBlockStore validation = validationRows == null ? null
        : new RddBlockStore(sc, BlockPacking.pack(validationRows, featuresCol, labelCol, weightCol, task, inputs, outputs, n, blockSize),
            depth, 0);
    long t0 = System.nanoTime();
    String[] stages = solver.split("\\+");
    Consumer<EpochRecord> log = progressLog(params, solver, stages, loss, progress);
    try {
      ImplicitModel model = initialModel(params, dataset.sparkSession());
      List<EpochRecord> history = new ArrayList<>();
      Stage last = null;
      for (int k = 0; k < stages.length; k++) {
        int epochs = epochs(params, solver, stages[k]);
        boolean followed = k < stages.length - 1;
        last = stages[k].equals("bcd") ? bcdStage(store, bcdSettings(params, loss, epochs), followed, model, inputs, outputs, log)
            : gradientStage(store, validation, gradientSettings(params, loss, activation), model, inputs, outputs, log);
        model = last.model();
        history.addAll(last.history());
      }
      return new Fitted(model, new TrainingSummary(solver, history, last.finalRecord(), last.selected(),
          (System.nanoTime() - t0) / 1e9));
    } finally {
      store.close();
      if (validation != null) {
        validation.close();
      }
    }
  }

  /** Each epoch's record to the log, the terminal progress bar over all stages' epochs, and the caller's listener. */
  private static Consumer<EpochRecord> progressLog(ImplicitTrainingParams params, String solver, String[] stages, Loss loss,
      Consumer<EpochRecord> progress) {
    String metricName = loss == Loss.CROSS_ENTROPY ? "accuracy" : "rmse";
    int totalEpochs = 0;
    for (String stage : stages) {
      totalEpochs += epochs(params, solver, stage);
    }
    Consumer<EpochRecord> bar = ProgressBar.forTerminal(totalEpochs, metricName);
    return r -> {
      LOG.info("{}", r.line(metricName));
      bar.accept(r);
      if (progress != null) {
        progress.accept(r);
      }
    };
  }

  /** What one solver stage hands to the next. */
  private record Stage(ImplicitModel model, List<EpochRecord> history, EpochRecord finalRecord, int[] selected) {}

  /** Epochs of one stage: BCD alone runs maxIter, BCD beside the gradient solver bcdEpochs, the gradient solver maxIter. */
  private static int epochs(ImplicitTrainingParams params, String solver, String stage) {
    return stage.equals("bcd") && !solver.equals("bcd") ? (Integer) params.getOrDefault(params.bcdEpochs())
        : (Integer) params.getOrDefault(params.maxIter());
  }

  /**
   * BCD from {@code model} (null: its seeded start). Followed by the gradient solver, it hands on
   * its hidden features with the readout reset ({@link BlockCoordinateDescent#trainAsWarmStart});
   * otherwise it ends with the readout refit.
   */
  private static Stage bcdStage(RddBlockStore store, BcdSettings settings, boolean followed, ImplicitModel model, int inputs,
      int outputs, Consumer<EpochRecord> log) {
    BlockCoordinateDescent bcd = new BlockCoordinateDescent(store, settings, inputs, outputs, log);
    BlockCoordinateDescent.Result r = followed ? bcd.trainAsWarmStart(model) : bcd.train(model);
    return new Stage(r.model(), r.history(), r.finalRecord(), r.selectedFeatures());
  }

  private static Stage gradientStage(RddBlockStore store, RddBlockStore validation, GradientSettings settings, ImplicitModel model,
      int inputs, int outputs, Consumer<EpochRecord> log) {
    GradientTrainer.Result r = new GradientTrainer(store, validation, settings, inputs, outputs, log).train(model);
    return new Stage(r.model(), r.history(), r.finalRecord(), BlockCoordinateDescent.selectedFeatures(r.model()));
  }

  private static ImplicitModel initialModel(ImplicitTrainingParams params, org.apache.spark.sql.SparkSession spark) {
    String path = (String) params.getOrDefault(params.initialModelPath());
    return path.isEmpty() ? null : ModelStorage.readImplicitModel(path, spark);
  }

  static BcdSettings bcdSettings(ImplicitTrainingParams params, Loss loss, int epochs) {
    int n = (Integer) params.getOrDefault(params.hiddenDim());
    double[] perState = (double[]) params.getOrDefault(params.lambdaPerState());
    double[] lambda = perState.length > 0 ? perState : new double[] {(Double) params.getOrDefault(params.lambda())};
    BcdSettings.Structure structure = structure(params);
    return new BcdSettings(n, loss, structure, (Double) params.getOrDefault(params.kappa()), lambda,
        (Double) params.getOrDefault(params.mu()), (Double) params.getOrDefault(params.regParam()), (Double) params.getOrDefault(params.l1()),
        bcdGroupLasso(params), epochs, (Double) params.getOrDefault(params.tol()),
        (Long) params.getOrDefault(params.seed()), 20, 3, 100, 1.0, fixedPoint(params),
        (Double) params.getOrDefault(params.lambdaGrowth()),
        BcdSettings.Initialization.valueOf(((String) params.getOrDefault(params.initialization())).toUpperCase(java.util.Locale.ROOT)));
  }

  /** BCD's column-group weight: bcdGroupLasso when set (>= 0), else groupLasso. */
  private static double bcdGroupLasso(ImplicitTrainingParams params) {
    double own = (Double) params.getOrDefault(params.bcdGroupLasso());
    return own >= 0 ? own : (Double) params.getOrDefault(params.groupLasso());
  }

  static GradientSettings gradientSettings(ImplicitTrainingParams params, Loss loss, Activation activation) {
    return new GradientSettings((Integer) params.getOrDefault(params.hiddenDim()), activation, loss, structure(params),
        (Double) params.getOrDefault(params.kappa()), (Integer) params.getOrDefault(params.maxIter()),
        (Integer) params.getOrDefault(params.batchSize()), (Double) params.getOrDefault(params.stepSize()),
        (Double) params.getOrDefault(params.stepDecay()), (Double) params.getOrDefault(params.l1()),
        (Double) params.getOrDefault(params.groupLasso()), (Double) params.getOrDefault(params.regParam()),
        (Long) params.getOrDefault(params.seed()), 1.0, 3, new SolverSettings(1e-4, 300),
        (Integer) params.getOrDefault(params.syncsPerEpoch()));
  }

  private static BcdSettings.Structure structure(ImplicitTrainingParams params) {
    return "triangular".equals(params.getOrDefault(params.wellPosedness())) ? BcdSettings.Structure.TRIANGULAR : BcdSettings.Structure.INF_NORM;
  }

  static SolverSettings fixedPoint(ImplicitModelParams params) {
    return new SolverSettings((Double) params.getOrDefault(params.fixedPointTol()), (Integer) params.getOrDefault(params.maxFixedPointIter()));
  }
}
