package org.implicitdl.spark;

import org.implicitdl.model.ImplicitModel;
import org.implicitdl.solve.SolverSettings;
import org.implicitdl.train.BcdStatistics;
import org.implicitdl.train.BlockCoordinateDescent;
import org.implicitdl.train.BlockStore;
import org.implicitdl.train.LocalSteps;
import org.implicitdl.train.Loss;
import org.implicitdl.train.RidgeCrossValidation;
import org.implicitdl.train.TrainingBlock;

/**
 * What chooses the ridge of the linear model that {@link StageChoices#notWorseThanLinear} weighs a stage against. For a
 * regression with more training rows than inputs: generalized cross-validation on the training rows
 * ({@link RidgeCrossValidation}; one pass for U'U'ᵀ, which the linear path's solves reuse, and one per fit for its
 * training loss). Otherwise (classes, or wider than the rows, or a Gram matrix beyond the driver): the loss on the
 * validation rows.
 */
final class RidgeChoice {
  private final BlockStore validation;
  private final BlockStore fitRows;
  private final Loss loss;
  private final SolverSettings fixedPoint;
  /** Null: chosen on the validation rows. */
  private final RidgeCrossValidation crossValidation;
  /**
   * The fit rows' U'U'ᵀ and YU'ᵀ the cross-validation was built from, and their total weight, which the ridges per unit
   * of row weight are multiplied by (null: chosen on the validation rows).
   */
  private final BcdStatistics.Constants sums;

  private RidgeChoice(BlockStore validation, BlockStore fitRows, Loss loss, SolverSettings fixedPoint, RidgeCrossValidation crossValidation,
      BcdStatistics.Constants sums) {
    this.validation = validation;
    this.fitRows = fitRows;
    this.loss = loss;
    this.fixedPoint = fixedPoint;
    this.crossValidation = crossValidation;
    this.sums = sums;
  }

  static RidgeChoice of(ChoiceRows rows, BlockStore validation, Loss loss, SolverSettings fixedPoint, int inputs) {
    if (loss != Loss.SQUARED || rows.fitRowCount() <= inputs + 1L
        || !BlockCoordinateDescent.gramFitsTheDriver(0, inputs, Runtime.getRuntime().maxMemory())) {
      return new RidgeChoice(validation, rows.fitRows(), loss, fixedPoint, null, null);
    }
    BcdStatistics.Constants sums = rows.fitRows().aggregate("linear model: U'U'ᵀ for its ridge's cross-validation", Boolean.TRUE,
        (Boolean unused, TrainingBlock block) -> LocalSteps.constants(null, block));
    return new RidgeChoice(validation, rows.fitRows(), loss, fixedPoint, RidgeCrossValidation.of(sums.uu(), rows.fitRowCount()), sums);
  }

  /** The linear fit's score at {@code ridgePerWeight} (lower is better). */
  double score(ImplicitModel fit, double ridgePerWeight) {
    if (crossValidation == null) {
      return TrainingStores.validationLoss(validation, fit, loss, fixedPoint);
    }
    return crossValidation.score(TrainingStores.validationLoss(fitRows, fit, loss, fixedPoint), ridgePerWeight * sums.weight());
  }

  /** The chosen fit's validation loss; {@code score} is its score, which is that loss when the validation rows chose. */
  double validationLoss(ImplicitModel fit, double score) {
    return crossValidation == null ? score : TrainingStores.validationLoss(validation, fit, loss, fixedPoint);
  }

  /** The fit rows' U'U'ᵀ and YU'ᵀ when this choice gathered them (the linear path's constants: one pass, not two); else null. */
  BcdStatistics.Constants fitRowSums() {
    return sums;
  }

  /** How the ridge was chosen, for the log. */
  String name() {
    return crossValidation == null ? "chosen on the validation rows" : "chosen by generalized cross-validation on the training rows";
  }
}
