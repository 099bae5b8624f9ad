package org.implicitdl.data;

import org.implicitdl.linalg.Matrix;

/**
 * A data set as columns, the paper's layout: inputs U (p×m) and targets Y (q×m). For
 * classification, {@code labels} holds the class index of each column (Y is then one-hot).
 */
public record LabeledBlock(Matrix inputs, Matrix targets, int[] labels) {
  public LabeledBlock {
    if (inputs.cols() != targets.cols()) {
      throw new IllegalArgumentException("inputs have " + inputs.cols() + " columns, targets " + targets.cols());
    }
    if (labels != null && labels.length != inputs.cols()) {
      throw new IllegalArgumentException("labels have " + labels.length + " entries, inputs " + inputs.cols() + " columns");
    }
  }

  public int size() {
    return inputs.cols();
  }

  /** Columns [from, to). */
  public LabeledBlock slice(int from, int to) {
    return new LabeledBlock(inputs.columnSlice(from, to), targets.columnSlice(from, to),
        labels == null ? null : java.util.Arrays.copyOfRange(labels, from, to));
  }

  /** One-hot targets (classes × m) for class indices. */
  public static Matrix oneHot(int[] labels, int classes) {
    Matrix y = Matrix.zeros(classes, labels.length);
    for (int j = 0; j < labels.length; j++) {
      if (labels[j] < 0 || labels[j] >= classes) {
        throw new IllegalArgumentException("label " + labels[j] + " at row " + j + " is outside the classes 0.." + (classes - 1));
      }
      y.set(labels[j], j, 1.0);
    }
    return y;
  }
}
