package org.implicitdl.solve;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Locale;

/**
 * A well-posedness certificate for x = φ(Ax + Bu) (paper §3, Theorem 1 and its scaled form).
 *
 * <p>{@link Condition#INF_NORM}: ‖A‖∞ = κ &lt; 1, the Picard map contracts in ‖·‖∞.
 * {@link Condition#PERRON_FROBENIUS}: with a positive scaling s (a Perron vector of |A|),
 * κ = max_i (|A|s)_i / s_i &lt; 1 (a Collatz–Wielandt upper bound on λ_pf(|A|)), so the map
 * contracts in the weighted norm ‖x‖_s = max_i |x_i| / s_i. {@link Condition#TRIANGULAR}: A is
 * upper triangular with a diagonal that admits exact back-substitution (its contraction and
 * weights are the Perron–Frobenius ones, valid for iterative solvers too).
 * {@link Condition#NONE}: no condition could be shown; the model is not certified.
 *
 * @param condition which condition holds
 * @param contraction κ, the contraction factor in the weighted norm
 * @param weights the scaling s (max entry 1), all ones for the ∞-norm condition
 * @param infNorm ‖A‖∞, for reporting
 * @param perronFrobenius an upper bound on λ_pf(|A|), for reporting
 */
public record Certificate(Condition condition, double contraction, double[] weights, double infNorm, double perronFrobenius)
    implements Serializable {

  /** The condition a certificate rests on. */
  public enum Condition { TRIANGULAR, INF_NORM, PERRON_FROBENIUS, NONE }

  public Certificate {
    weights = weights.clone();
  }

  public boolean isWellPosed() {
    return condition != Condition.NONE;
  }

  @Override
  public double[] weights() {
    return weights.clone();
  }

  /** Weighted norm max_i |v_i| / s_i over a column-major block of states (all columns). */
  public double weightedNorm(double[] v, int n) {
    double m = 0;
    for (int k = 0; k < v.length; k++) {
      m = Math.max(m, Math.abs(v[k]) / weights[k % n]);
    }
    return m;
  }

  /**
   * Certified bound on ‖x_t − x*‖∞ from the last Picard step size measured in the weighted norm:
   * κ/(1−κ)·‖x_t − x_{t−1}‖_s (weights have max 1, so ‖·‖∞ ≤ ‖·‖_s).
   */
  public double errorBoundFromStep(double weightedStep) {
    if (!isWellPosed()) {
      return Double.POSITIVE_INFINITY;
    }
    return contraction / (1.0 - contraction) * weightedStep;
  }

  /** Certified bound on ‖x − x*‖∞ from a fixed-point residual ‖φ(Ax+z) − x‖_s: residual/(1−κ). */
  public double errorBoundFromResidual(double weightedResidual) {
    if (!isWellPosed()) {
      return Double.POSITIVE_INFINITY;
    }
    return weightedResidual / (1.0 - contraction);
  }

  @Override
  public String toString() {
    return "Certificate[" + condition + ", contraction=" + contraction + ", ‖A‖∞=" + infNorm
        + ", λpf≤" + perronFrobenius + ", weights=" + (weights.length <= 8 ? Arrays.toString(weights) : weights.length + " entries") + "]";
  }

  /**
   * The certificate as a sentence for a report: which condition holds, what it guarantees
   * (one state per input, Theorem 1) and how fast the Picard iteration closes the error.
   */
  public String inWords() {
    String rate = String.format(Locale.ROOT, "%.3g", contraction);
    String sweeps = contraction > 0 && contraction < 1
        ? String.format(Locale.ROOT, "; each Picard sweep shrinks the error by the factor %s, so about %d sweeps gain 6 digits", rate,
            (long) Math.ceil(Math.log(1e-6) / Math.log(contraction)))
        : "";
    return switch (condition) {
      case TRIANGULAR -> "Well-posed by structure: A is triangular (a feedforward network, paper §2.2), so the state is computed exactly by "
          + "back-substitution, one state after the other.";
      case INF_NORM -> String.format(Locale.ROOT, "Well-posed: ‖A‖∞ = %.3g < 1, so x = φ(Ax + Bu) has exactly one solution for "
          + "every input (paper Theorem 1)%s.", infNorm, sweeps);
      case PERRON_FROBENIUS -> String.format(Locale.ROOT, "Well-posed after a diagonal rescaling of the states: the "
          + "Perron–Frobenius eigenvalue of |A| is at most %.3g < 1 (‖A‖∞ itself is %.3g), so x = φ(Ax + Bu) has exactly one "
          + "solution for every input%s.", perronFrobenius, infNorm, sweeps);
      case NONE -> String.format(Locale.ROOT, "Not certified: neither ‖A‖∞ (%.3g) nor the Perron–Frobenius bound of |A| (%.3g) "
          + "is below 1, so a unique state is not guaranteed for every input.", infNorm, perronFrobenius);
    };
  }
}
