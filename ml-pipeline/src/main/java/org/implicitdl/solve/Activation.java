package org.implicitdl.solve;

import java.util.Locale;

/**
 * The componentwise activation φ of the implicit rule x = φ(Ax + Bu) (paper eq. 1), with its
 * derivative and its Fenchel divergence (paper §4, eq. 8–9).
 *
 * <p>Every activation here is monotone and 1-Lipschitz (non-expansive), which is what the
 * well-posedness conditions of {@link WellPosedness} require. The Fenchel divergence is
 * {@code f(p, z) = F(p) + F*(z) − p·z ≥ 0} with {@code φ = (F*)'}; it is zero iff {@code p = φ(z)}.
 * For ReLU it is the paper's {@code ½p² + ½relu(z)² − p·z} on p ≥ 0.
 */
public enum Activation {
  RELU {
    /** max(z, 0); NaN stays NaN, so a diverging iteration shows as non-finite, not as zeros. */
    @Override public double apply(double z) { return Math.max(z, 0.0); }
    /** A branch-free loop the JIT vectorizes: the hottest Java loop of Picard sweeps and BCD steps. */
    @Override public void applyInPlace(double[] v, int from, int to) {
      for (int k = from; k < to; k++) {
        v[k] = Math.max(v[k], 0.0);
      }
    }
    @Override public double derivative(double z) { return z > 0 ? 1.0 : 0.0; }
    @Override public double divergence(double p, double z) {
      if (p < 0) return Double.POSITIVE_INFINITY;
      double r = apply(z);
      return 0.5 * p * p + 0.5 * r * r - p * z;
    }
    @Override public boolean isPiecewiseLinear() { return true; }
    @Override public double proxRemainder(double v, double t) { return Math.max(0.0, v); }
  },
  /** Leaky ReLU with slope {@value #LEAKY_SLOPE} on the negative side. */
  LEAKY_RELU {
    @Override public double apply(double z) { return z > 0 ? z : LEAKY_SLOPE * z; }
    @Override public double derivative(double z) { return z > 0 ? 1.0 : LEAKY_SLOPE; }
    @Override public double divergence(double p, double z) {
      double fConj = z > 0 ? 0.5 * z * z : 0.5 * LEAKY_SLOPE * z * z;
      double f = p > 0 ? 0.5 * p * p : 0.5 * p * p / LEAKY_SLOPE;
      return Math.max(0.0, f + fConj - p * z);
    }
    @Override public boolean isPiecewiseLinear() { return true; }
    /** G(p) = ½(1/s − 1)p² on p < 0, 0 on p ≥ 0: a scaled shrink of the negative side. */
    @Override public double proxRemainder(double v, double t) {
      return v >= 0 ? v : v / (1 + Math.max(t, 0.0) * (1 / LEAKY_SLOPE - 1));
    }
  },
  TANH {
    @Override public double apply(double z) { return Math.tanh(z); }
    @Override public double derivative(double z) { double t = Math.tanh(z); return 1.0 - t * t; }
    @Override public double divergence(double p, double z) {
      if (Math.abs(p) > 1) return Double.POSITIVE_INFINITY;
      double f = 0.5 * (xlogx(1 + p) + xlogx(1 - p));
      double fConj = logCosh(z);
      return Math.max(0.0, f + fConj - p * z);
    }
    @Override public double proxRemainder(double v, double t) {
      return solveProx(v, t, -1, 1);
    }
    @Override double inverse(double p) { return 0.5 * Math.log((1 + p) / (1 - p)); }
    @Override double inverseDerivative(double p) { return 1 / (1 - p * p); }
  },
  SIGMOID {
    @Override public double apply(double z) {
      return z >= 0 ? 1.0 / (1.0 + Math.exp(-z)) : Math.exp(z) / (1.0 + Math.exp(z));
    }
    @Override public double derivative(double z) { double s = apply(z); return s * (1.0 - s); }
    @Override public double divergence(double p, double z) {
      if (p < 0 || p > 1) return Double.POSITIVE_INFINITY;
      double f = xlogx(p) + xlogx(1 - p);
      double fConj = z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
      return Math.max(0.0, f + fConj - p * z);
    }
    @Override public double proxRemainder(double v, double t) {
      return solveProx(v, t, 0, 1);
    }
    @Override double inverse(double p) { return Math.log(p / (1 - p)); }
    @Override double inverseDerivative(double p) { return 1 / (p * (1 - p)); }
  };

  /** Negative-side slope of {@link #LEAKY_RELU}. */
  public static final double LEAKY_SLOPE = 0.01;

  /** φ(z). */
  public abstract double apply(double z);

  /** φ'(z) (the right derivative at kinks). */
  public abstract double derivative(double z);

  /** The Fenchel divergence f_φ(p, z) ≥ 0, zero iff p = φ(z); +∞ outside φ's range. */
  public abstract double divergence(double p, double z);

  /**
   * argmin_p ½(p − v)² + t·G(p) for t ≥ 0, where G(p) = F(p) − ½p² is the part of the divergence's
   * p-term f_φ(p, z) = F(p) + F*(z) − pz that is not quadratic (convex, because φ = (F*)' is
   * 1-Lipschitz, so F'' ≥ 1). BCD's P-step (paper §4) takes a gradient step on everything quadratic
   * in P and then this map; for ReLU, G is the indicator of p ≥ 0 and the map is the projection.
   */
  public abstract double proxRemainder(double v, double t);

  /** φ⁻¹(p) on φ's open range (smooth activations only). */
  double inverse(double p) {
    throw new UnsupportedOperationException(name());
  }

  /** (φ⁻¹)'(p) ≥ 1 on φ's open range (smooth activations only). */
  double inverseDerivative(double p) {
    throw new UnsupportedOperationException(name());
  }

  /**
   * The root of (1 − t)p + t·φ⁻¹(p) = v in (lo, hi), φ's range: the optimality condition of
   * {@link #proxRemainder}. Its left side increases with slope ≥ 1, so Newton steps kept inside a
   * shrinking bracket (bisection when a step leaves it) converge from any start.
   */
  double solveProx(double v, double t, double lo, double hi) {
    if (Double.isNaN(v)) {
      return v;
    }
    if (!(t > 0)) {
      return Math.min(Math.max(v, lo), hi);
    }
    double p = Math.min(Math.max(apply(v), Math.nextUp(lo)), Math.nextDown(hi));
    for (int it = 0; it < 100; it++) {
      double h = (1 - t) * p + t * inverse(p) - v;
      if (h > 0) {
        hi = p;
      } else {
        lo = p;
      }
      double next = p - h / ((1 - t) + t * inverseDerivative(p));
      if (!(next > lo && next < hi)) {
        next = 0.5 * (lo + hi);
      }
      if (Math.abs(next - p) <= 1e-15 * (1 + Math.abs(p))) {
        return next;
      }
      p = next;
    }
    return p;
  }

  /** True for ReLU-like activations, where a scalar x = φ(a·x + b) with a < 1 solves in closed form. */
  public boolean isPiecewiseLinear() {
    return false;
  }

  /** Applies φ in place to {@code v[from..to)}. */
  public void applyInPlace(double[] v, int from, int to) {
    for (int k = from; k < to; k++) {
      v[k] = apply(v[k]);
    }
  }

  /** Applies φ in place to every entry of {@code v}. */
  public void applyInPlace(double[] v) {
    applyInPlace(v, 0, v.length);
  }

  /** Sum of the divergence over paired entries. */
  public double divergence(double[] p, double[] z) {
    double s = 0;
    for (int k = 0; k < p.length; k++) {
      s += divergence(p[k], z[k]);
    }
    return s;
  }

  /** Parses "relu", "leaky_relu"/"leakyrelu", "tanh", "sigmoid" (case-insensitive). */
  public static Activation parse(String name) {
    String k = name.trim().toLowerCase(Locale.ROOT).replace("-", "_");
    switch (k) {
      case "relu": return RELU;
      case "leaky_relu": case "leakyrelu": return LEAKY_RELU;
      case "tanh": return TANH;
      case "sigmoid": case "logistic": return SIGMOID;
      default:
        throw new IllegalArgumentException("unknown activation '" + name + "'; expected one of relu, leaky_relu, tanh, sigmoid");
    }
  }

  /** Lower-case name, as accepted by {@link #parse}. */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  private static double xlogx(double x) {
    return x <= 0 ? 0.0 : x * Math.log(x);
  }

  private static double logCosh(double z) {
    double a = Math.abs(z);
    return a + Math.log1p(Math.exp(-2 * a)) - Math.log(2);
  }
}
