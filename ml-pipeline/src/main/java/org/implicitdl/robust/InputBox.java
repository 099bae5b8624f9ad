package org.implicitdl.robust;

import java.util.Arrays;
import org.implicitdl.linalg.Matrix;

/**
 * The uncertainty set of eq. 16: each input may move by at most ε·σ_f in feature f, with σ a
 * per-feature scale (all ones for one ε in the inputs' own units).
 *
 * @param sigma the per-feature scale σ (length p, entries finite and ≥ 0)
 * @param epsilon ε ≥ 0
 */
public record InputBox(double[] sigma, double epsilon) implements java.io.Serializable {

  public InputBox {
    if (!(epsilon >= 0) || Double.isInfinite(epsilon)) {
      throw new IllegalArgumentException("epsilon must be a finite number >= 0, got " + epsilon);
    }
    sigma = sigma.clone();
    for (int f = 0; f < sigma.length; f++) {
      if (!(sigma[f] >= 0) || Double.isInfinite(sigma[f])) {
        throw new IllegalArgumentException("the per-feature scale σ must be finite and >= 0, got " + sigma[f] + " at feature " + f);
      }
    }
  }

  /** One ε for all p features. */
  public static InputBox uniform(int p, double epsilon) {
    double[] ones = new double[p];
    Arrays.fill(ones, 1.0);
    return new InputBox(ones, epsilon);
  }

  /**
   * A box for p features from a σ vector that may be empty (meaning all ones).
   *
   * @throws IllegalArgumentException when σ is given with a length other than p
   */
  public static InputBox of(double[] sigma, double epsilon, int p) {
    if (sigma == null || sigma.length == 0) {
      return uniform(p, epsilon);
    }
    if (sigma.length != p) {
      throw new IllegalArgumentException("the per-feature scale σ has " + sigma.length + " entries, the model has " + p + " features");
    }
    return new InputBox(sigma, epsilon);
  }

  @Override
  public double[] sigma() {
    return sigma.clone();
  }

  public int dimension() {
    return sigma.length;
  }

  /** The radii ε·σ for m columns (p×m). */
  public Matrix radii(int m) {
    double[] eps = new double[m];
    Arrays.fill(eps, epsilon);
    return radii(eps);
  }

  /** Radii ε_j·σ with a different ε per column (p×m). */
  public Matrix radii(double[] epsilons) {
    int p = sigma.length;
    double[] r = new double[p * epsilons.length];
    for (int j = 0; j < epsilons.length; j++) {
      for (int f = 0; f < p; f++) {
        r[f + j * p] = epsilons[j] * sigma[f];
      }
    }
    return new Matrix(p, epsilons.length, r);
  }
}
