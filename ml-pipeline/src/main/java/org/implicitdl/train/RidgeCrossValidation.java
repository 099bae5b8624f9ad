package org.implicitdl.train;

import org.implicitdl.linalg.Blas;
import org.implicitdl.linalg.Matrix;

/**
 * Generalized cross-validation of a ridge regression with an unpenalized intercept (Golub, Heath and Wahba 1979):
 * GCV(λ) = RSS(λ)/m / (1 − df(λ)/m)², with df(λ) = tr H(λ) = 1 + Σ_i e_i/(e_i + λ) the fit's degrees of freedom, e_i
 * the eigenvalues of the centred weighted Gram matrix Σ_k w_k (u_k − ū)(u_k − ū)ᵀ and λ the ridge on the summed
 * loss (the intercept takes the one degree of freedom a mean does). It approximates leave-one-out cross-validation on
 * the training rows themselves.
 *
 * <p>Why: a ridge chosen on a few dozen validation rows follows their noise. Where a linear model explains most of
 * the target (real prices, sizes, counts), a ridge a few percent too strong shrinks the whole signal by as much, which
 * costs more than the noise; every training row speaks to GCV, and it needs only the Gram matrix and each fit's
 * training loss.
 */
public final class RidgeCrossValidation {
  /** The centred Gram matrix's eigenvalues (≥ 0). */
  private final double[] eigenvalues;
  private final long rows;

  private RidgeCrossValidation(double[] eigenvalues, long rows) {
    this.eigenvalues = eigenvalues;
    this.rows = rows;
  }

  /**
   * From U'U'ᵀ = Σ_k w_k u'_k u'_kᵀ of the rows the ridge fits on, u' = [u; 1] (the bias last), and their number;
   * null when the eigenvalues cannot be found.
   */
  public static RidgeCrossValidation of(Matrix weightedGram, long rows) {
    int p = weightedGram.rows() - 1;
    double weight = weightedGram.get(p, p);
    if (p < 0 || !(weight > 0)) {
      throw new IllegalArgumentException("ridge cross-validation needs rows of positive weight, got a total weight of " + weight);
    }
    Matrix centred = Matrix.zeros(p, p);
    for (int j = 0; j < p; j++) {
      for (int i = 0; i < p; i++) {
        centred.set(i, j, weightedGram.get(i, j) - weightedGram.get(i, p) * weightedGram.get(j, p) / weight);
      }
    }
    double[] e = Blas.symmetricEigenvalues(centred);
    if (e == null) {
      return null;
    }
    for (int i = 0; i < e.length; i++) {
      // rounding leaves the zero eigenvalues of a singular Gram slightly negative
      e[i] = Math.max(0, e[i]);
    }
    return new RidgeCrossValidation(e, rows);
  }

  /** df(λ) = 1 + Σ e_i/(e_i + λ) at the ridge λ > 0 on the summed loss. */
  public double degreesOfFreedom(double ridge) {
    double df = 1;
    for (double e : eigenvalues) {
      df += e / (e + ridge);
    }
    return df;
  }

  /** GCV(λ) from the fit's mean training loss at that ridge (any fixed multiple of RSS/m); +∞ where df ≥ m. */
  public double score(double meanTrainingLoss, double ridge) {
    double room = 1 - degreesOfFreedom(ridge) / rows;
    return room > 0 ? meanTrainingLoss / (room * room) : Double.POSITIVE_INFINITY;
  }
}
