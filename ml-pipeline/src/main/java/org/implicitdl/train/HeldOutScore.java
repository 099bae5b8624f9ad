package org.implicitdl.train;

import java.io.Serializable;
import org.implicitdl.solve.Certificate;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.solve.SolverSettings;

/**
 * The validation curve: after each epoch, the real rule (paper eq. 1, states by the certified
 * fixed-point solve) is judged on held-out blocks and the record gets their mean loss and metric.
 * It only watches: no trainer chooses a model by it, so held-out data used here can still serve
 * as an unbiased test set.
 */
public final class HeldOutScore {
  private final BlockStore heldOut;
  private final Loss loss;
  private final SolverSettings fixedPoint;
  private final int outputs;

  /** What the held-out pass sends to the blocks. */
  public record Payload(ImplicitModel model, Certificate certificate, Loss loss, SolverSettings fixedPoint) implements Serializable {}

  /** {@code heldOut} null: records pass through unchanged. */
  public HeldOutScore(BlockStore heldOut, Loss loss, SolverSettings fixedPoint, int outputs) {
    this.heldOut = heldOut;
    this.loss = loss;
    this.fixedPoint = fixedPoint;
    this.outputs = outputs;
  }

  /** No held-out data: every record passes through. */
  public static HeldOutScore none() {
    return new HeldOutScore(null, Loss.SQUARED, null, 1);
  }

  /** Whether the curve is drawn on {@code store} (then a record's held-out loss is that store's mean loss). */
  public boolean watches(BlockStore store) {
    return store != null && heldOut == store;
  }

  public static RuleMetrics score(Payload p, TrainingBlock block) {
    return RealRule.metrics(p.model(), p.certificate(), block.u(), block.y(), block.w(), p.loss(), p.fixedPoint());
  }

  /** The record with the held-out mean loss and metric of {@code model} (unchanged without held-out data). */
  public EpochRecord attach(EpochRecord record, ImplicitModel model) {
    return heldOut == null ? record : attach(record, model, model.certificate());
  }

  /**
   * As {@link #attach(EpochRecord, ImplicitModel)}, solving the states under a certificate the
   * trainer already holds: a trainer whose projection keeps ‖A‖∞ &lt; 1 knows the contraction
   * without the Perron–Frobenius bound's power iteration and LU solve each epoch.
   */
  public EpochRecord attach(EpochRecord record, ImplicitModel model, Certificate certificate) {
    if (heldOut == null) {
      return record;
    }
    RuleMetrics rule = heldOut.aggregate("epoch " + record.epoch() + ": held-out real-rule metrics",
        new Payload(model, certificate, loss, fixedPoint), HeldOutScore::score);
    return record.withHeldOut(rule.meanLoss(), rule.metric(loss, outputs));
  }
}
