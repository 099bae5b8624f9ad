package org.implicitdl.job;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.implicitdl.data.SyntheticData;
import org.implicitdl.linalg.Blas;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.solve.Activation;
import org.implicitdl.model.ConvolutionLayers;
import org.implicitdl.model.DenseLayer;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.model.ModelAlgebra;
import org.implicitdl.model.ModelJson;

/**
 * {@code idl generate --kind section72|lenet5 --output DIR [--rows M] [--seed S]}: the paper's examples as
 * files the other commands and the notebooks read.
 * <ul>
 *   <li>section72 — §7.2's data: an implicit ReLU model (n = 20, p = 100, ‖A‖∞ ≤ 0.5) whose B and D read
 *       10 of the inputs; {@code train.csv} (M rows, default 400) and {@code test.csv} (2000 rows) with
 *       columns x0…x99, y, and {@code truth.json} naming the relevant inputs;</li>
 *   <li>lenet5 — a LeNet-5-like network on 14×14 images with random weights (conv 3×3, 4 maps, tanh,
 *       average pool 2; conv 3×3, 8 maps, tanh, average pool 2; dense 32, tanh; 10 outputs) converted to
 *       one implicit model (§2.2, convolutions and pooling as structured dense blocks):
 *       {@code model.json} ({@link ModelJson}); the command prints the largest difference between the
 *       implicit rule and the layer-by-layer forward pass on random images.</li>
 * </ul>
 */
final class GenerateCommand extends JobCommand {
  static final int SECTION72_TEST_ROWS = 2000;
  private static final int SIDE = 14;

  GenerateCommand() {
    super("generate", "the paper's examples as files: --kind section72|lenet5 --output DIR [--rows M] [--seed S]",
        "idl generate --kind section72|lenet5 --output DIR [--rows M (section72, default 400)] [--seed S]", "kind", "rows", "output");
  }

  @Override
  int execute(JobConfig cfg, String[] args) throws Exception {
    cfg.required("kind", "--kind");
    String kind = cfg.oneOf("kind", "section72", "lenet5");
    Path out = Path.of(cfg.required("output", "--output"));
    long seed = cfg.longValue("trainer.seed");
    Files.createDirectories(out);
    ObjectNode o = Jobs.JSON.createObjectNode();
    if (kind.equals("section72")) {
      int rows = cfg.wholeNumber("rows", "--rows", 1, 400);
      SyntheticData.Generated g = SyntheticData.implicitRelu(20, 100, 1, rows + SECTION72_TEST_ROWS, 10, 0.5, 0.01, seed);
      Matrix u = g.data().inputs();
      Matrix y = g.data().targets();
      writeCsv(out.resolve("train.csv"), u, y, 0, rows);
      writeCsv(out.resolve("test.csv"), u, y, rows, rows + SECTION72_TEST_ROWS);
      List<Integer> relevant = new java.util.ArrayList<>();
      for (int j = 0; j < g.relevantFeatures().length; j++) {
        if (g.relevantFeatures()[j]) {
          relevant.add(j);
        }
      }
      ObjectNode truth = Jobs.JSON.createObjectNode();
      truth.set("relevant", Jobs.JSON.valueToTree(relevant));
      Files.writeString(out.resolve("truth.json"), Jobs.JSON.writeValueAsString(truth));
      o.put("train", out.resolve("train.csv").toString());
      o.put("test", out.resolve("test.csv").toString());
      o.set("relevant", Jobs.JSON.valueToTree(relevant));
    } else {
      Random r = new Random(seed);
      List<DenseLayer> layers = lenet5(r);
      ImplicitModel model = ModelAlgebra.fromFeedforward(layers);
      Files.writeString(out.resolve("model.json"), ModelJson.write(model));
      Matrix images = Matrix.zeros(SIDE * SIDE, 16);
      for (int k = 0; k < images.data().length; k++) {
        images.data()[k] = r.nextDouble();
      }
      Matrix implicit = model.predict(images);
      Matrix explicit = forward(layers, images);
      double largest = 0;
      for (int k = 0; k < implicit.data().length; k++) {
        largest = Math.max(largest, Math.abs(implicit.data()[k] - explicit.data()[k]));
      }
      o.put("model", out.resolve("model.json").toString());
      o.put("states", model.hiddenDim());
      o.put("inputs", model.inputDim());
      o.put("outputs", model.outputDim());
      o.put("maxDifference", largest);
    }
    System.out.println(Jobs.JSON.writeValueAsString(o));
    return 0;
  }

  /** The layers of the LeNet-5-like network: each pooling folded into the layer after it. */
  static List<DenseLayer> lenet5(Random r) {
    DenseLayer conv1 = ConvolutionLayers.convolution(1, SIDE, SIDE, kernels(r, 4, 1, 3), vector(r, 4, 0.1), Activation.TANH);
    Matrix pool1 = ConvolutionLayers.averagePooling(4, 12, 12, 2);
    DenseLayer conv2 = ConvolutionLayers.afterPooling(pool1,
        ConvolutionLayers.convolution(4, 6, 6, kernels(r, 8, 4, 3), vector(r, 8, 0.1), Activation.TANH));
    Matrix pool2 = ConvolutionLayers.averagePooling(8, 4, 4, 2);
    DenseLayer dense = ConvolutionLayers.afterPooling(pool2, new DenseLayer(SyntheticData.gaussian(32, 32, 1 / Math.sqrt(32), r), vector(r, 32, 0.1),
        Activation.TANH));
    DenseLayer output = new DenseLayer(SyntheticData.gaussian(10, 32, 1 / Math.sqrt(32), r), vector(r, 10, 0.1), null);
    return List.of(conv1, conv2, dense, output);
  }

  /** h ↦ σ(W h + b) layer after layer, on the columns of {@code u}. */
  static Matrix forward(List<DenseLayer> layers, Matrix u) {
    Matrix h = u;
    for (DenseLayer layer : layers) {
      Matrix next = Blas.multiply(layer.weights(), h);
      for (int col = 0; col < next.cols(); col++) {
        for (int i = 0; i < next.rows(); i++) {
          double z = next.get(i, col) + layer.bias()[i];
          next.set(i, col, layer.activation() == null ? z : layer.activation().apply(z));
        }
      }
      h = next;
    }
    return h;
  }

  private static double[][][][] kernels(Random r, int out, int in, int size) {
    double[][][][] k = new double[out][in][size][size];
    double scale = 1 / Math.sqrt(in * size * size);
    for (double[][][] a : k) {
      for (double[][] b : a) {
        for (double[] c : b) {
          for (int i = 0; i < c.length; i++) {
            c[i] = scale * r.nextGaussian();
          }
        }
      }
    }
    return k;
  }

  private static double[] vector(Random r, int n, double scale) {
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = scale * r.nextGaussian();
    }
    return v;
  }

  private static void writeCsv(Path file, Matrix u, Matrix y, int from, int to) throws Exception {
    StringBuilder sb = new StringBuilder();
    for (int j = 0; j < u.rows(); j++) {
      sb.append('x').append(j).append(',');
    }
    sb.append("y\n");
    for (int k = from; k < to; k++) {
      for (int j = 0; j < u.rows(); j++) {
        sb.append(String.format(Locale.ROOT, "%.17g", u.get(j, k))).append(',');
      }
      sb.append(String.format(Locale.ROOT, "%.17g", y.get(0, k))).append('\n');
    }
    Files.writeString(file, sb);
  }
}
