package org.implicitdl.train;

import java.io.Serializable;

/**
 * One line of the training history: objective (10) and its parts on the lifted problem, and the
 * real rule (1) judged by fixed-point solves on the training data.
 *
 * @param epoch 0 for the initial model
 * @param objective loss + divergence + coupling + penalty
 * @param loss L(Y, CP + DU) on the proxies
 * @param divergence Σ λ_i f_φ(P_i, (AX + BU)_i)
 * @param coupling (μ/2)‖X − P‖²
 * @param penalty 𝒫(A, B, C, D)
 * @param realLoss L(Y, Cx* + Du) with x* the fixed point
 * @param realMetric accuracy (classification) or RMSE (regression) of the real rule
 * @param realResidual largest final Picard step over the data
 * @param notConverged columns whose fixed point missed the tolerance
 * @param seconds wall seconds of the epoch's steps: {cd, px, ab, report}
 */
public record EpochRecord(int epoch, double objective, double loss, double divergence, double coupling, double penalty,
    double realLoss, double realMetric, double realResidual, long notConverged, double[] seconds) implements Serializable {

  /** One human-readable line. */
  public String line(String metricName) {
    double total = 0;
    for (double s : seconds) {
      total += s;
    }
    return String.format(java.util.Locale.ROOT,
        "epoch %3d  objective %.6e  (loss %.4e, div %.4e, coupling %.4e, penalty %.4e)  real %s %.4f  real loss %.4e  %.1fs",
        epoch, objective, loss, divergence, coupling, penalty, metricName, realMetric, realLoss, total);
  }
}
