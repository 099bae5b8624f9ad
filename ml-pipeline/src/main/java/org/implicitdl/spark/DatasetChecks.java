package org.implicitdl.spark;

import java.util.Arrays;
import org.apache.spark.ml.attribute.AttributeGroup;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructType;

/** Input checks that name the column, and the feature count of a vector column. */
final class DatasetChecks {
  private DatasetChecks() {}

  /** The column's type; a missing column is an error listing the columns there are. */
  private static DataType existing(StructType schema, String col) {
    if (!Arrays.asList(schema.fieldNames()).contains(col)) {
      throw new IllegalArgumentException("column '" + col + "' does not exist; columns are " + Arrays.toString(schema.fieldNames()));
    }
    return schema.apply(col).dataType();
  }

  static void requireVectorColumn(StructType schema, String col) {
    DataType t = existing(schema, col);
    if (!t.equals(SQLDataTypes.VectorType())) {
      throw new IllegalArgumentException("column '" + col + "' must be of type vector, got " + t.simpleString());
    }
  }

  static void requireBooleanColumn(StructType schema, String col) {
    DataType t = existing(schema, col);
    if (!t.equals(DataTypes.BooleanType)) {
      throw new IllegalArgumentException("column '" + col + "' must be of type boolean, got " + t.simpleString());
    }
  }

  static void requireNumericOrVectorColumn(StructType schema, String col) {
    DataType t = existing(schema, col);
    if (!(t instanceof NumericType) && !t.equals(SQLDataTypes.VectorType())) {
      throw new IllegalArgumentException("column '" + col + "' must be numeric or a vector, got " + t.simpleString());
    }
  }

  /** Every label is a class index 0 … classes−1 the model knows (no nulls, no fractions). */
  static void requireClassLabels(Dataset<?> dataset, String col, int classes) {
    Column y = org.apache.spark.sql.functions.col(col);
    Row r = dataset.toDF().agg(org.apache.spark.sql.functions.min(y), org.apache.spark.sql.functions.max(y),
        org.apache.spark.sql.functions.count(org.apache.spark.sql.functions.when(y.isNull(), 1)),
        org.apache.spark.sql.functions.min(org.apache.spark.sql.functions.when(y.notEqual(org.apache.spark.sql.functions.floor(y)), y)))
        .head();
    if (r.getLong(2) > 0) {
      throw new IllegalArgumentException("column '" + col + "' has " + r.getLong(2) + " empty label(s)");
    }
    if (!r.isNullAt(3)) {
      throw new IllegalArgumentException("column '" + col + "' has the label " + r.get(3) + ", expected class indices 0 to " + (classes - 1));
    }
    if (!r.isNullAt(0) && (((Number) r.get(0)).doubleValue() < 0 || ((Number) r.get(1)).doubleValue() > classes - 1)) {
      double bad = ((Number) r.get(0)).doubleValue() < 0 ? ((Number) r.get(0)).doubleValue() : ((Number) r.get(1)).doubleValue();
      throw new IllegalArgumentException("column '" + col + "' has the class " + (long) bad + ", the model knows classes 0 to " + (classes - 1));
    }
  }

  /** The vector length: from ML attributes when present, else from the first row. */
  static int vectorSize(Dataset<?> dataset, String col) {
    requireVectorColumn(dataset.schema(), col);
    AttributeGroup group = AttributeGroup.fromStructField(dataset.schema().apply(col));
    if (group.size() > 0) {
      return group.size();
    }
    Row[] first = (Row[]) dataset.toDF().select(col).head(1);
    if (first.length == 0) {
      throw new IllegalArgumentException("training data is empty: 0 rows");
    }
    Object v = first[0].get(0);
    if (v == null) {
      throw new IllegalArgumentException("column '" + col + "' has a null vector");
    }
    return ((Vector) v).size();
  }
}
