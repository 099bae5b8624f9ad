package org.implicitdl.train;

import java.io.Serializable;
import org.implicitdl.linalg.ColumnSparseMatrix;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.model.ImplicitModel;

/**
 * Adam's moments for A, B, C and D (each its own matrix, shaped as the weight it follows), and
 * the step that follows each update with the proximal map (ℓ1, group lasso, projection onto
 * ‖A‖∞ ≤ κ) on W₁ = [A B] and W₂ = [C D], so every iterate is well-posed. A moment array laid out
 * as its weight lets the update run as one loop over the same index in all of them, which the JIT
 * vectorizes; at p = 10⁵ inputs B and its moments are the largest arrays of a step.
 */
public final class AdamState implements Serializable {
  private static final long serialVersionUID = 2L;
  static final double BETA1 = 0.9;
  static final double BETA2 = 0.999;
  static final double EPSILON = 1e-8;
  /** Indices into the moment arrays, in the order of the model's matrices. */
  private static final int A = 0;
  private static final int B = 1;
  private static final int C = 2;
  private static final int D = 3;
  final Matrix[] first;
  final Matrix[] second;
  int t;
  /** A zero array the size of B between steps, where a column-sparse ∇B is spread for the update (not state: not saved or copied). */
  private transient double[] zeros;

  AdamState(Matrix[] first, Matrix[] second, int t) {
    this.first = first;
    this.second = second;
    this.t = t;
  }

  /** Zero moments for n states, p raw features, q outputs. */
  public static AdamState zeros(int n, int p, int q) {
    return new AdamState(zeroMoments(n, p, q), zeroMoments(n, p, q), 0);
  }

  private static Matrix[] zeroMoments(int n, int p, int q) {
    return new Matrix[] {Matrix.zeros(n, n), Matrix.zeros(n, p + 1), Matrix.zeros(q, n), Matrix.zeros(q, p + 1)};
  }

  AdamState copy() {
    return new AdamState(map(first, Matrix::copy), map(second, Matrix::copy), t);
  }

  /** The moments and step counts added, entry by entry (partials of an average). */
  AdamState plus(AdamState o) {
    Matrix[] f = map(first, Matrix::copy);
    Matrix[] v = map(second, Matrix::copy);
    for (int k = 0; k < f.length; k++) {
      Mergeable.add(f[k], o.first[k]);
      Mergeable.add(v[k], o.second[k]);
    }
    return new AdamState(f, v, t + o.t);
  }

  /** The moments times {@code factor}, the step count rounded likewise (an average of partials). */
  AdamState scaled(double factor) {
    return new AdamState(map(first, m -> m.scaled(factor)), map(second, m -> m.scaled(factor)), (int) Math.round(t * factor));
  }

  private static Matrix[] map(Matrix[] ms, java.util.function.UnaryOperator<Matrix> f) {
    Matrix[] out = new Matrix[ms.length];
    for (int k = 0; k < ms.length; k++) {
      out[k] = f.apply(ms[k]);
    }
    return out;
  }

  /** One Adam step on the mean gradient (sums / count), then the proximal map. */
  ImplicitModel step(ImplicitModel m, GradientSums grad, double rate, GradientSettings st, int inputs) {
    double count = grad.weight();
    if (count == 0) {
      return m;
    }
    t++;
    int n = st.hiddenDim();
    double decay = st.weightDecay();
    if (plainHidden(st)) {
      // the proximal maps below reduce to the constraint on A: the step writes the next iterate from the current one where it
      // is (no copy of the weights), then checks what it wrote in a pass of its own — marking finiteness inside the update's
      // loop would stop the JIT from vectorizing it, which costs more than the pass
      Prox bound = new Prox(n, 0, 0.0, 0.0, 0.0, st.structure(), st.kappa());
      return m.stepped((k, current, next) -> {
        switch (k) {
          case A -> {
            update(current, next, grad.dA().data(), A, count, rate, decay);
            bound.apply(new Matrix(n, n, next), rate);
          }
          case B -> update(current, next, grad.dB(), B, count, rate, decay);
          case C -> update(current, next, grad.dC().data(), C, count, rate, decay);
          default -> update(current, next, grad.dD().data(), D, count, rate, decay);
        }
        return Matrix.allFinite(next);
      });
    }
    Matrix a = m.a();
    Matrix b = m.b();
    Matrix c = m.c();
    Matrix d = m.d();
    update(a.data(), a.data(), grad.dA().data(), A, count, rate, decay);
    update(b.data(), b.data(), grad.dB(), B, count, rate, decay);
    update(c.data(), c.data(), grad.dC().data(), C, count, rate, decay);
    update(d.data(), d.data(), grad.dD().data(), D, count, rate, decay);
    Matrix ab = Matrix.hstack(a, b);
    Matrix cd = Matrix.hstack(c, d);
    new Prox(n, inputs, 0.0, st.l1(), st.groupLasso(), st.structure(), st.kappa()).withMask(st.shape().hiddenPattern(inputs)).apply(ab, rate);
    Prox.unconstrained(n, inputs, st.l1(), st.groupLasso()).withMask(st.shape().readoutPattern(inputs, cd.rows())).apply(cd, rate);
    if (st.statePenalty() > 0) {
      shrinkStateGroups(ab, cd, n, inputs, rate * st.statePenalty());
    }
    if (st.inputPenalty().active()) {
      // shrinking B's columns only scales rows of [A B] down in ℓ1 norm: ‖A‖∞ ≤ κ still holds
      InputGroups.shrink(ab, metric(A, B, rate), cd, metric(C, D, rate), n, inputs, st.inputPenalty());
      InputGroups.drop(ab, cd, n, st.inputPenalty().dropped());
    }
    if (st.shape().lowRank()) {
      // after the shrinkage: scaling rows and columns of A would not keep its rank
      new Prox(n, inputs, 0.0, 0.0, 0.0, st.structure(), st.kappa()).withRank(st.shape().rank()).apply(ab, rate);
    }
    return m.withWeights(ab, cd);
  }

  /**
   * Whether the proximal maps of [A B] and [C D] only touch A: no ℓ1 or group penalty, state groups, input groups,
   * rank limit or layer pattern — the default configuration.
   */
  private static boolean plainHidden(GradientSettings st) {
    return !st.zeroingPenalty() && !st.shape().lowRank() && st.shape().layers() == null;
  }

  /**
   * The state group penalties' proximal step (see {@link Prox#withStateGroups}) in Adam's metric:
   * each group's threshold is the penalty times its mean Adam step size rate/(√v̂ + ε), so a state
   * the loss barely uses (small v̂) is shrunk hard and a busy one lightly; a plain threshold
   * rate·w would lose against Adam's normalized steps on every state alike. Shrinking only scales
   * rows and columns down, so ‖A‖∞ ≤ κ still holds.
   */
  private void shrinkStateGroups(Matrix ab, Matrix cd, int n, int inputs, double weightedRate) {
    double c2 = 1 - Math.pow(BETA2, t);
    Matrix vab = Matrix.hstack(second[A], second[B]);
    Matrix vcd = Matrix.hstack(second[C], second[D]);
    int rows = n;
    int featureEnd = n + inputs;
    for (int i = 0; i < rows; i++) {
      double step = 0;
      double norm = 0;
      for (int j = 0; j < featureEnd; j++) {
        step += 1 / (Math.sqrt(vab.get(i, j) / c2) + EPSILON);
        norm += ab.get(i, j) * ab.get(i, j);
      }
      scale(ab, i, -1, featureEnd, shrinkFactor(Math.sqrt(norm), weightedRate * step / featureEnd));
    }
    for (Matrix[] block : new Matrix[][] {{ab, vab}, {cd, vcd}}) {
      Matrix w = block[0];
      Matrix v = block[1];
      for (int j = 0; j < n; j++) {
        double step = 0;
        double norm = 0;
        for (int i = 0; i < w.rows(); i++) {
          step += 1 / (Math.sqrt(v.get(i, j) / c2) + EPSILON);
          norm += w.get(i, j) * w.get(i, j);
        }
        scale(w, -1, j, w.rows(), shrinkFactor(Math.sqrt(norm), weightedRate * step / w.rows()));
      }
    }
  }

  /** Adam's metric diagonal (√v̂ + ε)/rate for [A B] (moments A and B) or [C D] (C and D): the step is w⁺ = w − H⁻¹m̂. */
  private Matrix metric(int state, int features, double rate) {
    double c2 = 1 - Math.pow(BETA2, t);
    Matrix h = Matrix.hstack(second[state], second[features]);
    double[] hd = h.data();
    for (int i = 0; i < hd.length; i++) {
      hd[i] = (Math.sqrt(hd[i] / c2) + EPSILON) / rate;
    }
    return h;
  }

  private static double shrinkFactor(double norm, double threshold) {
    return norm <= threshold ? 0.0 : 1 - threshold / norm;
  }

  /** Scales row {@code row}'s first {@code count} entries (col = −1), or column {@code col}'s first {@code count} entries (row = −1). */
  private static void scale(Matrix w, int row, int col, int count, double factor) {
    for (int k = 0; k < count; k++) {
      if (row >= 0) {
        w.set(row, k, w.get(row, k) * factor);
      } else {
        w.set(k, col, w.get(k, col) * factor);
      }
    }
  }

  static Prox abProx(GradientSettings st, int inputs) {
    return new Prox(st.hiddenDim(), inputs, 0.0, st.l1(), st.groupLasso(), st.structure(), st.kappa())
        .withStateGroups(st.statePenalty(), st.statePenalty()).withRank(st.shape().rank()).withMask(st.shape().hiddenPattern(inputs));
  }

  static Prox cdProx(GradientSettings st, int inputs) {
    return Prox.unconstrained(st.hiddenDim(), inputs, st.l1(), st.groupLasso()).withStateGroups(0, st.statePenalty());
  }

  /**
   * {@link #update(double[], double[], double[], int, double, double, double)} with gradient sums held for some columns
   * only: they are spread into a zero array kept between steps, updated densely (a column without sums still moves by
   * momentum and weight decay, as in the dense update, to the bit), and the array is zeroed again where they were.
   */
  private void update(double[] current, double[] next, ColumnSparseMatrix g, int k, double count, double rate, double weightDecay) {
    if (g.allColumns()) {
      update(current, next, g.values(), k, count, rate, weightDecay);
      return;
    }
    if (zeros == null || zeros.length != current.length) {
      zeros = new double[current.length];
    }
    int rows = g.rows();
    double[] sums = g.values();
    for (int s = 0; s < g.storedColumns(); s++) {
      System.arraycopy(sums, s * rows, zeros, g.column(s) * rows, rows);
    }
    update(current, next, zeros, k, count, rate, weightDecay);
    for (int s = 0; s < g.storedColumns(); s++) {
      java.util.Arrays.fill(zeros, g.column(s) * rows, (g.column(s) + 1) * rows, 0.0);
    }
  }

  /**
   * Adam on weights {@code current} against moments k with gradient sums gd, entry by entry, written to {@code next} (the
   * same array for an update in place): one index in every array, so the JIT vectorizes the loop.
   */
  private void update(double[] current, double[] next, double[] gd, int k, double count, double rate, double weightDecay) {
    double[] md = first[k].data();
    double[] vd = second[k].data();
    // the mean and the bias corrections m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ) as factors taken out of the loop: one division
    // per entry rather than three (on wide data the update costs more than the step's gradient)
    double perRow = 1 / count;
    double stepScale = rate / (1 - Math.pow(BETA1, t));
    double secondScale = 1 / (1 - Math.pow(BETA2, t));
    for (int i = 0; i < current.length; i++) {
      double w = current[i];
      double gi = gd[i] * perRow + weightDecay * w;
      md[i] = BETA1 * md[i] + (1 - BETA1) * gi;
      vd[i] = BETA2 * vd[i] + (1 - BETA2) * gi * gi;
      next[i] = w - stepScale * md[i] / (Math.sqrt(vd[i] * secondScale) + EPSILON);
    }
  }
}
