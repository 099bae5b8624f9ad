package org.implicitdl.train;

import java.util.Arrays;
import java.util.stream.IntStream;
import org.implicitdl.linalg.Blas;
import org.implicitdl.linalg.Matrix;

/**
 * The input-group penalty λ Σ_j ‖[B_{:,j}; D_{:,j}]‖₂ (the column penalty (19) with B's and D's
 * columns of one input taken together, so an input is used or it is not) and its proximal map in
 * a diagonal metric H: prox(w⁺) = argmin_w ½(w − w⁺)ᵀH(w − w⁺) + λ‖w‖₂.
 *
 * <p>In Adam's metric H = diag(√v̂ + ε)/rate the map is exact, not a heuristic threshold: w = 0 iff
 * ‖H w⁺‖₂ ≤ λ, and from a zero column H w⁺ is minus Adam's first moment, so a column stays zero
 * exactly while its averaged gradient is no larger than λ — the optimality condition of the
 * penalized problem (which {@link #gradientNorms} turns into the weight that zeroes every
 * column). Otherwise w_i = h_i w⁺_i / (h_i + t) where t = λ/‖w‖ solves t·‖w(t)‖ = λ, a monotone
 * equation in t solved by bisection.
 */
public final class InputGroups {
  private InputGroups() {}

  /**
   * Applies the map to every input column j in place: entries B_{:,j} (column n + j of
   * {@code ab}) and D_{:,j} (column n + j of {@code cd}), with the metric diagonals {@code hab},
   * {@code hcd} of the same shapes.
   */
  static void shrink(Matrix ab, Matrix hab, Matrix cd, Matrix hcd, int n, int inputs, InputPenalty penalty) {
    if (penalty.weight() == 0) {
      return;
    }
    int rowsB = ab.rows();
    int rowsD = cd.rows();
    double[] gain = stateGains(ab, cd, n);
    double[] w = new double[rowsB + rowsD];
    double[] h = new double[rowsB + rowsD];
    for (int j = n; j < n + inputs; j++) {
      // in gain-scaled coordinates v = γ∘w the penalty is λ‖v‖ and the metric h/γ²
      for (int i = 0; i < rowsB; i++) {
        w[i] = gain[i] * ab.get(i, j);
        h[i] = hab.get(i, j) / (gain[i] * gain[i]);
      }
      for (int i = 0; i < rowsD; i++) {
        w[rowsB + i] = cd.get(i, j);
        h[rowsB + i] = hcd.get(i, j);
      }
      prox(w, h, penalty.weightOf(j - n));
      for (int i = 0; i < rowsB; i++) {
        ab.set(i, j, w[i] / gain[i]);
      }
      for (int i = 0; i < rowsD; i++) {
        cd.set(i, j, w[rowsB + i]);
      }
    }
  }

  /**
   * γ_i = ‖(C(I − A)⁻¹)_{:,i}‖₂: how much a unit of state i's drive can move the outputs (the
   * real rule's gain with every ReLU active), floored at 1% of the largest. Measuring B's row i
   * in output units makes the penalty blind to the rescaling B → SB, A → SAS⁻¹, C → CS⁻¹ that
   * predicts the same; without it the penalty is escaped by small B and large gain.
   */
  static double[] stateGains(Matrix ab, Matrix cd, int n) {
    Matrix transposed = Matrix.identity(n);
    for (int i = 0; i < n; i++) {
      for (int k = 0; k < n; k++) {
        transposed.set(i, k, transposed.get(i, k) - ab.get(k, i));
      }
    }
    Matrix rhs = cd.columnSlice(0, n).transpose();
    double[] gain = new double[n];
    if (!Blas.solveGeneral(transposed, rhs)) {
      Arrays.fill(gain, 1.0);
      return gain;
    }
    double largest = 0;
    for (int i = 0; i < n; i++) {
      double s = 0;
      for (int o = 0; o < rhs.cols(); o++) {
        s += rhs.get(i, o) * rhs.get(i, o);
      }
      gain[i] = Math.sqrt(s);
      largest = Math.max(largest, gain[i]);
    }
    double floor = largest > 0 ? 0.01 * largest : 1.0;
    for (int i = 0; i < n; i++) {
      gain[i] = Math.max(gain[i], floor);
    }
    return gain;
  }

  /** Zeroes B's and D's columns of the {@code dropped} inputs. */
  static void drop(Matrix ab, Matrix cd, int n, boolean[] dropped) {
    for (int j = 0; j < dropped.length; j++) {
      if (dropped[j]) {
        for (int i = 0; i < ab.rows(); i++) {
          ab.set(i, n + j, 0.0);
        }
        for (int i = 0; i < cd.rows(); i++) {
          cd.set(i, n + j, 0.0);
        }
      }
    }
  }

  /** argmin_w ½(w − w⁺)ᵀ diag(h) (w − w⁺) + λ‖w‖₂, in place of w⁺ (h > 0). */
  static void prox(double[] w, double[] h, double lambda) {
    double scaled = 0;
    for (int i = 0; i < w.length; i++) {
      scaled += h[i] * w[i] * h[i] * w[i];
    }
    if (Math.sqrt(scaled) <= lambda) {
      Arrays.fill(w, 0.0);
      return;
    }
    if (lambda == 0) {
      return;
    }
    // ψ(t) = t‖w(t)‖ rises from 0 to ‖H w⁺‖ > λ: bracket, then bisect
    double lo = 0;
    double hi = lambda / norm(w);
    while (psi(w, h, hi) < lambda) {
      lo = hi;
      hi *= 2;
    }
    for (int k = 0; k < 100 && hi - lo > 1e-15 * hi; k++) {
      double mid = 0.5 * (lo + hi);
      if (psi(w, h, mid) < lambda) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    double t = 0.5 * (lo + hi);
    for (int i = 0; i < w.length; i++) {
      w[i] = h[i] * w[i] / (h[i] + t);
    }
  }

  private static double psi(double[] w, double[] h, double t) {
    double s = 0;
    for (int i = 0; i < w.length; i++) {
      double v = t * h[i] * w[i] / (h[i] + t);
      s += v * v;
    }
    return Math.sqrt(s);
  }

  private static double norm(double[] w) {
    double s = 0;
    for (double v : w) {
      s += v * v;
    }
    return Math.sqrt(s);
  }

  /** Σ_j λ s_j ‖[Γ B_{:,j}; D_{:,j}]‖₂ over the p input columns (n + j in [A B] and [C D]). */
  static double value(Matrix ab, Matrix cd, int n, int inputs, InputPenalty penalty) {
    if (penalty.weight() == 0) {
      return 0;
    }
    double[] gain = stateGains(ab, cd, n);
    double total = 0;
    for (int j = n; j < n + inputs; j++) {
      double s = columnSquares(cd, j);
      for (int i = 0; i < ab.rows(); i++) {
        s += Math.pow(gain[i] * ab.get(i, j), 2);
      }
      total += penalty.weightOf(j - n) * Math.sqrt(s);
    }
    return total;
  }

  /** Inputs j whose group [B_{:,j}; D_{:,j}] is not exactly zero. */
  public static int[] used(Matrix b, Matrix d, int inputs) {
    return IntStream.range(0, inputs).filter(j -> columnSquares(b, j) + columnSquares(d, j) > 0).toArray();
  }

  /**
   * ‖[Γ⁻¹∇B_{:,j}; ∇D_{:,j}]‖₂ / count of every input j from gradient sums over {@code count} rows. At a model whose
   * input columns are zero and whose other parameters are stationary, the largest (each divided by its input's scale) is
   * the smallest weight at which that model is stationary for the penalized problem (glmnet's λ_max, here for the implicit
   * model); at a model with some columns zero, the score test of each.
   */
  static double[] gradientNorms(Matrix gradB, Matrix gradD, double[] gain, int inputs, double count) {
    double[] norms = new double[inputs];
    for (int j = 0; j < inputs; j++) {
      double s = columnSquares(gradD, j);
      for (int i = 0; i < gradB.rows(); i++) {
        s += Math.pow(gradB.get(i, j) / gain[i], 2);
      }
      norms[j] = Math.sqrt(s) / count;
    }
    return norms;
  }

  private static double columnSquares(Matrix m, int j) {
    double s = 0;
    for (int i = 0; i < m.rows(); i++) {
      s += m.get(i, j) * m.get(i, j);
    }
    return s;
  }
}
