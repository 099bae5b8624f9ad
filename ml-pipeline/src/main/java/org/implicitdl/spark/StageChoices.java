package org.implicitdl.spark;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.DoubleFunction;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.solve.SolverSettings;
import org.implicitdl.train.BcdSettings;
import org.implicitdl.train.BcdStatistics;
import org.implicitdl.train.Blend;
import org.implicitdl.train.BlockCoordinateDescent;
import org.implicitdl.train.BlockStore;
import org.implicitdl.train.EpochRecord;
import org.implicitdl.train.FeatureSelectionPath;
import org.implicitdl.train.GradientSettings;
import org.implicitdl.train.HeldOutScore;
import org.implicitdl.train.InnerSolver;
import org.implicitdl.train.InputGroups;
import org.implicitdl.train.LocalBlockStore;
import org.implicitdl.train.Loss;
import org.implicitdl.train.LossDifference;
import org.implicitdl.train.Mergeable;
import org.implicitdl.train.RowSpan;
import org.implicitdl.train.RuleMetrics;
import org.implicitdl.train.Temperature;
import org.implicitdl.train.TrainingBlock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a fit does with a stage's model after training it, on the validation rows: a BCD
 * readout's temperature ({@link Temperature}), the feature-selection path
 * ({@link FeatureSelectionPath}) and the linear model beside it ({@link #notWorseThanLinear}); each
 * returned model measured again on the training rows. The step-size search is {@link StepSizeSearch}.
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
      path.add(new TrainingSummary.SelectionPoint(p.weight(), p.inputs(), p.validationLoss(), p.standardError(), k == r.chosen(), p.entered(),
          p.dropped()));
    }
    LOG.info("feature selection: weight {} of the path up to {} keeps {} of {} inputs", figure(r.path().get(r.chosen()).weight()),
        figure(r.lambdaMax()), r.selected().length, inputs);
    EpochRecord last = remeasured(store, r.model(), settings.loss(), settings.fixedPoint(), dense.finalRecord(), outputs);
    return new Selection(new ImplicitTraining.Stage("selection", r.model(), r.model(), dense.history(), last, r.selected()), path);
  }

  /**
   * Training rows above which the choices that train more than once (the step-size search's candidates, the linear model's
   * ridge path) train on one even sample of this many ({@link ChoiceRows}; a 20,000-row fit's training rows): they cost
   * what they cost at 20,000 rows, whatever the data's size.
   */
  static final int CHOICE_SAMPLE_ROWS = 18_000;

  /** A BCD stage's own readout calibrated on the validation rows ({@link Temperature}); accuracy unchanged. */
  static ImplicitTraining.Stage calibrated(ImplicitTraining.Stage stage, BlockStore store, BlockStore validation, SolverSettings fixedPoint) {
    return calibratedAs(stage, Temperature.calibrate(stage.model(), validation, fixedPoint), store, fixedPoint);
  }

  /** The stage with its calibrated model {@code m}, measured on the training rows (one pass). */
  private static ImplicitTraining.Stage calibratedAs(ImplicitTraining.Stage stage, ImplicitModel m, BlockStore store, SolverSettings fixedPoint) {
    EpochRecord last = remeasured(store, m, Loss.CROSS_ENTROPY, fixedPoint, stage.finalRecord(), m.outputDim());
    return new ImplicitTraining.Stage(stage.name(), m, stage.handOver() == stage.model() ? m : stage.handOver(), stage.history(), last, stage.selected());
  }

  /**
   * The stage, the linear model ŷ = Du (B = C = 0: an implicit model whose states are unused) fitted by the convex
   * readout step, or their mixture ({@link Blend}: one weight α on the validation rows), whichever scores best
   * there — the linear model alone then refitted on the training and validation rows together: a fit with validation
   * rows is never worse there than a linear model of its inputs (on small, wide or nearly linear data the hidden
   * states can only overfit), and where the rows cannot tell the two apart it does not bet on one — but a classifier's
   * stage must beat the linear model by {@link #CLASS_STAGE_MARGIN} standard errors on at least
   * {@value TrainingStores#MIN_VALIDATION_ROWS} validation rows to be kept or mixed in at all (on one row the standard
   * error is 0 and any gain looks clear; on a few it is itself a guess). The
   * log gives the difference in standard errors of the row-by-row difference ({@link LossDifference}): how clearly the
   * rows chose.
   * For classes the stage's scores are first shrunk by a temperature ({@link Temperature#shrunk}, every argmax kept) and
   * returned so: a mixture's weight on the stage also shrinks its scores, and an overconfident stage would otherwise take
   * the linear model in for that shrinkage alone, trading accuracy for log loss that a temperature gets for free.
   * The linear model's ridge is chosen along {@link #LINEAR_RIDGE_PATH} (per unit of row weight, strongest first,
   * warm-started) as {@link RidgeChoice} says (cross-validation on the training rows where it is cheap, else the validation
   * rows): with more inputs than rows an unregularized fit separates the training rows and scores worse than chance. Past {@value #CHOICE_SAMPLE_ROWS}
   * training rows the path fits on the step-size search's even sample of them ({@link ChoiceRows}: a choice, made as the step size is; a
   * linear model of p + 1 weights per output is settled by that many rows), and a linear model kept alone is refitted on
   * every row. At any width: where the step's
   * (n + p + 1)² statistics do not fit the driver it runs first-order ({@link BlockCoordinateDescent#gramFitsTheDriver}).
   */
  static ImplicitTraining.Stage notWorseThanLinear(ImplicitTraining.Stage stage, ChoiceRows choiceRows, BlockStore validation, Loss loss,
      SolverSettings fixedPoint, int inputs, int outputs) {
    return notWorseThanLinear(stage, false, choiceRows, validation, loss, fixedPoint, inputs, outputs);
  }

  /**
   * {@link #notWorseThanLinear} for a stage whose readout may already be {@link #calibrated} on these validation rows
   * ({@code calibrated}): its temperature is then the rows' best, and is not fitted again.
   */
  static ImplicitTraining.Stage notWorseThanLinear(ImplicitTraining.Stage stage, boolean calibrated, ChoiceRows choiceRows, BlockStore validation,
      Loss loss, SolverSettings fixedPoint, int inputs, int outputs) {
    BlockStore store = choiceRows.training();
    ImplicitModel m = loss == Loss.CROSS_ENTROPY && !calibrated ? Temperature.shrunk(stage.model(), validation, fixedPoint) : stage.model();
    int n = m.hiddenDim();
    // fitted with one state, not the stage's n: its states are zero and unused, and n of them would only enlarge every
    // solve of the path; it is given the stage's n states where it stands beside the stage
    ImplicitModel zero = ImplicitModel.zero(1, inputs, outputs, m.activation());
    BcdSettings settings = linearFitSettings(zero, loss, fixedPoint);
    double[] ridges = linearRidges(choiceRows.fitRowCount(), inputs);
    RidgeChoice judge = RidgeChoice.of(choiceRows, validation, loss, fixedPoint, inputs, ridges,
        rows -> linearFoldWalks(rows, settings, inputs, outputs, zero));
    List<Double> scores = new ArrayList<>();
    List<ImplicitModel> path = linearPath(choiceRows.fitRows(), settings, inputs, outputs, zero, ridges, judge.fitRowSums(), fit -> {
      int k = scores.size();
      scores.add(judge.score(fit, k, ridges[k]));
      return !pastTheBest(scores);
    });
    int best = 0;
    for (int k = 1; k < scores.size(); k++) {
      best = scores.get(k) < scores.get(best) ? k : best;
    }
    ImplicitModel linearFit = inStates(path.get(best), n);
    Blend.Scores mixtures = Blend.scores(validation, loss, fixedPoint, m, linearFit);
    LossDifference gain = mixtures.difference();
    boolean tooFewToTell = loss == Loss.CROSS_ENTROPY && rows(validation) < TrainingStores.MIN_VALIDATION_ROWS;
    boolean linearPreferred = loss == Loss.CROSS_ENTROPY && (tooFewToTell || !gain.firstBetterBy(CLASS_STAGE_MARGIN));
    double alpha = linearPreferred ? 0 : mixtures.bestWeight();
    double linearLoss = judge.validationLoss(linearFit, scores.get(best));
    double stageLoss = linearLoss + gain.mean();
    String comparison = String.format(Locale.ROOT, "validation loss %s against the linear model's %s at ridge %s per row (%s), lower by %s "
        + "standard errors of the row-by-row difference", figure(stageLoss), figure(linearLoss), figure(ridges[best]), judge.name(),
        inErrors(-gain.mean(), gain));
    if (alpha == 1) {
      LOG.info("the {} stage is kept whole: no mixture with a linear model of the inputs scores better on the validation rows ({})", stage.name(),
          comparison);
      return m != stage.model() ? calibratedAs(stage, m, store, fixedPoint) : stage;
    }
    if (alpha > 0) {
      LOG.info("the {} stage mixed with a linear model of the inputs at weight {} scores best on the validation rows ({})", stage.name(), figure(alpha),
          comparison);
      return replaced(stage, stage.name() + "+linear", Blend.withLinear(m, linearFit, alpha), store, loss, fixedPoint);
    }
    if (tooFewToTell) {
      LOG.info("a linear model of the inputs is kept: fewer than {} validation rows cannot show the {} stage better ({})",
          TrainingStores.MIN_VALIDATION_ROWS, stage.name(), comparison);
    } else if (linearPreferred && mixtures.bestWeight() > 0) {
      LOG.info("a linear model of the inputs is kept: the {} stage does not beat it by more than {} standard error on the validation rows ({})",
          stage.name(), figure(CLASS_STAGE_MARGIN), comparison);
    } else {
      LOG.info("a linear model of the inputs scores best on the validation rows and is kept ({})", comparison);
    }
    // chosen: refit on every row, the validation rows too (they have done their choosing), from the chosen fit
    BlockStore everyRow = TrainingStores.union(store, validation);
    ImplicitModel linear = linearPath(everyRow, settings, inputs, outputs, path.get(best), new double[] {ridges[best]}, null, fit -> true).get(0);
    everyRow.close();
    return replaced(stage, "linear", inStates(linear, n), store, loss, fixedPoint);
  }

  /** A linear model ŷ = Du (A, B and C zero) with {@code n} states, all unused: the shape of the stage it stands beside. */
  static ImplicitModel inStates(ImplicitModel linear, int n) {
    int outputs = linear.outputDim();
    return new ImplicitModel(Matrix.zeros(n, n), Matrix.zeros(n, linear.inputDim() + (linear.inputBias() ? 1 : 0)), Matrix.zeros(outputs, n),
        linear.d(), linear.activation(), linear.inputBias());
  }

  /** The settings of the linear model's fits from {@code m}, a zero model of their states: one convex readout step, {@link #LINEAR_ROUNDS} rounds. */
  static BcdSettings linearFitSettings(ImplicitModel m, Loss loss, SolverSettings fixedPoint) {
    BcdSettings base = BcdSettings.defaults(m.hiddenDim(), loss).withActivation(m.activation());
    return base.with(d -> {
      d.maxEpochs = 1;
      d.inner = new InnerSolver(base.inner().pxIterations(), LINEAR_ROUNDS, base.inner().fistaIterations());
      d.fixedPoint = fixedPoint;
    });
  }

  /**
   * Standard errors of the row-by-row difference by which a classifier's stage must beat the linear model on the
   * validation rows to be kept or mixed in; within them the linear model alone is kept (the one-standard-error rule's
   * simpler model). On a few dozen validation rows a stage fitted to a few hundred rows wins by less than that as often
   * on data a linear model serves better as on data it does not, and the linear model then serves the new rows better
   * on more sets and by more (docs/results/README.md, small class sets). Not for regressions: there it lost on data
   * from an implicit model whose gain 40 rows could not show.
   */
  static final double CLASS_STAGE_MARGIN = 1.0;

  /**
   * The linear fits along the ridges ({@link BlockCoordinateDescent#fitReadoutPath}), until {@code goOn} returns
   * false for a fit: {@link #linearWalk}'s fits, one per ridge.
   */
  static List<ImplicitModel> linearPath(BlockStore store, BcdSettings settings, int inputs, int outputs, ImplicitModel start, double[] ridges,
      BcdStatistics.Constants known, Predicate<ImplicitModel> goOn) {
    return BlockCoordinateDescent.walked(linearWalk(store, settings, inputs, outputs, start, known), ridges, goOn);
  }

  /**
   * The linear path walked one ridge (per unit of row weight) at a time, each fit warm-started from the one before
   * ({@link BlockCoordinateDescent#readoutPath}), in the span of the rows when there are fewer rows than inputs
   * ({@link RowSpan}: the same fits, at the cost of the rows rather than the inputs); each fit is returned in the full
   * inputs. {@code known}: the store's U'U'ᵀ and YU'ᵀ if already gathered (else null).
   */
  static DoubleFunction<ImplicitModel> linearWalk(BlockStore store, BcdSettings settings, int inputs, int outputs, ImplicitModel start,
      BcdStatistics.Constants known) {
    RowSpan span = RowSpan.of(store, inputs);
    if (span == null) {
      return new BlockCoordinateDescent(store, settings, inputs, outputs, null).readoutPath(start, known)::next;
    }
    return walkInSpan(span, span.reducedStore(), settings, outputs, start);
  }

  /**
   * {@link #linearWalk} on the folds of a store on the driver ({@link RidgeChoice}'s cross-validation): where it has
   * fewer rows than inputs, the span of its rows is worked out once for every fold — a fold's mask changes the rows'
   * weights, which the reduction passes through, not their inputs, which it is made of — so each fold walks the same
   * reduced rows under its own mask.
   */
  static RidgeChoice.FoldWalks linearFoldWalks(LocalBlockStore store, BcdSettings settings, int inputs, int outputs, ImplicitModel start) {
    RowSpan span = RowSpan.of(store, inputs);
    if (span == null) {
      return mask -> linearWalk(TrainingStores.masked(store, mask), settings, inputs, outputs, start, null);
    }
    return mask -> walkInSpan(span, TrainingStores.masked(span.reducedStore(), mask), settings, outputs, start);
  }

  /** The walk on rows in {@code span}'s reduced inputs ({@code reducedRows}), each fit lifted back to the full inputs. */
  private static DoubleFunction<ImplicitModel> walkInSpan(RowSpan span, BlockStore reducedRows, BcdSettings settings, int outputs,
      ImplicitModel start) {
    BlockCoordinateDescent.ReadoutPath reduced =
        new BlockCoordinateDescent(reducedRows, settings, span.reducedInputs(), outputs, null).readoutPath(span.reduced(start), null);
    return ridge -> span.lifted(reduced.next(ridge));
  }

  /**
   * The linear model's ridges per unit of row weight (the ridge on the mean loss, inputs in standard units):
   * {@link #LINEAR_RIDGE_PATH} times the scale of the mean Gram matrix's non-zero eigenvalues, max(1, (p + 1)/rows) —
   * its trace is p + 1 (standard units) and it has at most min(p + 1, rows) of them, so with more inputs than rows each
   * is larger and a ridge needs to be as much larger to weigh the same.
   */
  static double[] linearRidges(long rows, int inputs) {
    double scale = Math.max(1, (inputs + 1.0) / Math.max(1, rows));
    return Arrays.stream(LINEAR_RIDGE_PATH).map(a -> a * scale).toArray();
  }

  /** The rows of a store's blocks (one pass). */
  static long rows(BlockStore store) {
    return store.aggregate("training rows", Boolean.TRUE, (Boolean unused, TrainingBlock b) -> new RowCount(b.size())).rows();
  }

  /** Rows of a store's blocks. */
  record RowCount(long rows) implements Mergeable<RowCount> {
    @Override
    public RowCount merge(RowCount o) {
      return new RowCount(rows + o.rows);
    }
  }

  /**
   * The linear model's ridges relative to the Gram's eigenvalue scale ({@link #linearRidges}), strongest first, 10 down
   * to 10⁻⁴ by factors of √10: from a prior that shrinks every weight hard to nearly none (many rows, few inputs). The
   * path stops once it has passed its best ({@link #pastTheBest}).
   */
  static final double[] LINEAR_RIDGE_PATH = IntStream.rangeClosed(0, 10).mapToDouble(k -> 10 * Math.pow(10, -k / 2.0)).toArray();

  /** The path has passed its best: the validation loss rose {@value #PATH_PATIENCE} times in a row (it is U-shaped in the ridge). */
  static boolean pastTheBest(List<Double> losses) {
    int k = losses.size();
    if (k <= PATH_PATIENCE) {
      return false;
    }
    for (int i = k - PATH_PATIENCE; i < k; i++) {
      if (!(losses.get(i) > losses.get(i - 1))) {
        return false;
      }
    }
    return true;
  }

  static final int PATH_PATIENCE = 2;

  /** A figure for the log: four significant digits (the choices' losses differ in the second or third). */
  static String figure(double x) {
    String g = String.format(Locale.ROOT, "%.4g", x);
    int e = g.indexOf('e');
    String mantissa = e < 0 ? g : g.substring(0, e);
    if (mantissa.indexOf('.') >= 0) {
      mantissa = mantissa.replaceFirst("\\.?0+$", "");
    }
    return e < 0 ? mantissa : mantissa + g.substring(e);
  }

  /** A loss difference in standard errors of the row-by-row difference, for the log: how clearly the rows chose. */
  private static String inErrors(double difference, LossDifference d) {
    return String.format(Locale.ROOT, "%.2f", d.standardError() > 0 ? difference / d.standardError() : Double.NaN);
  }

  /** Majorize–minimize rounds of the linear fit's cross-entropy at each ridge (the squared loss is one solve). */
  static final int LINEAR_ROUNDS = 25;

  /**
   * {@code stage}'s outcome replaced by {@code model} under {@code name} (its history kept; the model handed on is the new
   * one), measured again on the training rows and its inputs in use read off it.
   */
  static ImplicitTraining.Stage replaced(ImplicitTraining.Stage stage, String name, ImplicitModel model, BlockStore store, Loss loss,
      SolverSettings fixedPoint) {
    EpochRecord last = remeasured(store, model, loss, fixedPoint, stage.finalRecord(), model.outputDim());
    return new ImplicitTraining.Stage(name, model, model, stage.history(), last, InputGroups.used(model.b(), model.d(), model.inputDim()));
  }

  /** {@code like}'s record with the real-rule loss and metric of {@code model} on the training rows (one pass): the model returned, measured. */
  private static EpochRecord remeasured(BlockStore store, ImplicitModel model, Loss loss, SolverSettings fixedPoint, EpochRecord like,
      int outputs) {
    RuleMetrics rule = store.aggregate("final real-rule metrics", new HeldOutScore.Payload(model, model.certificate(), loss,
        fixedPoint), HeldOutScore::score);
    return EpochRecord.ofRealRule(like.epoch(), rule, 0, loss, outputs, like.seconds());
  }

}
