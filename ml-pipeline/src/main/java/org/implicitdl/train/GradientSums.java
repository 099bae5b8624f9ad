package org.implicitdl.train;

import org.implicitdl.linalg.ColumnSparseMatrix;
import org.implicitdl.linalg.Matrix;

/**
 * Gradient sums of Σ_j w_j ℓ_j through the real rule ({@link ImplicitGradient}) and, free with the
 * forward solve, the batch's real-rule metrics at the model the gradient was taken at.
 *
 * @param dA ∇A (n×n)
 * @param dB ∇B (n×p', the bias column last), holding only the columns of inputs present in the rows (all, for dense inputs)
 * @param dC ∇C (q×n)
 * @param dD ∇D (q×p')
 * @param rule the rows' real-rule metrics
 */
public record GradientSums(Matrix dA, ColumnSparseMatrix dB, Matrix dC, Matrix dD, RuleMetrics rule) implements Mergeable<GradientSums> {

  /** With a dense ∇B. */
  public GradientSums(Matrix dA, Matrix dB, Matrix dC, Matrix dD, RuleMetrics rule) {
    this(dA, ColumnSparseMatrix.of(dB), dC, dD, rule);
  }

  /** ∇[A B], the hidden block's gradient as the optimizer updates it. */
  public Matrix hidden() {
    return Matrix.hstack(dA, dB.dense());
  }

  /** ∇[C D], the readout's gradient. */
  public Matrix readout() {
    return Matrix.hstack(dC, dD);
  }

  /** ∇A, ∇B, ∇C, ∇D, in the order of the model's matrices, dense. */
  public Matrix[] byMatrix() {
    return new Matrix[] {dA, dB.dense(), dC, dD};
  }

  /** The total weight of the rows (the count with unit weights). */
  public double weight() {
    return rule.weight();
  }

  /** The gradients (1 − t)·this + t·other, carrying {@code metrics} (the caller's blend of the two rows' metrics). */
  public GradientSums blend(GradientSums other, double t, RuleMetrics metrics) {
    return new GradientSums(mix(dA, other.dA, t), mix(dB.dense(), other.dB.dense(), t), mix(dC, other.dC, t), mix(dD, other.dD, t), metrics);
  }

  private static Matrix mix(Matrix a, Matrix b, double t) {
    Matrix out = a.scaled(1 - t);
    org.implicitdl.linalg.Blas.axpy(t, b.data(), out.data());
    return out;
  }

  @Override
  public GradientSums merge(GradientSums o) {
    return new GradientSums(Mergeable.add(dA, o.dA), dB.plus(o.dB), Mergeable.add(dC, o.dC), Mergeable.add(dD, o.dD), rule.merge(o.rule));
  }
}
