package org.implicitdl.train;

import java.util.Arrays;
import org.implicitdl.linalg.Blas;
import org.implicitdl.linalg.Matrix;

/**
 * The (C, D)-step's quadratic (paper §4, the readout block): min over W = [C D] of
 * ½ tr(W Q Wᵀ) − tr(L Wᵀ) + the readout penalties, where Q is the Gram matrix of [X; U'] plus the
 * ridge on every column but the intercept (U''s last, bias row): as in glmnet and MLlib the
 * intercept is not shrunk, so a strong ridge pulls the outputs towards the label's mean (the class
 * frequencies), not towards zero. Solved exactly by Q's Cholesky factor when the penalties are
 * quadratic, by MFISTA otherwise; under a layer pattern only the columns the pattern keeps are
 * solved for (found once per step, not per round).
 */
final class ReadoutQuadratic {
  private final BcdSettings settings;
  private final int inputs;
  private final int outputs;
  /** The columns of [C D] the layer pattern keeps (the same for every output), or null for all. */
  private final int[] kept;

  ReadoutQuadratic(BcdSettings settings, int inputs, int outputs) {
    this.settings = settings;
    this.inputs = inputs;
    this.outputs = outputs;
    Matrix pattern = settings.shape().readoutPattern(inputs, outputs);
    this.kept = pattern == null ? null : java.util.stream.IntStream.range(0, pattern.cols()).filter(j -> pattern.get(0, j) != 0).toArray();
  }

  /**
   * min over W = [C D] of ½ tr(W Q Wᵀ) − tr(L Wᵀ) + the (C, D) penalties: W = L Q⁻¹ with Q's
   * Cholesky factor when there is one ({@link #exactFactor}), else MFISTA from the current W.
   */
  Matrix solve(Matrix w, Matrix q, Blas.Cholesky exact, Matrix l) {
    if (exact != null) {
      Matrix rhs = kept == null ? l.transpose() : l.columns(kept).transpose();
      exact.solve(rhs);
      if (kept == null) {
        return rhs.transpose();
      }
      Matrix out = Matrix.zeros(w.rows(), w.cols());
      for (int k = 0; k < kept.length; k++) {
        for (int i = 0; i < out.rows(); i++) {
          out.set(i, kept[k], rhs.get(k, i));
        }
      }
      return out;
    }
    return solve(w, QuadraticStep.Operator.of(q), l, settings.inner().fistaIterations(), 0.0);
  }

  /**
   * The same by MFISTA with Q given as an operator (the first-order step of wide inputs, {@link DistributedGram}), in
   * {@code iterations}; {@code proxRidge}: the ridge (but the intercept's) in the proximal map ({@link Prox#withRidge})
   * when the operator leaves it out, 0 when Q holds it.
   */
  Matrix solve(Matrix w, QuadraticStep.Operator q, Matrix l, int iterations, double proxRidge) {
    double[] ones = new double[outputs];
    Arrays.fill(ones, 1.0);
    Prox prox = Prox.unconstrained(settings.hiddenDim(), inputs, settings.l1(), settings.groupLasso()).withStateGroups(0, settings.statePenalty())
        .withMask(settings.shape().readoutPattern(inputs, outputs)).withRidge(proxRidge);
    return QuadraticStep.solve(w, q, l, ones, prox, iterations);
  }

  /**
   * Q's Cholesky factor when the step is an exact quadratic ({@code exact}: no ℓ1/group terms) and Q is numerically
   * positive definite; under a layer pattern, the factor of Q on the columns of [C D] the pattern keeps.
   */
  Blas.Cholesky exactFactor(Matrix q, boolean exact) {
    return !exact ? null : Blas.Cholesky.of(kept == null ? q : q.columns(kept).transpose().columns(kept));
  }

  /** [[SSᵀ, SU'ᵀ], [U'Sᵀ, U'U'ᵀ]] from its blocks. */
  static Matrix assembleGram(Matrix ss, Matrix su, Matrix uu) {
    int n = ss.rows();
    int k = n + uu.rows();
    Matrix g = Matrix.zeros(k, k);
    g.setBlock(0, 0, ss);
    g.setBlock(0, n, su);
    g.setBlock(n, 0, su.transpose());
    g.setBlock(n, n, uu);
    return g;
  }

  /** G + ridge·I but for the intercept, the last diagonal entry (a copy): the readout's Q ({@link #withRidge}). */
  static Matrix withReadoutRidge(Matrix g, double ridge) {
    Matrix q = withRidge(g, ridge);
    int last = q.rows() - 1;
    q.set(last, last, g.get(last, last));
    return q;
  }

  /** G + ridge·I (a copy). */
  static Matrix withRidge(Matrix g, double ridge) {
    Matrix q = g.copy();
    for (int i = 0; i < q.rows(); i++) {
      q.set(i, i, q.get(i, i) + ridge);
    }
    return q;
  }
}
