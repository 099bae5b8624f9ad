package org.implicitdl.spark;

import java.util.Arrays;
import org.apache.spark.ml.attribute.Attribute;
import org.apache.spark.ml.attribute.AttributeGroup;
import org.apache.spark.sql.types.StructType;
import org.implicitdl.model.Certificate;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.train.BlockCoordinateDescent;

/** What both implicit Spark models expose about their matrices: certificate, sparsity, features. */
public interface ModelInfo {
  ImplicitModel implicitModel();

  /** The well-posedness certificate of A (paper §3). */
  default Certificate certificate() {
    return implicitModel().certificate();
  }

  /** Indices of the features with a non-zero column in B or D (eq. 19's selection). */
  default int[] selectedFeatures() {
    return BlockCoordinateDescent.selectedFeatures(implicitModel());
  }

  /** Names of the selected features from the features column's ML attributes, or "f<i>". */
  default String[] selectedFeatureNames(StructType schema, String featuresCol) {
    AttributeGroup group = AttributeGroup.fromStructField(schema.apply(featuresCol));
    return Arrays.stream(selectedFeatures()).mapToObj(j -> {
      if (group.attributes().isDefined()) {
        Attribute a = group.attributes().get()[j];
        if (a.name().isDefined()) {
          return a.name().get();
        }
      }
      return "f" + j;
    }).toArray(String[]::new);
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
