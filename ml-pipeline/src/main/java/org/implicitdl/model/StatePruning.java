package org.implicitdl.model;

import java.util.ArrayList;
import java.util.List;
import org.implicitdl.linalg.Matrix;

/**
 * Exact pruning of hidden states (paper §6.2): a state whose column of [A; C] is zero is never
 * read; a state whose row of A and of B's feature columns is zero is the constant φ(b_i) (b_i its
 * bias, 0 without one), whose contributions A_{:,i}φ(b_i) and C_{:,i}φ(b_i) fold into the bias
 * columns of B and D (nothing to fold when φ(b_i) = 0). Either way it can be removed without changing any prediction, and removing it may
 * leave others unread or constant, so the passes repeat until none is found. The pruned A is a
 * principal submatrix of A, so ‖A‖∞ and λ_pf(|A|) can only shrink: a well-posed model stays so.
 */
public final class StatePruning {
  private StatePruning() {}

  /** The model without the states that provably affect no output; the same model when there are none. */
  public static ImplicitModel exact(ImplicitModel model) {
    ImplicitModel current = model;
    while (true) {
      boolean[] keep = removable(current);
      int kept = 0;
      for (boolean k : keep) {
        kept += k ? 1 : 0;
      }
      if (kept == current.hiddenDim()) {
        return current;
      }
      current = without(current, keep);
    }
  }

  /** keep[i] is false for a state that is never read, or constant and foldable into a bias. */
  private static boolean[] removable(ImplicitModel m) {
    int n = m.hiddenDim();
    double[] constants = constants(m);
    boolean[] keep = new boolean[n];
    Matrix a = m.a();
    Matrix b = m.b();
    Matrix c = m.c();
    for (int i = 0; i < n; i++) {
      boolean read = columnNonZero(a, i) || columnNonZero(c, i);
      boolean driven = rowNonZero(a, i) || rowNonZero(b, i, m.inputDim());
      boolean foldable = constants[i] == 0.0 || m.inputBias();
      keep[i] = read && (driven || !foldable);
    }
    if (n > 0 && countTrue(keep) == 0) {
      keep[0] = true; // a model keeps one state; it stays as it was (nothing of it is folded)
    }
    return keep;
  }

  /** The value φ(bias_i) state i takes when nothing but its bias drives it (φ(0) without an input bias). */
  private static double[] constants(ImplicitModel m) {
    int n = m.hiddenDim();
    double[] out = new double[n];
    Matrix b = m.b();
    for (int i = 0; i < n; i++) {
      out[i] = m.activation().apply(m.inputBias() ? b.get(i, b.cols() - 1) : 0.0);
    }
    return out;
  }

  private static int countTrue(boolean[] b) {
    int c = 0;
    for (boolean v : b) {
      c += v ? 1 : 0;
    }
    return c;
  }

  /** The model restricted to the kept states, the constant ones folded into the bias columns. */
  private static ImplicitModel without(ImplicitModel m, boolean[] keep) {
    int n = m.hiddenDim();
    double[] constants = constants(m);
    List<Integer> kept = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      if (keep[i]) {
        kept.add(i);
      }
    }
    int k = kept.size();
    int cols = m.b().cols();
    int q = m.outputDim();
    Matrix a = Matrix.zeros(k, k);
    Matrix b = Matrix.zeros(k, cols);
    Matrix c = Matrix.zeros(q, k);
    Matrix d = m.d().copy();
    for (int r = 0; r < k; r++) {
      int i = kept.get(r);
      for (int s = 0; s < k; s++) {
        a.set(r, s, m.a().get(i, kept.get(s)));
      }
      for (int j = 0; j < cols; j++) {
        b.set(r, j, m.b().get(i, j));
      }
    }
    for (int o = 0; o < q; o++) {
      for (int s = 0; s < k; s++) {
        c.set(o, s, m.c().get(o, kept.get(s)));
      }
    }
    {
      int bias = cols - 1;
      for (int j = 0; j < n; j++) {
        double constant = constants[j];
        if (keep[j] || constant == 0.0) {
          continue;
        }
        for (int r = 0; r < k; r++) {
          b.set(r, bias, b.get(r, bias) + m.a().get(kept.get(r), j) * constant);
        }
        for (int o = 0; o < q; o++) {
          d.set(o, bias, d.get(o, bias) + m.c().get(o, j) * constant);
        }
      }
    }
    return new ImplicitModel(a, b, c, d, m.activation(), m.inputBias());
  }

  private static boolean columnNonZero(Matrix m, int j) {
    for (int i = 0; i < m.rows(); i++) {
      if (m.get(i, j) != 0.0) {
        return true;
      }
    }
    return false;
  }

  private static boolean rowNonZero(Matrix m, int i) {
    return rowNonZero(m, i, m.cols());
  }

  /** Whether row i has a non-zero among its first {@code cols} columns. */
  private static boolean rowNonZero(Matrix m, int i, int cols) {
    for (int j = 0; j < cols; j++) {
      if (m.get(i, j) != 0.0) {
        return true;
      }
    }
    return false;
  }
}
