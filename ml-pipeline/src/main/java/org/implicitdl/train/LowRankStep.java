package org.implicitdl.train;

import org.implicitdl.linalg.Blas;
import org.implicitdl.linalg.LowRank;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.solve.WellPosedness;

/**
 * BCD's (A, B)-step with rank(A) ≤ k (paper §6.3), alternating over the factors of A = L Rᵀ as
 * the paper proposes; each half is a convex problem solved by {@link QuadraticStep}, started from
 * the current point, so the step never increases the (A, B) objective
 * Σ_i λ_i (½ w_i G w_iᵀ − h_i·w_i) + penalties of W = [A B].
 *
 * <p>The factors are scaled so every column of R has ℓ1 norm 1, i.e. ‖Rᵀ‖∞ = 1; then
 * ‖A‖∞ ≤ ‖L‖∞‖Rᵀ‖∞ = ‖L‖∞, and the well-posedness condition ‖A‖∞ ≤ κ follows from the
 * row-wise ℓ1 projection on L that the plain step already uses.
 * <ul>
 *   <li>L-step (R fixed): w_i = [L_i B_i]·T with T = blockdiag(Rᵀ, I), so [L B] solves the same
 *       row-decomposable problem with G' = T G Tᵀ and h' = h Tᵀ: (k + p + 1)² statistics instead of
 *       (n + p + 1)², derived on the driver from the aggregated ones.
 *   <li>R-step (L, B fixed): with S = Rᵀ the objective is ½⟨(LᵀΛL) S G_xx, S⟩ −
 *       ⟨LᵀΛ(h_x − B G_ux), S⟩, a quadratic whose operator S ↦ (LᵀΛL) S G_xx is not row-separable
 *       but is all {@link QuadraticStep} needs; each row of S stays in the unit ℓ1 ball.
 * </ul>
 */
final class LowRankStep {
  private LowRankStep() {}

  /** The new W = [A B] and the factors of its A (with ‖Rᵀ‖∞ ≤ 1), to start the next alternation from. */
  record Result(Matrix w, LowRank factors) {}

  /**
   * One alternation from W = [A B] (n × (n + p + 1)); returns the new W with rank(A) ≤ k.
   *
   * @param previous the factors the last alternation returned, used when their product is still
   *     A (then the step starts from a feasible point and never increases the objective); else A
   *     is factored afresh (truncated SVD) and L projected onto the constraint
   * @param prox the plain step's penalties on W (their feature terms and state-row groups are kept)
   */
  static Result solve(Matrix w, LowRank previous, Matrix g, Matrix h, double[] lambda, Prox prox, int rank, long seed, int iterations) {
    int n = prox.stateCols();
    int width = w.cols();
    Matrix a = w.columnSlice(0, n);
    Matrix b = w.columnSlice(n, width);
    Matrix l;
    Matrix r;
    Prox lProx = new Prox(rank, width - n - 1, 0.0, prox.l1Features(), prox.group(), prox.constraint(), prox.kappa())
        .withStateGroups(prox.stateRows(), 0.0);
    if (previous != null && previous.rank() == rank && factors(previous, a)) {
      l = previous.left();
      r = previous.right();
    } else {
      LowRank fresh = a.maxAbs() == 0 ? new LowRank(Matrix.zeros(n, rank), gaussian(n, rank, seed)) : LowRank.truncated(a, rank);
      l = fresh.left();
      r = fresh.right();
      normalizeColumns(l, r);
      new Prox(rank, 0, 0.0, 0.0, 0.0, prox.constraint(), prox.kappa()).apply(l, 0.0);
    }

    // L-step: [L B] against the statistics seen through T = blockdiag(Rᵀ, I)
    Matrix t = blockDiagonal(r.transpose(), width - n);
    Matrix gl = Blas.multiply(Blas.multiply(t, g), false, t, true);
    Matrix hl = Blas.multiply(h, false, t, true);
    Matrix lb = QuadraticStep.solve(Matrix.hstack(l, b), gl, hl, lambda, lProx, iterations);
    l = lb.columnSlice(0, rank);
    b = lb.columnSlice(rank, lb.cols());

    // R-step: S = Rᵀ with L and B fixed
    Matrix gxx = g.block(0, n, 0, n);
    Matrix gux = g.block(n, width, 0, n);
    Matrix weightedL = l.copy();
    for (int c = 0; c < rank; c++) {
      for (int i = 0; i < n; i++) {
        weightedL.set(i, c, weightedL.get(i, c) * lambda[lambda.length == 1 ? 0 : i]);
      }
    }
    Matrix m = Blas.multiply(l, true, weightedL, false);
    Matrix target = h.columnSlice(0, n);
    Blas.gemm(-1.0, b, false, gux, false, 1.0, target);
    Matrix linear = Blas.multiply(weightedL, true, target, false);
    double norm = WellPosedness.twoNorm(m) * WellPosedness.twoNorm(gxx);
    QuadraticStep.Operator operator = new QuadraticStep.Operator() {
      @Override public Matrix apply(Matrix s) { return Blas.multiply(Blas.multiply(m, s), gxx); }
      @Override public double norm() { return norm; }
    };
    double[] ones = new double[rank];
    java.util.Arrays.fill(ones, 1.0);
    Prox unitRows = new Prox(n, 0, 0.0, 0.0, 0.0, Architecture.Structure.INF_NORM, 1.0);
    Matrix s = QuadraticStep.solve(r.transpose(), operator, linear, ones, unitRows, iterations);
    return new Result(Matrix.hstack(Blas.multiply(l, s), b), new LowRank(l, s.transpose()));
  }

  /** True when L Rᵀ equals A to rounding. */
  private static boolean factors(LowRank f, Matrix a) {
    Matrix product = f.product();
    double[] pd = product.data();
    double[] ad = a.data();
    double scale = Math.max(a.maxAbs(), Double.MIN_NORMAL);
    for (int k = 0; k < pd.length; k++) {
      if (Math.abs(pd[k] - ad[k]) > 1e-12 * scale) {
        return false;
      }
    }
    return true;
  }

  /** Scales column c of R to unit ℓ1 norm and column c of L by the inverse, leaving L Rᵀ unchanged. */
  private static void normalizeColumns(Matrix l, Matrix r) {
    int n = r.rows();
    for (int c = 0; c < r.cols(); c++) {
      double norm = 0;
      for (int i = 0; i < n; i++) {
        norm += Math.abs(r.get(i, c));
      }
      if (norm == 0) {
        continue;
      }
      for (int i = 0; i < n; i++) {
        r.set(i, c, r.get(i, c) / norm);
        l.set(i, c, l.get(i, c) * norm);
      }
    }
  }

  /** blockdiag(top, I_rest). */
  private static Matrix blockDiagonal(Matrix top, int rest) {
    Matrix t = Matrix.zeros(top.rows() + rest, top.cols() + rest);
    t.setBlock(0, 0, top);
    for (int j = 0; j < rest; j++) {
      t.set(top.rows() + j, top.cols() + j, 1.0);
    }
    return t;
  }

  private static Matrix gaussian(int n, int k, long seed) {
    java.util.Random random = new java.util.Random(seed);
    Matrix r = Matrix.zeros(n, k);
    for (int i = 0; i < r.data().length; i++) {
      r.data()[i] = random.nextGaussian();
    }
    return r;
  }
}
