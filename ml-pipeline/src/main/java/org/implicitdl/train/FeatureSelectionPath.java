package org.implicitdl.train;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.implicitdl.linalg.Blas;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.model.ImplicitModel;

/**
 * Chooses the input-group weight λ of Σ_j ‖[B_{:,j}; D_{:,j}]‖₂ (the column penalty (19), paper §6.1)
 * from the data: a path of weights, each fit warm-started from the previous one, scored on the
 * validation rows.
 *
 * <p>The path's top is glmnet's λ_max for the implicit model: with every input column zero the
 * states are one constant x₀, the prediction one constant; with that constant at its optimum
 * (the output bias refit) the other parameters are stationary, and the zero-column model is
 * stationary for the penalized problem exactly when λ ≥ max_j ‖∇_{[B;D]_{:,j}} L‖₂ (mean loss),
 * which one gradient pass gives. The weights are {@value #POINTS} geometric steps from
 * {@value #RATIO}·λ_max up to λ_max. The path runs upward from the dense model (as LassoNet does)
 * rather than downward from zero columns: with B's input columns zero, every state's gradient
 * ∇B = J(I − AᵀJ)⁻¹Cᵀ R Uᵀ lies in the range of Cᵀ, so features re-entering from zero all point
 * the same way and a neural model would restart from a symmetric, nearly linear point.
 *
 * <p>The supports are nested: an input a point drops stays at zero for the larger weights after
 * it, so the path removes inputs one stretch at a time instead of trading them. The penalty is the
 * adaptive group lasso's ({@link #adaptiveScales}): each input's weight is scaled by the inverse of
 * its column's size in the dense fit, and after each new support by the inverse of its size in that
 * support's refit (the multi-step adaptive lasso, Bühlmann and Meier 2008). The dense fit on few rows
 * gives irrelevant inputs sizeable columns, and by its scales alone the path dropped a weak relevant
 * input before them; the refit on a smaller support no longer spreads its fit over them. Nested supports cannot take back
 * an input dropped too early, so after the path inputs re-enter one at a time from the rule's choice, steepest gradient
 * first, and then the smallest kept inputs are tried out one at a time ({@link StepwiseRefinement}). The choice: with no limit, the one-standard-error rule (the
 * fewest inputs whose validation loss is within one standard error of the path's smallest, the
 * error being that of the paired row-by-row difference from the best point); with a limit K, the
 * smallest validation loss among the points using at most K inputs.
 */
public final class FeatureSelectionPath {
  static final int POINTS = 16;
  static final double RATIO = 0.01;
  /** Each point's budget is the dense fit's over this. */
  static final int POINT_SHARE = 4;

  /**
   * One point: its weight, inputs in use, validation mean loss and a standard error: of that mean
   * while the path runs, of the mean's difference from the best point's once the rule has them all;
   * {@code entered}, {@code dropped}: a point of the forward entry or of the backward drop after the path
   * ({@link StepwiseRefinement}), not of a weight.
   */
  public record Point(double weight, int inputs, double validationLoss, double standardError, boolean entered, boolean dropped)
      implements Serializable {
    /** A point of the weighted path. */
    public Point(double weight, int inputs, double validationLoss, double standardError) {
      this(weight, inputs, validationLoss, standardError, false, false);
    }

    /** This point as one of the forward entry's, at the weight of the point it started from. */
    Point asEntered() {
      return new Point(weight, inputs, validationLoss, standardError, true, false);
    }

    /** This point as one of the backward drop's, at the weight of the point it started from. */
    Point asDropped() {
      return new Point(weight, inputs, validationLoss, standardError, false, true);
    }
  }

  /** Outcome: the chosen model, the whole path (the dense start first, weight 0), the chosen point's index. */
  public record Result(ImplicitModel model, List<Point> path, int chosen, double lambdaMax) {
    public int[] selected() {
      return InputGroups.used(model.b(), model.d(), model.inputDim());
    }
  }

  private final BlockStore store;
  private final BlockStore validation;
  private final GradientSettings settings;
  /** The dense fit's settings: each support's refit gets its whole budget. */
  private final GradientSettings refitSettings;
  private final int inputs;
  private final int outputs;
  private final Consumer<EpochRecord> listener;
  private final PathScores scores;
  private final StepwiseRefinement stepwise;

  /**
   * @param settings the gradient solver's settings of the dense fit: each point and each refit
   *     gets a quarter of its budget ({@link TrainingBudget}: epochs and minSteps), warm-started;
   *     early stopping is off within a penalized fit (the penalized objective, not the validation
   *     loss, decides) and on within a refit
   */
  public FeatureSelectionPath(BlockStore store, BlockStore validation, GradientSettings settings, int inputs, int outputs,
      Consumer<EpochRecord> listener) {
    if (validation == null) {
      throw new IllegalArgumentException("feature selection needs validation rows to score its path");
    }
    this.store = store;
    this.validation = validation;
    this.settings = settings.withEpochs(Math.max(1, settings.optimizer().epochs() / POINT_SHARE)).withMinSteps(settings.optimizer().minSteps() / POINT_SHARE);
    this.refitSettings = settings;
    this.inputs = inputs;
    this.outputs = outputs;
    this.listener = listener;
    this.scores = new PathScores(validation, settings.loss(), settings.fixedPoint(), inputs);
    this.stepwise = new StepwiseRefinement(store, this.settings, inputs, outputs, listener, scores);
  }

  /** Runs the path from {@code dense}; {@code maxInputs} 0: the one-standard-error rule, K ≥ 1: at most K inputs. */
  public Result run(ImplicitModel dense, int maxInputs) {
    InputPenalty scales = adaptiveScales(dense);
    double lambdaMax = lambdaMax(withoutInputs(dense), scales);
    List<Point> path = new ArrayList<>();
    List<ImplicitModel> models = new ArrayList<>();
    path.add(scores.score(0, dense));
    models.add(dense);
    ImplicitModel current = dense;
    for (int k = 0; k < POINTS && path.get(path.size() - 1).inputs() > 0; k++) {
      double weight = lambdaMax * Math.pow(RATIO, (POINTS - 1 - k) / (double) (POINTS - 1));
      // nested supports: an input the path has dropped stays dropped at larger weights
      GradientSettings atWeight = settings.withInputPenalty(scales.at(weight, InputPenalty.keeping(
          InputGroups.used(current.b(), current.d(), inputs), inputs).dropped()));
      current = polish(new GradientTrainer(store, null, atWeight, inputs, outputs, listener).train(current).model(), atWeight);
      // relaxed: each support refit without the penalty, so the score is the support's, not the shrinkage's
      int[] support = InputGroups.used(current.b(), current.d(), inputs);
      int same = path.get(path.size() - 1).inputs() == support.length ? path.size() - 1 : -1;
      if (same >= 0) {
        // supports are nested: the same count is the same support, already refit and scored
        path.add(new Point(weight, support.length, path.get(same).validationLoss(), path.get(same).standardError()));
        models.add(models.get(same));
        continue;
      }
      ImplicitModel refit = new GradientTrainer(store, validation, refitSettings.withInputPenalty(InputPenalty.keeping(support, inputs)), inputs,
          outputs, listener).train(restricted(dense, support)).model();
      path.add(scores.score(weight, refit));
      models.add(refit);
      // multi-step adaptive: the next points penalize by this support's refit, not by the dense fit
      scales = rescaled(adaptiveScales(refit), scales, support);
    }
    return refineAndChoose(path, models, maxInputs, lambdaMax);
  }

  /** The stepwise steps alone (entry, then drop), from {@code model} as the only point of a path. */
  Result refineFrom(ImplicitModel model, int maxInputs) {
    return refineAndChoose(new ArrayList<>(List.of(scores.score(0, model))), new ArrayList<>(List.of(model)), maxInputs, Double.NaN);
  }

  /**
   * The rule's choice on {@code path}, the forward entry from it, the rule's choice, the backward drop from that
   * ({@link StepwiseRefinement}), and the rule's choice among all the points.
   */
  private Result refineAndChoose(List<Point> path, List<ImplicitModel> models, int maxInputs, double lambdaMax) {
    if (maxInputs == 0) {
      path = scores.withPairedErrors(path, models);
    }
    boolean entered = stepwise.enter(PathScores.choose(path, maxInputs), maxInputs, path, models);
    if (maxInputs == 0 && entered) {
      // the errors are of the difference from the best point, which an entered point may now be
      path = scores.withPairedErrors(path, models);
    }
    if (stepwise.drop(PathScores.choose(path, maxInputs), path, models, this::columnNorms) && maxInputs == 0) {
      // a dropped point can be the best too
      path = scores.withPairedErrors(path, models);
    }
    int chosen = PathScores.choose(path, maxInputs);
    return new Result(models.get(chosen), path, chosen, lambdaMax);
  }

  /**
   * Full-batch proximal gradient steps with backtracking (Beck–Teboulle) that settle which
   * columns are exactly zero: a mini-batch's gradient on an unused input is noise, and Adam's
   * normalized steps move every parameter by about the rate whatever its gradient; here a column
   * is zero exactly when the whole data's gradient on it is no larger than the weight.
   */
  private ImplicitModel polish(ImplicitModel model, GradientSettings atWeight) {
    int n = atWeight.hiddenDim();
    double step = 1.0;
    double loss = meanLoss(model);
    for (int k = 0; k < POLISH_STEPS; k++) {
      GradientSums grad = store.aggregate("feature selection: full-batch step " + (k + 1), payload(model), GradientTrainer::miniBatch);
      Matrix gab = grad.hidden().scaled(1 / grad.weight());
      Matrix gcd = grad.readout().scaled(1 / grad.weight());
      Matrix ab = Matrix.hstack(model.a(), model.b());
      Matrix cd = Matrix.hstack(model.c(), model.d());
      for (int trial = 0; trial < 30; trial++) {
        Matrix nab = ab.copy();
        Matrix ncd = cd.copy();
        Blas.axpy(-step, gab.data(), nab.data());
        Blas.axpy(-step, gcd.data(), ncd.data());
        new Prox(n, inputs, 0.0, 0.0, 0.0, atWeight.structure(), atWeight.kappa()).apply(nab, step);
        InputGroups.shrink(nab, uniform(nab, 1 / step), ncd, uniform(ncd, 1 / step), n, inputs, atWeight.inputPenalty());
        InputGroups.drop(nab, ncd, n, atWeight.inputPenalty().dropped());
        ImplicitModel next = model.withWeights(nab, ncd);
        double nextLoss = meanLoss(next);
        double bound = loss + dot(gab, nab, ab) + dot(gcd, ncd, cd) + (distance(nab, ab) + distance(ncd, cd)) / (2 * step);
        if (nextLoss <= bound + 1e-12 * Math.abs(loss)) {
          model = next;
          loss = nextLoss;
          step *= 1.5;
          break;
        }
        step /= 2;
      }
    }
    return model;
  }

  private double meanLoss(ImplicitModel model) {
    return store.aggregate("feature selection: training loss", payload(model), GradientTrainer::evaluate).meanLoss();
  }

  private static Matrix uniform(Matrix like, double value) {
    Matrix h = Matrix.zeros(like.rows(), like.cols());
    Arrays.fill(h.data(), value);
    return h;
  }

  /** ⟨G, W⁺ − W⟩. */
  private static double dot(Matrix g, Matrix next, Matrix now) {
    double s = 0;
    for (int i = 0; i < g.data().length; i++) {
      s += g.data()[i] * (next.data()[i] - now.data()[i]);
    }
    return s;
  }

  /** ‖W⁺ − W‖². */
  private static double distance(Matrix next, Matrix now) {
    double s = 0;
    for (int i = 0; i < next.data().length; i++) {
      double d = next.data()[i] - now.data()[i];
      s += d * d;
    }
    return s;
  }

  static final int POLISH_STEPS = 50;

  /** {@code model} with the input columns outside {@code support} zero: where a support's refit starts (unshrunk weights). */
  private ImplicitModel restricted(ImplicitModel model, int[] support) {
    Matrix ab = Matrix.hstack(model.a(), model.b());
    Matrix cd = Matrix.hstack(model.c(), model.d());
    InputGroups.drop(ab, cd, model.hiddenDim(), InputPenalty.keeping(support, inputs).dropped());
    return model.withWeights(ab, cd);
  }

  /** glmnet's λ_max at a model whose input columns are zero and whose output bias is optimal (one gradient pass). */
  public double lambdaMax(ImplicitModel zeroInputs) {
    return lambdaMax(zeroInputs, InputPenalty.of(1));
  }

  /**
   * The adaptive group lasso's scales (Zou 2006; Wang and Leng 2008 for groups): s_j = ḡ / g_j
   * with g_j = ‖[Γ B_{:,j}; D_{:,j}]‖₂ in the dense model and ḡ their mean, so an input the dense
   * fit hardly uses is penalized more and a strongly used one less. The plain group lasso
   * over-selects: to keep the relevant inputs' columns it must shrink them, and a smaller weight
   * then also admits irrelevant ones; scaling by the dense fit separates the two. Floored at
   * 1e-3·ḡ (a zero column is not infinitely penalized, only very strongly).
   */
  InputPenalty adaptiveScales(ImplicitModel dense) {
    double[] norms = columnNorms(dense);
    double mean = Arrays.stream(norms).sum() / inputs;
    if (!(mean > 0)) {
      return InputPenalty.of(1);
    }
    double[] scale = new double[inputs];
    for (int j = 0; j < inputs; j++) {
      scale[j] = mean / Math.max(norms[j], 1e-3 * mean);
    }
    return new InputPenalty(1, new boolean[0], scale);
  }

  /** ‖[Γ B_{:,j}; D_{:,j}]‖₂ of every input j: how much of the model each input's column carries, as the penalty measures it. */
  double[] columnNorms(ImplicitModel dense) {
    Matrix ab = Matrix.hstack(dense.a(), dense.b());
    Matrix cd = Matrix.hstack(dense.c(), dense.d());
    int n = dense.hiddenDim();
    double[] gain = InputGroups.stateGains(ab, cd, n);
    double[] norms = new double[inputs];
    for (int j = 0; j < inputs; j++) {
      double s = 0;
      for (int i = 0; i < n; i++) {
        s += Math.pow(gain[i] * ab.get(i, n + j), 2);
      }
      for (int i = 0; i < cd.rows(); i++) {
        s += Math.pow(cd.get(i, n + j), 2);
      }
      norms[j] = Math.sqrt(s);
    }
    return norms;
  }

  /**
   * {@code next}'s scales times the one constant that gives them {@code before}'s sum over {@code support}: the path's
   * weights keep their units while the inputs' relative scales are renewed.
   */
  static InputPenalty rescaled(InputPenalty next, InputPenalty before, int[] support) {
    // scale() returns a copy: one each
    double[] scale = next.scale();
    double[] previous = before.scale();
    if (scale.length == 0 || previous.length == 0) {
      // a refit with no input in use has no sizes to scale by: the scales so far stay
      return before;
    }
    double sumNext = 0;
    double sumBefore = 0;
    for (int j : support) {
      sumNext += scale[j];
      sumBefore += previous[j];
    }
    if (!(sumNext > 0) || !(sumBefore > 0)) {
      return before;
    }
    for (int j = 0; j < scale.length; j++) {
      scale[j] *= sumBefore / sumNext;
    }
    return new InputPenalty(1, new boolean[0], scale);
  }

  /** λ_max for the input penalty with {@code scales}' per-input multipliers (its weight 1). */
  double lambdaMax(ImplicitModel zeroInputs, InputPenalty scales) {
    double[] gradients = columnGradients(store, settings, zeroInputs, "feature selection: gradient at zero input columns");
    double largest = 0;
    for (int j = 0; j < inputs; j++) {
      largest = Math.max(largest, gradients[j] / scales.weightOf(j));
    }
    return largest;
  }

  /**
   * ‖[Γ⁻¹∇B_{:,j}; ∇D_{:,j}]‖₂ of the mean loss for every input j, B's rows measured by the states' gains Γ
   * ({@link InputGroups#stateGains}) as the penalty measures them: one full gradient pass.
   */
  static double[] columnGradients(BlockStore store, GradientSettings settings, ImplicitModel model, String stage) {
    GradientSums g = store.aggregate(stage, payload(model, settings), GradientTrainer::miniBatch);
    double[] gain = InputGroups.stateGains(Matrix.hstack(model.a(), model.b()), Matrix.hstack(model.c(), model.d()), model.hiddenDim());
    return InputGroups.gradientNorms(g.dB().dense(), g.dD(), gain, model.inputDim(), g.weight());
  }

  /**
   * {@code model} with every input column of B and D zero and the output bias set so the constant
   * prediction C x₀ + d is the best constant: the weighted mean target (squared loss) or the log
   * class frequencies (cross-entropy).
   */
  public ImplicitModel withoutInputs(ImplicitModel model) {
    Matrix b = model.b().copy();
    Matrix d = model.d().copy();
    for (int j = 0; j < inputs; j++) {
      for (int i = 0; i < b.rows(); i++) {
        b.set(i, j, 0.0);
      }
      for (int i = 0; i < d.rows(); i++) {
        d.set(i, j, 0.0);
      }
    }
    ImplicitModel zero = model.with(model.a(), b, model.c(), d);
    Matrix x0 = zero.solveStates(Matrix.zeros(inputs, 1), settings.fixedPoint()).states();
    TargetSums targets = store.aggregate("feature selection: mean target", settings.loss(), FeatureSelectionPath::targetSums);
    for (int o = 0; o < outputs; o++) {
      double mean = targets.weightedSum().get(o, 0) / targets.weight();
      double best = settings.loss() == Loss.CROSS_ENTROPY ? Math.log(Math.max(mean, 1e-12)) : mean;
      double cx = 0;
      for (int i = 0; i < x0.rows(); i++) {
        cx += zero.c().get(o, i) * x0.get(i, 0);
      }
      d.set(o, inputs, best - cx);
    }
    return zero.with(model.a(), b, model.c(), d);
  }

  /** Σ_k w_k y_k (q×1) and Σ_k w_k. */
  record TargetSums(Matrix weightedSum, double weight) implements Mergeable<TargetSums> {
    @Override
    public TargetSums merge(TargetSums o) {
      return new TargetSums(Mergeable.add(weightedSum, o.weightedSum), weight + o.weight);
    }
  }

  static TargetSums targetSums(Loss loss, TrainingBlock block) {
    return new TargetSums(Blas.multiply(block.y(), false, block.w(), true), block.w().sum());
  }

  private GradientTrainer.StepPayload payload(ImplicitModel model) {
    return payload(model, settings);
  }

  private static GradientTrainer.StepPayload payload(ImplicitModel model, GradientSettings settings) {
    return new GradientTrainer.StepPayload(model, GradientTrainer.certificate(model.a(), settings), 0, 1, settings);
  }
}
