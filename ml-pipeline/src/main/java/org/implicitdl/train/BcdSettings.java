package org.implicitdl.train;

import java.io.Serializable;
import java.util.Arrays;
import org.implicitdl.model.Activation;
import org.implicitdl.model.WellPosedness;
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
    return new BcdSettings(hiddenDim, loss, structure, kappa, lambda, mu, ridge, l1, groupLasso, epochs, tol, seed,
        innerIterations, abRounds, fistaIterations, initScale, fixedPoint, lambdaGrowth, initialization, shape, activation);
  }

  public BcdSettings withPenalties(double newRidge, double newL1, double newGroup) {
    return new BcdSettings(hiddenDim, loss, structure, kappa, lambda, mu, newRidge, newL1, newGroup, maxEpochs, tol, seed,
        innerIterations, abRounds, fistaIterations, initScale, fixedPoint, lambdaGrowth, initialization, shape, activation);
  }

  public BcdSettings withLambdaMu(double[] newLambda, double newMu) {
    return new BcdSettings(hiddenDim, loss, structure, kappa, newLambda, newMu, ridge, l1, groupLasso, maxEpochs, tol, seed,
        innerIterations, abRounds, fistaIterations, initScale, fixedPoint, lambdaGrowth, initialization, shape, activation);
  }

  public BcdSettings withStructure(Structure newStructure, double newKappa) {
    return new BcdSettings(hiddenDim, loss, newStructure, newKappa, lambda, mu, ridge, l1, groupLasso, maxEpochs, tol, seed,
        innerIterations, abRounds, fistaIterations, initScale, fixedPoint, lambdaGrowth, initialization, shape, activation);
  }

  public BcdSettings withSeed(long newSeed) {
    return new BcdSettings(hiddenDim, loss, structure, kappa, lambda, mu, ridge, l1, groupLasso, maxEpochs, tol, newSeed,
        innerIterations, abRounds, fistaIterations, initScale, fixedPoint, lambdaGrowth, initialization, shape, activation);
  }

  public BcdSettings withFixedPoint(SolverSettings newFixedPoint) {
    return new BcdSettings(hiddenDim, loss, structure, kappa, lambda, mu, ridge, l1, groupLasso, maxEpochs, tol, seed,
        innerIterations, abRounds, fistaIterations, initScale, newFixedPoint, lambdaGrowth, initialization, shape, activation);
  }

  public BcdSettings withLambdaGrowth(double growth) {
    return new BcdSettings(hiddenDim, loss, structure, kappa, lambda, mu, ridge, l1, groupLasso, maxEpochs, tol, seed,
        innerIterations, abRounds, fistaIterations, initScale, fixedPoint, growth, initialization, shape, activation);
  }

  public BcdSettings withStatePenalty(double w) {
    return new BcdSettings(hiddenDim, loss, structure, kappa, lambda, mu, ridge, l1, groupLasso, maxEpochs, tol, seed,
        innerIterations, abRounds, fistaIterations, initScale, fixedPoint, lambdaGrowth, initialization, shape.withPenalty(w), activation);
  }

  public BcdSettings withShape(StateShape s) {
    return new BcdSettings(hiddenDim, loss, structure, kappa, lambda, mu, ridge, l1, groupLasso, maxEpochs, tol, seed,
        innerIterations, abRounds, fistaIterations, initScale, fixedPoint, lambdaGrowth, initialization, s, activation);
  }

  /** The same settings for states with activation φ ({@code a}): the divergence f_φ of (10) and its steps follow φ. */
  public BcdSettings withActivation(Activation a) {
    return new BcdSettings(hiddenDim, loss, structure, kappa, lambda, mu, ridge, l1, groupLasso, maxEpochs, tol, seed,
        innerIterations, abRounds, fistaIterations, initScale, fixedPoint, lambdaGrowth, initialization, shape, a);
  }

  /** The weight of the state group penalties ({@link StateShape#penalty}). */
  public double statePenalty() {
    return shape.penalty();
  }

  public BcdSettings withInitialization(Initialization newInitialization) {
    return new BcdSettings(hiddenDim, loss, structure, kappa, lambda, mu, ridge, l1, groupLasso, maxEpochs, tol, seed,
        innerIterations, abRounds, fistaIterations, initScale, fixedPoint, lambdaGrowth, newInitialization, shape, activation);
  }

  /** λ and μ scaled by {@code factor} (one continuation step). */
  public BcdSettings scaledWeights(double factor) {
    double[] scaled = lambda.clone();
    for (int i = 0; i < scaled.length; i++) {
      scaled[i] *= factor;
    }
    return withLambdaMu(scaled, mu * factor);
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
