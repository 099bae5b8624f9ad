package org.implicitdl.train;

import java.util.function.ToDoubleFunction;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.model.StatePruning;

/**
 * Approximate state pruning (paper §6.2): states are ranked by how much they can matter,
 * ‖C_{:,i}‖·‖[A B]_{i,:}‖ + ‖A_{:,i}‖·‖[A B]_{i,:}‖ (what they receive times what they pass on),
 * and the least important ones are cut — made unread by zeroing their columns of A and C, then
 * removed by {@link StatePruning#exact}. Either to at most K states, or as many as the held-out loss
 * allows: the largest count whose loss exceeds the full model's by at most the tolerance, found by
 * bisection over the ranked prefix (loss grows with the count cut). A fine-tune should follow.
 */
public final class ApproximatePruning {
  private ApproximatePruning() {}

  /** Indices of the states, least important first. */
  public static int[] ranked(ImplicitModel m) {
    int n = m.hiddenDim();
    Matrix a = m.a();
    Matrix b = m.b();
    Matrix c = m.c();
    double[] score = new double[n];
    for (int i = 0; i < n; i++) {
      double out = 0;
      double in = 0;
      double feedsA = 0;
      for (int j = 0; j < c.rows(); j++) {
        out += c.get(j, i) * c.get(j, i);
      }
      for (int j = 0; j < n; j++) {
        feedsA += a.get(j, i) * a.get(j, i);
        in += a.get(i, j) * a.get(i, j);
      }
      for (int j = 0; j < b.cols(); j++) {
        in += b.get(i, j) * b.get(i, j);
      }
      score[i] = (Math.sqrt(out) + Math.sqrt(feedsA)) * Math.sqrt(in);
    }
    return java.util.stream.IntStream.range(0, n).boxed().sorted((x, y) -> Double.compare(score[x], score[y]))
        .mapToInt(Integer::intValue).toArray();
  }

  /** The model with the {@code count} least important states cut, then exactly pruned. */
  public static ImplicitModel cut(ImplicitModel m, int count) {
    int[] order = ranked(m);
    Matrix a = m.a();
    Matrix c = m.c();
    for (int k = 0; k < Math.min(count, order.length - 1); k++) {
      int i = order[k];
      for (int r = 0; r < a.rows(); r++) {
        a.set(r, i, 0.0);
      }
      for (int r = 0; r < c.rows(); r++) {
        c.set(r, i, 0.0);
      }
    }
    return StatePruning.exact(m.with(a, m.b(), c, m.d()));
  }

  /**
   * At most {@code maxStates} states.
   *
   * @throws IllegalArgumentException when maxStates < 1
   */
  public static ImplicitModel toAtMost(ImplicitModel m, int maxStates) {
    if (maxStates < 1) {
      throw new IllegalArgumentException("the number of states to keep must be >= 1, got " + maxStates);
    }
    ImplicitModel exact = StatePruning.exact(m);
    return exact.hiddenDim() <= maxStates ? exact : cut(exact, exact.hiddenDim() - maxStates);
  }

  /**
   * The same model with A replaced by its best rank-k approximation (paper §6.3), scaled down to
   * ‖A‖∞ ≤ κ when the approximation is above it, so the result is certified by the ∞-norm
   * condition and a fine-tune with the same rank limit can start from it.
   *
   * @throws IllegalArgumentException unless 1 ≤ k &lt; n, or κ is outside (0, 1)
   */
  public static ImplicitModel toRank(ImplicitModel m, int rank, double kappa) {
    int n = m.hiddenDim();
    if (rank < 1 || rank >= n) {
      throw new IllegalArgumentException("rank must lie in [1, " + (n - 1) + "] for a model with " + n + " states, got " + rank);
    }
    org.implicitdl.solve.WellPosedness.requireKappa(kappa);
    Matrix a = m.a();
    new Prox(n, 0, 0.0, 0.0, 0.0, Architecture.Structure.INF_NORM, kappa).withRank(rank).apply(a, 0.0);
    return m.with(a, m.b(), m.c(), m.d());
  }

  /**
   * As many states cut as keep {@code loss} (the held-out loss of a model, lower is better) within
   * {@code tolerance} of the full model's.
   */
  public static ImplicitModel withinTolerance(ImplicitModel m, double tolerance, ToDoubleFunction<ImplicitModel> loss) {
    if (!(tolerance >= 0) || Double.isInfinite(tolerance)) {
      throw new IllegalArgumentException("the loss tolerance must be a finite number >= 0, got " + tolerance);
    }
    ImplicitModel exact = StatePruning.exact(m);
    double limit = loss.applyAsDouble(exact) + tolerance;
    int lo = 0;
    int hi = exact.hiddenDim() - 1;
    ImplicitModel best = exact;
    while (lo < hi) {
      int mid = (lo + hi + 1) / 2;
      ImplicitModel candidate = cut(exact, mid);
      if (loss.applyAsDouble(candidate) <= limit) {
        lo = mid;
        best = candidate;
      } else {
        hi = mid - 1;
      }
    }
    return best;
  }

  /** Mean real-rule loss of a model on held-out inputs U (p×m, without the bias row) and targets Y. */
  public static ToDoubleFunction<ImplicitModel> heldOutLoss(Matrix u, Matrix y, Loss loss) {
    Matrix uAug = Matrix.vstack(u, TrainingBlock.unitWeights(u.cols()));
    Matrix w = TrainingBlock.unitWeights(u.cols());
    return model -> {
      return RealRule.metrics(model, model.certificate(), uAug, y, w, loss, org.implicitdl.solve.SolverSettings.DEFAULT).meanLoss();
    };
  }

}
