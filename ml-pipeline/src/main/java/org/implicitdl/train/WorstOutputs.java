package org.implicitdl.train;

import org.implicitdl.linalg.Matrix;
import org.implicitdl.robust.IntervalAnalysis;

/**
 * The loss at the worst outputs the certified bounds allow, per column, and its gradient in the
 * state centre x_c and radius x_r and in C and D ({@link RobustGradient}).
 */
interface WorstOutputs {
  /**
   * One column's worst-case loss (unweighted); adds the column's weight times ∂ℓ/∂x_c, ∂ℓ/∂x_r
   * into column j of gc, gr and times its share of ∇C, ∇D into dC, dD.
   */
  double column(int j, double weight, Matrix y, Matrix xc, Matrix xr, Matrix u, Matrix r, Matrix gc, Matrix gr, Matrix dC, Matrix dD);

  /** Cross-entropy at the worst logits z̃_k = −(lower bound of ŷ_y − ŷ_k), z̃_y = 0. */
  record Logits(Matrix c, Matrix d) implements WorstOutputs {
    @Override
    public double column(int j, double weight, Matrix y, Matrix xc, Matrix xr, Matrix u, Matrix r, Matrix gc, Matrix gr, Matrix dC, Matrix dD) {
      int q = c.rows();
      int n = c.cols();
      int pp = d.cols();
      int label = 0;
      double labelMass = 0;
      for (int i = 0; i < q; i++) {
        if (y.get(i, j) > labelMass) {
          labelMass = y.get(i, j);
          label = i;
        }
      }
      double[] z = new double[q];
      for (int k = 0; k < q; k++) {
        if (k == label) {
          continue;
        }
        // u and r carry the bias row (r = 0 there), so the bias difference is inside the bound
        z[k] = -IntervalAnalysis.pairLowerBound(c, d, label, k, xc, xr, u, r, j);
      }
      double max = Double.NEGATIVE_INFINITY;
      for (double v : z) {
        max = Math.max(max, v);
      }
      double sum = 0;
      for (double v : z) {
        sum += Math.exp(v - max);
      }
      double value = labelMass * (max + Math.log(sum));
      for (int k = 0; k < q; k++) {
        if (k == label) {
          continue;
        }
        // ∂ℓ/∂lower_k = −softmax(z̃)_k
        double beta = -weight * labelMass * Math.exp(z[k] - max) / sum;
        if (beta == 0) {
          continue;
        }
        for (int i = 0; i < n; i++) {
          double e = c.get(label, i) - c.get(k, i);
          gc.data()[i + j * n] += beta * e;
          gr.data()[i + j * n] -= beta * Math.abs(e);
          double de = beta * (xc.get(i, j) - Math.signum(e) * xr.get(i, j));
          dC.data()[label + i * q] += de;
          dC.data()[k + i * q] -= de;
        }
        for (int f = 0; f < pp; f++) {
          double e = d.get(label, f) - d.get(k, f);
          double de = beta * (u.get(f, j) - Math.signum(e) * r.get(f, j));
          dD.data()[label + f * q] += de;
          dD.data()[k + f * q] -= de;
        }
      }
      return value;
    }
  }

  /** ½(ŷ_i − y_i)² at whichever end of ŷ_i's bound is farther from y_i. */
  record Squared(Matrix c, Matrix d) implements WorstOutputs {
    @Override
    public double column(int j, double weight, Matrix y, Matrix xc, Matrix xr, Matrix u, Matrix r, Matrix gc, Matrix gr, Matrix dC, Matrix dD) {
      int q = c.rows();
      int n = c.cols();
      int pp = d.cols();
      double value = 0;
      for (int k = 0; k < q; k++) {
        double centre = 0;
        double radius = 0;
        for (int i = 0; i < n; i++) {
          centre += c.get(k, i) * xc.get(i, j);
          radius += Math.abs(c.get(k, i)) * xr.get(i, j);
        }
        for (int f = 0; f < pp; f++) {
          centre += d.get(k, f) * u.get(f, j);
          radius += Math.abs(d.get(k, f)) * r.get(f, j);
        }
        double target = y.get(k, j);
        double side = centre >= target ? 1 : -1;
        double worst = centre + side * radius;
        double delta = worst - target;
        value += 0.5 * delta * delta;
        double dr = weight * side * delta;
        delta *= weight;
        for (int i = 0; i < n; i++) {
          gc.data()[i + j * n] += delta * c.get(k, i);
          gr.data()[i + j * n] += dr * Math.abs(c.get(k, i));
          dC.data()[k + i * q] += delta * xc.get(i, j) + dr * Math.signum(c.get(k, i)) * xr.get(i, j);
        }
        for (int f = 0; f < pp; f++) {
          dD.data()[k + f * q] += delta * u.get(f, j) + dr * Math.signum(d.get(k, f)) * r.get(f, j);
        }
      }
      return value;
    }
  }
}
