package org.implicitdl.spark;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.classification.MultilayerPerceptronClassificationModel;
import org.apache.spark.ml.util.Identifiable$;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.solve.Activation;
import org.implicitdl.model.DenseLayer;
import org.implicitdl.model.ModelAlgebra;

/**
 * Converts Spark MLlib's MultilayerPerceptronClassificationModel (sigmoid hidden layers, softmax
 * output) into an implicit classification model with identical predictions (paper §2.2).
 * MLlib stores each affine layer as its weight matrix (out × in, column-major) followed by its bias.
 */
public final class MlpConversion {
  private MlpConversion() {}

  public static ImplicitClassificationModel convert(MultilayerPerceptronClassificationModel mlp) {
    int[] layers = mlp.getLayers();
    double[] w = mlp.weights().toArray();
    List<DenseLayer> dense = new ArrayList<>();
    int offset = 0;
    for (int k = 0; k + 1 < layers.length; k++) {
      int in = layers[k];
      int out = layers[k + 1];
      double[] weights = java.util.Arrays.copyOfRange(w, offset, offset + out * in);
      double[] bias = java.util.Arrays.copyOfRange(w, offset + out * in, offset + out * in + out);
      offset += out * in + out;
      dense.add(new DenseLayer(new Matrix(out, in, weights), bias, k + 2 < layers.length ? Activation.SIGMOID : null));
    }
    if (offset != w.length) {
      throw new IllegalArgumentException("MLP weights have " + w.length + " entries, layers " + java.util.Arrays.toString(layers)
          + " need " + offset);
    }
    ImplicitClassificationModel model = new ImplicitClassificationModel(Identifiable$.MODULE$.randomUID("implicitClassifier"),
        ModelAlgebra.fromFeedforward(dense));
    // What the model is, in the training params' terms: a feedforward net is the triangular case (§2.2).
    model.set(model.hiddenDim(), model.implicitModel().hiddenDim());
    model.set(model.activation(), Activation.SIGMOID.id());
    model.set(model.wellPosedness(), "triangular");
    return (ImplicitClassificationModel) model.setFeaturesCol(mlp.getFeaturesCol());
  }
}
