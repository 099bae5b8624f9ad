package org.implicitdl.train;

import org.implicitdl.linalg.Blas;
import org.implicitdl.linalg.LowRank;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.solve.WellPosedness;

/**
 * The non-smooth part of a driver-side step on W = [M₁ M₂] (rows × (k₁ + k₂ + 1)), where the
 * first k₁ columns are the state block (A or C), the next k₂ the feature block (B or D without
 * its bias column), and the last column the bias. Applies, per proximal step with step η:
 * ℓ1 shrinkage, column-group shrinkage on the feature block (eq. 19), and the constraint on a
 * square state block (row-wise ℓ1-ball projection for ‖A‖∞ ≤ κ, or a strictly upper-triangular
 * mask), and a fixed sparsity pattern ({@link #withMask}: the feedforward layout of {@link LayerMask}); on an
 * unconstrained block also a ridge ({@link #withRidge}).
 */
public record Prox(int stateCols, int featureCols, double l1State, double l1Features, double group,
    Architecture.Structure constraint, double kappa, double stateRows, double stateColumns, int rank, Matrix mask, double ridge) {

  /** Without the state group penalties. */
  public Prox(int stateCols, int featureCols, double l1State, double l1Features, double group, Architecture.Structure constraint,
      double kappa) {
    this(stateCols, featureCols, l1State, l1Features, group, constraint, kappa, 0, 0, 0, null, 0);
  }

  /**
   * The same with rank(A) ≤ k on a square state block (paper §6.3; 0: no limit): the block is
   * replaced by its best rank-k approximation ({@link LowRank#truncated}, the Euclidean projection
   * onto {rank ≤ k}) and then, under the ∞-norm condition, scaled by κ/‖A‖∞ when above κ — a
   * scaling keeps the rank, where the row-wise ℓ1 projection would not. The result is feasible
   * for both constraints (not the projection onto their intersection, which has no closed form).
   */
  public Prox withRank(int k) {
    return new Prox(stateCols, featureCols, l1State, l1Features, group, constraint, kappa, stateRows, stateColumns, k, mask, ridge);
  }

  /** No constraint on the state block. */
  public static Prox unconstrained(int stateCols, int featureCols, double l1, double group) {
    return new Prox(stateCols, featureCols, l1, l1, group, null, Double.NaN);
  }

  /**
   * The same with the state group penalties of paper §6.2: {@code rows}·Σ_i ‖row i of the state and
   * feature blocks‖₂ (a zero row of [A B] makes state i a constant) and {@code columns}·Σ_i ‖column i
   * of the state block‖₂ (zero columns of both A and C leave state i unread). The column term is
   * the separable surrogate Σ‖A_{:,i}‖ + Σ‖C_{:,i}‖ ≥ Σ‖[A; C]_{:,i}‖, so each block step keeps
   * its exact proximal map; states that both terms zero are removed by exact pruning.
   */
  public Prox withStateGroups(double rows, double columns) {
    return new Prox(stateCols, featureCols, l1State, l1Features, group, constraint, kappa, rows, columns, rank, mask, ridge);
  }

  /**
   * The same restricted to a fixed pattern: entries where {@code pattern} is 0 are held at zero
   * (null: none). Zeroing first is the projection onto the pattern's subspace, and every later map
   * here keeps zeros zero, so the result is the exact proximal map of the sum.
   */
  public Prox withMask(Matrix pattern) {
    return new Prox(stateCols, featureCols, l1State, l1Features, group, constraint, kappa, stateRows, stateColumns, rank, pattern, ridge);
  }

  /**
   * The same plus ρ/2‖·‖² on every column but the bias (the last), in the proximal map rather than the smooth part: a
   * first-order step's rate is then set by the Gram matrix alone, and strongly penalized directions settle in one
   * step however large ρ. Every other term is positively homogeneous, so the map is theirs followed by the
   * scaling 1/(1 + ηρ) — exact on an unconstrained block (a constraint's projection does not commute with it).
   */
  public Prox withRidge(double rho) {
    if (rho > 0 && (constraint != null || rank > 0)) {
      throw new IllegalArgumentException("a ridge in the proximal map needs an unconstrained block, got " + constraint + ", rank " + rank);
    }
    return new Prox(stateCols, featureCols, l1State, l1Features, group, constraint, kappa, stateRows, stateColumns, rank, mask, rho);
  }

  /** In-place proximal map with step η. */
  public void apply(Matrix w, double eta) {
    LayerMask.restrict(w, mask);
    shrinkEntries(w, 0, stateCols, l1State * eta);
    shrinkEntries(w, stateCols, stateCols + featureCols, l1Features * eta);
    if (group > 0) {
      shrinkColumns(w, stateCols, stateCols + featureCols, group * eta);
    }
    if (stateRows > 0) {
      shrinkRows(w, stateCols + featureCols, stateRows * eta);
    }
    if (stateColumns > 0) {
      shrinkColumns(w, 0, stateCols, stateColumns * eta);
    }
    if (ridge > 0) {
      double factor = 1 / (1 + eta * ridge);
      double[] d = w.data();
      for (int k = 0; k < w.rows() * (w.cols() - 1); k++) {
        d[k] *= factor;
      }
    }
    if (rank > 0 && rank < stateCols) {
      projectRank(w);
    } else if (constraint == Architecture.Structure.INF_NORM) {
      double[] row = new double[stateCols];
      for (int i = 0; i < w.rows(); i++) {
        for (int j = 0; j < stateCols; j++) {
          row[j] = w.get(i, j);
        }
        WellPosedness.projectL1Ball(row, kappa);
        for (int j = 0; j < stateCols; j++) {
          w.set(i, j, row[j]);
        }
      }
    } else if (constraint == Architecture.Structure.TRIANGULAR) {
      for (int j = 0; j < stateCols; j++) {
        for (int i = j; i < w.rows(); i++) {
          w.set(i, j, 0.0);
        }
      }
    }
  }

  private void projectRank(Matrix w) {
    Matrix a = w.columnSlice(0, stateCols);
    a.requireShape("state block of a rank-limited step", stateCols, stateCols);
    Matrix low = LowRank.truncated(a, rank).product();
    if (constraint == Architecture.Structure.INF_NORM) {
      double norm = WellPosedness.infNorm(low);
      if (norm > kappa) {
        Blas.scal(kappa / norm, low.data());
      }
    } else if (constraint != null) {
      throw new IllegalArgumentException("a rank limit needs the infinity-norm condition, got " + constraint);
    }
    System.arraycopy(low.data(), 0, w.data(), 0, low.data().length);
  }

  /** The penalty value (the constraint is assumed to hold). */
  public double value(Matrix w) {
    double v = l1State * absSum(w, 0, stateCols) + l1Features * absSum(w, stateCols, stateCols + featureCols);
    if (group > 0) {
      for (int j = stateCols; j < stateCols + featureCols; j++) {
        v += group * columnNorm(w, j);
      }
    }
    for (int i = 0; stateRows > 0 && i < w.rows(); i++) {
      v += stateRows * rowNorm(w, i, stateCols + featureCols);
    }
    for (int j = 0; stateColumns > 0 && j < stateCols; j++) {
      v += stateColumns * columnNorm(w, j);
    }
    for (int k = 0; ridge > 0 && k < w.rows() * (w.cols() - 1); k++) {
      v += 0.5 * ridge * w.data()[k] * w.data()[k];
    }
    return v;
  }

  static double columnNorm(Matrix w, int j) {
    double s = 0;
    for (int i = 0; i < w.rows(); i++) {
      s += w.get(i, j) * w.get(i, j);
    }
    return Math.sqrt(s);
  }

  private static double rowNorm(Matrix w, int i, int cols) {
    double s = 0;
    for (int j = 0; j < cols; j++) {
      s += w.get(i, j) * w.get(i, j);
    }
    return Math.sqrt(s);
  }

  /** Group soft-thresholding of each row over its first {@code cols} entries (the bias is left out). */
  private static void shrinkRows(Matrix w, int cols, double t) {
    for (int i = 0; i < w.rows(); i++) {
      double norm = rowNorm(w, i, cols);
      double factor = norm <= t ? 0.0 : 1 - t / norm;
      for (int j = 0; j < cols; j++) {
        w.set(i, j, w.get(i, j) * factor);
      }
    }
  }

  private static void shrinkEntries(Matrix w, int from, int to, double t) {
    if (t <= 0) {
      return;
    }
    double[] d = w.data();
    for (int k = from * w.rows(); k < to * w.rows(); k++) {
      d[k] = Math.signum(d[k]) * Math.max(0.0, Math.abs(d[k]) - t);
    }
  }

  private static void shrinkColumns(Matrix w, int from, int to, double t) {
    for (int j = from; j < to; j++) {
      double norm = columnNorm(w, j);
      double factor = norm <= t ? 0.0 : 1.0 - t / norm;
      for (int i = 0; i < w.rows(); i++) {
        w.set(i, j, w.get(i, j) * factor);
      }
    }
  }

  private static double absSum(Matrix w, int from, int to) {
    double s = 0;
    double[] d = w.data();
    for (int k = from * w.rows(); k < to * w.rows(); k++) {
      s += Math.abs(d[k]);
    }
    return s;
  }
}
