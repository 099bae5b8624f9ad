package org.implicitdl.spark;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.SparkSession;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.model.StatePruning;
import org.implicitdl.robust.InputBox;
import org.implicitdl.solve.Activation;
import org.implicitdl.train.BcdSettings;
import org.implicitdl.train.BlockCoordinateDescent;
import org.implicitdl.train.BlockStore;
import org.implicitdl.train.EpochCheckpoint;
import org.implicitdl.train.EpochRecord;
import org.implicitdl.train.GradientSettings;
import org.implicitdl.train.GradientTrainer;
import org.implicitdl.train.HeldOutScore;
import org.implicitdl.train.LocalBlockStore;
import org.implicitdl.train.Loss;
import org.implicitdl.train.Moments;
import org.implicitdl.train.Optimizer;
import org.implicitdl.train.RobustObjective;
import org.implicitdl.train.Standardization;
import org.implicitdl.train.TrainingBlock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fit path shared by the classifier and the regressor: pack rows into blocks, build the
 * settings from params, run the chosen solver(s) on an {@link RddBlockStore} (or the driver's
 * {@link LocalBlockStore} when the data is small), return the model
 * and its summary. It moves data and calls the maths; it holds no maths.
 */
final class ImplicitTraining {
  private static final Logger LOG = LoggerFactory.getLogger(ImplicitTraining.class);

  /** Result of a fit. */
  record Fitted(ImplicitModel model, TrainingSummary summary) {}

  private ImplicitTraining() {}

  static Fitted fit(ImplicitTrainingParams params, Dataset<?> dataset, String featuresCol, String labelCol,
      BlockPacking.Task task, int inputs, int outputs, Consumer<EpochRecord> progress) {
    ImplicitModel warm = initialModel(params, dataset.sparkSession());
    if (warm != null && warm.hiddenDim() != params.getHiddenDim()) {
      // a warm start trains the model it is given, with its states: a published model may hold fewer (pruned, §6.2) or more
      // (two step sizes blended) than hiddenDim, which sizes fresh fits
      LOG.info("warm start from a model of {} states: trained with {} states (hiddenDim {} sizes fresh fits)", warm.hiddenDim(),
          warm.hiddenDim(), params.getHiddenDim());
      params = (ImplicitTrainingParams) params.copy(new ParamMap().put(params.hiddenDim(), warm.hiddenDim()));
    }
    SolverPipeline solver = SolverPipeline.parse(params.getSolver());
    Loss loss = task == BlockPacking.Task.CLASSIFICATION ? Loss.CROSS_ENTROPY : Loss.SQUARED;
    int n = params.getHiddenDim();
    Activation activation = Activation.parse(params.getActivation());
    if (solver.uses(SolverPipeline.Stage.BCD) && activation != Activation.RELU && params.getRobustEpsilon() > 0) {
      throw new InvalidParamException("robust training with solver '" + solver.id() + "' needs activation relu (eq. 18's bound is for ReLU), got "
          + activation.id());
    }
    requireAllocatable(solver, n, inputs, outputs);
    SelectFeatures selecting = SelectFeatures.of(params, inputs);
    FitRows rows = FitRows.of(params, dataset, new FitRows.Names(featuresCol, labelCol, params.getWeightCol(), task, inputs, outputs, n),
        solver, selecting.on());
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(dataset.sparkSession().sparkContext());
    BlockStore store = rows.trainingStore(sc);
    Standardization units = standardize(params, store, task, inputs, outputs);
    BlockStore validation = inPrecision(params, rows.validationStore(sc, units));
    BlockStore heldOut = inPrecision(params, rows.heldOutStore(sc, units));
    HeldOutScore watch = new HeldOutScore(heldOut != null ? heldOut : validation, loss, TrainingSettings.fixedPoint(params), outputs);
    long t0 = System.nanoTime();
    List<SolverPipeline.Stage> stages = solver.stages();
    if (store instanceof RddBlockStore && solver.uses(SolverPipeline.Stage.GRADIENT) && params.getSyncsPerEpoch() == 0
        && !RddBlockStore.storageLevel(params.getBlockStorageLevel()).deserialized()) {
      LOG.warn("blockStorageLevel {} with synchronous gradient steps: every step reads its partitions' blocks back from serialized "
          + "storage; syncsPerEpoch > 0 (local rounds) reads them once per round", params.getBlockStorageLevel());
    }
    // the step-size choice trains each gradient stage more than once: where there are enough validation rows to choose on (by
    // default on 2,000 rows or more; past 18,000 training rows on a sample of them); its trainer state says which candidate
    // was training, so a resumed fit goes on from there
    boolean tuneStep = params.getTuneStepSize() && validation != null && StageChoices.rows(validation) >= StepSizeSearch.VALIDATION_ROWS;
    Consumer<EpochRecord> userUnits = progressLog(params, solver, stages, loss, tuneStep, progress);
    Consumer<EpochRecord> log = r -> userUnits.accept(inUserUnits(r, units, loss));
    ChoiceRows choiceRows = new ChoiceRows(store);
    try {
      ImplicitModel model = warm == null ? null : units.toStandardized(warm);
      List<EpochRecord> history = new ArrayList<>();
      TrainerStateStore state = TrainerStateStore.open(sc, params.getTrainerStateDir(), params.getTrainerStateInterval(),
          fingerprint(params, task, inputs, outputs, TrainingStores.blockCount(store)));
      int firstStage = 0;
      String resumedFrom = "";
      if (state != null && state.found() != null) {
        resumedFrom = state.found().describe(stages.get(state.found().stage()).id());
        firstStage = state.found().stage();
        model = state.found().stageInput();
        history.addAll(state.found().earlierHistory());
        LOG.info("resuming from the trainer state in {}: {}", params.getTrainerStateDir(), resumedFrom);
      }
      Stage last = null;
      Stage best = null;
      // the gradient solver's step size: the configured one, or the one tuneStepSize kept
      double stepSize = params.getStepSize();
      StepSizeSearch.Choice tuned = null;
      double bestLoss = Double.POSITIVE_INFINITY;
      // the stage whose readout the validation rows calibrated (a BCD classifier's), if any
      Stage calibrated = null;
      for (int k = firstStage; k < stages.size(); k++) {
        SolverPipeline.Stage stage = stages.get(k);
        int epochs = epochs(params, solver, stage);
        boolean followed = k < stages.size() - 1;
        EpochCheckpoint resume = state == null ? EpochCheckpoint.none() : state.forStage(k, model, history, k == firstStage);
        if (stage == SolverPipeline.Stage.BCD) {
          last = bcdStage(store, watch, resume, TrainingSettings.bcdSettings(params, loss, epochs), TrainingSettings.robustBox(params, units, inputs), followed,
              model, inputs, outputs, log);
        } else if (tuneStep) {
          // the search's two best fits mixed (blendStepSizes) on a fresh fit that ends here, where twice the states break no
          // promise: a rank limit, a robustness box, a selection path that starts from this model, a warm start's size
          boolean blend = params.getBlendStepSizes() && warm == null && !followed && params.getRank() == 0 && params.getRobustEpsilon() == 0
              && !selecting.on();
          StepSizeSearch.Choice c = tunedGradientStage(params, choiceRows, validation, watch, state, k, k == firstStage, history, loss, activation,
              TrainingSettings.robustObjective(params, units, inputs), blend, model, inputs, outputs, log);
          last = c.stage();
          stepSize = c.stepSize();
          tuned = c;
        } else {
          last = gradientStage(store, validation, watch, resume, TrainingSettings.gradientSettings(params, loss, activation),
              TrainingSettings.robustObjective(params, units, inputs), model, inputs, outputs, log);
        }
        if (stage == SolverPipeline.Stage.BCD && loss == Loss.CROSS_ENTROPY && validation != null) {
          // BCD's own readout calibrated as a candidate; what it hands on (its features) is unchanged
          last = StageChoices.calibrated(last, store, validation, TrainingSettings.fixedPoint(params));
          calibrated = last;
        }
        model = last.handOver();
        history.addAll(last.history());
        if (validation != null && solver == SolverPipeline.BCD_THEN_GRADIENT) {
          // bcd+gradient returns the better of its stages on the validation rows: never worse than its BCD stage.
          // gradient+bcd keeps its BCD stage, whose exact zeros are the feature selection it is run for.
          double stageLoss = TrainingStores.validationLoss(validation, last.model(), loss, TrainingSettings.fixedPoint(params));
          if (stageLoss < bestLoss) {
            bestLoss = stageLoss;
            best = last;
          }
        }
      }
      Stage chosen = best != null ? best : last;
      TrainingSummary.StepBlend stepBlend = tuned != null && chosen == tuned.stage() ? tuned.blend() : null;
      if (chosen != last) {
        LOG.info("the {} stage scored best on the validation rows and is kept", chosen.name());
      }
      List<TrainingSummary.SelectionPoint> path = List.of();
      if (validation != null && !selecting.on() && params.getRobustEpsilon() == 0 && params.getLinearCheck()) {
        chosen = StageChoices.notWorseThanLinear(chosen, chosen == calibrated, choiceRows, validation, loss, TrainingSettings.fixedPoint(params),
            inputs, outputs);
      }
      if (selecting.on()) {
        StageChoices.Selection s = StageChoices.select(store, validation, TrainingSettings.gradientSettings(params, loss, activation), chosen, selecting, inputs, outputs, log);
        chosen = s.stage();
        path = s.path();
      }
      model = chosen.model();
      List<EpochRecord> reported = history.stream().map(r -> inUserUnits(r, units, loss)).toList();
      if (state != null) {
        state.clear();
      }
      if (params.getStatePenalty() > 0) {
        // the penalties zeroed whole rows and columns: drop those states, every prediction unchanged (paper §6.2)
        model = StatePruning.exact(model);
      }
      return new Fitted(units.toRaw(model), new TrainingSummary(solver.id(), reported, inUserUnits(chosen.finalRecord(), units, loss), chosen.selected(),
          (System.nanoTime() - t0) / 1e9, resumedFrom, path, solver.uses(SolverPipeline.Stage.GRADIENT) ? stepSize : Double.NaN, stepBlend));
    } finally {
      choiceRows.close();
      store.close();
      for (BlockStore other : new BlockStore[] {validation, heldOut}) {
        if (other != null) {
          other.close();
        }
      }
    }
  }

  /**
   * What {@link Standardization} a fit trains in: the blocks' weighted moments (one aggregate), the blocks then mapped to
   * those units and, with {@code blockInputPrecision} float, their inputs rounded to single precision in the same pass.
   */
  private static Standardization standardize(ImplicitTrainingParams params, BlockStore store, BlockPacking.Task task, int inputs,
      int outputs) {
    boolean regression = task == BlockPacking.Task.REGRESSION;
    if (!params.getStandardization()) {
      inPrecision(params, store);
      return Standardization.identity(inputs, outputs, regression);
    }
    Standardization units = store.aggregate("input moments", regression, (Boolean r, TrainingBlock b) -> Moments.of(b, r)).standardization();
    store.update("inputs in standard units", new Standardizing(units, regression, params.singlePrecisionInputs()), Standardizing::apply);
    return units;
  }

  /** The store with its blocks' inputs in single precision when {@code blockInputPrecision} is float (null stays null). */
  private static BlockStore inPrecision(ImplicitTrainingParams params, BlockStore store) {
    if (store != null && params.singlePrecisionInputs()) {
      store.update("inputs in single precision", Boolean.TRUE, (Boolean unused, TrainingBlock b) -> b.withSinglePrecisionInputs());
    }
    return store;
  }

  /** The payload that maps blocks to standard units (and their inputs to single precision when asked). */
  private record Standardizing(Standardization units, boolean regression, boolean singlePrecision) implements Serializable {
    static TrainingBlock apply(Standardizing s, TrainingBlock block) {
      TrainingBlock standard = s.units().standardized(block, s.regression());
      return s.singlePrecision() ? standard.withSinglePrecisionInputs() : standard;
    }
  }

  /** A record with its RMSEs in the label's units (the objective and losses stay those of the standardized problem). */
  private static EpochRecord inUserUnits(EpochRecord r, Standardization units, Loss loss) {
    if (loss != Loss.SQUARED) {
      return r;
    }
    return new EpochRecord(r.epoch(), r.objective(), r.loss(), r.divergence(), r.coupling(), r.penalty(), r.realLoss(),
        units.rmseInUserUnits(r.realMetric()), r.realResidual(), r.notConverged(), r.seconds(), r.heldOutLoss(),
        units.rmseInUserUnits(r.heldOutMetric()));
  }

  /**
   * The driver holds [A B] (n × (n+p+1)) and, for BCD, Gram statistics of side n+p+1 (design §4):
   * refuses a hidden dimension whose matrices cannot be indexed or do not fit half the driver's heap.
   */
  static void requireAllocatable(SolverPipeline solver, int n, int inputs, int outputs) {
    // every solver holds [A B] and [C D]; BCD's (n + p + 1)² statistics only where they fit (else its steps are first-order)
    long side = (long) n + inputs + 1;
    long cells = (long) n * side + (long) outputs * side;
    double gigabytes = cells * 8 / 1e9;
    if (cells >= Integer.MAX_VALUE - 8) {
      throw new InvalidParamException(String.format(Locale.ROOT, "parameter hiddenDim %d with %d inputs needs a matrix of %d "
          + "entries (%.1f GB), more than one array holds; use a smaller hiddenDim", n, inputs, cells, gigabytes));
    }
    long heap = Runtime.getRuntime().maxMemory();
    if (cells * 8 > heap / 2) {
      throw new InvalidParamException(String.format(Locale.ROOT, "parameter hiddenDim %d with %d inputs needs %.1f GB of driver "
          + "memory for its matrices, the driver has %.1f GB; use a smaller hiddenDim or more spark.driver.memory", n, inputs, gigabytes,
          heap / 1e9));
    }
  }

  /**
   * What a saved trainer state must match to be resumed: every training param but where the state
   * lives and the warm start (superseded by the state), the shapes, the blocks.
   */
  private static String fingerprint(ImplicitTrainingParams params, BlockPacking.Task task, int inputs, int outputs, long blocks) {
    StringBuilder s = new StringBuilder(task + " " + inputs + " " + outputs + " " + blocks);
    Arrays.stream(params.params()).filter(p -> !p.name().startsWith("trainerState") && !p.name().equals("initialModelPath") && params.isDefined(p))
        .sorted(Comparator.comparing(Param::name))
        .forEach(p -> s.append(' ').append(p.name()).append('=').append(ParamChecks.render(params.getOrDefault(p))));
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(s.toString().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(hash);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Each epoch's record to the log, the terminal progress bar over all stages' epochs, and the caller's listener. */
  private static Consumer<EpochRecord> progressLog(ImplicitTrainingParams params, SolverPipeline solver, List<SolverPipeline.Stage> stages,
      Loss loss, boolean tuneStep, Consumer<EpochRecord> progress) {
    String metricName = loss == Loss.CROSS_ENTROPY ? "accuracy" : "rmse";
    int totalEpochs = 0;
    for (SolverPipeline.Stage stage : stages) {
      // a tuned gradient stage trains at least twice
      totalEpochs += (tuneStep && stage == SolverPipeline.Stage.GRADIENT ? 2 : 1) * epochs(params, solver, stage);
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

  /**
   * One solver stage's outcome: its own model (a candidate for the result), what the next stage
   * starts from, its history and final record.
   */
  record Stage(String name, ImplicitModel model, ImplicitModel handOver, List<EpochRecord> history, EpochRecord finalRecord,
      int[] selected) implements Serializable {}

  /** Epochs of one stage: BCD alone runs maxIter, BCD beside the gradient solver bcdEpochs, the gradient solver maxIter. */
  private static int epochs(ImplicitTrainingParams params, SolverPipeline solver, SolverPipeline.Stage stage) {
    return stage == SolverPipeline.Stage.BCD && solver != SolverPipeline.BCD ? params.getBcdEpochs()
        : params.getMaxIter();
  }

  /**
   * BCD from {@code model} (null: its seeded start). Followed by the gradient solver, it hands on
   * its hidden features with the readout reset ({@link BlockCoordinateDescent#trainAsWarmStart});
   * otherwise it ends with the readout refit.
   */
  private static Stage bcdStage(BlockStore store, HeldOutScore watch, EpochCheckpoint checkpoint, BcdSettings settings, InputBox robust,
      boolean followed, ImplicitModel model, int inputs, int outputs, Consumer<EpochRecord> log) {
    BlockCoordinateDescent bcd = new BlockCoordinateDescent(store, settings, inputs, outputs, log).watching(watch).checkpointing(checkpoint)
        .robust(robust);
    BlockCoordinateDescent.Result r = bcd.train(model);
    // followed by the gradient solver, BCD hands on its hidden features with the readout reset (see trainAsWarmStart)
    return new Stage(SolverPipeline.Stage.BCD.id(), r.model(), followed ? r.model().withZeroReadout() : r.model(), r.history(), r.finalRecord(), r.selectedFeatures());
  }

  /**
   * The gradient stage at the best of the step sizes tried on the validation rows ({@link StepSizeSearch#run}), and that
   * step. With a trainer state ({@code state}, stage {@code k}) the search saves where it stands ({@link SearchCheckpoints}):
   * {@code resumeHere} (the saved state is this stage's) continues it from the candidate that was training, from its last
   * saved epoch.
   */
  private static StepSizeSearch.Choice tunedGradientStage(ImplicitTrainingParams params, ChoiceRows choiceRows, BlockStore validation,
      HeldOutScore watch, TrainerStateStore state, int k, boolean resumeHere, List<EpochRecord> earlierHistory, Loss loss,
      Activation activation, RobustObjective robust, boolean blend, ImplicitModel model, int inputs, int outputs, Consumer<EpochRecord> log) {
    GradientSettings settings = TrainingSettings.gradientSettings(params, loss, activation);
    SearchCheckpoints checkpoints = SearchCheckpoints.of(state, k, model, earlierHistory, resumeHere);
    if (choiceRows.sampled()) {
      return sampledStepSize(params, choiceRows, validation, watch, checkpoints, loss, settings, robust, model, inputs, outputs, log);
    }
    return searchStepSize(params, choiceRows.training(), validation, watch, checkpoints, loss, settings, robust, blend, model, inputs, outputs, log);
  }

  /**
   * The step-size search on data too large to train on more than once: the candidates train on an even sample of about
   * {@value StageChoices#CHOICE_SAMPLE_ROWS} of the training rows (as many as a 20,000-row fit trains on) and are
   * scored on the whole validation split; the kept step size then trains on every row, once and unblended. The search
   * costs what it costs at 20,000 rows, whatever the data's size. A fit killed during the full run resumes it without
   * searching again (the sample is deterministic, so a search resumed at its candidate ends as the uninterrupted one).
   */
  private static StepSizeSearch.Choice sampledStepSize(ImplicitTrainingParams params, ChoiceRows choiceRows, BlockStore validation,
      HeldOutScore watch, SearchCheckpoints checkpoints, Loss loss, GradientSettings settings, RobustObjective robust,
      ImplicitModel model, int inputs, int outputs, Consumer<EpochRecord> log) {
    double step = checkpoints.keptBefore();
    if (Double.isNaN(step)) {
      LOG.info("step size: chosen on a sample of {} of the {} training rows", choiceRows.fitRowCount(), choiceRows.trainingRows());
      step = searchStepSize(params, choiceRows.fitRows(), validation, watch, checkpoints, loss, settings, robust, false, model, inputs, outputs, log)
          .stepSize();
    }
    LOG.info("step size {} trains on all {} training rows", step, choiceRows.trainingRows());
    Optimizer o = settings.optimizer();
    Stage full = gradientStage(choiceRows.training(), validation, watch, checkpoints.fullRun(step), settings.withOptimizer(o.batchSize(), step, o.lrDecay()), robust,
        model, inputs, outputs, log);
    return new StepSizeSearch.Choice(full, step, null);
  }

  /**
   * {@link StepSizeSearch#run} with its candidates training on {@code candidates} and saving their states, all from {@code model}
   * or, for a fresh fit, from one start computed once ({@link GradientTrainer#initialModel}: it does not depend on the step size).
   */
  private static StepSizeSearch.Choice searchStepSize(ImplicitTrainingParams params, BlockStore candidates, BlockStore validation,
      HeldOutScore watch, SearchCheckpoints checkpoints, Loss loss, GradientSettings settings, RobustObjective robust, boolean blend,
      ImplicitModel model, int inputs, int outputs, Consumer<EpochRecord> log) {
    ImplicitModel start = model != null ? model : new GradientTrainer(candidates, validation, settings, inputs, outputs, log).initialModel();
    return StepSizeSearch.run(candidates, validation, loss, TrainingSettings.fixedPoint(params), settings, TrainingSettings.STEP_SIZE_FACTOR,
        blend, checkpoints.from(settings.optimizer().learningRate()),
        (position, s) -> gradientStage(candidates, validation, watch, checkpoints.candidate(position), s, robust, start, inputs, outputs, log),
        checkpoints::settled);
  }

  private static Stage gradientStage(BlockStore store, BlockStore validation, HeldOutScore watch, EpochCheckpoint checkpoint,
      GradientSettings settings, RobustObjective robust, ImplicitModel model, int inputs, int outputs, Consumer<EpochRecord> log) {
    GradientTrainer.Result r = new GradientTrainer(store, validation, settings, inputs, outputs, log).watching(watch)
        .checkpointing(checkpoint).robust(robust).train(model);
    return new Stage(SolverPipeline.Stage.GRADIENT.id(), r.model(), r.model(), r.history(), r.finalRecord(), BlockCoordinateDescent.selectedFeatures(r.model()));
  }

  private static ImplicitModel initialModel(ImplicitTrainingParams params, SparkSession spark) {
    String path = params.getInitialModelPath();
    return path.isEmpty() ? null : ModelStorage.readImplicitModel(path, spark);
  }

}
