package org.implicitdl.spark;

import java.io.Serializable;
import java.util.Arrays;
import org.apache.spark.ml.attribute.Attribute;
import org.apache.spark.ml.attribute.NominalAttribute;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructType;

/**
 * The names of a classifier's classes in index order (class k is {@code names[k]}), remembered at
 * fit from the label column's ML attributes — what Spark's StringIndexer writes when it turns
 * labels such as "no" / "yes" into the indices 0, 1 — so that a loaded model can name its
 * predictions and map labelled data the same way, and its prediction column carries them on for
 * IndexToString.
 *
 * @param names one name per class
 */
public record ClassNames(String[] names) implements Serializable {
  public ClassNames {
    names = names.clone();
  }

  /**
   * The names in the nominal attribute of column {@code labelCol}, or null when it has none or
   * they do not name {@code classes} classes (labels that were indices to begin with).
   */
  public static ClassNames fromSchema(StructType schema, String labelCol, int classes) {
    ClassNames names = fromSchema(schema, labelCol);
    return names != null && names.size() == classes ? names : null;
  }

  /** The names in the nominal attribute of column {@code labelCol}, however many; null when it has none. */
  public static ClassNames fromSchema(StructType schema, String labelCol) {
    if (!Arrays.asList(schema.fieldNames()).contains(labelCol)) {
      return null;
    }
    Attribute attribute = Attribute.fromStructField(schema.apply(labelCol));
    if (!(attribute instanceof NominalAttribute nominal) || nominal.values().isEmpty()) {
      return null;
    }
    return new ClassNames(nominal.values().get());
  }

  /** The ML attributes of a column of these classes, a label or a prediction (StringIndexer writes them, IndexToString reads them). */
  public Metadata columnMetadata(String column) {
    return NominalAttribute.defaultAttr().withName(column).withValues(names).toMetadata();
  }

  @Override
  public String[] names() {
    return names.clone();
  }

  public int size() {
    return names.length;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ClassNames c && Arrays.equals(names, c.names);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(names);
  }

  @Override
  public String toString() {
    return "ClassNames" + Arrays.toString(names);
  }
}
