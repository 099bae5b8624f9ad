package org.implicitdl.train;

import java.io.Serializable;
import java.util.Arrays;
import org.implicitdl.solve.Activation;
import org.implicitdl.solve.WellPosedness;
import org.implicitdl.solve.SolverSettings;

/**
 * Settings of the block-coordinate-descent trainer for problem (10) of the paper.
 *
 * @param hiddenDim n, the number of states
 * @param loss the data-fit term L
 * @param structure how A is kept well-posed: ‖A‖∞ ≤ κ, or strictly upper triangular
 * @param kappa κ ∈ (0, 1) for the norm constraint
 * @param lambda λ of the divergence term: one entry (scalar) or n entries (per state, eq. 11)
 * @param mu μ of the coupling term (μ/2)‖X − P‖²
 * @param ridge ρ/2‖·‖² on all of A, B, C, D
 * @param l1 ℓ1 weight on the entries of B, C and D
 * @param groupLasso weight of the column-group penalty on B and on D (feature selection, eq. 19)
 * @param maxEpochs epochs at most
 * @param tol stop when the relative change of the objective is below tol
 * @param seed initialisation seed
 * @param innerIterations projected-gradient iterations of the P- and X-steps per epoch
 * @param abRounds majorize–minimize rounds of the (A, B)-step (and of the cross-entropy (C, D)-step)
 * @param fistaIterations driver-side FISTA iterations per convex step
 * @param initScale scale of the random initial B (times 1/√p)
 * @param fixedPoint settings of the fixed-point solves that judge the real rule
 * @param lambdaGrowth λ and μ are multiplied by this after every epoch, and each epoch then starts
 *     from X = P = the real rule's fixed point (continuation; 1 = fixed weights, the setting under
 *     which the objective never increases)
 * @param initialization where the hidden features start: Gaussian B, or k-means prototypes of the inputs
 * @param activation φ of the states: ReLU (the paper's divergence ½p² + ½relu(z)² − pz) or any monotone
 *     1-Lipschitz φ of {@link Activation}, whose Fenchel divergence f_φ(p, z) = F(p) + F*(z) − pz (eq. 8–9)
 *     the steps then use
 * @param shape the state group penalty (rows of [A B] in the (A, B)-step, columns of A there and
 *     of C in the (C, D)-step) and rank limit of paper §6.2–6.3 ({@link StateShape}); with a rank
 *     limit the (A, B)-step alternates over the factors of A = L Rᵀ
 */
public record BcdSettings(int hiddenDim, Loss loss, Structure structure, double kappa, double[] lambda, double mu,
    double ridge, double l1, double groupLasso, int maxEpochs, double tol, long seed, int innerIterations,
    int abRounds, int fistaIterations, double initScale, SolverSettings fixedPoint, double lambdaGrowth,
    Initialization initialization, StateShape shape, Activation activation) implements Serializable {

  /** How the trainer keeps A well-posed. */
  public enum Structure { INF_NORM, TRIANGULAR }

  /**
   * Where the hidden features start: B Gaussian (scale initScale/√p), or each row of B pointing
   * from the input mean to one of n k-means prototypes ({@link PrototypeInitialization}).
   */
  public enum Initialization { GAUSSIAN, PROTOTYPES }

  public BcdSettings {
    require(hiddenDim >= 1, "hiddenDim must be >= 1, got " + hiddenDim);
    if (structure == Structure.INF_NORM) {
      WellPosedness.requireKappa(kappa);
    }
    require(lambda.length >= 1, "lambda needs one entry or one per state");
    require(lambda.length == 1 || lambda.length == hiddenDim,
        "lambda has " + lambda.length + " entries; expected 1 or hiddenDim = " + hiddenDim);
    for (double l : lambda) {
      require(l > 0 && Double.isFinite(l), "lambda entries must be finite and > 0, got " + l);
    }
    require(mu > 0 && Double.isFinite(mu), "mu must be finite and > 0, got " + mu);
    require(ridge >= 0 && Double.isFinite(ridge), "ridge must be finite and >= 0, got " + ridge);
    require(l1 >= 0 && Double.isFinite(l1), "l1 must be finite and >= 0, got " + l1);
    require(groupLasso >= 0 && Double.isFinite(groupLasso), "groupLasso must be finite and >= 0, got " + groupLasso);
    require(maxEpochs >= 0, "maxEpochs must be >= 0, got " + maxEpochs);
    require(tol >= 0, "tol must be >= 0, got " + tol);
    require(innerIterations >= 1 && abRounds >= 1 && fistaIterations >= 1, "iteration counts must be >= 1");
    require(initScale > 0 && Double.isFinite(initScale), "initScale must be finite and > 0, got " + initScale);
    require(lambdaGrowth >= 1 && Double.isFinite(lambdaGrowth), "lambdaGrowth must be finite and >= 1, got " + lambdaGrowth);
    require(initialization != null, "initialization must be given");
    require(shape != null, "shape must be given");
    require(activation != null, "activation must be given");
    shape.requireFor(hiddenDim, structure);
    lambda = lambda.clone();
  }

  /** Defaults for a given hidden size and loss. */
  public static BcdSettings defaults(int hiddenDim, Loss loss) {
    return new BcdSettings(hiddenDim, loss, Structure.INF_NORM, 0.95, new double[] {1.0}, 1.0, 1e-4, 0.0, 0.0,
        20, 1e-6, 42L, 20, 3, 100, 1.0, new SolverSettings(1e-9, 1000), 1.0, Initialization.GAUSSIAN, StateShape.DENSE, Activation.RELU);
  }

  /** λ_i for state i. */
  public double lambdaOf(int i) {
    return lambda.length == 1 ? lambda[0] : lambda[i];
  }

  /** λ as a vector of n entries. */
  public double[] lambdaVector() {
    double[] v = new double[hiddenDim];
    for (int i = 0; i < hiddenDim; i++) {
      v[i] = lambdaOf(i);
    }
    return v;
  }

  @Override
  public double[] lambda() {
    return lambda.clone();
  }

  public BcdSettings withEpochs(int epochs) {
    return with(d -> d.maxEpochs = epochs);
  }

  public BcdSettings withPenalties(double newRidge, double newL1, double newGroup) {
    return with(d -> { d.ridge = newRidge; d.l1 = newL1; d.groupLasso = newGroup; });
  }

  public BcdSettings withLambdaMu(double[] newLambda, double newMu) {
    return with(d -> { d.lambda = newLambda; d.mu = newMu; });
  }

  public BcdSettings withStructure(Structure newStructure, double newKappa) {
    return with(d -> { d.structure = newStructure; d.kappa = newKappa; });
  }

  public BcdSettings withSeed(long newSeed) {
    return with(d -> d.seed = newSeed);
  }

  public BcdSettings withFixedPoint(SolverSettings newFixedPoint) {
    return with(d -> d.fixedPoint = newFixedPoint);
  }

  public BcdSettings withLambdaGrowth(double growth) {
    return with(d -> d.lambdaGrowth = growth);
  }

  public BcdSettings withStatePenalty(double w) {
    return with(d -> d.shape = shape.withPenalty(w));
  }

  public BcdSettings withShape(StateShape s) {
    return with(d -> d.shape = s);
  }

  /** The same settings for states with activation φ ({@code a}): the divergence f_φ of (10) and its steps follow φ. */
  public BcdSettings withActivation(Activation a) {
    return with(d -> d.activation = a);
  }

  /** The weight of the state group penalties ({@link StateShape#penalty}). */
  public double statePenalty() {
    return shape.penalty();
  }

  public BcdSettings withInitialization(Initialization newInitialization) {
    return with(d -> d.initialization = newInitialization);
  }

  /** λ and μ scaled by {@code factor} (one continuation step). */
  public BcdSettings scaledWeights(double factor) {
    double[] scaled = lambda.clone();
    for (int i = 0; i < scaled.length; i++) {
      scaled[i] *= factor;
    }
    return withLambdaMu(scaled, mu * factor);
  }

  /**
   * A mutable copy of every component: {@link #with} changes some and builds the record again, so
   * its checks run on the result and no wither repeats the constructor.
   */
  public static final class Draft {
    public int hiddenDim;
    public Loss loss;
    public Structure structure;
    public double kappa;
    public double[] lambda;
    public double mu;
    public double ridge;
    public double l1;
    public double groupLasso;
    public int maxEpochs;
    public double tol;
    public long seed;
    public int innerIterations;
    public int abRounds;
    public int fistaIterations;
    public double initScale;
    public SolverSettings fixedPoint;
    public double lambdaGrowth;
    public Initialization initialization;
    public StateShape shape;
    public Activation activation;

    private Draft(BcdSettings s) {
      hiddenDim = s.hiddenDim;
      loss = s.loss;
      structure = s.structure;
      kappa = s.kappa;
      lambda = s.lambda;
      mu = s.mu;
      ridge = s.ridge;
      l1 = s.l1;
      groupLasso = s.groupLasso;
      maxEpochs = s.maxEpochs;
      tol = s.tol;
      seed = s.seed;
      innerIterations = s.innerIterations;
      abRounds = s.abRounds;
      fistaIterations = s.fistaIterations;
      initScale = s.initScale;
      fixedPoint = s.fixedPoint;
      lambdaGrowth = s.lambdaGrowth;
      initialization = s.initialization;
      shape = s.shape;
      activation = s.activation;
    }

    BcdSettings build() {
      return new BcdSettings(hiddenDim, loss, structure, kappa, lambda, mu, ridge, l1, groupLasso, maxEpochs, tol, seed,
          innerIterations, abRounds, fistaIterations, initScale, fixedPoint, lambdaGrowth, initialization, shape, activation);
    }
  }

  /** These settings with {@code change} applied to a copy of their components (checked like any construction). */
  public BcdSettings with(java.util.function.Consumer<Draft> change) {
    Draft d = new Draft(this);
    change.accept(d);
    return d.build();
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }

  @Override
  public String toString() {
    return "BcdSettings[n=" + hiddenDim + ", loss=" + loss + ", " + structure + ", kappa=" + kappa + ", lambda="
        + (lambda.length == 1 ? lambda[0] : Arrays.toString(lambda)) + ", mu=" + mu + ", ridge=" + ridge + ", l1=" + l1
        + ", group=" + groupLasso + ", epochs=" + maxEpochs + ", init=" + initialization + "]";
  }
}
