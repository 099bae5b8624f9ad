package org.implicitdl.train;

import java.util.ArrayList;
import java.util.List;
import org.implicitdl.linalg.Blas;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.model.ImplicitModel;

/**
 * Data with more inputs than rows, in the span of its rows. A ridge on the input columns of a
 * weight matrix W = [W₀ w_b] (not on the bias column) makes the minimizer of a loss of W u'_j plus
 * λ‖W₀‖² have W₀ in the span of the rows' inputs u_j (the representer theorem; paper §4's (C, D)-step
 * with states that are zero, i.e. the linear readout ŷ = Du'). With K = UᵀU = L Lᵀ (m×m, the rows' inner
 * products) and M = L⁻¹Uᵀ (m×p, orthonormal rows: MMᵀ = I), W₀ = Θ M; the reduced inputs z_j = M u_j = Lᵀe_j keep
 * every inner product (z_jᵀz_k = u_jᵀu_k) and ‖W₀‖ = ‖Θ‖, so the problem in Θ is the same problem with m
 * inputs instead of p: its Gram matrix is (m + 1)² instead of (p + 1)², and each majorize–minimize iterate is the
 * full problem's (both quadratics map the span to itself). K gets a jitter of {@value #JITTER} of its trace on the
 * diagonal, so rows that repeat (K singular) factor too; the reduced problem is then the full one to that relative
 * accuracy.
 */
public final class RowSpan {
  static final double JITTER = 1e-11;
  /** The most entries of the rows' dense inputs (m·p) the reduction holds (M is as large): 256 MB. */
  static final long MAX_ENTRIES = 1L << 25;

  private final int inputs;
  private final Matrix basis;
  private final LocalBlockStore reduced;

  private RowSpan(int inputs, Matrix basis, LocalBlockStore reduced) {
    this.inputs = inputs;
    this.basis = basis;
    this.reduced = reduced;
  }

  /**
   * The span of the store's rows when it is smaller than the inputs' space and its rows are in this JVM (a
   * {@link LocalBlockStore} within {@link #MAX_ENTRIES}); null otherwise, or when K does not factor.
   */
  public static RowSpan of(BlockStore store, int inputs) {
    if (!(store instanceof LocalBlockStore local)) {
      return null;
    }
    List<List<TrainingBlock>> partitions = local.partitions();
    int rows = partitions.stream().flatMap(List::stream).mapToInt(TrainingBlock::size).sum();
    if (rows == 0 || rows >= inputs || (long) rows * inputs > MAX_ENTRIES) {
      return null;
    }
    // Uᵀ (m×p): row j holds row j's inputs, the bias dropped
    Matrix transposed = Matrix.zeros(rows, inputs);
    double[] td = transposed.data();
    int row = 0;
    for (List<TrainingBlock> part : partitions) {
      for (TrainingBlock b : part) {
        Matrix u = b.u().dense();
        double[] ud = u.data();
        int height = u.rows();
        for (int k = 0; k < u.cols(); k++, row++) {
          for (int i = 0; i < inputs; i++) {
            td[row + i * rows] = ud[i + k * height];
          }
        }
      }
    }
    Matrix gram = Blas.multiply(transposed, false, transposed, true);
    double trace = 0;
    for (int j = 0; j < rows; j++) {
      trace += gram.get(j, j);
    }
    double jitter = Math.max(JITTER * trace, Double.MIN_NORMAL);
    for (int j = 0; j < rows; j++) {
      gram.set(j, j, gram.get(j, j) + jitter);
    }
    Blas.Cholesky factor = Blas.Cholesky.of(gram);
    if (factor == null) {
      return null;
    }
    factor.solveLower(transposed);
    Matrix z = factor.upper();
    List<List<TrainingBlock>> reducedParts = new ArrayList<>();
    int from = 0;
    for (List<TrainingBlock> part : partitions) {
      List<TrainingBlock> out = new ArrayList<>();
      for (TrainingBlock b : part) {
        out.add(LocalBlockStore.block(z.columnSlice(from, from + b.size()), b.y(), b.w()));
        from += b.size();
      }
      reducedParts.add(out);
    }
    return new RowSpan(inputs, transposed, LocalBlockStore.ofPartitions(reducedParts));
  }

  /** The rows as the reduced inputs z_j (same blocks, targets and weights; no states). */
  public LocalBlockStore reducedStore() {
    return reduced;
  }

  /** The reduced inputs' count: the rows. */
  public int reducedInputs() {
    return basis.rows();
  }

  /** The model in the reduced inputs: B and D's input columns times Mᵀ (their part in the span), bias columns kept. */
  public ImplicitModel reduced(ImplicitModel full) {
    return full.with(full.a(), map(full.b(), true), full.c(), map(full.d(), true));
  }

  /** The reduced model in the full inputs: B and D's input columns times M, bias columns kept. */
  public ImplicitModel lifted(ImplicitModel reducedModel) {
    return reducedModel.with(reducedModel.a(), map(reducedModel.b(), false), reducedModel.c(), map(reducedModel.d(), false));
  }

  /** [W₀ w_b] → [W₀Mᵀ w_b] (reduce) or [W₀M w_b] (lift). */
  private Matrix map(Matrix w, boolean reduce) {
    int k = w.rows();
    int m = basis.rows();
    int from = reduce ? inputs : m;
    int to = reduce ? m : inputs;
    if (w.cols() != from + 1) {
      throw new IllegalArgumentException("weights of " + w.shape() + " for " + from + " inputs and the bias");
    }
    Matrix out = Matrix.zeros(k, to + 1);
    Blas.gemm(false, reduce, k, to, from, 1.0, w.data(), 0, Math.max(1, k), basis.data(), 0, m, 0.0, out.data(), 0, Math.max(1, k));
    System.arraycopy(w.data(), from * k, out.data(), to * k, k);
    return out;
  }
}
