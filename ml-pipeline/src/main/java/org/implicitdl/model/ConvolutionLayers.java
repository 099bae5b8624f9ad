package org.implicitdl.model;

import org.implicitdl.solve.Activation;
import org.implicitdl.linalg.Matrix;

/**
 * Convolutions and average pooling as structured dense blocks (paper §2.2: any feedforward
 * network is an implicit model), so a LeNet-like network converts with
 * {@link ModelAlgebra#fromFeedforward}. Images are stored channel by channel, each row by row:
 * entry (c, y, x) of a C×H×W image is at c·H·W + y·W + x. A convolution (valid, stride 1) is the
 * matrix whose row for output (o, y, x) holds kernel o's weights at the inputs it reads — a
 * block-Toeplitz matrix, zero elsewhere; an average pooling is likewise a matrix. A pooling, being
 * linear, is folded into the next layer's weights (σ(W(Ph) + b) = σ((WP)h + b)), so every hidden
 * layer keeps the network's one activation.
 */
public final class ConvolutionLayers {
  private ConvolutionLayers() {}

  /**
   * The layer h ↦ σ(K ⋆ h + b) on a {@code channels}×{@code height}×{@code width} input, with
   * kernels[o][c][i][j] (o output channels, square or rectangular kernels) and one bias per output channel.
   */
  public static DenseLayer convolution(int channels, int height, int width, double[][][][] kernels, double[] bias, Activation activation) {
    int out = kernels.length;
    if (bias.length != out) {
      throw new IllegalArgumentException("convolution bias has " + bias.length + " entries, expected one per output channel: " + out);
    }
    int kh = kernels[0][0].length;
    int kw = kernels[0][0][0].length;
    int oh = height - kh + 1;
    int ow = width - kw + 1;
    if (oh < 1 || ow < 1) {
      throw new IllegalArgumentException("a " + kh + "x" + kw + " kernel does not fit a " + height + "x" + width + " image");
    }
    Matrix w = Matrix.zeros(out * oh * ow, channels * height * width);
    double[] b = new double[out * oh * ow];
    for (int o = 0; o < out; o++) {
      if (kernels[o].length != channels) {
        throw new IllegalArgumentException("kernel " + o + " has " + kernels[o].length + " input channels, the image " + channels);
      }
      for (int y = 0; y < oh; y++) {
        for (int x = 0; x < ow; x++) {
          int row = (o * oh + y) * ow + x;
          b[row] = bias[o];
          for (int c = 0; c < channels; c++) {
            for (int i = 0; i < kh; i++) {
              for (int j = 0; j < kw; j++) {
                w.set(row, (c * height + y + i) * width + x + j, kernels[o][c][i][j]);
              }
            }
          }
        }
      }
    }
    return new DenseLayer(w, b, activation);
  }

  /** Average pooling over size×size windows (stride size) of a channels×height×width image: a linear map as a matrix. */
  public static Matrix averagePooling(int channels, int height, int width, int size) {
    if (height % size != 0 || width % size != 0) {
      throw new IllegalArgumentException("a " + height + "x" + width + " image does not tile into " + size + "x" + size + " windows");
    }
    int ph = height / size;
    int pw = width / size;
    Matrix p = Matrix.zeros(channels * ph * pw, channels * height * width);
    double share = 1.0 / (size * size);
    for (int c = 0; c < channels; c++) {
      for (int y = 0; y < height; y++) {
        for (int x = 0; x < width; x++) {
          p.set((c * ph + y / size) * pw + x / size, (c * height + y) * width + x, share);
        }
      }
    }
    return p;
  }

  /** {@code next} reading the output of the linear map {@code pooling} instead of its own input: weights W·P. */
  public static DenseLayer afterPooling(Matrix pooling, DenseLayer next) {
    if (next.inputs() != pooling.rows()) {
      throw new IllegalArgumentException("the layer takes " + next.inputs() + " inputs, the pooling gives " + pooling.rows());
    }
    return new DenseLayer(org.implicitdl.linalg.Blas.multiply(next.weights(), pooling), next.bias(), next.activation());
  }
}
