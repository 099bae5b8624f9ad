package org.implicitdl.robust;

import org.implicitdl.linalg.Matrix;
import org.implicitdl.solve.SolverSettings;

/**
 * Per row, the largest ε for which the box u ± ε·σ is certified ({@link Bounds#certified}), by
 * bisection on the interval bounds: the closed form gives a certified starting ε in one step
 * (its margin is affine in ε), doubling brackets the first uncertified ε, and each halving keeps
 * the certified end. The answer is always a certified ε (a lower bound on the true radius), within
 * a relative 2^−{@code halvings} of the bracket it found; 0 when the nominal margin is not positive,
 * +∞ when no input can move the margin.
 */
public final class CertifiedRadius {
  private static final int MAX_DOUBLINGS = 60;

  private CertifiedRadius() {}

  /**
   * @param sigma per-feature scale (the box is u ± ε·σ)
   * @param halvings bisection steps after bracketing
   */
  public static double[] of(IntervalAnalysis analysis, Matrix u, double[] sigma, SolverSettings settings, int halvings) {
    int m = u.cols();
    InputBox unit = InputBox.of(sigma, 1.0, u.rows());
    double[] lo = closedFormRadius(analysis, u, unit, settings);
    double[] hi = new double[m];
    boolean[] open = new boolean[m];
    for (int j = 0; j < m; j++) {
      open[j] = lo[j] > 0 && Double.isFinite(lo[j]);
      hi[j] = 2 * lo[j];
    }
    for (int round = 0; round < MAX_DOUBLINGS && any(open); round++) {
      boolean[] ok = certifiedAt(analysis, u, unit, hi, open, settings);
      for (int j = 0; j < m; j++) {
        if (open[j] && ok[j]) {
          lo[j] = hi[j];
          hi[j] *= 2;
          open[j] = hi[j] < 1e300;
        } else {
          open[j] = false;
        }
      }
    }
    boolean[] active = new boolean[m];
    for (int j = 0; j < m; j++) {
      active[j] = lo[j] > 0 && Double.isFinite(lo[j]);
    }
    for (int step = 0; step < halvings && any(active); step++) {
      double[] mid = new double[m];
      for (int j = 0; j < m; j++) {
        mid[j] = 0.5 * (lo[j] + hi[j]);
      }
      boolean[] ok = certifiedAt(analysis, u, unit, mid, active, settings);
      for (int j = 0; j < m; j++) {
        if (active[j]) {
          if (ok[j]) {
            lo[j] = mid[j];
          } else {
            hi[j] = mid[j];
          }
        }
      }
    }
    return lo;
  }

  /**
   * The radius the closed form certifies: the worst margin at ε is at least
   * margin(0) − ε·slope with slope = margin(0) − margin at ε = 1 under the closed form (affine in ε),
   * so ε = margin(0)/slope (shrunk by a hair so rounding stays on the certified side).
   */
  static double[] closedFormRadius(IntervalAnalysis analysis, Matrix u, InputBox unit, SolverSettings settings) {
    int m = u.cols();
    double[] zeros = new double[m];
    Bounds at0 = analysis.closedForm(u, unit.radii(zeros), settings);
    double[] ones = new double[m];
    java.util.Arrays.fill(ones, 1.0);
    double[] out = new double[m];
    for (int j = 0; j < m; j++) {
      double m0 = at0.worstMargins()[j];
      out[j] = m0 > 0 ? m0 : 0;
    }
    Bounds at1 = analysis.closedForm(u, unit.radii(ones), settings);
    for (int j = 0; j < m; j++) {
      if (out[j] > 0) {
        double slope = out[j] - at1.worstMargins()[j];
        out[j] = slope > 0 ? 0.999 * out[j] / slope : Double.POSITIVE_INFINITY;
      }
    }
    return out;
  }

  private static boolean[] certifiedAt(IntervalAnalysis analysis, Matrix u, InputBox unit, double[] eps, boolean[] which,
      SolverSettings settings) {
    int count = 0;
    for (boolean w : which) {
      count += w ? 1 : 0;
    }
    int p = u.rows();
    int[] index = new int[count];
    double[] sub = new double[p * count];
    double[] subEps = new double[count];
    for (int j = 0, k = 0; j < which.length; j++) {
      if (which[j]) {
        index[k] = j;
        System.arraycopy(u.data(), j * p, sub, k * p, p);
        subEps[k] = eps[j];
        k++;
      }
    }
    Bounds b = analysis.interval(new Matrix(p, count, sub), unit.radii(subEps), settings);
    boolean[] ok = new boolean[which.length];
    for (int k = 0; k < count; k++) {
      ok[index[k]] = b.certified(k);
    }
    return ok;
  }

  private static boolean any(boolean[] v) {
    for (boolean b : v) {
      if (b) {
        return true;
      }
    }
    return false;
  }
}
