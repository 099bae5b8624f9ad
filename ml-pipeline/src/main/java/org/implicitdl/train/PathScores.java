package org.implicitdl.train;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.solve.SolverSettings;
import org.implicitdl.train.FeatureSelectionPath.Point;

/**
 * How a {@link FeatureSelectionPath} judges its points on the validation rows: each support's
 * mean real-rule loss, the standard errors of the one-standard-error rule, and the rule itself.
 */
final class PathScores {
  private final BlockStore validation;
  private final Loss loss;
  private final SolverSettings fixedPoint;
  private final int inputs;

  PathScores(BlockStore validation, Loss loss, SolverSettings fixedPoint, int inputs) {
    this.validation = validation;
    this.loss = loss;
    this.fixedPoint = fixedPoint;
    this.inputs = inputs;
  }

  /** The point of {@code model} at {@code weight}: its inputs in use, validation mean loss and that mean's standard error. */
  Point score(double weight, ImplicitModel model) {
    Spreads s = validation.aggregate("feature selection: validation loss at weight " + weight, new Scoring(model, loss, fixedPoint),
        PathScores::rowLosses);
    return new Point(weight, InputGroups.used(model.b(), model.d(), inputs).length, s.mean(0), s.standardError(0));
  }

  /**
   * The points with each one's standard error replaced by that of its loss difference from the
   * best point, row by row on the same validation rows (one pass): the models' losses move
   * together from row to row, so the paired difference is what the rows can tell apart; the
   * spread of a single mean would call most supports equal on a few hundred rows.
   */
  List<Point> withPairedErrors(List<Point> path, List<ImplicitModel> models) {
    int best = 0;
    for (int k = 1; k < path.size(); k++) {
      best = path.get(k).validationLoss() < path.get(best).validationLoss() ? k : best;
    }
    Spreads s = validation.aggregate("feature selection: paired loss differences", new Paired(models, best, loss, fixedPoint),
        PathScores::pairedDifferences);
    List<Point> out = new ArrayList<>();
    for (int k = 0; k < path.size(); k++) {
      Point p = path.get(k);
      out.add(new Point(p.weight(), p.inputs(), p.validationLoss(), s.standardError(k), p.entered(), p.dropped()));
    }
    return out;
  }

  /** ℓ_a − ℓ_b row by row on the validation rows ({@link LossDifference}). */
  LossDifference difference(ImplicitModel a, ImplicitModel b) {
    return LossDifference.of(validation, loss, fixedPoint, a, b);
  }

  /**
   * Weighted sums Σ w v_k, Σ w v_k² of K per-row quantities and Σ w: their means and the standard
   * errors of those means.
   */
  record Spreads(double[] sum, double[] squares, double weight) implements Mergeable<Spreads> {
    /** The sums of {@code values[k][row]} weighted by the block's row weights w (1×m). */
    static Spreads of(double[][] values, Matrix w) {
      double[] sum = new double[values.length];
      double[] squares = new double[values.length];
      for (int k = 0; k < values.length; k++) {
        for (int c = 0; c < values[k].length; c++) {
          double v = values[k][c];
          sum[k] += w.get(0, c) * v;
          squares[k] += w.get(0, c) * v * v;
        }
      }
      return new Spreads(sum, squares, w.sum());
    }

    double mean(int k) {
      return sum[k] / weight;
    }

    double standardError(int k) {
      double mean = mean(k);
      return Math.sqrt(Math.max(0, squares[k] / weight - mean * mean) / weight);
    }

    @Override
    public Spreads merge(Spreads o) {
      double[] s = sum.clone();
      double[] q = squares.clone();
      for (int k = 0; k < s.length; k++) {
        s[k] += o.sum[k];
        q[k] += o.squares[k];
      }
      return new Spreads(s, q, weight + o.weight);
    }
  }

  /** What the paired pass sends to the blocks: every point's model and which one is best. */
  record Paired(List<ImplicitModel> models, int best, Loss loss, SolverSettings fixedPoint) implements Serializable {}

  /** The spreads of d_k = ℓ_k − ℓ_best per row, for every model k. */
  static Spreads pairedDifferences(Paired p, TrainingBlock block) {
    double[][] losses = new double[p.models().size()][];
    for (int k = 0; k < losses.length; k++) {
      losses[k] = perRow(p.models().get(k), block, p.loss(), p.fixedPoint());
    }
    double[][] differences = new double[losses.length][block.size()];
    for (int k = 0; k < losses.length; k++) {
      for (int c = 0; c < block.size(); c++) {
        differences[k][c] = losses[k][c] - losses[p.best()][c];
      }
    }
    return Spreads.of(differences, block.w());
  }

  /** What the validation pass sends to the blocks. */
  record Scoring(ImplicitModel model, Loss loss, SolverSettings fixedPoint) implements Serializable {}

  /** The spread of the real rule's per-row losses on a block (the mean and its standard error). */
  static Spreads rowLosses(Scoring s, TrainingBlock block) {
    return Spreads.of(new double[][] {perRow(s.model(), block, s.loss(), s.fixedPoint())}, block.w());
  }

  /** The real rule's loss of each row of the block. */
  private static double[] perRow(ImplicitModel m, TrainingBlock block, Loss loss, SolverSettings fixedPoint) {
    org.implicitdl.linalg.Inputs u = block.u();
    Matrix out = m.augmentedReadout(RealRule.states(m, m.certificate(), u, fixedPoint).states(), u);
    double[] losses = new double[u.cols()];
    for (int c = 0; c < losses.length; c++) {
      losses[c] = loss.value(block.y().data(), out.data(), out.rows(), c);
    }
    return losses;
  }

  /** The point the rule picks (see the class comment). */
  static int choose(List<Point> path, int maxInputs) {
    int best = -1;
    for (int k = 0; k < path.size(); k++) {
      Point p = path.get(k);
      if ((maxInputs == 0 || p.inputs() <= maxInputs) && (best < 0 || p.validationLoss() < path.get(best).validationLoss())) {
        best = k;
      }
    }
    if (maxInputs > 0) {
      // no point that sparse (the path stopped at λ_max with inputs left): the sparsest one
      return best >= 0 ? best : java.util.stream.IntStream.range(0, path.size()).boxed()
          .min(java.util.Comparator.comparingInt((Integer k) -> path.get(k).inputs())).orElseThrow();
    }
    double least = path.get(best).validationLoss();
    int chosen = best;
    for (int k = 0; k < path.size(); k++) {
      Point p = path.get(k);
      Point c = path.get(chosen);
      if (p.validationLoss() <= least + p.standardError()
          && (p.inputs() < c.inputs() || p.inputs() == c.inputs() && p.validationLoss() < c.validationLoss())) {
        chosen = k;
      }
    }
    return chosen;
  }
}
