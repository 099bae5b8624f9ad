package org.implicitdl.train;

import org.implicitdl.linalg.SparseColumns;

/**
 * Weighted means and spreads of the inputs and regression targets over training blocks, the
 * statistics of {@link Standardization}: per block a two-pass mean and sum of squared deviations,
 * merged by Chan, Golub and LeVeque's update, so a column with a large offset and a small spread
 * (mean 10⁶, deviation 1) keeps its digits, which sums of squares would lose.
 */
public final class Moments implements Mergeable<Moments> {
  private static final long serialVersionUID = 1L;
  private double weight;
  private final double[] inputMean;
  private final double[] inputDeviation;
  private final double[] targetMean;
  private final double[] targetDeviation;
  /** Whether any block's inputs were sparse: then the standardization only scales, so that zeros stay zeros. */
  private boolean sparse;

  private Moments(double weight, double[] inputMean, double[] inputDeviation, double[] targetMean, double[] targetDeviation, boolean sparse) {
    this.sparse = sparse;
    this.weight = weight;
    this.inputMean = inputMean;
    this.inputDeviation = inputDeviation;
    this.targetMean = targetMean;
    this.targetDeviation = targetDeviation;
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
    double[][] input = sparse ? rowMoments((SparseColumns) block.u(), p, w, total) : rowMoments(block.u().dense().data(), p + 1, p, w, total);
    double[][] target = rowMoments(block.y().data(), block.y().rows(), q, w, total);
    return new Moments(total, input[0], input[1], target[0], target[1], sparse);
  }

  /**
   * The same for the first {@code count} rows of sparse columns, over the non-zeros only: Σ w (x − mean)² is the
   * non-zeros' part plus mean² times the weight of the columns where the row is zero.
   */
  private static double[][] rowMoments(SparseColumns u, int count, double[] w, double total) {
    double[] mean = new double[count];
    double[] deviation = new double[count];
    if (total <= 0) {
      return new double[][] {mean, deviation};
    }
    int[] start = u.starts();
    int[] index = u.indices();
    double[] value = u.values();
    double[] present = new double[count];
    for (int j = 0; j < w.length; j++) {
      for (int k = start[j]; k < start[j + 1]; k++) {
        if (index[k] < count) {
          mean[index[k]] += w[j] * value[k];
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
          double d = value[k] - mean[index[k]];
          deviation[index[k]] += w[j] * d * d;
        }
      }
    }
    for (int k = 0; k < count; k++) {
      deviation[k] += (total - present[k]) * mean[k] * mean[k];
    }
    return new double[][] {mean, deviation};
  }

  /** Mean and Σ w (x − mean)² of the first {@code count} rows of a column-major block with {@code stride} rows. */
  private static double[][] rowMoments(double[] data, int stride, int count, double[] w, double total) {
    double[] mean = new double[count];
    double[] deviation = new double[count];
    if (total <= 0) {
      return new double[][] {mean, deviation};
    }
    for (int j = 0; j < w.length; j++) {
      for (int k = 0; k < count; k++) {
        mean[k] += w[j] * data[j * stride + k];
      }
    }
    for (int k = 0; k < count; k++) {
      mean[k] /= total;
    }
    for (int j = 0; j < w.length; j++) {
      for (int k = 0; k < count; k++) {
        double d = data[j * stride + k] - mean[k];
        deviation[k] += w[j] * d * d;
      }
    }
    return new double[][] {mean, deviation};
  }

  @Override
  public Moments merge(Moments other) {
    double total = weight + other.weight;
    if (other.weight > 0) {
      combine(inputMean, inputDeviation, other.inputMean, other.inputDeviation, other.weight, total);
      combine(targetMean, targetDeviation, other.targetMean, other.targetDeviation, other.weight, total);
    }
    weight = total;
    sparse |= other.sparse;
    return this;
  }

  private void combine(double[] mean, double[] deviation, double[] otherMean, double[] otherDeviation, double otherWeight, double total) {
    for (int k = 0; k < mean.length; k++) {
      double delta = otherMean[k] - mean[k];
      deviation[k] += otherDeviation[k] + delta * delta * weight * otherWeight / total;
      mean[k] += delta * otherWeight / total;
    }
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
    double[] std = new double[inputMean.length];
    for (int k = 0; k < std.length; k++) {
      std[k] = Math.sqrt(inputDeviation[k] / weight);
    }
    double variance = 0;
    for (double d : targetDeviation) {
      variance += d / weight;
    }
    double targetScale = targetMean.length == 0 ? 1.0 : Math.sqrt(variance / targetMean.length);
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

  /** For tests: the means and deviations, inputs then targets. */
  public double[] values() {
    double[] out = new double[1 + 2 * inputMean.length + 2 * targetMean.length];
    out[0] = weight;
    System.arraycopy(inputMean, 0, out, 1, inputMean.length);
    System.arraycopy(inputDeviation, 0, out, 1 + inputMean.length, inputMean.length);
    System.arraycopy(targetMean, 0, out, 1 + 2 * inputMean.length, targetMean.length);
    System.arraycopy(targetDeviation, 0, out, 1 + 2 * inputMean.length + targetMean.length, targetMean.length);
    return out;
  }
}
