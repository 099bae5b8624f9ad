package org.implicitdl.train;

import java.util.function.Supplier;
import org.implicitdl.linalg.Blas;
import org.implicitdl.linalg.Matrix;

/**
 * Where a regression's gradient fit starts its readout: D = the ridge least-squares fit of the targets on the inputs
 * (ŷ = Du is the implicit model with its states unused, paper §2), the ridge chosen by generalized cross-validation
 * ({@link RidgeCrossValidation}) along {@link #RIDGES}, and C at {@value #READOUT_SCALE} of its random start, so the
 * fit starts as the linear model predicts and its states learn what the linear model leaves; the gradient to B flows
 * through C, which is why C is scaled down, not zero.
 *
 * <p>Why: with D = 0 the optimizer must first learn the linear trend, and where that trend carries most of the target
 * (prices, sizes, counts) the few hundred steps of a small data set end with it learned to within a few percent —
 * which costs more than the noise — while the states have fitted noise. Started at the trend, early stopping's first
 * epoch is already the linear model, and every later epoch must beat it on the validation rows.
 *
 * <p>Not for classes (a log-linear start has no closed form), layered architectures (their D is restricted by the
 * pattern), fits that penalize or hold input columns at zero (feature selection: a dense least-squares D is what their
 * penalty is there to undo), fewer than 2(p + 1) rows (the least-squares fit would nearly interpolate them) or more
 * than {@value #MAX_INPUTS} inputs (the (p + 1)² Gram matrix on the driver).
 */
final class LinearStart {
  /** Ridges per unit of row weight (inputs in standard units), strongest first. */
  static final double[] RIDGES = java.util.stream.IntStream.rangeClosed(0, 8).mapToDouble(k -> Math.pow(10, -k / 2.0)).toArray();
  /** The random readout C's share at the start. */
  static final double READOUT_SCALE = 0.1;
  /** The widest start: its eigenvalues and solves cost (p + 1)³ on the driver, at each fresh start of a fit. */
  static final int MAX_INPUTS = 1023;

  private LinearStart() {}

  /** Whether a fit of these settings starts from the linear model. */
  static boolean applies(GradientSettings settings, int inputs) {
    return settings.loss() == Loss.SQUARED && settings.shape().layers() == null && inputs <= MAX_INPUTS && !settings.inputPenalty().active()
        && settings.l1() == 0 && settings.groupLasso() == 0;
  }

  /**
   * D (q × (p + 1), the bias last) of the linear fit, or null where the rows are too few; {@code zeroLoss} gives the
   * mean loss (and the row weight) of the model that predicts 0, from which Σ w‖y‖² comes.
   */
  static Matrix readout(BlockStore store, int inputs, Supplier<RuleMetrics> zeroLoss) {
    RuleMetrics zero = zeroLoss.get();
    double weight = zero.weight();
    if (!(weight >= 2.0 * (inputs + 1))) {
      return null;
    }
    BcdStatistics.Constants sums = store.aggregate("linear start: U'U'ᵀ and YU'ᵀ", Boolean.TRUE,
        (Boolean unused, TrainingBlock block) -> LocalSteps.constants(null, block));
    RidgeCrossValidation gcv = RidgeCrossValidation.of(sums.uu(), Math.round(weight));
    if (gcv == null) {
      return null;
    }
    // Σ w ‖y‖², the squared loss being ½‖ŷ − y‖²
    double targetSquares = 2 * zero.meanLoss() * weight;
    Matrix best = null;
    double bestScore = Double.POSITIVE_INFINITY;
    for (double perRow : RIDGES) {
      double ridge = perRow * sums.weight();
      Matrix d = fit(sums, ridge);
      if (d == null) {
        continue;
      }
      double score = gcv.score(residualSquares(sums, d, targetSquares) / sums.weight(), ridge);
      if (score < bestScore) {
        bestScore = score;
        best = d;
      }
    }
    return best;
  }

  /** D = YU'ᵀ (U'U'ᵀ + ridge·I but for the intercept)⁻¹ (Cholesky), or null when the system is not positive definite. */
  static Matrix fit(BcdStatistics.Constants sums, double ridge) {
    Matrix rhs = sums.yu().transpose();
    return Blas.solveSpd(ReadoutQuadratic.withReadoutRidge(sums.uu(), ridge), rhs) ? rhs.transpose() : null;
  }

  /** Σ w ‖y − D u'‖² = Σ w ‖y‖² − 2 tr(D (YU'ᵀ)ᵀ) + tr(D U'U'ᵀ Dᵀ). */
  static double residualSquares(BcdStatistics.Constants sums, Matrix d, double targetSquares) {
    Matrix dg = Blas.multiply(d, sums.uu());
    double cross = 0;
    double quadratic = 0;
    for (int k = 0; k < d.data().length; k++) {
      cross += d.data()[k] * sums.yu().data()[k];
      quadratic += dg.data()[k] * d.data()[k];
    }
    return Math.max(0, targetSquares - 2 * cross + quadratic);
  }
}
