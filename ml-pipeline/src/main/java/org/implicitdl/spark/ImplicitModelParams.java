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
  }
}
