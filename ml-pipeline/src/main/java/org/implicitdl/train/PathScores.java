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
    Sums s = validation.aggregate("feature selection: validation loss at weight " + weight, new Scoring(model, loss, fixedPoint),
        PathScores::rowLosses);
    double count = s.scalar(2);
    double mean = s.scalar(0) / count;
    double variance = Math.max(0, s.scalar(1) / count - mean * mean);
    return new Point(weight, InputGroups.used(model.b(), model.d(), inputs).length, mean, Math.sqrt(variance / count));
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
    Sums s = validation.aggregate("feature selection: paired loss differences", new Paired(models, best, loss, fixedPoint),
        PathScores::pairedDifferences);
    double count = s.scalar(2 * models.size());
    List<Point> out = new ArrayList<>();
    for (int k = 0; k < path.size(); k++) {
      double mean = s.scalar(2 * k) / count;
      double variance = Math.max(0, s.scalar(2 * k + 1) / count - mean * mean);
      Point p = path.get(k);
      out.add(new Point(p.weight(), p.inputs(), p.validationLoss(), Math.sqrt(variance / count)));
    }
    return out;
  }

  /** What the paired pass sends to the blocks: every point's model and which one is best. */
  record Paired(List<ImplicitModel> models, int best, Loss loss, SolverSettings fixedPoint) implements Serializable {}

  /** Σ w d_k and Σ w d_k² for d_k = ℓ_k − ℓ_best per row, for every model k, then Σ w. */
  static Sums pairedDifferences(Paired p, TrainingBlock block) {
    Matrix u = block.u();
    int q = block.y().rows();
    double[][] losses = new double[p.models().size()][];
    for (int k = 0; k < losses.length; k++) {
      ImplicitModel m = p.models().get(k);
      Matrix out = RealRule.readout(m.c(), m.d(), RealRule.states(m, m.certificate(), u, p.fixedPoint()).states(), u);
      losses[k] = new double[u.cols()];
      for (int c = 0; c < u.cols(); c++) {
        losses[k][c] = p.loss().value(block.y().data(), out.data(), q, c);
      }
    }
    double[] sums = new double[2 * losses.length + 1];
    for (int c = 0; c < u.cols(); c++) {
      double w = block.w().get(0, c);
      for (int k = 0; k < losses.length; k++) {
        double d = losses[k][c] - losses[p.best()][c];
        sums[2 * k] += w * d;
        sums[2 * k + 1] += w * d * d;
      }
      sums[2 * losses.length] += w;
    }
    return new Sums(new Matrix[0], sums);
  }

  /** What the validation pass sends to the blocks. */
  record Scoring(ImplicitModel model, Loss loss, SolverSettings fixedPoint) implements Serializable {}

  /** Σ w ℓ, Σ w ℓ², Σ w of the real rule's per-row losses on a block (the mean and its standard error). */
  static Sums rowLosses(Scoring s, TrainingBlock block) {
    Matrix u = block.u();
    Matrix out = RealRule.readout(s.model().c(), s.model().d(),
        RealRule.states(s.model(), s.model().certificate(), u, s.fixedPoint()).states(), u);
    int q = out.rows();
    double sum = 0;
    double squares = 0;
    double count = 0;
    for (int k = 0; k < u.cols(); k++) {
      double w = block.w().get(0, k);
      double l = s.loss().value(block.y().data(), out.data(), q, k);
      sum += w * l;
      squares += w * l * l;
      count += w;
    }
    return new Sums(new Matrix[0], new double[] {sum, squares, count});
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
