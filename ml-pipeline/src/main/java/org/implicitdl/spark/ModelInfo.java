package org.implicitdl.spark;

import java.util.Arrays;
import org.implicitdl.solve.Certificate;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.train.BlockCoordinateDescent;

/** What both implicit Spark models expose about their matrices: certificate, sparsity, features. */
public interface ModelInfo {
  /**
   * What a fitted model holds besides its params: the implicit model, the training summary (null on a
   * loaded, converted or pruned model), the input names remembered at fit (null when none were) and a
   * classifier's class names (null for a regression model, or labels that were indices to begin with).
   */
  record Fit(ImplicitModel model, TrainingSummary summary, FeatureNames featureNames, ClassNames classNames) implements java.io.Serializable {
    public Fit {
      featureNames = featureNames == null ? null : FeatureNames.checked(featureNames, model.inputDim());
      if (classNames != null && classNames.size() != model.outputDim()) {
        throw new IllegalArgumentException(classNames.size() + " class names for a model with " + model.outputDim() + " outputs");
      }
    }

    /** A model with no class names. */
    public Fit(ImplicitModel model, TrainingSummary summary, FeatureNames featureNames) {
      this(model, summary, featureNames, null);
    }

    /** A model alone: no summary, no names. */
    public static Fit of(ImplicitModel model) {
      return new Fit(model, null, null, null);
    }

    /**
     * The same summary, names and class names around another model of the same inputs and outputs that predicts what
     * this one does on the rows it will be given (one refilled for other gap values).
     */
    public Fit with(ImplicitModel other) {
      if (other.inputDim() != model.inputDim() || other.outputDim() != model.outputDim()) {
        throw new IllegalArgumentException("a model of " + other.inputDim() + " inputs and " + other.outputDim() + " outputs in place of one of "
            + model.inputDim() + " and " + model.outputDim());
      }
      return new Fit(other, summary, featureNames, classNames);
    }

    /** The same names and class names around another model of the same inputs and outputs (a pruned one). */
    public Fit around(ImplicitModel other) {
      return new Fit(other, null, featureNames, classNames);
    }
  }

  /** This model's {@link Fit}. */
  Fit fit();

  default ImplicitModel implicitModel() {
    return fit().model();
  }

  default boolean hasSummary() {
    return fit().summary() != null;
  }

  /** The training summary (history and final metrics); absent on a loaded model. */
  default TrainingSummary summary() {
    if (fit().summary() == null) {
      throw new IllegalStateException("no training summary: this model was loaded or converted, not trained");
    }
    return fit().summary();
  }

  /** The well-posedness certificate of A (paper §3). */
  default Certificate certificate() {
    return implicitModel().certificate();
  }

  /** Indices of the features with a non-zero column in B or D (eq. 19's selection). */
  default int[] selectedFeatures() {
    return BlockCoordinateDescent.selectedFeatures(implicitModel());
  }

  /** The input features' names, remembered at fit (see {@link FeatureNames#fromSchema}), and where they came from. */
  default FeatureNames featureNames() {
    return FeatureNames.orUnrecorded(fit().featureNames(), implicitModel().inputDim());
  }

  /** Names of the selected features (non-zero columns of B or D), from {@link #featureNames()}. */
  default String[] selectedFeatureNames() {
    String[] names = featureNames().names();
    return Arrays.stream(selectedFeatures()).mapToObj(j -> names[j]).toArray(String[]::new);
  }

  /**
   * The matrices with every state that provably affects no output removed (paper §6.2,
   * {@link org.implicitdl.model.StatePruning#exact}); predictions are unchanged.
   *
   * @throws IllegalArgumentException when the model is not certified well-posed (its predictions are then undefined)
   */
  default ImplicitModel exactlyPruned() {
    ImplicitModel m = implicitModel();
    if (!m.certificate().isWellPosed()) {
      throw new IllegalArgumentException("cannot prune this model: it is not certified well-posed (" + m.certificate().inWords() + ")");
    }
    return org.implicitdl.model.StatePruning.exact(m);
  }

  /** Fraction of exactly-zero entries in A, B, C, D together. */
  default double sparsity() {
    ImplicitModel m = implicitModel();
    long zeros = 0;
    long total = 0;
    for (org.implicitdl.linalg.Matrix x : new org.implicitdl.linalg.Matrix[] {m.a(), m.b(), m.c(), m.d()}) {
      for (double v : x.data()) {
        zeros += v == 0.0 ? 1 : 0;
      }
      total += x.data().length;
    }
    return total == 0 ? 0 : zeros / (double) total;
  }
}
