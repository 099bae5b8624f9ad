package org.implicitdl.train;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.DoubleFunction;
import java.util.function.Predicate;
import org.implicitdl.linalg.Blas;
import org.implicitdl.linalg.LowRank;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.robust.InputBox;
import org.implicitdl.solve.Activation;

/**
 * Block-coordinate descent on the lifted, relaxed problem (10) of the paper (§4):
 * min L(Y, CP + DU) + λ f_φ(P, AX + BU) + (μ/2)‖X − P‖² + 𝒫(A, B, C, D) s.t. ‖A‖∞ ≤ κ.
 * Each epoch: the (C, D)-step on the driver from Gram statistics, the P- and X-steps inside the
 * blocks, the (A, B)-step on the driver (majorize–minimize, row-wise constraint). Each step
 * decreases its convex block, so the objective never increases (Xu–Yin, Theorem 2). The data
 * stays in the {@link BlockStore}; the driver holds only (n + p + 1)² statistics — or, for wide
 * inputs whose statistics would not fit ({@link #gramFitsTheDriver}), O(n(n + p)) numbers, the
 * convex steps then running first-order with one pass over the blocks per Gram product
 * ({@link DistributedGram}).
 */
public final class BlockCoordinateDescent extends EpochTrainer<BcdSettings, BlockCoordinateDescent> {
  /** The run's copy of the settings, whose λ and μ continuation grows. */
  private BcdSettings settings;

  /** What the next epoch needs besides the blocks' states: saved after each epoch with the store ({@link EpochCheckpoint}). */
  record State(int epoch, ImplicitModel model, BcdSettings settings, List<EpochRecord> history) implements Serializable {}
  private boolean refitReadout = true;
  private double[] robustRadius;
  private BcdStatistics.Constants constants;
  /** Whether the convex steps run first-order through passes ({@link DistributedGram}) instead of on (n + p + 1)² statistics. */
  private boolean firstOrder;
  private boolean alwaysFirstOrder;
  /** A's factors from the last low-rank (A, B)-step: the next one starts from them while they still multiply to A. */
  private LowRank factors;

  /** Outcome: the trained model (after the readout refit), its history, and the selected features. */
  public record Result(ImplicitModel model, List<EpochRecord> history, EpochRecord finalRecord, int[] selectedFeatures)
      implements EpochTrainer.Result { }

  /**
   * @param store the blocks, whose U carry the bias row (p + 1 rows) and whose Y has q rows
   * @param inputs p, the number of raw features
   * @param outputs q
   */
  public BlockCoordinateDescent(BlockStore store, BcdSettings settings, int inputs, int outputs, Consumer<EpochRecord> listener) {
    super(store, settings, inputs, outputs, listener);
    this.settings = settings;
  }

  /**
   * Robust training (paper §5, eq. 18, ReLU): the (A, B)-step fits the states to the worst-case
   * drive AX + BU' + |B|r1ᵀ over the input box u ± r instead of the nominal one.
   */
  public BlockCoordinateDescent robust(InputBox box) {
    if (box == null || box.epsilon() == 0) {
      this.robustRadius = null;
      return this;
    }
    if (settings.activation() != Activation.RELU) {
      throw new IllegalArgumentException("robust BCD training (eq. 18) needs activation relu, got " + settings.activation().id());
    }
    if (box.dimension() != inputs) {
      throw new IllegalArgumentException("the input box has " + box.dimension() + " features, the data " + inputs);
    }
    this.robustRadius = box.radii(1).data();
    return this;
  }

  /**
   * Runs the (C, D)- and (A, B)-steps first-order at any width (by default only when their Gram matrix does not fit
   * the driver, {@link #gramFitsTheDriver}): for tests, which compare the two forms on small data.
   */
  public BlockCoordinateDescent withFirstOrderSteps() {
    this.alwaysFirstOrder = true;
    return this;
  }

  /**
   * Whether the exact steps' statistics, (n + p + 1)² doubles, fit an eighth of the driver's heap (the share the driver
   * budget of small data also takes). Beyond it — wide inputs — the convex steps run as MFISTA whose every product with
   * the Gram matrix is one pass over the blocks (design §4: the statistics switch to distributed gradient passes).
   */
  public static boolean gramFitsTheDriver(int hiddenDim, int inputs, long heapBytes) {
    // (the sum is in double: (n + p + 1)² overflows an int beyond 46,340)
    double side = (double) hiddenDim + inputs + 1;
    return 8 * side * side <= heapBytes / 8.0;
  }

  /** Skips the final readout refit (and its report), e.g. when only the epochs are of interest. */
  public BlockCoordinateDescent withoutReadoutRefit() {
    this.refitReadout = false;
    return this;
  }

  /**
   * BCD as the first stage of bcd+gradient: trains without the readout refit and returns BCD's
   * hidden features (A, B) with the readout at zero, where gradient training continues. BCD's
   * readout is a nearly unregularized logistic regression on the raw features, large weights that
   * Adam's small steps would shrink only slowly.
   */
  public Result trainAsWarmStart(ImplicitModel initial) {
    Result r = withoutReadoutRefit().train(initial);
    return new Result(r.model().withZeroReadout(), r.history(), r.finalRecord(), r.selectedFeatures());
  }

  /**
   * Trains from {@code initial} (warm start) or, when null, from a seeded start: Gaussian B, or
   * k-means prototype directions ({@link BcdSettings#initialization()}).
   */
  @Override
  public Result train(ImplicitModel initial) {
    // every run starts from the configured weights and no earlier factors: the trainer can be reused
    settings = configured;
    factors = null;
    ImplicitModel model = initial == null ? initialModel() : BcdStart.checked(initial, settings, inputs, outputs);
    gatherConstants(model, null);
    List<EpochRecord> history = new ArrayList<>();
    int first = 1;
    State resumed = (State) checkpoint.restore(store);
    if (resumed != null) {
      model = resumed.model();
      settings = resumed.settings();
      history.addAll(resumed.history());
      first = resumed.epoch() + 1;
    } else {
      if (initial == null && settings.initialization() == BcdSettings.Initialization.PROTOTYPES) {
        model = PrototypeInitialization.model(store, settings, model, constants.uu());
      }
      store.updateStates("initial states", payload(model), LocalSteps::initialStates);
      history.add(heldOut.attach(report(0, model, new double[4]), model));
      listener.accept(history.get(0));
    }
    for (int epoch = first; epoch <= settings.maxEpochs(); epoch++) {
      double[] seconds = new double[4];
      long t0 = System.nanoTime();
      if (epoch > 1 && settings.relaxation().growth() > 1.0) {
        // continuation: re-anchor X = P at the real rule's fixed point before the new weights act
        store.updateStates("epoch " + epoch + ": re-anchor states at the fixed point", payload(model), LocalSteps::initialStates);
      }
      model = cdStep(model);
      long t1 = System.nanoTime();
      ImplicitModel current = model;
      store.updateStates("epoch " + epoch + ": P- and X-steps", payload(current), LocalSteps::pxStep);
      long t2 = System.nanoTime();
      model = abStep(model);
      long t3 = System.nanoTime();
      seconds[0] = (t1 - t0) / 1e9;
      seconds[1] = (t2 - t1) / 1e9;
      seconds[2] = (t3 - t2) / 1e9;
      EpochRecord record = heldOut.attach(report(epoch, model, seconds), model);
      history.add(record);
      listener.accept(record);
      modelListener.accept(model);
      double previous = history.get(history.size() - 2).objective();
      if (settings.relaxation().growth() == 1.0 && Math.abs(previous - record.objective()) <= settings.tol() * Math.abs(previous)) {
        break;
      }
      settings = settings.scaledWeights(settings.relaxation().growth());
      checkpoint.save(epoch, new State(epoch, model, settings, List.copyOf(history)), store);
    }
    EpochRecord finalRecord = history.get(history.size() - 1);
    if (refitReadout) {
      model = readoutRefit(model);
      finalRecord = heldOut.attach(report(finalRecord.epoch(), model, new double[4]), model);
    }
    return new Result(model, history, finalRecord, selectedFeatures(model));
  }

  /** The seeded start ({@link BcdStart#initial}) of these settings and shapes. */
  public ImplicitModel initialModel() {
    return BcdStart.initial(settings, inputs, outputs);
  }

  private BcdPayload payload(ImplicitModel model) {
    return BcdPayload.of(model, settings, robustRadius);
  }

  /**
   * (C, D)-step: squared loss in one solve, cross-entropy by majorize–minimize rounds (Böhning's
   * bound ½G); each quadratic solved by {@link ReadoutQuadratic#solve}.
   */
  ImplicitModel cdStep(ImplicitModel model) {
    Matrix w = Matrix.hstack(model.c(), model.d());
    ReadoutQuadratic readout = new ReadoutQuadratic(settings, inputs, outputs);
    if (firstOrder) {
      return model.withCD(firstOrderReadout(model, w, readout));
    }
    if (settings.loss() == Loss.SQUARED) {
      BcdStatistics.Readout s = store.aggregate("(C, D)-step statistics", payload(model), LocalSteps::cdStatistics);
      Matrix h = Matrix.hstack(s.yp(), constants.yu());
      Matrix q = ReadoutQuadratic.withReadoutRidge(gram(s), settings.ridge());
      w = readout.solve(w, q, readout.exactFactor(q, featuresUnpenalized() && settings.ridge() > 0), h);
    } else {
      Mergeable.Both<BcdStatistics.Readout, BcdStatistics.ReadoutGradient> s =
          store.aggregate("(C, D)-step statistics and gradient", payload(model), LocalSteps::cdStatisticsAndGradient);
      Matrix halfG = gram(s.first()).scaled(0.5);
      Matrix q = ReadoutQuadratic.withReadoutRidge(halfG, settings.ridge());
      Blas.Cholesky exact = readout.exactFactor(q, featuresUnpenalized());
      // each round minimizes the bound around an extrapolated point (Extrapolation): the bound is loose by up to the classes' count
      Extrapolation rounds = new Extrapolation(w, q);
      for (int round = 0; round < settings.inner().mmRounds(); round++) {
        Matrix around = rounds.point();
        // round 0's gradient came with the statistics, at the model's own (C, D)
        Matrix gradient = round == 0 ? s.second().joined() : crossEntropyGradient(model.withCD(around));
        Matrix l = Blas.multiply(around, halfG);
        Blas.axpy(-1.0, gradient.data(), l.data());
        rounds.advance(around, readout.solve(around, q, exact, l));
      }
      w = rounds.last();
    }
    return model.withCD(w);
  }

  /**
   * The (C, D)-step first-order: the same quadratics (squared loss: one; cross-entropy: a majorize–minimize round each,
   * with Böhning's ½G), solved by MFISTA whose products with G are passes ({@link DistributedGram}).
   */
  private Matrix firstOrderReadout(ImplicitModel model, Matrix w, ReadoutQuadratic readout) {
    int side = settings.hiddenDim() + inputs + 1;
    if (settings.loss() == Loss.SQUARED) {
      BcdStatistics.Readout s = store.aggregate("(C, D)-step moments", payload(model), LocalSteps::cdStatistics);
      DistributedGram q = new DistributedGram(store, DistributedGram.State.P, side, 1.0, 0.0, "(C, D)-step");
      return readout.solve(w, q, Matrix.hstack(s.yp(), constants.yu()), firstOrderIterations(), settings.ridge());
    }
    DistributedGram halfG = new DistributedGram(store, DistributedGram.State.P, side, 0.5, 0.0, "(C, D)-step");
    for (int round = 0; round < settings.inner().mmRounds(); round++) {
      Matrix gradient = crossEntropyGradient(model.withCD(w));
      Matrix l = halfG.apply(w);
      Blas.axpy(-1.0, gradient.data(), l.data());
      w = readout.solve(w, halfG, l, firstOrderIterations(), settings.ridge());
    }
    return w;
  }

  /** G = [P; U'][P; U']ᵀ of the (C, D)-step. */
  private Matrix gram(BcdStatistics.Readout s) {
    return ReadoutQuadratic.assembleGram(s.pp(), s.pu(), constants.uu());
  }

  private Matrix crossEntropyGradient(ImplicitModel current) {
    return store.aggregate("(C, D)-step cross-entropy gradient", payload(current), LocalSteps::cdGradient).joined();
  }

  /**
   * (A, B)-step: majorize f_φ around Z0 = AX + BU', then row-weighted FISTA with the constraint.
   * X is fixed during the step, so the Gram part G = [X; U'][X; U']ᵀ comes with the first round's
   * pass and later rounds gather only the moments H = T[X; U']ᵀ at their own (A, B).
   */
  ImplicitModel abStep(ImplicitModel model) {
    int n = settings.hiddenDim();
    Prox prox = new Prox(n, inputs, 0.0, settings.l1(), settings.groupLasso(), settings.structure(), settings.kappa())
        .withStateGroups(settings.statePenalty(), settings.statePenalty()).withMask(settings.shape().hiddenPattern(inputs));
    Matrix w = Matrix.hstack(model.a(), model.b());
    if (firstOrder) {
      // the majorizer's moments H at each round's (A, B); its Gram part G = [X; U'][X; U']ᵀ only as passes
      DistributedGram g = new DistributedGram(store, DistributedGram.State.X, n + inputs + 1, 1.0, settings.ridge(), "(A, B)-step");
      for (int round = 0; round < settings.inner().mmRounds(); round++) {
        Matrix h = store.aggregate("(A, B)-step majorizer moments", payload(model.withAB(w)), LocalSteps::abTargets).joined();
        w = QuadraticStep.solve(w, g, h, settings.lambdaVector(), prox, firstOrderIterations());
      }
      return model.withAB(w);
    }
    Mergeable.Both<BcdStatistics.StateGram, BcdStatistics.Targets> first =
        store.aggregate("(A, B)-step statistics", payload(model), LocalSteps::abStatistics);
    BcdStatistics.StateGram gram = first.first();
    Matrix g = ReadoutQuadratic.withRidge(ReadoutQuadratic.assembleGram(gram.xx(), gram.xu(), constants.uu()), settings.ridge());
    if (settings.shape().lowRank() && robustRadius != null) {
      throw new IllegalArgumentException("robust BCD training with a rank limit is not supported: use the gradient solver or rank 0");
    }
    boolean plain = featuresUnpenalized() && robustRadius == null && !settings.shape().lowRank() && settings.shape().layers() == null;
    ExactInB exactInB = plain ? ExactInB.of(g, n) : null;
    for (int round = 0; round < settings.inner().mmRounds(); round++) {
      Matrix h = (round == 0 ? first.second()
          : store.aggregate("(A, B)-step majorizer moments", payload(model.withAB(w)), LocalSteps::abTargets)).joined();
      if (settings.shape().lowRank()) {
        LowRankStep.Result step = LowRankStep.solve(w, factors, g, h, settings.lambdaVector(), prox, settings.shape().rank(), settings.seed(),
            settings.inner().fistaIterations());
        w = step.w();
        factors = step.factors();
      } else if (robustRadius != null) {
        RobustRows rows = new RobustRows(g, gram.xu(), constants.uu(), w, n, robustRadius);
        w = QuadraticStep.solve(w, rows, rows.moments(h), settings.lambdaVector(), prox, settings.inner().fistaIterations());
      } else {
        w = exactInB != null ? exactInB.solve(w, h, settings) : QuadraticStep.solve(w, g, h, settings.lambdaVector(), prox, settings.inner().fistaIterations());
      }
    }
    return model.withAB(w);
  }

  /**
   * MFISTA iterations of a first-order block step: each is a pass over the data (where the exact steps' iterations cost
   * a product with a driver-side matrix), so at most {@value #FIRST_ORDER_ITERATIONS}. The step stays a descent step at
   * any count (MFISTA is monotone); BCD's next epoch continues from where it stopped.
   */
  private int firstOrderIterations() {
    return Math.min(FIRST_ORDER_ITERATIONS, settings.inner().fistaIterations());
  }

  static final int FIRST_ORDER_ITERATIONS = 25;

  /** No ℓ1 or group penalty: the feature blocks B and D enter their steps as plain quadratics. */
  private boolean featuresUnpenalized() {
    return settings.l1() == 0 && settings.groupLasso() == 0 && settings.statePenalty() == 0;
  }

  /**
   * {@code model} with its readout (C, D) at the optimum of the convex (C, D)-step on its real
   * states (one pass for U'U'ᵀ, one for the states, the step's own passes): e.g. the best linear
   * readout of the inputs when B = 0.
   */
  public ImplicitModel fitReadout(ImplicitModel model) {
    gatherConstants(model, null);
    return readoutRefit(model);
  }

  /**
   * {@link #fitReadout} at each ridge of a regularization path, strongest first, each warm-started from the one
   * before (cross-entropy's rounds start from it), until {@code goOn} returns false for a fit: ridge ρ = α·w for each α
   * of {@code ridgePerWeight}, w the rows' total weight, so α is the ridge on the mean loss whatever the data's size.
   * The constant statistics and the real states are gathered once (the states do not depend on the readout); the
   * settings' own ridge is restored afterwards.
   */
  public List<ImplicitModel> fitReadoutPath(ImplicitModel model, double[] ridgePerWeight, Predicate<ImplicitModel> goOn) {
    return fitReadoutPath(model, ridgePerWeight, null, goOn);
  }

  /**
   * {@link #fitReadoutPath(ImplicitModel, double[], Predicate)} with U'U'ᵀ and YU'ᵀ already gathered from this store
   * ({@code known}, {@link LocalSteps#constants}; null: gathered here): a caller that needed them first, as a ridge's
   * cross-validation does, does not pay for the pass twice. Used only for exact steps, whose statistics they are.
   */
  public List<ImplicitModel> fitReadoutPath(ImplicitModel model, double[] ridgePerWeight, BcdStatistics.Constants known,
      Predicate<ImplicitModel> goOn) {
    return walked(readoutPath(model, known)::next, ridgePerWeight, goOn);
  }

  /** A path's fits, {@code next} at each ridge in turn, until {@code goOn} returns false for one (that one included). */
  public static List<ImplicitModel> walked(DoubleFunction<ImplicitModel> next, double[] ridges, Predicate<ImplicitModel> goOn) {
    List<ImplicitModel> path = new ArrayList<>();
    for (double ridge : ridges) {
      path.add(next.apply(ridge));
      if (!goOn.test(path.get(path.size() - 1))) {
        break;
      }
    }
    return path;
  }

  /**
   * {@link #fitReadoutPath}'s walk, one ridge at a time: for a caller that walks several paths in step and stops them
   * all on one rule, as cross-validation's folds stop on their mean held-out loss. The constant statistics and the real
   * states are gathered here, once.
   */
  public ReadoutPath readoutPath(ImplicitModel model, BcdStatistics.Constants known) {
    gatherConstants(model, known);
    store.updateStates("readout path: true fixed-point states", payload(model), LocalSteps::withTrueStates);
    return new ReadoutPath(model);
  }

  /** A readout path under way: each fit is warm-started from the one before (cross-entropy's rounds start from it). */
  public final class ReadoutPath {
    private ImplicitModel current;

    private ReadoutPath(ImplicitModel start) {
      current = start;
    }

    /** The fit at ridge α·w (α per unit of row weight, w the rows' total weight); the settings' own ridge is kept. */
    public ImplicitModel next(double ridgePerWeight) {
      BcdSettings configured = settings;
      try {
        settings = configured.withPenalties(ridgePerWeight * constants.weight(), configured.l1(), configured.groupLasso());
        current = cdStep(current);
      } finally {
        settings = configured;
      }
      return current;
    }
  }

  /** The statistics no step changes, U'U'ᵀ (exact steps only) and YU'ᵀ (one pass, or {@code known}'s); refuses empty data. */
  private void gatherConstants(ImplicitModel model, BcdStatistics.Constants known) {
    firstOrder = alwaysFirstOrder || !gramFitsTheDriver(settings.hiddenDim(), inputs, Runtime.getRuntime().maxMemory());
    if (firstOrder && (robustRadius != null || settings.shape().lowRank() || settings.initialization() == BcdSettings.Initialization.PROTOTYPES)) {
      throw new IllegalArgumentException(String.format(Locale.ROOT, "with %d inputs BCD's statistics ((n + p + 1)² = %.1f GB) exceed "
          + "the driver's share, and its first-order steps do not cover robust training, a rank limit or prototype initialization: "
          + "use the gradient solver, or fewer inputs", inputs, 8.0 * Math.pow(settings.hiddenDim() + inputs + 1.0, 2) / 1e9));
    }
    if (firstOrder) {
      constants = store.aggregate("constant statistics YU'ᵀ", payload(model), LocalSteps::readoutConstants);
    } else {
      constants = known != null ? known : store.aggregate("constant statistics U'U'ᵀ, YU'ᵀ", payload(model), LocalSteps::constants);
    }
    if (constants.weight() == 0) {
      throw new IllegalArgumentException("training data is empty: 0 rows");
    }
  }

  /** The final convex step: (C, D) refitted on the real rule's fixed-point states. */
  ImplicitModel readoutRefit(ImplicitModel model) {
    store.updateStates("readout refit: true fixed-point states", payload(model), LocalSteps::withTrueStates);
    return cdStep(model);
  }

  private EpochRecord report(int epoch, ImplicitModel model, double[] seconds) {
    long t0 = System.nanoTime();
    BcdPayload payload = payload(model);
    Mergeable.Both<RuleMetrics, BcdStatistics.Objective> sums =
        store.aggregate("epoch " + epoch + ": objective (10) and real-rule metrics", payload, LocalSteps::report);
    seconds[3] = (System.nanoTime() - t0) / 1e9;
    double penalty = BcdStart.penalty(model, settings, inputs);
    BcdStatistics.Objective lifted = sums.second();
    RuleMetrics rule = sums.first();
    return new EpochRecord(epoch, lifted.loss() + lifted.divergence() + lifted.coupling() + penalty, lifted.loss(), lifted.divergence(),
        lifted.coupling(), penalty, rule.loss(), rule.metric(settings.loss(), outputs), rule.maxResidual(), (long) rule.notConverged(),
        seconds.clone());
  }

  /** Raw features j whose column of B or of D is non-zero. */
  public static int[] selectedFeatures(ImplicitModel model) {
    return InputGroups.used(model.b(), model.d(), model.inputDim());
  }
}
