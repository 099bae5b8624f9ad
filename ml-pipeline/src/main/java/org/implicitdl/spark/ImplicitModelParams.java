package org.implicitdl.spark;

import java.util.Map;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;

/**
 * Params shared by the implicit estimators and their models: how the fixed point x = φ(Ax + Bu)
 * (paper eq. 1) is solved at prediction time and which optional columns are added. Params are
 * built lazily into the instance's registry, after its uid exists.
 */
public interface ImplicitModelParams extends Params {
  /** The instance's param registry (one map per instance). */
  Map<String, Param<?>> paramRegistry();

  @SuppressWarnings("unchecked")
  default <P extends Param<?>> P registered(String name, java.util.function.Supplier<P> make) {
    return (P) paramRegistry().computeIfAbsent(name, k -> make.get());
  }

  default Param<String> stateCol() {
    return registered("stateCol", () -> new Param<>(this, "stateCol",
        "output column for the state vector x (empty: not added)"));
  }

  default Param<String> fixedPointInfoCol() {
    return registered("fixedPointInfoCol", () -> new Param<>(this, "fixedPointInfoCol",
        "output column of per-row fixed-point diagnostics [iterations, residual] (empty: not added)"));
  }

  default DoubleParam fixedPointTol() {
    return registered("fixedPointTol", () -> new DoubleParam(this, "fixedPointTol",
        "certified error bound at which the fixed-point solve stops (> 0)", ParamChecks.above("fixedPointTol", 0)));
  }

  default IntParam maxFixedPointIter() {
    return registered("maxFixedPointIter", () -> new IntParam(this, "maxFixedPointIter",
        "iteration cap of the fixed-point solve (>= 1)", ParamChecks.atLeast("maxFixedPointIter", 1)));
  }

  default DoubleParam epsilon() {
    return registered("epsilon", () -> new DoubleParam(this, "epsilon",
        "radius of the input box u ± epsilon·featureScale (paper §5, eq. 16) over which transform certifies its outputs "
            + "(0: no bounds; >= 0, in the features' own units)", ParamChecks.finiteAtLeast("epsilon", 0)));
  }

  default org.apache.spark.ml.param.DoubleArrayParam featureScale() {
    return registered("featureScale", () -> new org.apache.spark.ml.param.DoubleArrayParam(this, "featureScale",
        "per-feature scale σ of the input box (one entry per feature, >= 0; empty: 1 for every feature)",
        ParamChecks.nonNegativeEntries("featureScale")));
  }

  default Param<String> lowerBoundCol() {
    return registered("lowerBoundCol", () -> new Param<>(this, "lowerBoundCol",
        "output column of certified lower bounds of the raw outputs Cx + Du over the input box (when epsilon > 0)"));
  }

  default Param<String> upperBoundCol() {
    return registered("upperBoundCol", () -> new Param<>(this, "upperBoundCol",
        "output column of certified upper bounds of the raw outputs Cx + Du over the input box (when epsilon > 0)"));
  }

  default Param<String> certifiedCol() {
    return registered("certifiedCol", () -> new Param<>(this, "certifiedCol",
        "classifiers: output column, true when the predicted class provably cannot change anywhere in the input box (when epsilon > 0)"));
  }

  default String getCertifiedCol() {
    return (String) $(certifiedCol());
  }

  default Param<String> certifiedRadiusCol() {
    return registered("certifiedRadiusCol", () -> new Param<>(this, "certifiedRadiusCol",
        "classifiers: output column of the largest epsilon certified per row, by bisection (empty: not added; it costs about "
            + "25 bound computations per row)"));
  }

  default double getEpsilon() {
    return (Double) $(epsilon());
  }

  default double[] getFeatureScale() {
    return (double[]) $(featureScale());
  }

  default String getLowerBoundCol() {
    return (String) $(lowerBoundCol());
  }

  default String getUpperBoundCol() {
    return (String) $(upperBoundCol());
  }

  default String getCertifiedRadiusCol() {
    return (String) $(certifiedRadiusCol());
  }

  default String getStateCol() {
    return (String) $(stateCol());
  }

  default String getFixedPointInfoCol() {
    return (String) $(fixedPointInfoCol());
  }

  default double getFixedPointTol() {
    return (Double) $(fixedPointTol());
  }

  default int getMaxFixedPointIter() {
    return (Integer) $(maxFixedPointIter());
  }

  /** Sets the defaults of these params; call from each constructor after the uid is set. */
  default void setModelDefaults() {
    setDefault(stateCol(), "");
    setDefault(fixedPointInfoCol(), "");
    setDefault(fixedPointTol(), 1e-9);
    setDefault(maxFixedPointIter(), 1000);
    setDefault(epsilon(), 0.0);
    setDefault(featureScale(), new double[0]);
    setDefault(lowerBoundCol(), "lowerBound");
    setDefault(upperBoundCol(), "upperBound");
    setDefault(certifiedRadiusCol(), "");
    setDefault(certifiedCol(), "certified");
  }
}
