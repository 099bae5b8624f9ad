package org.implicitdl.train;

import java.io.Serializable;
import java.util.Arrays;

/**
 * The weights of the lifted, relaxed problem (10): λ of the divergence term and μ of the coupling,
 * and their continuation.
 *
 * @param lambda λ: one entry (scalar) or n entries (one per state, eq. 11)
 * @param mu μ of the coupling term (μ/2)‖X − P‖²
 * @param growth λ and μ are multiplied by this after every epoch, and each epoch then starts from
 *     X = P = the real rule's fixed point (continuation; 1 = fixed weights, the setting under which
 *     the objective never increases)
 */
public record Relaxation(double[] lambda, double mu, double growth) implements Serializable {
  public Relaxation {
    Checks.require(lambda.length >= 1, "lambda needs one entry or one per state");
    for (double l : lambda) {
      Checks.require(l > 0 && Double.isFinite(l), "lambda entries must be finite and > 0, got " + l);
    }
    Checks.require(mu > 0 && Double.isFinite(mu), "mu must be finite and > 0, got " + mu);
    Checks.require(growth >= 1 && Double.isFinite(growth), "lambdaGrowth must be finite and >= 1, got " + growth);
    lambda = lambda.clone();
  }

  @Override
  public double[] lambda() {
    return lambda.clone();
  }

  /** λ_i for state i. */
  public double lambdaOf(int i) {
    return lambda.length == 1 ? lambda[0] : lambda[i];
  }

  /** The same growth with other weights. */
  public Relaxation withWeights(double[] newLambda, double newMu) {
    return new Relaxation(newLambda, newMu, growth);
  }

  /** λ and μ scaled by {@code factor} (one continuation step). */
  public Relaxation scaled(double factor) {
    double[] scaled = lambda.clone();
    for (int i = 0; i < scaled.length; i++) {
      scaled[i] *= factor;
    }
    return new Relaxation(scaled, mu * factor, growth);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Relaxation r && Arrays.equals(lambda, r.lambda) && mu == r.mu && growth == r.growth;
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(lambda) * 31 + Double.hashCode(mu) * 7 + Double.hashCode(growth);
  }

  @Override
  public String toString() {
    return "lambda=" + (lambda.length == 1 ? lambda[0] : Arrays.toString(lambda)) + ", mu=" + mu + ", growth=" + growth;
  }
}
