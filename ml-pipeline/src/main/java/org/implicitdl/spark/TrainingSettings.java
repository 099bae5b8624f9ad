package org.implicitdl.spark;

import org.implicitdl.train.Architecture;
import org.implicitdl.train.Optimizer;
import org.implicitdl.train.Penalties;
import org.implicitdl.train.Relaxation;
import org.implicitdl.solve.Activation;
import org.implicitdl.robust.InputBox;
import org.implicitdl.solve.SolverSettings;
import org.implicitdl.train.BcdSettings;
import org.implicitdl.train.GradientSettings;
import org.implicitdl.train.InputPenalty;
import org.implicitdl.train.Loss;
import org.implicitdl.train.RobustObjective;
import org.implicitdl.train.StateShape;
import org.implicitdl.train.Standardization;

/** The maths' settings records built from the estimators' Params: the one place a Param becomes a solver knob. */
final class TrainingSettings {
  /** tuneStepSize's second candidate: this many times stepSize. */
  static final double STEP_SIZE_FACTOR = 2.5;

  private TrainingSettings() {}

  /** The robust objective (paper §5) in the units the trainer sees, or null for nominal training. */
  static RobustObjective robustObjective(ImplicitTrainingParams params, Standardization units, int inputs) {
    InputBox box = robustBox(params, units, inputs);
    return box == null ? null : new RobustObjective(box, params.getRobustWeight(), params.getRobustRamp());
  }

  /** The robust training box u ± robustEpsilon·featureScale in the units the trainer sees, or null for nominal training. */
  static InputBox robustBox(ImplicitTrainingParams params, Standardization units, int inputs) {
    if (params.getRobustEpsilon() == 0) {
      return null;
    }
    return units.inStandardUnits(ParamChecks.inputBox(params.getFeatureScale(), params.getRobustEpsilon(), inputs));
  }

  /** What is trained, from the Params: n states, φ, the loss, the well-posedness condition and the state shape. */
  static Architecture architecture(ImplicitTrainingParams params, Loss loss, Activation activation) {
    return new Architecture(params.getHiddenDim(), activation, loss, structure(params), params.getKappa(), stateShape(params));
  }

  /** BCD's settings from the Params; what no Param sets (the inner solver, the start's scale) is BCD's default. */
  static BcdSettings bcdSettings(ImplicitTrainingParams params, Loss loss, int epochs) {
    double[] perState = params.getLambdaPerState();
    double[] lambda = perState.length > 0 ? perState : new double[] {params.getLambda()};
    BcdSettings base = BcdSettings.defaults(params.getHiddenDim(), loss);
    return new BcdSettings(architecture(params, loss, Activation.parse(params.getActivation())),
        new Relaxation(lambda, params.getMu(), params.getLambdaGrowth()), new Penalties(params.getRegParam(), params.getL1(), bcdGroupLasso(params)),
        base.inner(), epochs, params.getTol(), params.getSeed(), base.initScale(),
        BcdSettings.Initialization.valueOf(params.getInitialization().toUpperCase(java.util.Locale.ROOT)), fixedPoint(params));
  }

  /** BCD's column-group weight: bcdGroupLasso when set (>= 0), else groupLasso. */
  static double bcdGroupLasso(ImplicitTrainingParams params) {
    double own = params.getBcdGroupLasso();
    return own >= 0 ? own : params.getGroupLasso();
  }

  /** The gradient solver's settings from the Params; what no Param sets (the training fixed point, the start's scale) is its default. */
  static GradientSettings gradientSettings(ImplicitTrainingParams params, Loss loss, Activation activation) {
    GradientSettings base = GradientSettings.defaults(params.getHiddenDim(), loss);
    Optimizer optimizer = new Optimizer(params.getMaxIter(), params.getBatchSize(), params.getStepSize(), params.getStepDecay(),
        params.getPatience(), params.getSyncsPerEpoch(), params.getMinSteps(), params.getAverageEpochs());
    return new GradientSettings(architecture(params, loss, activation), optimizer,
        new Penalties(params.getRegParam(), params.getL1(), params.getGroupLasso()), params.getSeed(), base.initScale(), base.fixedPoint(),
        InputPenalty.NONE);
  }

  /** The §6.2–6.3 knobs, checked against the problem ({@link StateShape#requireFor}) as a Param error. */
  static StateShape stateShape(ImplicitTrainingParams params) {
    try {
      return new StateShape(params.getStatePenalty(), params.getRank()).requireFor(params.getHiddenDim(), structure(params));
    } catch (IllegalArgumentException e) {
      throw new InvalidParamException("parameter " + e.getMessage());
    }
  }

  static Architecture.Structure structure(ImplicitTrainingParams params) {
    return "triangular".equals(params.getWellPosedness()) ? Architecture.Structure.TRIANGULAR : Architecture.Structure.INF_NORM;
  }

  static SolverSettings fixedPoint(ImplicitModelParams params) {
    return new SolverSettings(params.getFixedPointTol(), params.getMaxFixedPointIter());
  }
}
