package org.implicitdl.model;

import org.implicitdl.solve.Activation;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.implicitdl.linalg.Matrix;
import org.junit.jupiter.api.Test;

/**
 * A LeNet-5-like network (conv 3×3 → tanh → average pool 2 → conv 2×2 → tanh → average pool 2 →
 * dense → tanh → linear output) converted to one implicit model (paper §2.2) predicts what its
 * explicit forward pass, written with plain loops, computes.
 */
class ConvolutionLayersTest {
  private static final int SIDE = 12;

  @Test
  void aConvertedConvPoolNetworkEqualsItsForwardPass() {
    Random r = new Random(8);
    double[][][][] k1 = kernels(r, 3, 1, 3);
    double[] b1 = vector(r, 3);
    double[][][][] k2 = kernels(r, 4, 3, 2);
    double[] b2 = vector(r, 4);
    Matrix w3 = gaussian(r, 10, 16);
    double[] b3 = vector(r, 10);
    Matrix w4 = gaussian(r, 3, 10);
    double[] b4 = vector(r, 3);

    DenseLayer conv1 = ConvolutionLayers.convolution(1, SIDE, SIDE, k1, b1, Activation.TANH);
    Matrix pool1 = ConvolutionLayers.averagePooling(3, 10, 10, 2);
    DenseLayer conv2 = ConvolutionLayers.afterPooling(pool1, ConvolutionLayers.convolution(3, 5, 5, k2, b2, Activation.TANH));
    Matrix pool2 = ConvolutionLayers.averagePooling(4, 4, 4, 2);
    DenseLayer dense = ConvolutionLayers.afterPooling(pool2, new DenseLayer(w3, b3, Activation.TANH));
    ImplicitModel model = ModelAlgebra.fromFeedforward(List.of(conv1, conv2, dense, new DenseLayer(w4, b4, null)));

    assertEquals(3 * 10 * 10 + 4 * 4 * 4 + 10, model.hiddenDim(), "one state per hidden unit");
    Matrix a = model.a();
    for (int i = 0; i < a.rows(); i++) {
      for (int j = 0; j <= i; j++) {
        assertEquals(0.0, a.get(i, j), "A is strictly upper triangular (the layers stacked last-first)");
      }
    }
    int batch = 20;
    Matrix u = gaussian(r, SIDE * SIDE, batch);
    Matrix implicit = model.predict(u);
    double largest = 0;
    for (int col = 0; col < batch; col++) {
      double[] image = new double[SIDE * SIDE];
      for (int k = 0; k < image.length; k++) {
        image[k] = u.get(k, col);
      }
      double[] h1 = pool(tanhConv(new double[][][] {reshape(image, SIDE, SIDE)}, k1, b1), 2);
      double[][][] h2 = poolMaps(tanhConv(unflatten(h1, 3, 5, 5), k2, b2), 2);
      double[] flat = flatten(h2);
      double[] h3 = new double[10];
      for (int i = 0; i < 10; i++) {
        double s = b3[i];
        for (int j = 0; j < 16; j++) {
          s += w3.get(i, j) * flat[j];
        }
        h3[i] = Math.tanh(s);
      }
      for (int o = 0; o < 3; o++) {
        double s = b4[o];
        for (int j = 0; j < 10; j++) {
          s += w4.get(o, j) * h3[j];
        }
        largest = Math.max(largest, Math.abs(s));
        assertEquals(s, implicit.get(o, col), 1e-12, "output " + o + " of image " + col);
      }
    }
    assertTrue(largest > 0.1, "a non-trivial network");
  }

  @Test
  void shapesThatDoNotFitAreRefused() {
    Random r = new Random(1);
    assertThrows(IllegalArgumentException.class, () -> ConvolutionLayers.convolution(1, 2, 2, kernels(r, 1, 1, 3), new double[1], Activation.TANH));
    assertThrows(IllegalArgumentException.class, () -> ConvolutionLayers.averagePooling(1, 5, 4, 2));
    assertThrows(IllegalArgumentException.class, () -> ConvolutionLayers.convolution(2, 4, 4, kernels(r, 1, 1, 2), new double[1], Activation.TANH));
  }

  /** Valid convolution, stride 1, then tanh: maps[c][y][x] → out[o][y][x]. */
  private static double[][][] tanhConv(double[][][] maps, double[][][][] k, double[] b) {
    int channels = maps.length;
    int kh = k[0][0].length;
    int oh = maps[0].length - kh + 1;
    int ow = maps[0][0].length - kh + 1;
    double[][][] out = new double[k.length][oh][ow];
    for (int o = 0; o < k.length; o++) {
      for (int y = 0; y < oh; y++) {
        for (int x = 0; x < ow; x++) {
          double s = b[o];
          for (int c = 0; c < channels; c++) {
            for (int i = 0; i < kh; i++) {
              for (int j = 0; j < kh; j++) {
                s += k[o][c][i][j] * maps[c][y + i][x + j];
              }
            }
          }
          out[o][y][x] = Math.tanh(s);
        }
      }
    }
    return out;
  }

  private static double[][][] poolMaps(double[][][] maps, int size) {
    double[][][] out = new double[maps.length][maps[0].length / size][maps[0][0].length / size];
    for (int c = 0; c < maps.length; c++) {
      for (int y = 0; y < maps[0].length; y++) {
        for (int x = 0; x < maps[0][0].length; x++) {
          out[c][y / size][x / size] += maps[c][y][x] / (size * size);
        }
      }
    }
    return out;
  }

  private static double[] pool(double[][][] maps, int size) {
    return flatten(poolMaps(maps, size));
  }

  private static double[] flatten(double[][][] maps) {
    double[] out = new double[maps.length * maps[0].length * maps[0][0].length];
    int k = 0;
    for (double[][] map : maps) {
      for (double[] row : map) {
        for (double v : row) {
          out[k++] = v;
        }
      }
    }
    return out;
  }

  private static double[][][] unflatten(double[] v, int c, int h, int w) {
    double[][][] out = new double[c][h][w];
    for (int k = 0; k < v.length; k++) {
      out[k / (h * w)][(k / w) % h][k % w] = v[k];
    }
    return out;
  }

  private static double[][] reshape(double[] v, int h, int w) {
    double[][] out = new double[h][w];
    for (int k = 0; k < v.length; k++) {
      out[k / w][k % w] = v[k];
    }
    return out;
  }

  private static double[][][][] kernels(Random r, int out, int in, int size) {
    double[][][][] k = new double[out][in][size][size];
    for (double[][][] a : k) {
      for (double[][] b : a) {
        for (double[] c : b) {
          for (int i = 0; i < c.length; i++) {
            c[i] = 0.5 * r.nextGaussian();
          }
        }
      }
    }
    return k;
  }

  private static double[] vector(Random r, int n) {
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = 0.3 * r.nextGaussian();
    }
    return v;
  }

  private static Matrix gaussian(Random r, int rows, int cols) {
    Matrix m = Matrix.zeros(rows, cols);
    for (int k = 0; k < m.data().length; k++) {
      m.data()[k] = 0.5 * r.nextGaussian();
    }
    return m;
  }
}
