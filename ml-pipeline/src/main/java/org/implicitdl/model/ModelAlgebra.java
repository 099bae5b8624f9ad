package org.implicitdl.model;

import org.implicitdl.solve.Activation;
import java.util.List;
import org.implicitdl.linalg.Blas;
import org.implicitdl.linalg.Matrix;

/**
 * Block-matrix algebra on implicit models (paper §2.2–2.3): a feedforward network becomes one
 * implicit model with strictly upper block-triangular A, and two models cascade into one.
 */
public final class ModelAlgebra {
  private ModelAlgebra() {}

  /**
   * Converts hidden layers σ(W_k h + b_k), k = 1..L−1 (one shared σ), and a linear output
   * layer into (A, B, C, D) with input bias (paper §2.2). The state stacks the hidden layers
   * last-first, x = (h_{L−1}, …, h_1), so A is strictly upper block-triangular and
   * back-substitution solves it exactly.
   */
  public static ImplicitModel fromFeedforward(List<DenseLayer> layers) {
    if (layers.size() < 2) {
      throw new IllegalArgumentException("a feedforward net needs at least one hidden layer and an output layer, got " + layers.size() + " layers");
    }
    DenseLayer output = layers.get(layers.size() - 1);
    if (output.activation() != null) {
      throw new IllegalArgumentException("the output layer must be linear (activation null), got " + output.activation());
    }
    List<DenseLayer> hidden = layers.subList(0, layers.size() - 1);
    Activation phi = hidden.get(0).activation();
    int n = 0;
    for (int k = 0; k < hidden.size(); k++) {
      DenseLayer layer = hidden.get(k);
      if (layer.activation() != phi || phi == null) {
        throw new IllegalArgumentException("hidden layer " + k + " has activation " + layer.activation() + ", expected one shared activation " + phi);
      }
      int expectedIn = k == 0 ? layer.inputs() : hidden.get(k - 1).outputs();
      if (layer.inputs() != expectedIn) {
        throw new IllegalArgumentException("layer " + k + " takes " + layer.inputs() + " inputs, previous layer gives " + expectedIn);
      }
      n += layer.outputs();
    }
    if (output.inputs() != hidden.get(hidden.size() - 1).outputs()) {
      throw new IllegalArgumentException("output layer takes " + output.inputs() + " inputs, last hidden layer gives " + hidden.get(hidden.size() - 1).outputs());
    }
    int p = hidden.get(0).inputs();
    int q = output.outputs();
    Matrix a = Matrix.zeros(n, n);
    Matrix b = Matrix.zeros(n, p + 1);
    Matrix c = Matrix.zeros(q, n);
    Matrix d = Matrix.zeros(q, p + 1);
    int[] offset = new int[hidden.size()];
    int row = n;
    for (int k = 0; k < hidden.size(); k++) {
      row -= hidden.get(k).outputs();
      offset[k] = row;
    }
    for (int k = 0; k < hidden.size(); k++) {
      DenseLayer layer = hidden.get(k);
      if (k == 0) {
        b.setBlock(offset[0], 0, layer.weights());
      } else {
        a.setBlock(offset[k], offset[k - 1], layer.weights());
      }
      b.setBlock(offset[k], p, Matrix.column(layer.bias()));
    }
    c.setBlock(0, offset[hidden.size() - 1], output.weights());
    d.setBlock(0, p, Matrix.column(output.bias()));
    return new ImplicitModel(a, b, c, d, phi, true);
  }

  /**
   * The cascade u ↦ first ↦ second as one implicit model (paper §2.3). With x = (x₂, x₁):
   * A = [[A₂, B₂C₁], [0, A₁]], B = [B₂D₁; B₁], C = [C₂, D₂C₁], D = D₂D₁ (bias columns composed
   * as affine maps). A is block upper-triangular, so the cascade is well-posed iff both parts are.
   */
  public static ImplicitModel cascade(ImplicitModel first, ImplicitModel second) {
    if (second.inputDim() != first.outputDim()) {
      throw new IllegalArgumentException("cascade: second model takes " + second.inputDim() + " inputs, first gives " + first.outputDim());
    }
    if (first.activation() != second.activation()) {
      throw new IllegalArgumentException("cascade needs one activation, got " + first.activation() + " and " + second.activation());
    }
    int n1 = first.hiddenDim();
    int n2 = second.hiddenDim();
    boolean bias = first.inputBias() || second.inputBias();
    int p = first.inputDim();
    Matrix b1 = withBias(first.b(), first.inputBias(), bias);
    Matrix d1 = withBias(first.d(), first.inputBias(), bias);
    Matrix b2u = second.b().columnSlice(0, second.inputDim());
    Matrix d2u = second.d().columnSlice(0, second.inputDim());
    Matrix b2D1 = Blas.multiply(b2u, d1);
    Matrix d2D1 = Blas.multiply(d2u, d1);
    if (second.inputBias()) {
      addToColumn(b2D1, p, second.b().columnCopy(second.inputDim()));
      addToColumn(d2D1, p, second.d().columnCopy(second.inputDim()));
    }
    Matrix a = Matrix.zeros(n1 + n2, n1 + n2);
    a.setBlock(0, 0, second.a());
    a.setBlock(0, n2, Blas.multiply(b2u, first.c()));
    a.setBlock(n2, n2, first.a());
    Matrix b = Matrix.vstack(b2D1, b1);
    Matrix c = Matrix.hstack(second.c(), Blas.multiply(d2u, first.c()));
    return new ImplicitModel(a, b, c, d2D1, first.activation(), bias);
  }

  /**
   * The same rule for inputs whose gaps are filled with other values. Input {@code filled[g]} is a number column whose
   * empty cells are marked by the indicator input {@code indicators[g]} (1 exactly there, else 0); on the marked rows
   * this model read the column as the value {@code v}, the returned one reads it as {@code v − shift[g]}. Rule (1) and
   * the readout are affine in u, so moving {@code shift[g]} times the column's weights in B and D onto the
   * indicator's keeps Bu and Du, and with them every state and output, the same on every row: the two models agree
   * exactly. A and C are untouched (so is the certificate).
   */
  public static ImplicitModel refilled(ImplicitModel m, int[] filled, int[] indicators, double[] shift) {
    if (filled.length != indicators.length || filled.length != shift.length) {
      throw new IllegalArgumentException("refilled: " + filled.length + " filled inputs, " + indicators.length + " indicators and "
          + shift.length + " shifts");
    }
    Matrix b = m.b();
    Matrix d = m.d();
    for (int g = 0; g < filled.length; g++) {
      int j = filled[g];
      int k = indicators[g];
      if (j < 0 || j >= m.inputDim() || k < 0 || k >= m.inputDim() || j == k) {
        throw new IllegalArgumentException("refilled: input " + j + " and its indicator " + k + " must be two of the " + m.inputDim() + " inputs");
      }
      for (Matrix w : new Matrix[] {b, d}) {
        for (int i = 0; i < w.rows(); i++) {
          w.set(i, k, w.get(i, k) + shift[g] * w.get(i, j));
        }
      }
    }
    return m.with(m.a(), b, m.c(), d);
  }

  private static Matrix withBias(Matrix m, boolean has, boolean wanted) {
    return has || !wanted ? m : Matrix.hstack(m, Matrix.zeros(m.rows(), 1));
  }

  private static void addToColumn(Matrix m, int col, double[] v) {
    for (int i = 0; i < v.length; i++) {
      m.set(i, col, m.get(i, col) + v[i]);
    }
  }
}
