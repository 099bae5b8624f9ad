package org.implicitdl.spark;

import java.io.Serializable;
import java.util.List;
import org.implicitdl.train.EpochRecord;

/**
 * What training did: the solver, the per-epoch history (objective and its parts, real-rule
 * metric, seconds), the final real-rule record, the selected features, and where a fit resumed
 * from a saved trainer state ("" when it ran from the start; {@code seconds} then counts only
 * the resumed part); with {@code selectFeatures}, the selection path (the dense start first, then
 * one point per weight, then the forward entry's points, the chosen one marked; empty otherwise); the gradient solver's step size (the one
 * {@code tuneStepSize} kept, NaN without a gradient stage); and where {@code blendStepSizes} mixed the kept step size's model
 * with the runner-up's, that step size and the kept one's weight (null where the model is one fit).
 */
public record TrainingSummary(String solver, List<EpochRecord> history, EpochRecord finalRecord, int[] selectedFeatures,
    double seconds, String resumedFrom, List<SelectionPoint> selectionPath, double stepSize, StepBlend stepBlend) implements Serializable {

  /** The runner-up's step size and the weight of the kept step size's model in their mixture (the runner-up's is 1 − weight). */
  public record StepBlend(double runnerUpStepSize, double weight) implements Serializable {}

  /**
   * One point of the selection path: the input-group weight, inputs in use, validation mean loss ± standard error, chosen
   * or not, and whether it is one of the forward entry's or the backward drop's (an input entered or dropped, at the weight
   * of the point it started from).
   */
  public record SelectionPoint(double weight, int inputs, double validationLoss, double standardError, boolean chosen, boolean entered,
      boolean dropped) implements Serializable {}

  /** The real rule's training metric at the end (accuracy or RMSE). */
  public double finalMetric() {
    return finalRecord.realMetric();
  }

  public int totalEpochs() {
    return history.isEmpty() ? 0 : history.get(history.size() - 1).epoch();
  }

  @Override
  public String toString() {
    return "TrainingSummary[solver=" + solver + ", epochs=" + totalEpochs() + ", final=" + finalRecord + ", selectedFeatures="
        + java.util.Arrays.toString(selectedFeatures) + ", seconds=" + seconds + (resumedFrom.isEmpty() ? "" : ", resumed from the "
        + resumedFrom) + "]";
  }
}
