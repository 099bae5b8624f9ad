package org.implicitdl.train;

import java.io.Serializable;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.model.ImplicitModel;

/**
 * Adam's moments for W₁ = [A B] and W₂ = [C D], and the step that follows each update with the
 * proximal map (ℓ1, group lasso, projection onto ‖A‖∞ ≤ κ), so every iterate is well-posed.
 */
public final class AdamState implements Serializable {
  private static final long serialVersionUID = 1L;
  static final double BETA1 = 0.9;
  static final double BETA2 = 0.999;
  static final double EPSILON = 1e-8;
  final Matrix[] first;
  final Matrix[] second;
  int t;

  AdamState(Matrix[] first, Matrix[] second, int t) {
    this.first = first;
    this.second = second;
    this.t = t;
  }

  /** Zero moments for n states, p raw features, q outputs. */
  public static AdamState zeros(int n, int p, int q) {
    return new AdamState(new Matrix[] {Matrix.zeros(n, n + p + 1), Matrix.zeros(q, n + p + 1)},
        new Matrix[] {Matrix.zeros(n, n + p + 1), Matrix.zeros(q, n + p + 1)}, 0);
  }

  AdamState copy() {
    return new AdamState(new Matrix[] {first[0].copy(), first[1].copy()}, new Matrix[] {second[0].copy(), second[1].copy()}, t);
  }

  /** The moments and step counts added, entry by entry (partials of an average). */
  AdamState plus(AdamState o) {
    return new AdamState(new Matrix[] {Mergeable.add(first[0].copy(), o.first[0]), Mergeable.add(first[1].copy(), o.first[1])},
        new Matrix[] {Mergeable.add(second[0].copy(), o.second[0]), Mergeable.add(second[1].copy(), o.second[1])}, t + o.t);
  }

  /** The moments times {@code factor}, the step count rounded likewise (an average of partials). */
  AdamState scaled(double factor) {
    return new AdamState(new Matrix[] {first[0].scaled(factor), first[1].scaled(factor)},
        new Matrix[] {second[0].scaled(factor), second[1].scaled(factor)}, (int) Math.round(t * factor));
  }

  /** One Adam step on the mean gradient (sums / count), then the proximal map. */
  ImplicitModel step(ImplicitModel m, GradientSums grad, double rate, GradientSettings st, int inputs) {
    double count = grad.weight();
    if (count == 0) {
      return m;
    }
    t++;
    int n = st.hiddenDim();
    Matrix ab = Matrix.hstack(m.a(), m.b());
    Matrix cd = Matrix.hstack(m.c(), m.d());
    update(ab, grad.hidden(), count, 0, rate, st.weightDecay());
    update(cd, grad.readout(), count, 1, rate, st.weightDecay());
    new Prox(n, inputs, 0.0, st.l1(), st.groupLasso(), st.structure(), st.kappa()).withMask(st.shape().hiddenPattern(inputs)).apply(ab, rate);
    Prox.unconstrained(n, inputs, st.l1(), st.groupLasso()).withMask(st.shape().readoutPattern(inputs, cd.rows())).apply(cd, rate);
    if (st.statePenalty() > 0) {
      shrinkStateGroups(ab, cd, n, inputs, rate * st.statePenalty());
    }
    if (st.inputPenalty().active()) {
      // shrinking B's columns only scales rows of [A B] down in ℓ1 norm: ‖A‖∞ ≤ κ still holds
      InputGroups.shrink(ab, metric(0, rate), cd, metric(1, rate), n, inputs, st.inputPenalty());
      InputGroups.drop(ab, cd, n, st.inputPenalty().dropped());
    }
    if (st.shape().lowRank()) {
      // after the shrinkage: scaling rows and columns of A would not keep its rank
      new Prox(n, inputs, 0.0, 0.0, 0.0, st.structure(), st.kappa()).withRank(st.shape().rank()).apply(ab, rate);
    }
    return m.withWeights(ab, cd);
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
    int rows = n;
    int featureEnd = n + inputs;
    for (int i = 0; i < rows; i++) {
      double step = 0;
      double norm = 0;
      for (int j = 0; j < featureEnd; j++) {
        step += 1 / (Math.sqrt(second[0].get(i, j) / c2) + EPSILON);
        norm += ab.get(i, j) * ab.get(i, j);
      }
      scale(ab, i, -1, featureEnd, shrinkFactor(Math.sqrt(norm), weightedRate * step / featureEnd));
    }
    for (Matrix[] block : new Matrix[][] {{ab, second[0]}, {cd, second[1]}}) {
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

  /** Adam's metric diagonal (√v̂ + ε)/rate for W₁ (k = 0) or W₂ (k = 1): the step is w⁺ = w − H⁻¹m̂. */
  private Matrix metric(int k, double rate) {
    double c2 = 1 - Math.pow(BETA2, t);
    double[] v = second[k].data();
    Matrix h = Matrix.zeros(second[k].rows(), second[k].cols());
    double[] hd = h.data();
    for (int i = 0; i < v.length; i++) {
      hd[i] = (Math.sqrt(v[i] / c2) + EPSILON) / rate;
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

  private void update(Matrix w, Matrix gradSum, double count, int k, double rate, double weightDecay) {
    double[] wd = w.data();
    double[] gd = gradSum.data();
    double[] md = first[k].data();
    double[] vd = second[k].data();
    double c1 = 1 - Math.pow(BETA1, t);
    double c2 = 1 - Math.pow(BETA2, t);
    for (int i = 0; i < wd.length; i++) {
      double g = gd[i] / count + weightDecay * wd[i];
      md[i] = BETA1 * md[i] + (1 - BETA1) * g;
      vd[i] = BETA2 * vd[i] + (1 - BETA2) * g * g;
      wd[i] -= rate * (md[i] / c1) / (Math.sqrt(vd[i] / c2) + EPSILON);
    }
  }
}
