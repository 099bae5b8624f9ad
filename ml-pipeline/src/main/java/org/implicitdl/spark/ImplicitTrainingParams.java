package org.implicitdl.spark;

import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleArrayParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.implicitdl.train.Optimizer;
import org.implicitdl.train.StepwiseRefinement;

/**
 * Training params of the implicit estimators: the model (hiddenDim, activation), the
 * well-posedness constraint (paper §3), the relaxed problem (10) (lambda, mu, penalties) for
 * block-coordinate descent, and the implicit-gradient optimizer (design §3).
 */
public interface ImplicitTrainingParams extends TrainingRunParams {
  String[] SOLVERS = SolverPipeline.ids();
  String[] ACTIVATIONS = {"relu", "leaky_relu", "tanh", "sigmoid"};
  String[] CONDITIONS = {"inf_norm", "triangular"};
  String[] INITIALIZATIONS = {"gaussian", "prototypes"};

  default IntParam hiddenDim() {
    return registered("hiddenDim", () -> new IntParam(this, "hiddenDim", "number of hidden states n (>= 1)", ParamChecks.atLeast("hiddenDim", 1)));
  }

  default Param<String> activation() {
    return registered("activation", () -> new Param<>(this, "activation", "activation phi: relu, leaky_relu, tanh, sigmoid",
        ParamChecks.oneOf("activation", ACTIVATIONS)));
  }

  default Param<String> solver() {
    return registered("solver", () -> new Param<>(this, "solver",
        "training method: bcd (paper §4), gradient (implicit differentiation), bcd+gradient (BCD warm start), "
            + "gradient+bcd (BCD from the gradient model: exact zeros of the column penalty, feature selection)",
        ParamChecks.oneOf("solver", SOLVERS)));
  }

  default DoubleParam kappa() {
    return registered("kappa", () -> new DoubleParam(this, "kappa", "bound kappa in (0, 1) of the constraint ||A||_inf <= kappa",
        ParamChecks.inRange("kappa", 0, 1, false, false)));
  }

  default Param<String> wellPosedness() {
    return registered("wellPosedness", () -> new Param<>(this, "wellPosedness",
        "how A is kept well-posed: inf_norm (||A||_inf <= kappa) or triangular (strictly upper triangular)",
        ParamChecks.oneOf("wellPosedness", CONDITIONS)));
  }

  default DoubleParam lambda() {
    return registered("lambda", () -> new DoubleParam(this, "lambda", "weight lambda > 0 of the Fenchel divergence in (10)",
        ParamChecks.above("lambda", 0)));
  }

  default DoubleArrayParam lambdaPerState() {
    return registered("lambdaPerState", () -> new DoubleArrayParam(this, "lambdaPerState",
        "one lambda per state (eq. 11); empty: use lambda for all", ParamChecks.positiveEntries("lambdaPerState")));
  }

  default DoubleParam mu() {
    return registered("mu", () -> new DoubleParam(this, "mu", "weight mu > 0 of the coupling (mu/2)||X - P||^2", ParamChecks.above("mu", 0)));
  }

  default DoubleParam lambdaGrowth() {
    return registered("lambdaGrowth", () -> new DoubleParam(this, "lambdaGrowth",
        "BCD continuation: lambda and mu are multiplied by this after every epoch (>= 1; 1 keeps them fixed)", ParamChecks.atLeast("lambdaGrowth", 1)));
  }

  default Param<String> initialization() {
    return registered("initialization", () -> new Param<>(this, "initialization",
        "where BCD's hidden features start: gaussian (random B) or prototypes (each row of B points from the input mean to one of "
            + "hiddenDim k-means prototypes of the training inputs)",
        ParamChecks.oneOf("initialization", INITIALIZATIONS)));
  }

  default DoubleParam regParam() {
    return registered("regParam", () -> new DoubleParam(this, "regParam", "ridge weight on A, B, C, D (>= 0)", ParamChecks.atLeast("regParam", 0)));
  }

  default DoubleParam l1() {
    return registered("l1", () -> new DoubleParam(this, "l1", "l1 weight on the entries of B, C, D (>= 0)", ParamChecks.atLeast("l1", 0)));
  }

  default DoubleParam groupLasso() {
    return registered("groupLasso", () -> new DoubleParam(this, "groupLasso",
        "column-group weight on B and D: feature selection, eq. 19 (>= 0)", ParamChecks.atLeast("groupLasso", 0)));
  }

  default DoubleParam bcdGroupLasso() {
    return registered("bcdGroupLasso", () -> new DoubleParam(this, "bcdGroupLasso",
        "column-group weight (eq. 19) of BCD, on its summed objective, when it differs from the gradient solver's groupLasso "
            + "(gradient+bcd); -1 (any value in [-1, 0)): use groupLasso", ParamChecks.atLeast("bcdGroupLasso", -1)));
  }

  default IntParam maxIter() {
    return registered("maxIter", () -> new IntParam(this, "maxIter", "epochs of the gradient solver, or of bcd (>= 0)", ParamChecks.atLeast("maxIter", 0)));
  }

  default IntParam bcdEpochs() {
    return registered("bcdEpochs", () -> new IntParam(this, "bcdEpochs", "BCD epochs in bcd+gradient (before the gradient solver) and gradient+bcd (after it) (>= 0)",
        ParamChecks.atLeast("bcdEpochs", 0)));
  }

  default DoubleParam tol() {
    return registered("tol", () -> new DoubleParam(this, "tol", "BCD stops when the relative objective change is below tol (>= 0)",
        ParamChecks.atLeast("tol", 0)));
  }

  default LongParam seed() {
    return registered("seed", () -> new LongParam(this, "seed", "random seed of the initialisation"));
  }

  default IntParam batchSize() {
    return registered("batchSize", () -> new IntParam(this, "batchSize", "mini-batch rows of the gradient solver (>= 1)",
        ParamChecks.atLeast("batchSize", 1)));
  }

  default DoubleParam stepSize() {
    return registered("stepSize", () -> new DoubleParam(this, "stepSize", "Adam learning rate of the gradient solver (> 0)",
        ParamChecks.above("stepSize", 0)));
  }

  default BooleanParam tuneStepSize() {
    return registered("tuneStepSize", () -> new BooleanParam(this, "tuneStepSize",
        "gradient solver with at least " + StepSizeSearch.VALIDATION_ROWS + " validation rows (validationFraction; by default "
            + "on data of 2,000 rows or more): train from the same "
            + "start at stepSize, then at " + TrainingSettings.STEP_SIZE_FACTOR + "x the last step size while the larger one scores "
            + "better on the validation rows (at most " + StepSizeSearch.TRIES + "), and keep the best model (two or more "
            + "gradient trainings; with a trainerStateDir each saves its state, and a resumed fit goes on at the step size it was training); "
            + "on more than " + StageChoices.CHOICE_SAMPLE_ROWS + " training rows the candidates train on an even sample of that many "
            + "and the kept step size then trains on all of them once (not blended); false: stepSize alone"));
  }

  default BooleanParam linearCheck() {
    return registered("linearCheck", () -> new BooleanParam(this, "linearCheck",
        "with validation rows (and no robustEpsilon or selectFeatures): weigh the trained model against a linear model of the "
            + "inputs fitted along a ridge path, and keep the linear model (refitted on every row) or their mixture where the "
            + "validation rows favour it; a classifier's trained model is kept only where it beats the linear model there by more "
            + "than one standard error of the row-by-row difference, on at least " + TrainingStores.MIN_VALIDATION_ROWS + " validation rows; "
            + "false: the trained model always (e.g. to compress or study it)"));
  }

  default BooleanParam blendStepSizes() {
    return registered("blendStepSizes", () -> new BooleanParam(this, "blendStepSizes",
        "with tuneStepSize, on a fit that is not warm-started and ends with its gradient stage: mix the best step size's model "
            + "with the runner-up's (the better neighbouring step size) by the weight that scores best on the validation rows, "
            + "their states side by side (a model of up to twice hiddenDim states, each half its own fixed point; weight 1 keeps "
            + "the best alone); not with rank, robustEpsilon or selectFeatures; false: the best alone"));
  }

  default DoubleParam stepDecay() {
    return registered("stepDecay", () -> new DoubleParam(this, "stepDecay", "per-epoch learning-rate factor in (0, 1]; -1: automatic, "
        + "the rate falls to a tenth of itself over maxIter epochs (0.79 per epoch at 10, 0.989 at 200)",
        ParamChecks.check("stepDecay", Optimizer.DECAY_ALLOWED, v -> Optimizer.isDecay((Double) v))));
  }

  default IntParam syncsPerEpoch() {
    return registered("syncsPerEpoch", () -> new IntParam(this, "syncsPerEpoch",
        "gradient solver: 0 = synchronous mini-batch steps (one tree-reduce each); k >= 1 = local Adam steps on each partition, "
            + "parameters averaged k times per epoch", ParamChecks.atLeast("syncsPerEpoch", 0)));
  }

  default Param<String> selectFeatures() {
    return registered("selectFeatures", () -> new Param<>(this, "selectFeatures",
        "input selection by the gradient solver's input-group penalty (paper §6.1): none; auto (a path of weights up to the one that "
            + "zeroes every input, each input's weight scaled by the inverse of its use in the dense fit (adaptive group lasso), each support refit, chosen on the validation rows by the one-standard-error rule, then dropped "
            + "inputs re-entering one at a time, steepest gradient first, while each lowers the validation loss by more than "
            + StepwiseRefinement.ENTRY_ERRORS + " standard errors, then the smallest kept inputs leaving one at a time while the "
            + "validation loss without each is no higher than with it); or K >= 1 (the best validation loss among supports of at most K inputs)",
        ParamChecks.check("selectFeatures", "none, auto or a whole number >= 1", (String v) -> SelectFeatures.parse(v) != null)));
  }

  default DoubleParam validationFraction() {
    return registered("validationFraction", () -> new DoubleParam(this, "validationFraction",
        "fraction of rows held out to choose on (the gradient solver's best epoch, a final BCD readout's temperature, "
            + "feature selection's path), in [0, 1); -1: automatic, 0.1 of at most 20,000 rows (at least 10 rows of a regression, "
            + "at most half), 2,000 rows of larger data, 0.2 for "
            + "feature selection (and 0 for BCD regression, which chooses nothing)", ParamChecks.check("validationFraction", "-1 (automatic) or in [0, 1)",
                v -> (Double) v == -1.0 || ((Double) v >= 0 && (Double) v < 1))));
  }

  default BooleanParam standardization() {
    return registered("standardization", () -> new BooleanParam(this, "standardization",
        "train on inputs centred and scaled to unit variance (regression targets too), then fold the scaling into B, D and the "
            + "bias: the model takes raw inputs and predicts in the label's units, and penalties and step sizes mean the same on "
            + "data in any units"));
  }

  default DoubleParam robustEpsilon() {
    return registered("robustEpsilon", () -> new DoubleParam(this, "robustEpsilon",
        "robust training (paper §5) over the input box u ± epsilon·featureScale: the gradient solver trains on the worst-case "
            + "loss from the certified interval bounds, BCD's (A, B)-step fits the states to the worst-case drive (eq. 18) "
            + "(0: nominal training; in the features' units)",
        ParamChecks.finiteAtLeast("robustEpsilon", 0)));
  }

  default DoubleParam robustWeight() {
    return registered("robustWeight", () -> new DoubleParam(this, "robustWeight",
        "robust training: final share w in [0, 1] of the worst-case loss in (1 - w)·loss + w·worst-case loss",
        ParamChecks.inRange("robustWeight", 0, 1, true, true)));
  }

  default DoubleParam robustRamp() {
    return registered("robustRamp", () -> new DoubleParam(this, "robustRamp",
        "robust training: share of the epochs over which epsilon and the weight grow linearly from 0, in [0, 1]",
        ParamChecks.inRange("robustRamp", 0, 1, true, true)));
  }

  default DoubleParam statePenalty() {
    return registered("statePenalty", () -> new DoubleParam(this, "statePenalty",
        "weight of the state group penalties (paper §6.2): rows of [A B] and columns of A and of C, in both solvers (on the "
            + "mean loss for the gradient solver, e.g. 1e-3; on BCD's summed objective, e.g. 5); states they zero are removed by "
            + "exact pruning after the fit (>= 0)", ParamChecks.finiteAtLeast("statePenalty", 0)));
  }

  default IntParam rank() {
    return registered("rank", () -> new IntParam(this, "rank",
        "largest rank k of A = L R^T (paper §6.3): a fixed-point sweep then costs O(nk) instead of O(n^2); both solvers keep it "
            + "(the gradient solver projects each step onto rank <= k, BCD alternates over L and R); 0: no limit, else 1 <= k < hiddenDim",
        ParamChecks.atLeast("rank", 0)));
  }

  default IntParam minSteps() {
    return registered("minSteps", () -> new IntParam(this, "minSteps",
        "gradient solver on small data: the fewest optimizer steps a fit takes — mini-batches of at most an eighth of the rows, "
            + "more epochs until this many steps, patience stretched to match; with validation rows, while a quarter of those "
            + "epochs still lowers the best validation loss by 2% another quarter follows, up to 3 times them, over which the "
            + "learning-rate decay is stretched (0: exactly maxIter epochs of batchSize)", ParamChecks.atLeast("minSteps", 0)));
  }

  default DoubleParam averageEpochs() {
    return registered("averageEpochs", () -> new DoubleParam(this, "averageEpochs",
        "gradient solver: early stopping judges (and a fit returns) the exponential moving average of the optimizer's iterates "
            + "over about this many epochs, at most a twentieth of the run's steps, rather than the last iterate; not with l1, "
            + "group or state penalties, feature selection, rank or syncsPerEpoch (0: the last iterate)",
        ParamChecks.finiteAtLeast("averageEpochs", 0)));
  }

  default IntParam patience() {
    return registered("patience", () -> new IntParam(this, "patience",
        "gradient solver's early stopping: epochs without a better validation loss before training stops (the best model seen is "
            + "kept; stretched with the epochs on small data, see minSteps); -1: automatic, 3 tenths of maxIter (3 at 10)",
        ParamChecks.check("patience", Optimizer.PATIENCE_ALLOWED, v -> Optimizer.isPatience((Integer) v))));
  }

  default int getMinSteps() { return (Integer) $(minSteps()); }
  default int getPatience() { return (Integer) $(patience()); }
  default double getAverageEpochs() { return (Double) $(averageEpochs()); }
  default double getStatePenalty() { return (Double) $(statePenalty()); }
  default int getRank() { return (Integer) $(rank()); }
  default double getRobustEpsilon() { return (Double) $(robustEpsilon()); }
  default double getRobustWeight() { return (Double) $(robustWeight()); }
  default double getRobustRamp() { return (Double) $(robustRamp()); }
  default int getHiddenDim() { return (Integer) $(hiddenDim()); }
  default String getActivation() { return (String) $(activation()); }
  default String getSolver() { return (String) $(solver()); }
  default double getKappa() { return (Double) $(kappa()); }
  default String getWellPosedness() { return (String) $(wellPosedness()); }
  default double getLambda() { return (Double) $(lambda()); }
  default double[] getLambdaPerState() { return (double[]) $(lambdaPerState()); }
  default double getMu() { return (Double) $(mu()); }
  default double getLambdaGrowth() { return (Double) $(lambdaGrowth()); }
  default String getInitialization() { return (String) $(initialization()); }
  default double getRegParam() { return (Double) $(regParam()); }
  default double getL1() { return (Double) $(l1()); }
  default double getGroupLasso() { return (Double) $(groupLasso()); }
  default double getBcdGroupLasso() { return (Double) $(bcdGroupLasso()); }
  default int getMaxIter() { return (Integer) $(maxIter()); }
  default int getBcdEpochs() { return (Integer) $(bcdEpochs()); }
  default double getTol() { return (Double) $(tol()); }
  default long getSeed() { return (Long) $(seed()); }
  default int getBatchSize() { return (Integer) $(batchSize()); }
  default double getStepSize() { return (Double) $(stepSize()); }
  default boolean getTuneStepSize() { return (Boolean) $(tuneStepSize()); }
  default boolean getBlendStepSizes() { return (Boolean) $(blendStepSizes()); }
  default boolean getLinearCheck() { return (Boolean) $(linearCheck()); }
  default double getStepDecay() { return (Double) $(stepDecay()); }
  default int getSyncsPerEpoch() { return (Integer) $(syncsPerEpoch()); }
  default String getSelectFeatures() { return (String) $(selectFeatures()); }
  default double getValidationFraction() { return (Double) $(validationFraction()); }
  default boolean getStandardization() { return (Boolean) $(standardization()); }

  /** Training defaults; call from each estimator constructor after the uid is set. */
  default void setTrainingDefaults() {
    setRunDefaults();
    setDefault(hiddenDim(), 100);
    setDefault(activation(), "relu");
    setDefault(solver(), SolverPipeline.GRADIENT.id());
    setDefault(kappa(), 0.95);
    setDefault(wellPosedness(), "inf_norm");
    setDefault(lambda(), 1.0);
    setDefault(lambdaPerState(), new double[0]);
    setDefault(mu(), 1.0);
    setDefault(lambdaGrowth(), 1.0);
    setDefault(initialization(), "gaussian");
    setDefault(regParam(), 1e-4);
    setDefault(l1(), 0.0);
    setDefault(groupLasso(), 0.0);
    setDefault(bcdGroupLasso(), -1.0);
    setDefault(maxIter(), 10);
    setDefault(bcdEpochs(), 3);
    setDefault(tol(), 1e-6);
    setDefault(seed(), 42L);
    setDefault(batchSize(), 512);
    setDefault(stepSize(), 4e-3);
    setDefault(stepDecay(), (double) Optimizer.AUTO);
    setDefault(tuneStepSize(), true);
    setDefault(blendStepSizes(), true);
    setDefault(linearCheck(), true);
    setDefault(validationFraction(), -1.0);
    setDefault(selectFeatures(), "none");
    setDefault(syncsPerEpoch(), 0);
    setDefault(standardization(), true);
    setDefault(robustEpsilon(), 0.0);
    setDefault(statePenalty(), 0.0);
    setDefault(rank(), 0);
    setDefault(minSteps(), 1000);
    setDefault(patience(), Optimizer.AUTO);
    setDefault(averageEpochs(), 2.0);
    setDefault(robustWeight(), 0.5);
    setDefault(robustRamp(), 0.5);
  }
}
