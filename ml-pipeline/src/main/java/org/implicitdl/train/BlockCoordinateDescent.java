package org.implicitdl.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.implicitdl.linalg.Blas;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.solve.Activation;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.solve.WellPosedness;

/**
 * Block-coordinate descent on the lifted, relaxed problem (10) of the paper (§4):
 * min L(Y, CP + DU) + λ f_φ(P, AX + BU) + (μ/2)‖X − P‖² + 𝒫(A, B, C, D) s.t. ‖A‖∞ ≤ κ.
 * Each epoch: the (C, D)-step on the driver from Gram statistics, the P- and X-steps inside the
 * blocks, the (A, B)-step on the driver (majorize–minimize, row-wise constraint). Each step
 * decreases its convex block, so the objective never increases (Xu–Yin, Theorem 2). The data
 * stays in the {@link BlockStore}; the driver holds only (n + p + 1)² statistics.
 */
public final class BlockCoordinateDescent {
  private final BlockStore store;
  /** The settings as given; {@link #settings} is the run's copy, whose λ and μ continuation grows. */
  private final BcdSettings configured;
  private BcdSettings settings;
  private final int inputs;
  private final int outputs;
  private final Consumer<EpochRecord> listener;
  private Consumer<ImplicitModel> modelListener = m -> { };
  private HeldOutScore heldOut = HeldOutScore.none();
  private EpochCheckpoint checkpoint = EpochCheckpoint.none();

  /** What the next epoch needs besides the blocks' states: saved after each epoch with the store ({@link EpochCheckpoint}). */
  record State(int epoch, ImplicitModel model, BcdSettings settings, List<EpochRecord> history) implements java.io.Serializable {}
  private boolean refitReadout = true;
  private double[] robustRadius;
  private Sums constants;
  /** A's factors from the last low-rank (A, B)-step: the next one starts from them while they still multiply to A. */
  private org.implicitdl.linalg.LowRank factors;

  /** Outcome: the trained model (after the readout refit), its history, and the selected features. */
  public record Result(ImplicitModel model, List<EpochRecord> history, EpochRecord finalRecord, int[] selectedFeatures) { }

  /**
   * @param store the blocks, whose U carry the bias row (p + 1 rows) and whose Y has q rows
   * @param inputs p, the number of raw features
   * @param outputs q
   */
  public BlockCoordinateDescent(BlockStore store, BcdSettings settings, int inputs, int outputs, Consumer<EpochRecord> listener) {
    if (inputs < 1 || outputs < 1) {
      throw new IllegalArgumentException("need at least one feature and one output, got p=" + inputs + ", q=" + outputs);
    }
    this.store = store;
    this.configured = settings;
    this.settings = settings;
    this.inputs = inputs;
    this.outputs = outputs;
    this.listener = listener == null ? r -> { } : listener;
  }

  /** Saves the state (and the blocks' P- and X-states) after each epoch there, and resumes from a state found there. */
  public BlockCoordinateDescent checkpointing(EpochCheckpoint at) {
    this.checkpoint = at;
    return this;
  }

  /** Scores every epoch's model on held-out rows (the validation curve); it selects nothing. */
  public BlockCoordinateDescent watching(HeldOutScore score) {
    this.heldOut = score;
    return this;
  }

  /** Also hands each epoch's model to {@code l} (benchmarks judge it on test data). */
  public BlockCoordinateDescent onEpochModel(Consumer<ImplicitModel> l) {
    this.modelListener = l;
    return this;
  }

  /**
   * Robust training (paper §5, eq. 18, ReLU): the (A, B)-step fits the states to the worst-case
   * drive AX + BU' + |B|r1ᵀ over the input box u ± r instead of the nominal one.
   */
  public BlockCoordinateDescent robust(org.implicitdl.robust.InputBox box) {
    if (box == null || box.epsilon() == 0) {
      this.robustRadius = null;
      return this;
    }
    if (settings.activation() != Activation.RELU) {
      throw new IllegalArgumentException("robust BCD training (eq. 18) needs activation relu, got " + settings.activation().id());
    }
    double[] r = box.sigma();
    for (int f = 0; f < r.length; f++) {
      r[f] *= box.epsilon();
    }
    if (r.length != inputs) {
      throw new IllegalArgumentException("the input box has " + r.length + " features, the data " + inputs);
    }
    this.robustRadius = r;
    return this;
  }

  /** Skips the final readout refit (and its report), e.g. when only the epochs are of interest. */
  public BlockCoordinateDescent withoutReadoutRefit() {
    this.refitReadout = false;
    return this;
  }

  /**
   * BCD as the first stage of bcd+gradient: trains without the readout refit and returns, as the
   * result's model, where gradient training continues: BCD's hidden features (A, B) with the
   * readout at zero. BCD's readout is a nearly unregularized logistic regression on the raw
   * features (‖D‖_F ≈ 65 on Fashion-MNIST), which Adam's small steps shrink only slowly:
   * measured after 1 BCD epoch + 3 gradient epochs, 0.842 test accuracy from the whole BCD model
   * and 0.860 from its features with the readout reset.
   */
  public Result trainAsWarmStart(ImplicitModel initial) {
    Result r = withoutReadoutRefit().train(initial);
    return new Result(r.model().withZeroReadout(), r.history(), r.finalRecord(), r.selectedFeatures());
  }

  /**
   * Trains from {@code initial} (warm start) or, when null, from a seeded start: Gaussian B, or
   * k-means prototype directions ({@link BcdSettings#initialization()}).
   */
  public Result train(ImplicitModel initial) {
    // every run starts from the configured weights and no earlier factors: the trainer can be reused
    settings = configured;
    factors = null;
    ImplicitModel model = initial == null ? initialModel() : checkedWarmStart(initial);
    gatherConstants(model);
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
        model = PrototypeInitialization.model(store, settings, model, constants.matrix(LocalSteps.CONST_UU));
      }
      store.update("initial states", payload(model), LocalSteps::initialStates);
      history.add(heldOut.attach(report(0, model, new double[4]), model));
      listener.accept(history.get(0));
    }
    for (int epoch = first; epoch <= settings.maxEpochs(); epoch++) {
      double[] seconds = new double[4];
      long t0 = System.nanoTime();
      if (epoch > 1 && settings.lambdaGrowth() > 1.0) {
        // continuation: re-anchor X = P at the real rule's fixed point before the new weights act
        store.update("epoch " + epoch + ": re-anchor states at the fixed point", payload(model), LocalSteps::initialStates);
      }
      model = cdStep(model);
      long t1 = System.nanoTime();
      ImplicitModel current = model;
      store.update("epoch " + epoch + ": P- and X-steps", payload(current), LocalSteps::pxStep);
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
      if (settings.lambdaGrowth() == 1.0 && Math.abs(previous - record.objective()) <= settings.tol() * Math.abs(previous)) {
        break;
      }
      settings = settings.scaledWeights(settings.lambdaGrowth());
      checkpoint.save(epoch, new State(epoch, model, settings, List.copyOf(history)), store);
    }
    EpochRecord finalRecord = history.get(history.size() - 1);
    if (refitReadout) {
      model = readoutRefit(model);
      finalRecord = heldOut.attach(report(finalRecord.epoch(), model, new double[4]), model);
    }
    return new Result(model, history, finalRecord, selectedFeatures(model));
  }

  /**
   * A = 0, B Gaussian (scale initScale/√p, seeded), C = D = 0, φ from the settings; the (C, D)-step sets the readout.
   * Under a layer pattern, B feeds the first layer only and A's blocks are Gaussian ({@link LayerMask#gaussianBlocks}).
   */
  public ImplicitModel initialModel() {
    int n = settings.hiddenDim();
    Random r = new Random(settings.seed());
    Matrix b = Matrix.zeros(n, inputs + 1);
    double scale = settings.initScale() / Math.sqrt(inputs);
    for (int j = 0; j < inputs; j++) {
      for (int i = 0; i < n; i++) {
        b.set(i, j, scale * r.nextGaussian());
      }
    }
    Matrix a = Matrix.zeros(n, n);
    LayerMask layers = settings.shape().layers();
    if (layers != null) {
      // layers past the first are read only through A: a zero A would leave them (and the readout) without any signal
      Matrix pattern = settings.shape().hiddenPattern(inputs);
      LayerMask.restrict(b, pattern.columnSlice(n, n + inputs + 1));
      a = layers.gaussianBlocks(settings.initScale(), r);
      if (settings.structure() == BcdSettings.Structure.INF_NORM) {
        a = WellPosedness.projectInfNorm(a, settings.kappa());
      }
    }
    return new ImplicitModel(a, b, Matrix.zeros(outputs, n), Matrix.zeros(outputs, inputs + 1), settings.activation(), true);
  }

  private ImplicitModel checkedWarmStart(ImplicitModel m) {
    if (m.hiddenDim() != settings.hiddenDim() || m.inputDim() != inputs || m.outputDim() != outputs || !m.inputBias()) {
      throw new IllegalArgumentException("initial model " + m + " does not match the training problem (n=" + settings.hiddenDim()
          + ", p=" + inputs + ", q=" + outputs + ", with input bias)");
    }
    if (m.activation() != settings.activation()) {
      throw new IllegalArgumentException("initial model has activation " + m.activation().id() + ", the training problem "
          + settings.activation().id());
    }
    Matrix a = m.a();
    if (settings.structure() == BcdSettings.Structure.INF_NORM && WellPosedness.infNorm(a) > settings.kappa()) {
      a = WellPosedness.projectInfNorm(a, settings.kappa());
    }
    int n = settings.hiddenDim();
    Matrix ab = LayerMask.restrict(Matrix.hstack(a, m.b()), settings.shape().hiddenPattern(inputs));
    Matrix cd = LayerMask.restrict(Matrix.hstack(m.c(), m.d()), settings.shape().readoutPattern(inputs, outputs));
    return m.with(ab.columnSlice(0, n), ab.columnSlice(n, ab.cols()), cd.columnSlice(0, n), cd.columnSlice(n, cd.cols()));
  }

  private BcdPayload payload(ImplicitModel model) {
    model.certificate();
    double[] lambda = settings.lambdaVector();
    double maxLambda = Arrays.stream(lambda).max().orElse(1);
    double c2 = WellPosedness.twoNorm(model.c());
    double a2 = WellPosedness.twoNorm(model.a());
    double etaP = 1.0 / (1.01 * (settings.loss().curvature() * c2 * c2 + maxLambda + settings.mu()));
    double etaX = 1.0 / (1.01 * (maxLambda * a2 * a2 + settings.mu()));
    return new BcdPayload(model, settings, etaP, etaX, robustRadius);
  }

  /**
   * (C, D)-step: squared loss in one solve, cross-entropy by majorize–minimize rounds (Böhning's
   * bound ½G); each quadratic solved by {@link #readoutSolve}.
   */
  ImplicitModel cdStep(ImplicitModel model) {
    boolean squared = settings.loss() == Loss.SQUARED;
    Sums s = squared ? store.aggregate("(C, D)-step statistics", payload(model), LocalSteps::cdStatistics)
        : store.aggregate("(C, D)-step statistics and gradient", payload(model), LocalSteps::cdStatisticsAndGradient);
    Matrix g = assembleGram(s.matrix(0), s.matrix(1), constants.matrix(LocalSteps.CONST_UU));
    Matrix w = Matrix.hstack(model.c(), model.d());
    if (squared) {
      Matrix h = Matrix.hstack(s.matrix(2), constants.matrix(LocalSteps.CONST_YU));
      Matrix q = withRidge(g, settings.ridge());
      w = readoutSolve(w, q, exactFactor(q, featuresUnpenalized() && settings.ridge() > 0), h);
    } else {
      Matrix halfG = g.scaled(0.5);
      Matrix q = withRidge(halfG, settings.ridge());
      Blas.Cholesky exact = exactFactor(q, featuresUnpenalized());
      for (int round = 0; round < settings.abRounds(); round++) {
        // round 0's gradient came with the statistics, at the model's own (C, D)
        Matrix gradient = round == 0 ? Matrix.hstack(s.matrix(3), s.matrix(4)) : crossEntropyGradient(model.withCD(w));
        Matrix l = Blas.multiply(w, halfG);
        Blas.axpy(-1.0, gradient.data(), l.data());
        w = readoutSolve(w, q, exact, l);
      }
    }
    return model.withCD(w);
  }

  /**
   * min over W = [C D] of ½ tr(W Q Wᵀ) − tr(L Wᵀ) + the (C, D) penalties: W = L Q⁻¹ with Q's
   * Cholesky factor when there is one ({@link #exactFactor}), else MFISTA from the current W.
   */
  private Matrix readoutSolve(Matrix w, Matrix q, Blas.Cholesky exact, Matrix l) {
    int[] kept = keptReadoutColumns();
    if (exact != null) {
      Matrix rhs = kept == null ? l.transpose() : l.columns(kept).transpose();
      exact.solve(rhs);
      if (kept == null) {
        return rhs.transpose();
      }
      Matrix out = Matrix.zeros(w.rows(), w.cols());
      for (int k = 0; k < kept.length; k++) {
        for (int i = 0; i < out.rows(); i++) {
          out.set(i, kept[k], rhs.get(k, i));
        }
      }
      return out;
    }
    double[] ones = new double[outputs];
    Arrays.fill(ones, 1.0);
    Prox prox = Prox.unconstrained(settings.hiddenDim(), inputs, settings.l1(), settings.groupLasso()).withStateGroups(0, settings.statePenalty())
        .withMask(settings.shape().readoutPattern(inputs, outputs));
    return QuadraticStep.solve(w, q, l, ones, prox, settings.fistaIterations());
  }

  /**
   * Q's Cholesky factor when the step is an exact quadratic ({@code exact}: no ℓ1/group terms) and Q is numerically
   * positive definite; under a layer pattern, the factor of Q on the columns of [C D] the pattern keeps.
   */
  private Blas.Cholesky exactFactor(Matrix q, boolean exact) {
    int[] kept = keptReadoutColumns();
    return !exact ? null : Blas.Cholesky.of(kept == null ? q : q.columns(kept).transpose().columns(kept));
  }

  /** The columns of [C D] the layer pattern keeps (the same for every output), or null for all. */
  private int[] keptReadoutColumns() {
    Matrix pattern = settings.shape().readoutPattern(inputs, outputs);
    return pattern == null ? null : java.util.stream.IntStream.range(0, pattern.cols()).filter(j -> pattern.get(0, j) != 0).toArray();
  }

  private Matrix crossEntropyGradient(ImplicitModel current) {
    Sums grad = store.aggregate("(C, D)-step cross-entropy gradient", payload(current), LocalSteps::cdGradient);
    return Matrix.hstack(grad.matrix(0), grad.matrix(1));
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
    Sums first = store.aggregate("(A, B)-step statistics", payload(model), LocalSteps::abStatistics);
    Matrix g = withRidge(assembleGram(first.matrix(0), first.matrix(1), constants.matrix(LocalSteps.CONST_UU)), settings.ridge());
    if (settings.shape().lowRank() && robustRadius != null) {
      throw new IllegalArgumentException("robust BCD training with a rank limit is not supported: use the gradient solver or rank 0");
    }
    boolean plain = featuresUnpenalized() && robustRadius == null && !settings.shape().lowRank() && settings.shape().layers() == null;
    ExactInB exactInB = plain ? ExactInB.of(g, n) : null;
    for (int round = 0; round < settings.abRounds(); round++) {
      Sums s = round == 0 ? first
          : store.aggregate("(A, B)-step majorizer moments", payload(model.withAB(w)), LocalSteps::abTargets);
      int o = round == 0 ? 2 : 0;
      Matrix h = Matrix.hstack(s.matrix(o), s.matrix(o + 1));
      if (settings.shape().lowRank()) {
        LowRankStep.Result step = LowRankStep.solve(w, factors, g, h, settings.lambdaVector(), prox, settings.shape().rank(), settings.seed(),
            settings.fistaIterations());
        w = step.w();
        factors = step.factors();
      } else if (robustRadius != null) {
        RobustRows rows = new RobustRows(g, first.matrix(1), constants.matrix(LocalSteps.CONST_UU), w, n, robustRadius);
        w = QuadraticStep.solve(w, rows, rows.moments(h), settings.lambdaVector(), prox, settings.fistaIterations());
      } else {
        w = exactInB != null ? exactInB.solve(w, h, settings) : QuadraticStep.solve(w, g, h, settings.lambdaVector(), prox, settings.fistaIterations());
      }
    }
    return model.withAB(w);
  }

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
    gatherConstants(model);
    return readoutRefit(model);
  }

  /** The statistics no step changes, U'U'ᵀ and YU'ᵀ (one pass); refuses empty data. */
  private void gatherConstants(ImplicitModel model) {
    constants = store.aggregate("constant statistics U'U'ᵀ, YU'ᵀ", payload(model), LocalSteps::constants);
    if (constants.scalar(0) == 0) {
      throw new IllegalArgumentException("training data is empty: 0 rows");
    }
  }

  /** The final convex step: (C, D) refitted on the real rule's fixed-point states. */
  ImplicitModel readoutRefit(ImplicitModel model) {
    store.update("readout refit: true fixed-point states", payload(model), LocalSteps::withTrueStates);
    return cdStep(model);
  }

  private EpochRecord report(int epoch, ImplicitModel model, double[] seconds) {
    long t0 = System.nanoTime();
    BcdPayload payload = payload(model);
    Sums sums = store.aggregate("epoch " + epoch + ": objective (10) and real-rule metrics", payload, LocalSteps::report);
    seconds[3] = (System.nanoTime() - t0) / 1e9;
    double penalty = penalty(model);
    int o = RealRule.SCALARS;
    double loss = sums.scalar(o + LocalSteps.R_LOSS);
    double divergence = sums.scalar(o + LocalSteps.R_DIVERGENCE);
    double coupling = sums.scalar(o + LocalSteps.R_COUPLING);
    return new EpochRecord(epoch, loss + divergence + coupling + penalty, loss, divergence, coupling, penalty,
        sums.scalar(RealRule.LOSS), RealRule.metric(sums, settings.loss(), outputs),
        sums.maximum(RealRule.MAX_RESIDUAL), (long) sums.scalar(RealRule.NOT_CONVERGED), seconds.clone());
  }

  /** 𝒫(A, B, C, D) exactly as the steps minimize it (ridge on A, B weighted by λ_i). */
  double penalty(ImplicitModel model) {
    int n = settings.hiddenDim();
    Matrix ab = Matrix.hstack(model.a(), model.b());
    Matrix cd = Matrix.hstack(model.c(), model.d());
    double p = new Prox(n, inputs, 0.0, settings.l1(), settings.groupLasso(), null, Double.NaN)
        .withStateGroups(settings.statePenalty(), settings.statePenalty()).value(ab)
        + Prox.unconstrained(n, inputs, settings.l1(), settings.groupLasso()).withStateGroups(0, settings.statePenalty()).value(cd);
    for (int i = 0; i < n; i++) {
      double row = 0;
      for (int j = 0; j < ab.cols(); j++) {
        row += ab.get(i, j) * ab.get(i, j);
      }
      p += settings.lambdaOf(i) * 0.5 * settings.ridge() * row;
    }
    return p + 0.5 * settings.ridge() * Blas.dot(cd.data(), cd.data());
  }

  /** Raw features j whose column of B or of D is non-zero. */
  public static int[] selectedFeatures(ImplicitModel model) {
    Matrix b = model.b();
    Matrix d = model.d();
    return java.util.stream.IntStream.range(0, model.inputDim())
        .filter(j -> Prox.columnNorm(b, j) > 0 || Prox.columnNorm(d, j) > 0).toArray();
  }

  /** [[SSᵀ, SU'ᵀ], [U'Sᵀ, U'U'ᵀ]] from its blocks. */
  static Matrix assembleGram(Matrix ss, Matrix su, Matrix uu) {
    int n = ss.rows();
    int k = n + uu.rows();
    Matrix g = Matrix.zeros(k, k);
    g.setBlock(0, 0, ss);
    g.setBlock(0, n, su);
    g.setBlock(n, 0, su.transpose());
    g.setBlock(n, n, uu);
    return g;
  }

  private static Matrix withRidge(Matrix g, double ridge) {
    Matrix q = g.copy();
    for (int i = 0; i < q.rows(); i++) {
      q.set(i, i, q.get(i, i) + ridge);
    }
    return q;
  }
}
