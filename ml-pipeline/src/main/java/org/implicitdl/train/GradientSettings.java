package org.implicitdl.train;

import java.io.Serializable;
import org.implicitdl.solve.Activation;
import org.implicitdl.solve.WellPosedness;
import org.implicitdl.solve.SolverSettings;

/**
 * Settings of the implicit-gradient trainer (design §3): Adam on mini-batches with a proximal
 * step for ℓ1 / group penalties and the projection onto ‖A‖∞ ≤ κ after every step.
 *
 * @param batchSize rows per mini-batch (across all partitions)
 * @param learningRate Adam's step size
 * @param lrDecay multiplicative learning-rate decay per epoch
 * @param weightDecay ridge weight on A, B, C, D
 * @param patience early stopping: epochs without validation improvement before stopping
 * @param syncsPerEpoch 0: synchronous mini-batches (one tree-reduce per Adam step, the same
 *     steps on any partitioning); k ≥ 1: each partition takes local Adam steps on its own rows and
 *     the driver averages parameters and moments k times per epoch (one job per average)
 * @param minSteps the fewest optimizer steps a run takes ({@link TrainingBudget}): on small data the
 *     epochs grow to reach it, the learning-rate schedule and patience stretched to match (0: as given)
 * @param shape the state group penalty and rank limit of paper §6.2–6.3 ({@link StateShape})
 * @param inputPenalty the input-group penalty Σ_j ‖[B_{:,j}; D_{:,j}]‖₂ and its bound on C ({@link InputPenalty});
 *     the feature-selection path sets it ({@link FeatureSelectionPath})
 */
public record GradientSettings(int hiddenDim, Activation activation, Loss loss, BcdSettings.Structure structure, double kappa,
    int epochs, int batchSize, double learningRate, double lrDecay, double l1, double groupLasso, double weightDecay,
    long seed, double initScale, int patience, SolverSettings fixedPoint, int syncsPerEpoch, StateShape shape, int minSteps,
    InputPenalty inputPenalty) implements Serializable {

  public GradientSettings {
    require(hiddenDim >= 1, "hiddenDim must be >= 1, got " + hiddenDim);
    if (structure == BcdSettings.Structure.INF_NORM) {
      WellPosedness.requireKappa(kappa);
    }
    require(epochs >= 0, "epochs must be >= 0, got " + epochs);
    require(batchSize >= 1, "batchSize must be >= 1, got " + batchSize);
    require(learningRate > 0 && Double.isFinite(learningRate), "learningRate must be finite and > 0, got " + learningRate);
    require(lrDecay > 0 && lrDecay <= 1, "lrDecay must lie in (0, 1], got " + lrDecay);
    require(l1 >= 0 && groupLasso >= 0 && weightDecay >= 0, "penalty weights must be >= 0");
    require(initScale > 0, "initScale must be > 0, got " + initScale);
    require(patience >= 1, "patience must be >= 1, got " + patience);
    require(syncsPerEpoch >= 0, "syncsPerEpoch must be >= 0, got " + syncsPerEpoch);
    require(shape != null, "shape must be given");
    shape.requireFor(hiddenDim, structure);
    require(minSteps >= 0, "minSteps must be >= 0, got " + minSteps);
    require(inputPenalty != null, "inputPenalty must be given");
  }

  public static GradientSettings defaults(int hiddenDim, Loss loss) {
    return new GradientSettings(hiddenDim, Activation.RELU, loss, BcdSettings.Structure.INF_NORM, 0.95, 10, 512, 4e-3, 0.8,
        0, 0, 0, 42L, 1.0, 3, new SolverSettings(1e-4, 300), 0, StateShape.DENSE, 0, InputPenalty.NONE);
  }

  public GradientSettings withEpochs(int e) {
    return with(d -> d.epochs = e);
  }

  public GradientSettings withOptimizer(int newBatch, double newRate, double newDecay) {
    return with(d -> { d.batchSize = newBatch; d.learningRate = newRate; d.lrDecay = newDecay; });
  }

  public GradientSettings withActivation(Activation a) {
    return with(d -> d.activation = a);
  }

  public GradientSettings withPenalties(double newL1, double newGroup, double newDecay) {
    return with(d -> { d.l1 = newL1; d.groupLasso = newGroup; d.weightDecay = newDecay; });
  }

  public GradientSettings withStructure(BcdSettings.Structure s, double k) {
    return with(d -> { d.structure = s; d.kappa = k; });
  }

  public GradientSettings withFixedPoint(SolverSettings fp) {
    return with(d -> d.fixedPoint = fp);
  }

  public GradientSettings withStatePenalty(double w) {
    return with(d -> d.shape = shape.withPenalty(w));
  }

  public GradientSettings withShape(StateShape s) {
    return with(d -> d.shape = s);
  }

  /** The weight of the state group penalties ({@link StateShape#penalty}). */
  public double statePenalty() {
    return shape.penalty();
  }

  public GradientSettings withMinSteps(int k) {
    return with(d -> d.minSteps = k);
  }

  public GradientSettings withSyncsPerEpoch(int k) {
    return with(d -> d.syncsPerEpoch = k);
  }

  public GradientSettings withInputPenalty(InputPenalty w) {
    return with(d -> d.inputPenalty = w);
  }

  /**
   * A mutable copy of every component: {@link #with} changes some and builds the record again, so
   * its checks run on the result and no wither repeats the constructor.
   */
  public static final class Draft {
    public int hiddenDim;
    public Activation activation;
    public Loss loss;
    public BcdSettings.Structure structure;
    public double kappa;
    public int epochs;
    public int batchSize;
    public double learningRate;
    public double lrDecay;
    public double l1;
    public double groupLasso;
    public double weightDecay;
    public long seed;
    public double initScale;
    public int patience;
    public SolverSettings fixedPoint;
    public int syncsPerEpoch;
    public StateShape shape;
    public int minSteps;
    public InputPenalty inputPenalty;

    private Draft(GradientSettings s) {
      hiddenDim = s.hiddenDim;
      activation = s.activation;
      loss = s.loss;
      structure = s.structure;
      kappa = s.kappa;
      epochs = s.epochs;
      batchSize = s.batchSize;
      learningRate = s.learningRate;
      lrDecay = s.lrDecay;
      l1 = s.l1;
      groupLasso = s.groupLasso;
      weightDecay = s.weightDecay;
      seed = s.seed;
      initScale = s.initScale;
      patience = s.patience;
      fixedPoint = s.fixedPoint;
      syncsPerEpoch = s.syncsPerEpoch;
      shape = s.shape;
      minSteps = s.minSteps;
      inputPenalty = s.inputPenalty;
    }

    GradientSettings build() {
      return new GradientSettings(hiddenDim, activation, loss, structure, kappa, epochs, batchSize, learningRate, lrDecay, l1,
          groupLasso, weightDecay, seed, initScale, patience, fixedPoint, syncsPerEpoch, shape, minSteps, inputPenalty);
    }
  }

  /** These settings with {@code change} applied to a copy of their components (checked like any construction). */
  public GradientSettings with(java.util.function.Consumer<Draft> change) {
    Draft d = new Draft(this);
    change.accept(d);
    return d.build();
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }
}
