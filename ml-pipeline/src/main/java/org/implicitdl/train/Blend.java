package org.implicitdl.train;

import java.io.Serializable;
import org.implicitdl.linalg.Blas;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.solve.SolverSettings;

/**
 * Two implicit models mixed by one weight α chosen on the validation rows: ŷ_α = α ŷ_first + (1 − α) ŷ_second, again
 * an implicit model. Two uses: a trained model and a linear model of the inputs ({@link #withLinear}: readout
 * (α C, α D + (1 − α) D_lin), A and B unchanged), and the two best candidates of a step-size search ({@link #stacked}:
 * their states side by side). For classes the mixture is of the scores, a log-linear pool.
 *
 * <p>Why mix rather than pick one: on a few dozen validation rows the choice between two models is often a coin flip
 * (their losses within a fraction of a standard error of the row-by-row difference), and a wrong pick costs the whole
 * difference between them on new rows. One weight fitted on those rows (stacking, Wolpert 1992; Breiman 1996, with
 * non-negative weights that sum to one) has far less variance than a pick, includes both (α = 1, α = 0), and where the
 * two err differently their mixture is better than either. The validation loss is convex in α (the loss of an affine
 * function of α), scored on a grid of {@value #GRID} + 1 weights in one pass over the rows.
 */
public final class Blend {
  /** Steps of the grid of weights in [0, 1]. */
  public static final int GRID = 40;

  private Blend() {}

  /**
   * The two models and their mixtures on the validation rows, in one pass: the mean loss at every weight k / {@value #GRID}
   * of the grid, k = 0..{@value #GRID}, and the row-by-row difference ℓ_first − ℓ_second (the grid's ends, row by row).
   *
   * @param losses the mean validation loss at each weight of the grid; {@code losses[GRID]} is the first model's
   * @param difference ℓ_first − ℓ_second: its mean and that mean's standard error
   */
  public record Scores(double[] losses, LossDifference difference) {
    /** The weight of the grid with the smallest validation loss; of equal ones, the largest (the first model). */
    public double bestWeight() {
      int best = GRID;
      for (int k = GRID - 1; k >= 0; k--) {
        best = losses[k] < losses[best] ? k : best;
      }
      return best / (double) GRID;
    }
  }

  /** {@link Scores} of {@code first} and {@code second} on {@code validation}'s rows (one pass). */
  public static Scores scores(BlockStore validation, Loss loss, SolverSettings fixedPoint, ImplicitModel first, ImplicitModel second) {
    Sums s = validation.aggregate("validation losses of a blend", new Payload(first, second, loss, fixedPoint), Blend::sums);
    double[] mean = new double[GRID + 1];
    for (int k = 0; k <= GRID; k++) {
      mean[k] = s.weightedLoss()[k] / s.difference().weight();
    }
    return new Scores(mean, new LossDifference(s.difference().mean(0), s.difference().standardError(0)));
  }

  /** ŷ_α of a trained model and a linear model ŷ = D_lin u as one implicit model: {@code trained}'s A and B, readout α (C, D) + (1 − α) (0, D_lin). */
  public static ImplicitModel withLinear(ImplicitModel trained, ImplicitModel linear, double alpha) {
    return trained.with(trained.a(), trained.b(), trained.c().scaled(alpha), mixedD(trained, linear, alpha));
  }

  /**
   * ŷ_α of two implicit models as one, their states side by side: A = diag(A₁, A₂), B = [B₁; B₂], readout
   * (α C₁, (1 − α) C₂) and α D₁ + (1 − α) D₂. The two blocks of states never meet, so each solves its own fixed point
   * as before (the solver finds them as separate components) and the pair is well-posed when each is: a norm bound of
   * a block-diagonal A is the larger of its blocks'. At α = 1 or 0 the model is one of the two, no larger.
   */
  public static ImplicitModel stacked(ImplicitModel first, ImplicitModel second, double alpha) {
    if (first.activation() != second.activation() || first.inputBias() != second.inputBias() || first.inputDim() != second.inputDim()
        || first.outputDim() != second.outputDim()) {
      throw new IllegalArgumentException("stacked models need the same activation, inputs and outputs; got " + first + " and " + second);
    }
    if (alpha == 1) {
      return first;
    }
    if (alpha == 0) {
      return second;
    }
    int n1 = first.hiddenDim();
    int n = n1 + second.hiddenDim();
    Matrix a = Matrix.zeros(n, n);
    a.setBlock(0, 0, first.a());
    a.setBlock(n1, n1, second.a());
    Matrix c = Matrix.hstack(first.c().scaled(alpha), second.c().scaled(1 - alpha));
    return new ImplicitModel(a, Matrix.vstack(first.b(), second.b()), c, mixedD(first, second, alpha), first.activation(), first.inputBias());
  }

  private static Matrix mixedD(ImplicitModel first, ImplicitModel second, double alpha) {
    Matrix d = first.d().scaled(alpha);
    Blas.axpy(1 - alpha, second.d().data(), d.data());
    return d;
  }

  /** What the pass sends to the blocks. */
  record Payload(ImplicitModel first, ImplicitModel second, Loss loss, SolverSettings fixedPoint) implements Serializable {}

  /** Σ_rows w ℓ(ŷ_α) at every weight of the grid, and the spread of ℓ_first − ℓ_second (with Σ w). */
  record Sums(double[] weightedLoss, PathScores.Spreads difference) implements Mergeable<Sums> {
    @Override
    public Sums merge(Sums o) {
      double[] s = weightedLoss.clone();
      for (int k = 0; k < s.length; k++) {
        s[k] += o.weightedLoss[k];
      }
      return new Sums(s, difference.merge(o.difference));
    }
  }

  static Sums sums(Payload p, TrainingBlock block) {
    Matrix first = outputs(p.first(), block, p.fixedPoint());
    Matrix second = outputs(p.second(), block, p.fixedPoint());
    int q = first.rows();
    double[] mixed = new double[first.data().length];
    double[] s = new double[GRID + 1];
    double[] difference = new double[block.size()];
    for (int k = 0; k <= GRID; k++) {
      double alpha = k / (double) GRID;
      for (int i = 0; i < mixed.length; i++) {
        mixed[i] = alpha * first.data()[i] + (1 - alpha) * second.data()[i];
      }
      for (int c = 0; c < block.size(); c++) {
        double rowLoss = p.loss().value(block.y().data(), mixed, q, c);
        s[k] += block.w().get(0, c) * rowLoss;
        // the grid's ends are the two models themselves: ℓ_first − ℓ_second row by row
        difference[c] += k == GRID ? rowLoss : k == 0 ? -rowLoss : 0;
      }
    }
    return new Sums(s, PathScores.Spreads.of(new double[][] {difference}, block.w()));
  }

  private static Matrix outputs(ImplicitModel m, TrainingBlock block, SolverSettings fixedPoint) {
    return m.augmentedReadout(RealRule.states(m, m.certificate(), block.u(), fixedPoint).states(), block.u());
  }
}
