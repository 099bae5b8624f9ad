package org.implicitdl.spark;

import java.io.Serializable;
import java.util.Arrays;
import java.util.stream.IntStream;
import org.apache.spark.ml.attribute.Attribute;
import org.apache.spark.ml.attribute.AttributeGroup;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The names of a model's input features (the columns of B and D), remembered at fit so that
 * feature selection (eq. 19) and reports name real columns, and where the names came from.
 *
 * @param names one name per input feature
 * @param source how they were found, in words (shown by {@code idl inspect} and the report)
 */
public record FeatureNames(String[] names, String source) implements Serializable {

  /**
   * The names from the features column's ML attributes (VectorAssembler writes them). A scaler
   * (StandardScaler, MinMaxScaler…) drops them; then the names come from the one other vector
   * column of the same length that carries them, the assembler's output upstream in the pipeline.
   * Without either, the names are f0 … f(p−1).
   */
  public static FeatureNames fromSchema(StructType schema, String featuresCol, int size) {
    String[] own = namedAttributes(schema.apply(featuresCol), size);
    if (own != null) {
      return new FeatureNames(own, "ML attributes of column '" + featuresCol + "'");
    }
    for (StructField f : schema.fields()) {
      if (!f.name().equals(featuresCol) && f.dataType().equals(SQLDataTypes.VectorType())) {
        String[] upstream = namedAttributes(f, size);
        if (upstream != null) {
          return new FeatureNames(upstream, "ML attributes of column '" + f.name() + "' (column '" + featuresCol
              + "' carries none, e.g. after a scaler; '" + f.name() + "' has the same length)");
        }
      }
    }
    return generic(size, "column '" + featuresCol + "' carries no ML attributes");
  }

  /** f0 … f(size−1), with the reason no names were found. */
  public static FeatureNames generic(int size, String why) {
    return new FeatureNames(IntStream.range(0, size).mapToObj(j -> "f" + j).toArray(String[]::new), "generated (" + why + ")");
  }

  /** {@code names} (may be null) after checking it names {@code inputs} features. */
  static FeatureNames checked(FeatureNames names, int inputs) {
    if (names != null && names.size() != inputs) {
      throw new IllegalArgumentException(names.size() + " feature names for a model with " + inputs + " inputs");
    }
    return names;
  }

  /** {@code names}, or f0 … f(inputs−1) when a model has none (converted or imported). */
  static FeatureNames orUnrecorded(FeatureNames names, int inputs) {
    return names != null ? names : generic(inputs, "not recorded: the model was converted or imported");
  }

  private static String[] namedAttributes(StructField field, int size) {
    AttributeGroup group = AttributeGroup.fromStructField(field);
    if (group.size() != size || group.attributes().isEmpty()) {
      return null;
    }
    Attribute[] attributes = group.attributes().get();
    String[] names = new String[size];
    for (int j = 0; j < size; j++) {
      if (attributes[j].name().isEmpty()) {
        return null;
      }
      names[j] = attributes[j].name().get();
    }
    return names;
  }

  public int size() {
    return names.length;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FeatureNames f && Arrays.equals(names, f.names) && source.equals(f.source);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(names) + source.hashCode();
  }

  @Override
  public String toString() {
    return "FeatureNames" + Arrays.toString(names) + " from " + source;
  }
}
