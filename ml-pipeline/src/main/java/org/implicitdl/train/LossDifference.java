package org.implicitdl.train;

import java.util.List;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.solve.SolverSettings;

/**
 * Two models compared row by row on the same validation rows: the mean of ℓ_a − ℓ_b (real-rule
 * losses) and the standard error of that mean. The two models' losses move together from row to row,
 * so the paired difference is what a few hundred rows can tell apart; the spreads of the two means
 * alone would call most pairs equal.
 *
 * @param mean the mean of ℓ_a − ℓ_b over the rows (row weights applied): negative when a scores better
 * @param standardError the standard error of that mean
 */
public record LossDifference(double mean, double standardError) {
  /** ℓ_a − ℓ_b on {@code validation}'s rows (one pass). */
  public static LossDifference of(BlockStore validation, Loss loss, SolverSettings fixedPoint, ImplicitModel a, ImplicitModel b) {
    PathScores.Spreads s = validation.aggregate("paired validation loss difference", new PathScores.Paired(List.of(a, b), 1, loss, fixedPoint),
        PathScores::pairedDifferences);
    return new LossDifference(s.mean(0), s.standardError(0));
  }

  /** Whether a scores better than b by more than {@code errors} standard errors of the difference. */
  public boolean firstBetterBy(double errors) {
    return mean < -errors * standardError;
  }
}
