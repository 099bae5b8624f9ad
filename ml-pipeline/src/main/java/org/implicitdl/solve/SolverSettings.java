package org.implicitdl.solve;

/**
 * Stopping rules for fixed-point solving: stop when the certified error bound (or, without a
 * certificate, the step size) is at most {@code tolerance}, or after {@code maxIterations}.
 */
public record SolverSettings(double tolerance, int maxIterations) implements java.io.Serializable {
  public static final SolverSettings DEFAULT = new SolverSettings(1e-9, 2000);

  public SolverSettings {
    if (!(tolerance > 0) || Double.isInfinite(tolerance)) {
      throw new IllegalArgumentException("fixed-point tolerance must be a finite number > 0, got " + tolerance);
    }
    if (maxIterations < 1) {
      throw new IllegalArgumentException("fixed-point maxIterations must be >= 1, got " + maxIterations);
    }
  }
}
