package org.implicitdl.spark;

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

  static BcdSettings bcdSettings(ImplicitTrainingParams params, Loss loss, int epochs) {
    int n = params.getHiddenDim();
    double[] perState = params.getLambdaPerState();
    double[] lambda = perState.length > 0 ? perState : new double[] {params.getLambda()};
    BcdSettings.Structure structure = structure(params);
    return new BcdSettings(n, loss, structure, params.getKappa(), lambda,
        params.getMu(), params.getRegParam(), params.getL1(),
        bcdGroupLasso(params), epochs, params.getTol(),
        params.getSeed(), 20, 3, 100, 1.0, fixedPoint(params),
        params.getLambdaGrowth(),
        BcdSettings.Initialization.valueOf((params.getInitialization()).toUpperCase(java.util.Locale.ROOT)), stateShape(params),
        Activation.parse(params.getActivation()));
  }

  /** BCD's column-group weight: bcdGroupLasso when set (>= 0), else groupLasso. */
  static double bcdGroupLasso(ImplicitTrainingParams params) {
    double own = params.getBcdGroupLasso();
    return own >= 0 ? own : params.getGroupLasso();
  }

  static GradientSettings gradientSettings(ImplicitTrainingParams params, Loss loss, Activation activation) {
    return new GradientSettings(params.getHiddenDim(), activation, loss, structure(params),
        params.getKappa(), params.getMaxIter(),
        params.getBatchSize(), params.getStepSize(),
        params.getStepDecay(), params.getL1(),
        params.getGroupLasso(), params.getRegParam(),
        params.getSeed(), 1.0, 3, new SolverSettings(1e-4, 300),
        params.getSyncsPerEpoch(), stateShape(params), params.getMinSteps(), InputPenalty.NONE);
  }

  /** The §6.2–6.3 knobs, checked against the problem ({@link StateShape#requireFor}) as a Param error. */
  static StateShape stateShape(ImplicitTrainingParams params) {
    try {
      return new StateShape(params.getStatePenalty(), params.getRank()).requireFor(params.getHiddenDim(), structure(params));
    } catch (IllegalArgumentException e) {
      throw new InvalidParamException("parameter " + e.getMessage());
    }
  }

  static BcdSettings.Structure structure(ImplicitTrainingParams params) {
    return "triangular".equals(params.getWellPosedness()) ? BcdSettings.Structure.TRIANGULAR : BcdSettings.Structure.INF_NORM;
  }

  static SolverSettings fixedPoint(ImplicitModelParams params) {
    return new SolverSettings(params.getFixedPointTol(), params.getMaxFixedPointIter());
  }
}
