package org.implicitdl.train;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.implicitdl.linalg.Blas;
import org.implicitdl.linalg.Inputs;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.solve.Certificate;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.solve.WellPosedness;

/**
 * Trains an implicit model by implicit differentiation (design §3) with Adam on synchronous
 * mini-batches: each step, every block contributes a slice of its columns, the executors return
 * gradient sums ({@link ImplicitGradient}) through one tree-reduce, and the driver takes an Adam
 * step followed by the proximal map (ℓ1, group lasso, projection onto ‖A‖∞ ≤ κ), so every
 * iterate is well-posed. Synchronous steps make the run independent of the number of
 * partitions up to summation order. Early stopping on a validation store keeps the best model; where the budget asks
 * ({@link TrainingBudget#averageHorizon()}) the model judged each epoch is the average of the recent iterates
 * ({@link IterateAverage}) rather than the last one, whose place in the optimizer's wandering is chance.
 */
public final class GradientTrainer extends EpochTrainer<GradientSettings, GradientTrainer> {
  private final BlockStore validation;
  /** The run's copy of the settings, with the budget's weight decay. */
  private GradientSettings settings;
  private RobustObjective robust;
  private TrainingBudget budget;

  /** What the next epoch needs, saved after each epoch ({@link EpochCheckpoint}). */
  record State(int epoch, ImplicitModel model, AdamState adam, double rate, ImplicitModel best, double bestScore, int bestEpoch,
      double quarterAgo, List<EpochRecord> history, IterateAverage average) implements Serializable {}

  /** What a mini-batch step sends to the blocks; {@code robust} null for the nominal loss. */
  public record StepPayload(ImplicitModel model, Certificate certificate, int step, int steps, GradientSettings settings,
      RobustObjective robust) implements Serializable {
    public StepPayload(ImplicitModel model, Certificate certificate, int step, int steps, GradientSettings settings) {
      this(model, certificate, step, steps, settings, null);
    }

    StepPayload withRobust(RobustObjective objective) {
      return new StepPayload(model, certificate, step, steps, settings, objective);
    }
  }

  /** Outcome: the model (best on validation when a validation store is given) and the history. */
  public record Result(ImplicitModel model, List<EpochRecord> history, EpochRecord finalRecord, int bestEpoch) implements EpochTrainer.Result {}

  public GradientTrainer(BlockStore store, BlockStore validation, GradientSettings settings, int inputs, int outputs,
      Consumer<EpochRecord> listener) {
    super(store, settings, inputs, outputs, listener);
    this.validation = validation;
    this.settings = settings;
  }

  /**
   * Trains on the robust objective (paper §5) instead of the nominal loss; early stopping then
   * compares the robust objective at full ε on the validation store.
   */
  public GradientTrainer robust(RobustObjective objective) {
    this.robust = objective != null && objective.active() ? objective : null;
    return this;
  }

  /** The gradient sums of block columns [⌊s·m/S⌋, ⌊(s+1)·m/S⌋) — this block's share of mini-batch s. */
  public static GradientSums miniBatch(StepPayload payload, TrainingBlock block) {
    int from = block.shareStart(payload.step(), payload.steps());
    int to = block.shareStart(payload.step() + 1, payload.steps());
    return gradient(payload, block.u().columnSlice(from, to), block.y().columnSlice(from, to), block.w().columnSlice(from, to));
  }

  /**
   * The gradient sums of mini-batch s over one partition: each block's share ({@link #miniBatch}'s
   * columns) gathered into one matrix, so the fixed point, adjoint and gradient products run as
   * BLAS-3 on the partition's whole share of the batch rather than on a sliver per block.
   */
  public static GradientSums partitionBatch(StepPayload payload, java.util.Iterator<TrainingBlock> blocks) {
    List<TrainingBlock> part = new ArrayList<>();
    blocks.forEachRemaining(part::add);
    int[] from = new int[part.size()];
    int[] to = new int[part.size()];
    for (int k = 0; k < part.size(); k++) {
      from[k] = part.get(k).shareStart(payload.step(), payload.steps());
      to[k] = part.get(k).shareStart(payload.step() + 1, payload.steps());
    }
    return gradient(payload, Inputs.columnsOf(part.stream().map(TrainingBlock::u).toList(), from, to),
        Matrix.columnsOf(part.stream().map(TrainingBlock::y).toList(), from, to), Matrix.columnsOf(part.stream().map(TrainingBlock::w).toList(), from, to));
  }

  /** The sums of a batch's columns, cut into {@link ColumnPieces} worked out side by side and added in column order. */
  private static GradientSums gradient(StepPayload payload, Inputs u, Matrix y, Matrix w) {
    int cols = u.cols();
    return ColumnPieces.merged(ColumnPieces.bounds(payload.model().hiddenDim(), cols), (from, to) -> from == 0 && to == cols
        ? gradient(payload.model(), payload.certificate(), u, y, w, payload.settings(), payload.robust())
        : gradient(payload.model(), payload.certificate(), u.columnSlice(from, to), y.columnSlice(from, to), w.columnSlice(from, to),
            payload.settings(), payload.robust()));
  }

  /** The gradient sums of the nominal loss, or of the robust objective when one is given (not null), on these columns. */
  static GradientSums gradient(ImplicitModel m, Certificate cert, Inputs u, Matrix y, Matrix w, GradientSettings st, RobustObjective robust) {
    return robust == null ? ImplicitGradient.compute(m, cert, u, y, w, st.loss(), st.fixedPoint())
        : RobustGradient.compute(m, cert, u.dense(), y, w, st.loss(), st.fixedPoint(), robust);
  }

  /** The real rule's metrics on a whole block (the robust objective's loss when the payload carries one). */
  public static RuleMetrics evaluate(StepPayload payload, TrainingBlock block) {
    if (payload.robust() != null) {
      return RobustGradient.metrics(payload.model(), payload.certificate(), block.u().dense(), block.y(), block.w(), payload.settings().loss(),
          payload.settings().fixedPoint(), payload.robust());
    }
    return RealRule.metrics(payload.model(), payload.certificate(), block.u(), block.y(), block.w(), payload.settings().loss(),
        payload.settings().fixedPoint());
  }

  @Override
  public Result train(ImplicitModel initial) {
    settings = configured;
    ImplicitModel model = initial == null ? initialModel() : checked(initial);
    RuleMetrics counts = store.aggregate("row count", payload(model, 0, 1), GradientTrainer::evaluate);
    double rows = counts.weight();
    TrainingBudget budget = TrainingBudget.of(settings, rows);
    this.budget = budget;
    // the budget's weight decay (a prior on small data) is the one every step and payload sees
    settings = settings.withPenalties(settings.l1(), settings.groupLasso(), budget.weightDecay());
    int steps = budget.stepsPerEpoch();
    AdamState adam = AdamState.zeros(settings.hiddenDim(), inputs, outputs);
    List<EpochRecord> history = new ArrayList<>();
    ImplicitModel best = model;
    int bestEpoch = 0;
    double rate = settings.optimizer().learningRate();
    double bestScore;
    // the best validation score at the budget's last quarter mark: what an extension past the budget is judged against
    double quarterAgo = Double.POSITIVE_INFINITY;
    IterateAverage average = averages(budget) ? IterateAverage.over(budget.averageHorizon()) : null;
    int first = 1;
    State resumed = (State) checkpoint.restore(store);
    if (resumed != null) {
      model = resumed.model();
      adam = resumed.adam();
      rate = resumed.rate();
      best = resumed.best();
      bestScore = resumed.bestScore();
      bestEpoch = resumed.bestEpoch();
      quarterAgo = resumed.quarterAgo();
      average = resumed.average();
      history.addAll(resumed.history());
      first = resumed.epoch() + 1;
    } else {
      history.add(heldOut.attach(record(0, model, counts, new double[4]), model, certificate(model.a(), settings)));
      listener.accept(history.get(0));
      bestScore = validationScore(model);
    }
    for (int epoch = first; epoch <= budget.maxEpochs(); epoch++) {
      long t0 = System.nanoTime();
      List<Integer> order = new ArrayList<>();
      for (int s = 0; s < steps; s++) {
        order.add(s);
      }
      Collections.shuffle(order, new Random(settings.seed() * 31 + epoch));
      RuleMetrics seen = null;
      if (settings.optimizer().syncsPerEpoch() == 0) {
        for (int k = 0; k < steps; k++) {
          StepPayload step = payload(model, order.get(k), steps).withRobust(robustAt(epoch, k, steps));
          GradientSums grad = store.aggregatePartitions("epoch " + epoch + ": gradient step " + (k + 1) + "/" + steps, step,
              GradientTrainer::partitionBatch);
          seen = seen == null ? grad.rule() : seen.merge(grad.rule());
          model = adam.step(model, grad, rate, settings, inputs);
          average = average == null ? null : average.add(model);
        }
      } else {
        for (int round = 0; round < settings.optimizer().syncsPerEpoch(); round++) {
          LocalRounds.Round job = new LocalRounds.Round(model, adam, settings, inputs, epoch, round, rate,
              robustAt(epoch, round, settings.optimizer().syncsPerEpoch()));
          LocalRounds.Average avg = store.aggregatePartitions("epoch " + epoch + ": local Adam steps, average " + (round + 1) + "/"
              + settings.optimizer().syncsPerEpoch(), job, LocalRounds::run);
          model = avg.model(model);
          adam = avg.adam();
        }
      }
      long t1 = System.nanoTime();
      // the epoch's training metrics are its batches' (each row once, at the model its step started from, as Keras reports
      // them): free with the steps' forward solves; a pass of their own where the steps do not give them, or give the
      // losses of a robust weight that ramps within the epoch
      RuleMetrics train = seen != null && robust == null ? seen
          : store.aggregate("epoch " + epoch + ": real-rule metrics", payload(model, 0, 1), GradientTrainer::evaluate);
      double[] seconds = {0, (t1 - t0) / 1e9, 0, (System.nanoTime() - t1) / 1e9};
      // early stopping judges the iterates' average where the run keeps one (its curve too), else the last iterate
      ImplicitModel judged = average == null ? model : average.model();
      EpochRecord record = heldOut.attach(record(epoch, judged, train, seconds), judged, certificate(judged.a(), settings));
      history.add(record);
      listener.accept(record);
      modelListener.accept(judged);
      // the curve already scored the validation rows with this model (the nominal loss): not twice
      double score = robust == null && heldOut.watches(validation) ? record.heldOutLoss() : validationScore(judged);
      if (score < bestScore || validation == null) {
        best = judged;
        bestScore = score;
        bestEpoch = epoch;
      } else if (epoch - bestEpoch >= budget.patience()) {
        break;
      }
      if (!budget.goesOn(epoch, validation != null, bestScore, quarterAgo)) {
        break;
      }
      if (budget.checkpointsBest(epoch)) {
        quarterAgo = bestScore;
      }
      rate *= budget.lrDecay();
      checkpoint.save(epoch, new State(epoch, model, adam, rate, best, bestScore, bestEpoch, quarterAgo, List.copyOf(history), average), null);
    }
    RuleMetrics last = store.aggregate("final real-rule metrics", payload(best, 0, 1), GradientTrainer::evaluate);
    return new Result(best, history, record(bestEpoch, best, last, new double[4]), bestEpoch);
  }

  /** Whether this run averages its iterates: where its budget asks, on synchronous steps, and the average is an iterate's kind. */
  private boolean averages(TrainingBudget budget) {
    return budget.averages() && settings.optimizer().syncsPerEpoch() == 0 && IterateAverage.keepsStructure(settings);
  }

  /** Lower is better: validation loss of the real rule, or 0 when there is no validation store. */
  private double validationScore(ImplicitModel model) {
    if (validation == null) {
      return 0;
    }
    return validation.aggregate("validation metrics", payload(model, 0, 1).withRobust(robust), GradientTrainer::evaluate).meanLoss();
  }

  private EpochRecord record(int epoch, ImplicitModel model, RuleMetrics metrics, double[] seconds) {
    return EpochRecord.ofRealRule(epoch, metrics, penalty(model), settings.loss(), outputs, seconds);
  }

  private double penalty(ImplicitModel m) {
    int n = settings.hiddenDim();
    Matrix ab = Matrix.hstack(m.a(), m.b());
    Matrix cd = Matrix.hstack(m.c(), m.d());
    return abProx().value(ab) + AdamState.cdProx(settings, inputs).value(cd) + InputGroups.value(ab, cd, n, inputs, settings.inputPenalty());
  }

  private Prox abProx() {
    return AdamState.abProx(settings, inputs);
  }

  /** The robust objective at step {@code step} of {@code steps} in an epoch (null when training is nominal). */
  private RobustObjective robustAt(int epoch, int step, int steps) {
    return robust == null ? null : robust.at(RobustObjective.progress(epoch, step, steps, budget.epochs()));
  }

  private StepPayload payload(ImplicitModel model, int step, int steps) {
    return new StepPayload(model, certificate(model.a(), settings), step, steps, settings);
  }

  /** The cheap certificate when the projection guarantees ‖A‖∞ ≤ κ, the full one otherwise. */
  static Certificate certificate(Matrix a, GradientSettings settings) {
    double inf = WellPosedness.infNorm(a);
    if (settings.structure() == Architecture.Structure.INF_NORM && inf < 1) {
      double[] ones = new double[a.rows()];
      java.util.Arrays.fill(ones, 1.0);
      return new Certificate(Certificate.Condition.INF_NORM, inf, ones, inf, Double.NaN);
    }
    return WellPosedness.certify(a, settings.activation());
  }

  /**
   * A = 0, B ~ N(0, 2·initScale²/p), C ~ N(0, 1/n), D = 0 (seeded): a one-hidden-layer start; for a regression D is the
   * linear model's and C a tenth of that ({@link LinearStart}). What {@link #train} starts from when given none; public so
   * that fits from one start (a step-size search's candidates) compute it once: the linear start costs two passes and a
   * (p + 1)³ solve.
   */
  public ImplicitModel initialModel() {
    int n = settings.hiddenDim();
    Random r = new Random(settings.seed());
    Matrix b = Matrix.zeros(n, inputs + 1);
    double sb = settings.initScale() * Math.sqrt(2.0 / inputs);
    for (int j = 0; j < inputs; j++) {
      for (int i = 0; i < n; i++) {
        b.set(i, j, sb * r.nextGaussian());
      }
    }
    Matrix c = Matrix.zeros(outputs, n);
    for (int k = 0; k < c.data().length; k++) {
      c.data()[k] = r.nextGaussian() / Math.sqrt(n);
    }
    if (settings.shape().layers() != null) {
      LayerMask.restrict(b, settings.shape().hiddenPattern(inputs).columnSlice(n, n + inputs + 1));
      LayerMask.restrict(c, settings.shape().readoutPattern(inputs, outputs).columnSlice(0, n));
    }
    ImplicitModel predictsZero = ImplicitModel.zero(n, inputs, outputs, settings.activation());
    Matrix linear = LinearStart.applies(settings, inputs)
        ? LinearStart.readout(store, inputs, () -> store.aggregate("linear start: the targets' squares", payload(predictsZero, 0, 1), GradientTrainer::evaluate))
        : null;
    if (linear == null) {
      return predictsZero.with(predictsZero.a(), b, c, predictsZero.d());
    }
    Blas.scal(LinearStart.READOUT_SCALE, c.data());
    return predictsZero.with(predictsZero.a(), b, c, linear);
  }

  private ImplicitModel checked(ImplicitModel m) {
    if (m.hiddenDim() != settings.hiddenDim() || m.inputDim() != inputs || m.outputDim() != outputs || !m.inputBias()) {
      throw new IllegalArgumentException("initial model " + m + " does not match the training problem (n=" + settings.hiddenDim()
          + ", p=" + inputs + ", q=" + outputs + ", with input bias)");
    }
    Matrix ab = Matrix.hstack(m.a(), m.b());
    abProx().apply(ab, 0.0);
    Matrix cd = LayerMask.restrict(Matrix.hstack(m.c(), m.d()), settings.shape().readoutPattern(inputs, outputs));
    return new ImplicitModel(ab.columnSlice(0, settings.hiddenDim()), ab.columnSlice(settings.hiddenDim(), ab.cols()),
        cd.columnSlice(0, settings.hiddenDim()), cd.columnSlice(settings.hiddenDim(), cd.cols()), settings.activation(), true);
  }
}
