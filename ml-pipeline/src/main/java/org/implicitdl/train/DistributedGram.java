package org.implicitdl.train;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Iterator;
import org.implicitdl.linalg.Blas;
import org.implicitdl.linalg.Matrix;

/**
 * The Gram operator W ↦ W(c·SSᵀ + ρI) of a BCD block step with S = [state; U'] (the states P in
 * the (C, D)-step, X in the (A, B)-step; every column weighted by its sample weight), applied by
 * one pass over the blocks — each block returns (W S_k) S_kᵀ, (n + p + 1) numbers per row of W —
 * instead of forming SSᵀ on the driver. This is design §4's switch for wide inputs: the driver
 * holds O(n(n + p)) numbers where the exact steps need (n + p + 1)², and each FISTA iteration of
 * {@link QuadraticStep} costs one pass. The step size needs ‖c·SSᵀ + ρI‖₂, estimated once by the
 * power method through the same passes.
 */
public final class DistributedGram implements QuadraticStep.Operator {
  /** Which state S stacks over U'. */
  public enum State { P, X }

  /** Power-method passes for the norm. */
  static final int POWER_ITERATIONS = 15;
  /**
   * The power method approaches ‖SSᵀ‖₂ from below; the margin keeps the step inside 1/L in practice, and MFISTA's
   * monotone acceptance keeps every block step a descent step even where it would not.
   */
  static final double NORM_MARGIN = 1.1;

  private final BlockStore store;
  private final State state;
  private final int size;
  private final double gramScale;
  private final double ridge;
  private final String step;
  private double norm = Double.NaN;

  /** Q = gramScale·SSᵀ + ridge·I over the store's blocks, Q of side {@code size} = n + p + 1; {@code step} names the passes. */
  public DistributedGram(BlockStore store, State state, int size, double gramScale, double ridge, String step) {
    this.store = store;
    this.state = state;
    this.size = size;
    this.gramScale = gramScale;
    this.ridge = ridge;
    this.step = step;
  }

  /** What a pass sends to the blocks. */
  public record Payload(Matrix w, State state) implements Serializable {}

  /** A block's (W S_k) S_kᵀ, weighted by its columns' weights. */
  public record Product(Matrix value) implements Mergeable<Product> {
    @Override
    public Product merge(Product o) {
      return new Product(Mergeable.add(value, o.value));
    }
  }

  /**
   * (W S) diag(w) Sᵀ summed over one partition's blocks, S = [state; U']: the state part and the inputs' part side by
   * side, accumulated in one matrix per partition (at p = 10⁵ each is n(n + p + 1) doubles, so not one per block).
   */
  public static Product product(Payload payload, Iterator<TrainingBlock> blocks) {
    Matrix w = payload.w();
    Matrix out = Matrix.zeros(w.rows(), w.cols());
    while (blocks.hasNext()) {
      TrainingBlock block = blocks.next();
      Matrix s = payload.state() == State.P ? block.p() : block.x();
      int n = s.rows();
      // W's input columns read where they are in W: at p = 10⁵ a slice of them would be the largest copy of the pass
      Matrix ws = Matrix.zeros(w.rows(), block.size());
      block.u().multiplyLeftInto(w.data(), n * w.rows(), w.rows(), ws.data());
      Blas.gemm(1.0, w.columnSlice(0, n), false, s, false, 1.0, ws);
      Matrix weighted = LocalSteps.weighted(ws, block.w());
      Blas.gemm(false, true, w.rows(), n, block.size(), 1.0, weighted.data(), 0, Math.max(1, w.rows()), s.data(), 0,
          Math.max(1, n), 1.0, out.data(), 0, Math.max(1, w.rows()));
      block.u().addProductWithTranspose(weighted, out.data(), w.rows() * n);
    }
    return new Product(out);
  }

  @Override
  public Matrix apply(Matrix w) {
    Matrix out = store.aggregatePartitions(step + ": Gram product", new Payload(w, state), DistributedGram::product).value();
    double[] o = out.data();
    double[] wd = w.data();
    for (int k = 0; k < o.length; k++) {
      o[k] = gramScale * o[k] + ridge * wd[k];
    }
    return out;
  }

  @Override
  public double norm() {
    if (Double.isNaN(norm)) {
      norm = NORM_MARGIN * powerMethod();
    }
    return norm;
  }

  /** ‖Q‖₂ by the power method from the all-ones direction (Q is symmetric positive semi-definite). */
  private double powerMethod() {
    Matrix v = Matrix.zeros(1, size);
    Arrays.fill(v.data(), 1 / Math.sqrt(size));
    double estimate = 0;
    for (int it = 0; it < POWER_ITERATIONS; it++) {
      Matrix qv = apply(v);
      estimate = qv.frobenius();
      if (estimate == 0) {
        return 0;
      }
      v = qv.scaled(1 / estimate);
    }
    return estimate;
  }
}
