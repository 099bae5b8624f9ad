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
 * @param realLoss L(Y, Cx* + Du) with x* the fixed point (the gradient solver's epochs: summed over its
 *     mini-batches, each at the model its step started from)
 * @param realMetric accuracy (classification) or RMSE (regression) of the real rule (likewise)
 * @param realResidual largest final Picard step over the data
 * @param notConverged columns whose fixed point missed the tolerance
 * @param seconds wall seconds of the epoch's steps: {cd, px, ab, report}
 * @param heldOutLoss mean real-rule loss on held-out rows ({@link HeldOutScore}), NaN without them
 * @param heldOutMetric accuracy or RMSE of the real rule on held-out rows, NaN without them
 */
public record EpochRecord(int epoch, double objective, double loss, double divergence, double coupling, double penalty,
    double realLoss, double realMetric, double realResidual, long notConverged, double[] seconds, double heldOutLoss,
    double heldOutMetric) implements Serializable {

  /** A record without held-out figures. */
  public EpochRecord(int epoch, double objective, double loss, double divergence, double coupling, double penalty, double realLoss,
      double realMetric, double realResidual, long notConverged, double[] seconds) {
    this(epoch, objective, loss, divergence, coupling, penalty, realLoss, realMetric, realResidual, notConverged, seconds, Double.NaN,
        Double.NaN);
  }

  /** An epoch judged by the real rule alone (no lifted problem): the objective is its loss plus the penalty. */
  public static EpochRecord ofRealRule(int epoch, RuleMetrics rule, double penalty, Loss loss, int outputs, double[] seconds) {
    double l = rule.loss();
    return new EpochRecord(epoch, l + penalty, l, 0, 0, penalty, l, rule.metric(loss, outputs), rule.maxResidual(), (long) rule.notConverged(),
        seconds);
  }

  /** This record with the held-out mean loss and metric. */
  public EpochRecord withHeldOut(double meanLoss, double metric) {
    return new EpochRecord(epoch, objective, loss, divergence, coupling, penalty, realLoss, realMetric, realResidual, notConverged,
        seconds, meanLoss, metric);
  }

  public boolean hasHeldOut() {
    return !Double.isNaN(heldOutMetric);
  }

  /** One human-readable line: the lifted problem's terms where the record has them (BCD's epochs). */
  public String line(String metricName) {
    double total = 0;
    for (double s : seconds) {
      total += s;
    }
    String heldOut = hasHeldOut() ? String.format(java.util.Locale.ROOT, "  held-out %s %.4f", metricName, heldOutMetric) : "";
    // an epoch of the real rule alone (ofRealRule) has no lifted terms to show, and its loss is the real loss
    boolean lifted = divergence != 0 || coupling != 0 || loss != realLoss;
    String liftedTerms = lifted ? String.format(java.util.Locale.ROOT, "div %.4e, coupling %.4e, ", divergence, coupling) : "";
    String realLossPart = lifted ? String.format(java.util.Locale.ROOT, "  real loss %.4e", realLoss) : "";
    return String.format(java.util.Locale.ROOT, "epoch %3d  objective %.6e  (loss %.4e, %spenalty %.4e)  real %s %.4f%s%s  %.1fs",
        epoch, objective, loss, liftedTerms, penalty, metricName, realMetric, realLossPart, heldOut, total);
  }

  /** The record with its seconds as a list (a record's own toString prints an array as {@code [D@…}). */
  @Override
  public String toString() {
    return "EpochRecord[epoch=" + epoch + ", objective=" + objective + ", loss=" + loss + ", divergence=" + divergence + ", coupling="
        + coupling + ", penalty=" + penalty + ", realLoss=" + realLoss + ", realMetric=" + realMetric + ", realResidual=" + realResidual
        + ", notConverged=" + notConverged + ", seconds=" + java.util.Arrays.toString(seconds) + ", heldOutLoss=" + heldOutLoss
        + ", heldOutMetric=" + heldOutMetric + "]";
  }
}
