package org.implicitdl.spark;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.train.BcdSettings;
import org.implicitdl.train.InnerSolver;
import org.implicitdl.train.BlockCoordinateDescent;
import org.implicitdl.solve.SolverSettings;
import org.implicitdl.train.BlockStore;
import org.implicitdl.train.EpochRecord;
import org.implicitdl.train.FeatureSelectionPath;
import org.implicitdl.train.GradientSettings;
import org.implicitdl.train.HeldOutScore;
import org.implicitdl.train.Loss;
import org.implicitdl.train.Temperature;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a fit does with a stage's model after training it, on the validation rows: a BCD
 * readout's temperature ({@link Temperature}) and the feature-selection path
 * ({@link FeatureSelectionPath}); each returned model measured again on the training rows.
 */
final class StageChoices {
  private static final Logger LOG = LoggerFactory.getLogger(StageChoices.class);

  private StageChoices() {}

  /** A selection's outcome: the chosen support's model as a stage, and the path for the summary. */
  record Selection(ImplicitTraining.Stage stage, List<TrainingSummary.SelectionPoint> path) {}

  /**
   * {@code selectFeatures}: the input-group penalty path from the trained model ({@link FeatureSelectionPath}),
   * the chosen support's refit returned as the final stage.
   */
  static Selection select(BlockStore store, BlockStore validation, GradientSettings settings, ImplicitTraining.Stage dense, SelectFeatures selecting,
      int inputs, int outputs, Consumer<EpochRecord> log) {
    if (validation == null) {
      throw new InvalidParamException("parameter selectFeatures " + (selecting.maxInputs() > 0 ? selecting.maxInputs() : "auto")
          + " needs validation rows to choose on: set validationFraction above 0 (the data left none)");
    }
    FeatureSelectionPath.Result r = new FeatureSelectionPath(store, validation, settings, inputs, outputs, log).run(dense.model(),
        selecting.maxInputs());
    List<TrainingSummary.SelectionPoint> path = new ArrayList<>();
    for (int k = 0; k < r.path().size(); k++) {
      FeatureSelectionPath.Point p = r.path().get(k);
      path.add(new TrainingSummary.SelectionPoint(p.weight(), p.inputs(), p.validationLoss(), p.standardError(), k == r.chosen()));
    }
    LOG.info("feature selection: weight {} of the path up to {} keeps {} of {} inputs", r.path().get(r.chosen()).weight(), r.lambdaMax(),
        r.selected().length, inputs);
    EpochRecord last = remeasured(store, r.model(), settings.loss(), settings.fixedPoint(), dense.finalRecord(), outputs);
    return new Selection(new ImplicitTraining.Stage("selection", r.model(), r.model(), dense.history(), last, r.selected()), path);
  }

  /** A BCD stage's own readout calibrated on the validation rows ({@link Temperature}); accuracy unchanged. */
  static ImplicitTraining.Stage calibrated(ImplicitTraining.Stage stage, BlockStore store, BlockStore validation, SolverSettings fixedPoint) {
    ImplicitModel m = Temperature.calibrate(stage.model(), validation, fixedPoint);
    EpochRecord last = remeasured(store, m, Loss.CROSS_ENTROPY, fixedPoint, stage.finalRecord(), m.outputDim());
    return new ImplicitTraining.Stage(stage.name(), m, stage.handOver() == stage.model() ? m : stage.handOver(), stage.history(), last, stage.selected());
  }

  /**
   * The stage, or the linear model ŷ = Du (B = C = 0: an implicit model whose states are unused)
   * fitted by the convex readout step, whichever has the smaller validation loss — the linear model
   * then refitted on the training and validation rows together: a fit with
   * validation rows is never worse there than a linear model of its inputs (on small, wide or
   * nearly linear data the hidden states can only overfit). Skipped when the step's statistics,
   * side n + p + 1, would exceed {@value #LINEAR_CELLS} doubles.
   */
  static ImplicitTraining.Stage notWorseThanLinear(ImplicitTraining.Stage stage, BlockStore store, BlockStore validation, Loss loss,
      SolverSettings fixedPoint, int inputs, int outputs) {
    ImplicitModel m = stage.model();
    int n = m.hiddenDim();
    long side = (long) n + inputs + 1;
    if (side * side > LINEAR_CELLS) {
      return stage;
    }
    ImplicitModel zero = new ImplicitModel(Matrix.zeros(n, n), Matrix.zeros(n, inputs + 1), Matrix.zeros(outputs, n),
        Matrix.zeros(outputs, inputs + 1), m.activation(), true);
    BcdSettings base = BcdSettings.defaults(n, loss).withActivation(m.activation());
    BcdSettings settings = base.with(d -> {
      d.maxEpochs = 1;
      d.inner = new InnerSolver(base.inner().pxIterations(), LINEAR_ROUNDS, base.inner().fistaIterations());
      d.fixedPoint = fixedPoint;
    });
    ImplicitModel linear = new BlockCoordinateDescent(store, settings, inputs, outputs, null).fitReadout(zero);
    double linearLoss = TrainingStores.validationLoss(validation, linear, loss, fixedPoint);
    double stageLoss = TrainingStores.validationLoss(validation, m, loss, fixedPoint);
    if (linearLoss >= stageLoss) {
      return stage;
    }
    LOG.info("a linear model of the inputs scores better on the validation rows ({} vs {}) and is kept", linearLoss, stageLoss);
    // chosen: refit on every row, the validation rows too (they have done their choosing)
    BlockStore everyRow = TrainingStores.union(store, validation);
    linear = new BlockCoordinateDescent(everyRow, settings, inputs, outputs, null).fitReadout(zero);
    everyRow.close();
    EpochRecord last = remeasured(store, linear, loss, fixedPoint, stage.finalRecord(), outputs);
    return new ImplicitTraining.Stage("linear", linear, linear, stage.history(), last,
        org.implicitdl.train.InputGroups.used(linear.b(), linear.d(), inputs));
  }

  static final long LINEAR_CELLS = 16_000_000L;
  /** Majorize–minimize rounds of the linear fit's cross-entropy (the squared loss is one solve). */
  static final int LINEAR_ROUNDS = 25;

  /** {@code like}'s record with the real-rule loss and metric of {@code model} on the training rows (one pass): the model returned, measured. */
  private static EpochRecord remeasured(BlockStore store, ImplicitModel model, Loss loss, SolverSettings fixedPoint, EpochRecord like,
      int outputs) {
    org.implicitdl.train.RuleMetrics rule = store.aggregate("final real-rule metrics", new HeldOutScore.Payload(model, model.certificate(), loss,
        fixedPoint), HeldOutScore::score);
    return EpochRecord.ofRealRule(like.epoch(), rule, 0, loss, outputs, like.seconds());
  }

}
