package org.implicitdl.train;

import java.io.Serializable;
import org.implicitdl.solve.Activation;
import org.implicitdl.solve.SolverSettings;

/**
 * Settings of the block-coordinate-descent trainer for problem (10) of the paper, in parts: what is
 * trained ({@link Architecture}), the relaxation's weights ({@link Relaxation}), the penalties, how
 * hard each convex block is solved ({@link InnerSolver}), and the run.
 *
 * @param maxEpochs epochs at most
 * @param tol stop when the relative change of the objective is below tol
 * @param seed initialisation seed
 * @param initScale scale of the random initial B (times 1/√p)
 * @param initialization where the hidden features start: Gaussian B, or k-means prototypes of the inputs
 * @param fixedPoint settings of the fixed-point solves that judge the real rule
 */
public record BcdSettings(Architecture architecture, Relaxation relaxation, Penalties penalties, InnerSolver inner, int maxEpochs, double tol,
    long seed, double initScale, Initialization initialization, SolverSettings fixedPoint) implements TrainerSettings, Serializable {

  /**
   * Where the hidden features start: B Gaussian (scale initScale/√p), or each row of B pointing
   * from the input mean to one of n k-means prototypes ({@link PrototypeInitialization}).
   */
  public enum Initialization { GAUSSIAN, PROTOTYPES }

  public BcdSettings {
    Checks.require(architecture != null && relaxation != null && penalties != null && inner != null, "settings parts must be given");
    int lambdas = relaxation.lambda().length;
    Checks.require(lambdas == 1 || lambdas == architecture.hiddenDim(),
        "lambda has " + lambdas + " entries; expected 1 or hiddenDim = " + architecture.hiddenDim());
    Checks.require(maxEpochs >= 0, "maxEpochs must be >= 0, got " + maxEpochs);
    Checks.require(tol >= 0, "tol must be >= 0, got " + tol);
    Checks.require(initScale > 0 && Double.isFinite(initScale), "initScale must be finite and > 0, got " + initScale);
    Checks.require(initialization != null, "initialization must be given");
  }

  /** Defaults for a given hidden size and loss. */
  public static BcdSettings defaults(int hiddenDim, Loss loss) {
    return new BcdSettings(Architecture.of(hiddenDim, loss), new Relaxation(new double[] {1.0}, 1.0, 1.0), new Penalties(1e-4, 0, 0),
        new InnerSolver(20, 3, 100), 20, 1e-6, 42L, 1.0, Initialization.GAUSSIAN, new SolverSettings(1e-9, 1000));
  }

  /** λ_i for state i. */
  public double lambdaOf(int i) {
    return relaxation.lambdaOf(i);
  }

  /** λ as a vector of n entries. */
  public double[] lambdaVector() {
    double[] v = new double[hiddenDim()];
    for (int i = 0; i < v.length; i++) {
      v[i] = lambdaOf(i);
    }
    return v;
  }

  public double mu() {
    return relaxation.mu();
  }

  public double ridge() {
    return penalties.ridge();
  }

  public BcdSettings withEpochs(int epochs) {
    return with(d -> d.maxEpochs = epochs);
  }

  public BcdSettings withPenalties(double newRidge, double newL1, double newGroup) {
    return with(d -> d.penalties = new Penalties(newRidge, newL1, newGroup));
  }

  public BcdSettings withLambdaMu(double[] newLambda, double newMu) {
    return with(d -> d.relaxation = relaxation.withWeights(newLambda, newMu));
  }

  public BcdSettings withStructure(Architecture.Structure newStructure, double newKappa) {
    return with(d -> d.architecture = architecture.withStructure(newStructure, newKappa));
  }

  public BcdSettings withSeed(long newSeed) {
    return with(d -> d.seed = newSeed);
  }

  public BcdSettings withFixedPoint(SolverSettings newFixedPoint) {
    return with(d -> d.fixedPoint = newFixedPoint);
  }

  public BcdSettings withLambdaGrowth(double growth) {
    return with(d -> d.relaxation = new Relaxation(relaxation.lambda(), relaxation.mu(), growth));
  }

  public BcdSettings withStatePenalty(double w) {
    return withShape(shape().withPenalty(w));
  }

  public BcdSettings withShape(StateShape s) {
    return with(d -> d.architecture = architecture.withShape(s));
  }

  /** The same settings for states with activation φ ({@code a}): the divergence f_φ of (10) and its steps follow φ. */
  public BcdSettings withActivation(Activation a) {
    return with(d -> d.architecture = architecture.withActivation(a));
  }

  public BcdSettings withInitialization(Initialization newInitialization) {
    return with(d -> d.initialization = newInitialization);
  }

  /** λ and μ scaled by {@code factor} (one continuation step). */
  public BcdSettings scaledWeights(double factor) {
    return with(d -> d.relaxation = relaxation.scaled(factor));
  }

  /**
   * A mutable copy of the parts: {@link #with} changes some and builds the record again, so its
   * checks run on the result and no wither repeats the constructor.
   */
  public static final class Draft {
    public Architecture architecture;
    public Relaxation relaxation;
    public Penalties penalties;
    public InnerSolver inner;
    public int maxEpochs;
    public double tol;
    public long seed;
    public double initScale;
    public Initialization initialization;
    public SolverSettings fixedPoint;

    private Draft(BcdSettings s) {
      architecture = s.architecture;
      relaxation = s.relaxation;
      penalties = s.penalties;
      inner = s.inner;
      maxEpochs = s.maxEpochs;
      tol = s.tol;
      seed = s.seed;
      initScale = s.initScale;
      initialization = s.initialization;
      fixedPoint = s.fixedPoint;
    }

    BcdSettings build() {
      return new BcdSettings(architecture, relaxation, penalties, inner, maxEpochs, tol, seed, initScale, initialization, fixedPoint);
    }
  }

  /** These settings with {@code change} applied to a copy of their parts (checked like any construction). */
  public BcdSettings with(java.util.function.Consumer<Draft> change) {
    Draft d = new Draft(this);
    change.accept(d);
    return d.build();
  }

  @Override
  public String toString() {
    return "BcdSettings[n=" + hiddenDim() + ", loss=" + loss() + ", " + structure() + ", kappa=" + kappa() + ", " + relaxation + ", ridge="
        + ridge() + ", l1=" + l1() + ", group=" + groupLasso() + ", epochs=" + maxEpochs + ", init=" + initialization + "]";
  }
}
