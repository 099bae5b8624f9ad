package org.implicitdl.spark;

import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleFunction;
import java.util.function.Function;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.solve.SolverSettings;
import org.implicitdl.train.BcdStatistics;
import org.implicitdl.train.BlockCoordinateDescent;
import org.implicitdl.train.BlockStore;
import org.implicitdl.train.FoldMask;
import org.implicitdl.train.HeldOutScore;
import org.implicitdl.train.LocalBlockStore;
import org.implicitdl.train.LocalSteps;
import org.implicitdl.train.Loss;
import org.implicitdl.train.RidgeCrossValidation;
import org.implicitdl.train.RuleMetrics;
import org.implicitdl.train.TrainingBlock;

/**
 * What chooses the ridge of the linear model that {@link StageChoices#notWorseThanLinear} weighs a stage against, in
 * this order:
 * <ul>
 * <li>a regression with more training rows than inputs: generalized cross-validation on the training rows
 * ({@link RidgeCrossValidation}; one pass for U'U'ᵀ, which the linear path's solves reuse, and one per fit for its
 * training loss);
 * <li>otherwise (classes, or wider than the rows, or a Gram matrix beyond the driver), fewer than
 * {@value #FOLD_ROWS} training rows: {@value #FOLDS}-fold cross-validation on the training rows ({@link FoldMask}, on the
 * driver) — a
 * tenth of a few hundred rows is a few dozen validation rows, whose loss picks among the path's ridges nearly at random
 * (on 3 of them a 30-row fit took a ridge of 3.2 per row and predicted nearly one class), while the folds score every
 * training row once; and a ridge chosen on the validation rows flatters the linear model there, where it is then weighed
 * against the stage;
 * <li>otherwise: the loss on the validation rows.
 * </ul>
 */
final class RidgeChoice {
  /** Training rows below which a ridge not chosen by generalized cross-validation is chosen by {@value #FOLDS} folds. */
  static final int FOLD_ROWS = 500;
  static final int FOLDS = 5;

  private final BlockStore validation;
  private final BlockStore fitRows;
  private final Loss loss;
  private final SolverSettings fixedPoint;
  /** Null unless generalized cross-validation chooses. */
  private final RidgeCrossValidation crossValidation;
  /**
   * The fit rows' U'U'ᵀ and YU'ᵀ the generalized cross-validation was built from, and their total weight, which the
   * ridges per unit of row weight are multiplied by (null unless it chooses).
   */
  private final BcdStatistics.Constants sums;
  /** The folds' mean held-out loss at each ridge they walked before stopping (null unless the folds choose). */
  private final double[] foldLosses;

  private RidgeChoice(BlockStore validation, BlockStore fitRows, Loss loss, SolverSettings fixedPoint, RidgeCrossValidation crossValidation,
      BcdStatistics.Constants sums, double[] foldLosses) {
    this.validation = validation;
    this.fitRows = fitRows;
    this.loss = loss;
    this.fixedPoint = fixedPoint;
    this.crossValidation = crossValidation;
    this.sums = sums;
    this.foldLosses = foldLosses;
  }

  /** The linear model's path on the training rows of one fold of a store, walked one ridge at a time. */
  @FunctionalInterface
  interface FoldWalks {
    DoubleFunction<ImplicitModel> walk(FoldMask trainingRows);
  }

  /**
   * The choice for these rows; {@code walksOn} walks the linear model's path on the folds of a store on the driver, one
   * ridge of {@code ridges} at a time (when the folds choose).
   */
  static RidgeChoice of(ChoiceRows rows, BlockStore validation, Loss loss, SolverSettings fixedPoint, int inputs, double[] ridges,
      Function<LocalBlockStore, FoldWalks> walksOn) {
    long fitRowCount = rows.fitRowCount();
    boolean generalized = loss == Loss.SQUARED && fitRowCount > inputs + 1L
        && BlockCoordinateDescent.gramFitsTheDriver(0, inputs, Runtime.getRuntime().maxMemory());
    if (generalized) {
      BcdStatistics.Constants sums = rows.fitRows().aggregate("linear model: U'U'ᵀ for its ridge's cross-validation", Boolean.TRUE,
          (Boolean unused, TrainingBlock block) -> LocalSteps.constants(null, block));
      return new RidgeChoice(validation, rows.fitRows(), loss, fixedPoint, RidgeCrossValidation.of(sums.uu(), fitRowCount), sums, null);
    }
    if (fitRowCount < FOLD_ROWS && fitRowCount >= 2L * FOLDS) {
      return new RidgeChoice(validation, rows.fitRows(), loss, fixedPoint, null, null, foldLosses(rows.fitRows(), loss, fixedPoint, ridges, walksOn));
    }
    return new RidgeChoice(validation, rows.fitRows(), loss, fixedPoint, null, null, null);
  }

  /**
   * Σ over folds of the held-out loss of the path fitted on the other folds, over Σ of the held-out weight, ridge by
   * ridge: the folds' paths walked in step, and stopped together once that mean has passed its best
   * ({@link StageChoices#pastTheBest}, the rule the path on the fit rows then stops by on these same scores), not each
   * walked to the weakest ridge.
   */
  private static double[] foldLosses(BlockStore rows, Loss loss, SolverSettings fixedPoint, double[] ridges,
      Function<LocalBlockStore, FoldWalks> walksOn) {
    // fewer than FOLD_ROWS rows: on the driver, where the folds' many small passes cost no Spark job each
    LocalBlockStore store = TrainingStores.onTheDriver(rows);
    FoldWalks onTheFolds = walksOn.apply(store);
    List<DoubleFunction<ImplicitModel>> walks = new ArrayList<>();
    List<BlockStore> heldOut = new ArrayList<>();
    for (int k = 0; k < FOLDS; k++) {
      walks.add(onTheFolds.walk(new FoldMask(k, FOLDS, false)));
      heldOut.add(TrainingStores.masked(store, new FoldMask(k, FOLDS, true)));
    }
    List<Double> means = new ArrayList<>();
    for (int r = 0; r < ridges.length && !StageChoices.pastTheBest(means); r++) {
      double lossSum = 0;
      double weight = 0;
      for (int k = 0; k < FOLDS; k++) {
        ImplicitModel fit = walks.get(k).apply(ridges[r]);
        RuleMetrics held = heldOut.get(k).aggregate("linear model: fold " + (k + 1) + " of " + FOLDS + "'s held-out loss",
            new HeldOutScore.Payload(fit, fit.certificate(), loss, fixedPoint), HeldOutScore::score);
        lossSum += held.loss();
        weight += held.weight();
      }
      means.add(lossSum / weight);
    }
    return means.stream().mapToDouble(Double::doubleValue).toArray();
  }

  /** The linear fit's score at the path's {@code k}-th ridge, {@code ridgePerWeight} (lower is better). */
  double score(ImplicitModel fit, int k, double ridgePerWeight) {
    if (foldLosses != null) {
      // the path on the fit rows stops by the same rule on these scores, so never past the folds' last
      return foldLosses[k];
    }
    if (crossValidation == null) {
      return TrainingStores.validationLoss(validation, fit, loss, fixedPoint);
    }
    return crossValidation.score(TrainingStores.validationLoss(fitRows, fit, loss, fixedPoint), ridgePerWeight * sums.weight());
  }

  /** The chosen fit's validation loss; {@code score} is its score, which is that loss when the validation rows chose. */
  double validationLoss(ImplicitModel fit, double score) {
    return crossValidation == null && foldLosses == null ? score : TrainingStores.validationLoss(validation, fit, loss, fixedPoint);
  }

  /** The fit rows' U'U'ᵀ and YU'ᵀ when this choice gathered them (the linear path's constants: one pass, not two); else null. */
  BcdStatistics.Constants fitRowSums() {
    return sums;
  }

  /** The folds' mean held-out loss at each ridge of the path they walked before stopping (null unless the folds choose). */
  double[] foldLosses() {
    return foldLosses == null ? null : foldLosses.clone();
  }

  /** How the ridge was chosen, for the log. */
  String name() {
    if (foldLosses != null) {
      return "chosen by " + FOLDS + "-fold cross-validation on the training rows";
    }
    return crossValidation == null ? "chosen on the validation rows" : "chosen by generalized cross-validation on the training rows";
  }
}
