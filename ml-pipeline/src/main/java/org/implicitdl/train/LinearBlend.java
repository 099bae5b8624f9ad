package org.implicitdl.train;

import java.io.Serializable;
import org.implicitdl.linalg.Blas;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.solve.SolverSettings;

/**
 * A trained implicit model and a linear model of the inputs, mixed by one weight α chosen on the validation rows:
 * ŷ_α = α (C x + D u) + (1 − α) D_lin u — again an implicit model, with readout (α C, α D + (1 − α) D_lin) and A, B
 * (so its states and their well-posedness) unchanged. For classes the mixture is of the scores, a log-linear pool.
 *
 * <p>Why mix rather than pick one: on a few dozen validation rows the choice between the two is often a coin flip
 * (their losses within a fraction of a standard error of the row-by-row difference), and a wrong pick costs the whole
 * difference between them on new rows. One weight fitted on those rows (stacking, Wolpert 1992; Breiman 1996, with
 * non-negative weights that sum to one) has far less variance than a pick, includes both (α = 1, α = 0), and where the
 * two err differently their mixture is better than either. The validation loss is convex in α (the loss of an affine
 * function of α), scored on a grid of {@value #GRID} + 1 weights in one pass over the rows.
 */
public final class LinearBlend {
  /** Steps of the grid of weights in [0, 1]. */
  public static final int GRID = 40;

  private LinearBlend() {}

  /** The weight of the grid with the smallest validation loss; of equal ones, the largest (the trained model). */
  public static double bestWeight(BlockStore validation, Loss loss, SolverSettings fixedPoint, ImplicitModel trained, ImplicitModel linear) {
    double[] losses = losses(validation, loss, fixedPoint, trained, linear);
    int best = GRID;
    for (int k = GRID - 1; k >= 0; k--) {
      best = losses[k] < losses[best] ? k : best;
    }
    return best / (double) GRID;
  }

  /** The mean validation loss at each weight k / {@value #GRID}, k = 0..{@value #GRID} (one pass). */
  public static double[] losses(BlockStore validation, Loss loss, SolverSettings fixedPoint, ImplicitModel trained, ImplicitModel linear) {
    Sums s = validation.aggregate("validation losses of the linear blend", new Payload(trained, linear, loss, fixedPoint), LinearBlend::sums);
    double[] mean = new double[GRID + 1];
    for (int k = 0; k <= GRID; k++) {
      mean[k] = s.weightedLoss()[k] / s.weight();
    }
    return mean;
  }

  /** ŷ_α as one implicit model: {@code trained}'s A and B, readout α (C, D) + (1 − α) (0, D_lin). */
  public static ImplicitModel mixed(ImplicitModel trained, ImplicitModel linear, double alpha) {
    Matrix c = trained.c().scaled(alpha);
    Matrix d = trained.d().scaled(alpha);
    Blas.axpy(1 - alpha, linear.d().data(), d.data());
    return trained.with(trained.a(), trained.b(), c, d);
  }

  /** What the pass sends to the blocks. */
  record Payload(ImplicitModel trained, ImplicitModel linear, Loss loss, SolverSettings fixedPoint) implements Serializable {}

  /** Σ_rows w ℓ(ŷ_α) at every weight of the grid, and Σ w. */
  record Sums(double[] weightedLoss, double weight) implements Mergeable<Sums> {
    @Override
    public Sums merge(Sums o) {
      double[] s = weightedLoss.clone();
      for (int k = 0; k < s.length; k++) {
        s[k] += o.weightedLoss[k];
      }
      return new Sums(s, weight + o.weight);
    }
  }

  static Sums sums(Payload p, TrainingBlock block) {
    Matrix trained = outputs(p.trained(), block, p.fixedPoint());
    Matrix linear = outputs(p.linear(), block, p.fixedPoint());
    int q = trained.rows();
    double[] mixed = new double[trained.data().length];
    double[] s = new double[GRID + 1];
    for (int k = 0; k <= GRID; k++) {
      double alpha = k / (double) GRID;
      for (int i = 0; i < mixed.length; i++) {
        mixed[i] = alpha * trained.data()[i] + (1 - alpha) * linear.data()[i];
      }
      for (int c = 0; c < block.size(); c++) {
        s[k] += block.w().get(0, c) * p.loss().value(block.y().data(), mixed, q, c);
      }
    }
    return new Sums(s, block.w().sum());
  }

  private static Matrix outputs(ImplicitModel m, TrainingBlock block, SolverSettings fixedPoint) {
    return m.augmentedReadout(RealRule.states(m, m.certificate(), block.u(), fixedPoint).states(), block.u());
  }
}
