package org.implicitdl.model;

import org.implicitdl.solve.Activation;
import org.implicitdl.linalg.Matrix;

/**
 * One dense layer h ↦ σ(W h + b) of a feedforward network; {@code activation == null} means
 * the identity (the linear output layer).
 */
public record DenseLayer(Matrix weights, double[] bias, Activation activation) {
  public DenseLayer {
    weights.requireFinite("layer weights");
    if (bias.length != weights.rows()) {
      throw new IllegalArgumentException("layer bias has " + bias.length + " entries, weights have " + weights.rows() + " rows");
    }
    weights = weights.copy();
    bias = bias.clone();
  }

  public int inputs() {
    return weights.cols();
  }

  public int outputs() {
    return weights.rows();
  }
}
