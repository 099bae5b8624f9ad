package org.implicitdl.train;

import org.implicitdl.linalg.SparseColumns;

/**
 * Weighted means and spreads of the inputs and regression targets over training blocks, the
 * statistics of {@link Standardization}: per block a two-pass mean and sum of squared deviations,
 * merged by Chan, Golub and LeVeque's update, so a column with a large offset and a small spread
 * (mean 10⁶, deviation 1) keeps its digits, which sums of squares would lose. Each column is summed
 * in units of a power of two near its largest magnitude ({@link Sums}): exact scaling, so the
 * figures are those of the plain sums wherever those are representable, and a column in farads
 * (10⁻¹³) or in units near 10³⁰⁰ has a spread instead of a squared deviation that underflows to
 * zero (read as a constant column) or overflows.
 */
public final class Moments implements Mergeable<Moments> {
  private static final long serialVersionUID = 1L;
  private double weight;
  private final Sums input;
  private final Sums target;
  /** Whether any block's inputs were sparse: then the standardization only scales, so that zeros stay zeros. */
  private boolean sparse;

  private Moments(double weight, Sums input, Sums target, boolean sparse) {
    this.sparse = sparse;
    this.weight = weight;
    this.input = input;
    this.target = target;
  }

  /** A block's moments: its p raw inputs (the bias row excluded), and its targets when {@code regression}. */
  public static Moments of(TrainingBlock block, boolean regression) {
    int p = block.u().rows() - 1;
    int q = regression ? block.y().rows() : 0;
    double[] w = block.w().data();
    double total = 0;
    for (double v : w) {
      total += v;
    }
    boolean sparse = block.u() instanceof SparseColumns;
    Sums input = sparse ? rowMoments((SparseColumns) block.u(), p, w, total) : rowMoments(block.u().dense().data(), p + 1, p, w, total);
    return new Moments(total, input, rowMoments(block.y().data(), block.y().rows(), q, w, total), sparse);
  }

  /**
   * The same for the first {@code count} rows of sparse columns, over the non-zeros only: Σ w (x − mean)² is the
   * non-zeros' part plus mean² times the weight of the columns where the row is zero.
   */
  private static Sums rowMoments(SparseColumns u, int count, double[] w, double total) {
    double[] mean = new double[count];
    double[] deviation = new double[count];
    int[] start = u.starts();
    int[] index = u.indices();
    double[] value = u.values();
    double[] largest = new double[count];
    for (int k = 0; k < value.length; k++) {
      if (index[k] < count) {
        largest[index[k]] = Math.max(largest[index[k]], Math.abs(value[k]));
      }
    }
    Sums sums = new Sums(mean, deviation, Sums.exponents(largest));
    if (total <= 0) {
      return sums;
    }
    double[] factor = sums.factors();
    double[] present = new double[count];
    for (int j = 0; j < w.length; j++) {
      for (int k = start[j]; k < start[j + 1]; k++) {
        if (index[k] < count) {
          mean[index[k]] += w[j] * (value[k] * factor[index[k]]);
          present[index[k]] += w[j];
        }
      }
    }
    for (int k = 0; k < count; k++) {
      mean[k] /= total;
    }
    for (int j = 0; j < w.length; j++) {
      for (int k = start[j]; k < start[j + 1]; k++) {
        if (index[k] < count) {
          double d = value[k] * factor[index[k]] - mean[index[k]];
          deviation[index[k]] += w[j] * d * d;
        }
      }
    }
    for (int k = 0; k < count; k++) {
      deviation[k] += (total - present[k]) * mean[k] * mean[k];
    }
    return sums;
  }

  /** Mean and Σ w (x − mean)² of the first {@code count} rows of a column-major block with {@code stride} rows. */
  private static Sums rowMoments(double[] data, int stride, int count, double[] w, double total) {
    double[] mean = new double[count];
    double[] deviation = new double[count];
    double[] largest = new double[count];
    for (int j = 0; j < w.length; j++) {
      for (int k = 0; k < count; k++) {
        largest[k] = Math.max(largest[k], Math.abs(data[j * stride + k]));
      }
    }
    Sums sums = new Sums(mean, deviation, Sums.exponents(largest));
    if (total <= 0) {
      return sums;
    }
    double[] factor = sums.factors();
    for (int j = 0; j < w.length; j++) {
      for (int k = 0; k < count; k++) {
        mean[k] += w[j] * (data[j * stride + k] * factor[k]);
      }
    }
    for (int k = 0; k < count; k++) {
      mean[k] /= total;
    }
    for (int j = 0; j < w.length; j++) {
      for (int k = 0; k < count; k++) {
        double d = data[j * stride + k] * factor[k] - mean[k];
        deviation[k] += w[j] * d * d;
      }
    }
    return sums;
  }

  @Override
  public Moments merge(Moments other) {
    double total = weight + other.weight;
    if (other.weight > 0) {
      input.combine(weight, other.input, other.weight, total);
      target.combine(weight, other.target, other.weight, total);
    }
    weight = total;
    sparse |= other.sparse;
    return this;
  }

  public double weight() {
    return weight;
  }

  /**
   * The standardization these moments call for: inputs by their weighted mean and standard
   * deviation, targets by their means and the root of their mean variance (empty for classification).
   */
  public Standardization standardization() {
    if (!(weight > 0)) {
      throw new IllegalArgumentException("training data is empty: 0 rows of positive weight");
    }
    double[] inputMean = input.means();
    double[] std = input.deviations(weight);
    double[] targetMean = target.means();
    double targetScale = 1.0;
    if (targetMean.length > 0) {
      // the root of the outputs' mean variance: their spreads' Euclidean norm (Math.hypot: no square overflows) over √q
      double norm = 0;
      for (double d : target.deviations(weight)) {
        norm = Math.hypot(norm, d);
      }
      targetScale = norm / Math.sqrt(targetMean.length);
    }
    if (sparse) {
      // scale only, by the root mean square √(std² + mean²): a zero stays zero, and an input with a large offset and a small
      // spread is not blown up (dividing it by its standard deviation alone would make it huge)
      double[] rms = new double[std.length];
      for (int k = 0; k < std.length; k++) {
        rms[k] = Math.hypot(std[k], inputMean[k]);
      }
      return Standardization.of(new double[std.length], rms, targetMean, targetScale);
    }
    return Standardization.of(inputMean, std, targetMean, targetScale);
  }

  /** For tests: the means and sums of squared deviations, inputs then targets, in the data's units. */
  public double[] values() {
    double[] inputMean = input.means();
    double[] targetMean = target.means();
    double[] out = new double[1 + 2 * inputMean.length + 2 * targetMean.length];
    out[0] = weight;
    System.arraycopy(inputMean, 0, out, 1, inputMean.length);
    System.arraycopy(input.squaredDeviations(), 0, out, 1 + inputMean.length, inputMean.length);
    System.arraycopy(targetMean, 0, out, 1 + 2 * inputMean.length, targetMean.length);
    System.arraycopy(target.squaredDeviations(), 0, out, 1 + 2 * inputMean.length + targetMean.length, targetMean.length);
    return out;
  }

  /**
   * Per column, the weighted mean and Σ w (x − mean)² of x·2⁻ᵉ, with e the binary exponent of the column's largest
   * magnitude: scaling by a power of two is exact, so these are the plain sums' figures times 2⁻ᵉ and 2⁻²ᵉ wherever
   * those are representable, while the squares of values near 10⁻¹⁵⁰ or 10¹⁵⁴ and beyond neither underflow nor overflow.
   */
  private record Sums(double[] mean, double[] deviation, int[] exponent) implements java.io.Serializable {
    /** The binary exponent of each largest magnitude (0 for a column of zeros). */
    static int[] exponents(double[] largest) {
      int[] e = new int[largest.length];
      for (int k = 0; k < e.length; k++) {
        e[k] = largest[k] > 0 && Double.isFinite(largest[k]) ? Math.getExponent(largest[k]) : 0;
      }
      return e;
    }

    /** 2⁻ᵉ per column: what a value is multiplied by before it is summed. */
    double[] factors() {
      double[] f = new double[exponent.length];
      for (int k = 0; k < f.length; k++) {
        f[k] = Math.scalb(1.0, -exponent[k]);
      }
      return f;
    }

    /**
     * Chan, Golub and LeVeque's update with another block's sums (weight {@code otherWeight}; {@code total} the two
     * together): per column both in the larger of the two exponents first, an exact rescaling of the other.
     */
    void combine(double weight, Sums other, double otherWeight, double total) {
      for (int k = 0; k < mean.length; k++) {
        int e = Math.max(exponent[k], other.exponent[k]);
        double mine = Math.scalb(1.0, exponent[k] - e);
        double theirs = Math.scalb(1.0, other.exponent[k] - e);
        mean[k] *= mine;
        deviation[k] *= mine * mine;
        exponent[k] = e;
        double otherMean = other.mean[k] * theirs;
        double delta = otherMean - mean[k];
        deviation[k] += other.deviation[k] * theirs * theirs + delta * delta * weight * otherWeight / total;
        mean[k] += delta * otherWeight / total;
      }
    }

    double[] means() {
      double[] out = new double[mean.length];
      for (int k = 0; k < out.length; k++) {
        out[k] = Math.scalb(mean[k], exponent[k]);
      }
      return out;
    }

    /** The standard deviations √(Σ w (x − mean)² / weight), in the data's units. */
    double[] deviations(double weight) {
      double[] out = new double[mean.length];
      for (int k = 0; k < out.length; k++) {
        out[k] = Math.scalb(Math.sqrt(deviation[k] / weight), exponent[k]);
      }
      return out;
    }

    /** Σ w (x − mean)² in the data's units (not representable for the extreme columns the scaling is for). */
    double[] squaredDeviations() {
      double[] out = new double[mean.length];
      for (int k = 0; k < out.length; k++) {
        out[k] = Math.scalb(deviation[k], 2 * exponent[k]);
      }
      return out;
    }
  }
}
