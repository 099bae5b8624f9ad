package org.implicitdl.job;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.StringType;

/**
 * Feature columns of text that name categories ("red" / "blue", "S" / "C" / "Q"): each becomes one
 * indicator input per value seen in training, named {@code column=value} (1 where the row has that
 * value, else 0: a value unseen in training, or an empty cell, is all zeros). The names are the
 * model's feature names, so predict and evaluate rebuild the same inputs from them alone. Text
 * that is not a category — mostly numbers with other words among them ("NA" and its kin are
 * missing numbers, {@link MissingValues}) or more than
 * {@value #MAX_VALUES} distinct values (names, ids, free text) — is an error naming the columns.
 */
final class TextFeatures {
  /** The most distinct values a text column may have to be a category. */
  static final int MAX_VALUES = 100;
  /** Between a column's name and its value in an indicator's name. */
  static final String SEPARATOR = "=";

  private TextFeatures() {}

  /**
   * The indicator names of each text column, values in sorted order, after checking each is a
   * category; prints what it made of them.
   */
  static Map<String, List<String>> indicators(Dataset<Row> df, List<String> textColumns, String path) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    List<String> tooMany = new ArrayList<>();
    for (String name : textColumns) {
      Column c = DataSources.column(name);
      Row counts = df.agg(functions.count(c), functions.count(c.try_cast("double"))).head();
      long present = counts.getLong(0);
      if (present == 0) {
        System.out.println("note: column '" + name + "' is empty in every row: not a feature");
        out.put(name, List.of());
        continue;
      }
      if (present > 0 && counts.getLong(1) * 2 > present) {
        Row[] example = (Row[]) df.select(c).filter(c.isNotNull().and(c.try_cast("double").isNull())).head(1);
        throw new IllegalArgumentException(path + ": column '" + name + "' is text but mostly numbers ('" + example[0].getString(0)
            + "' is not one); fix or drop the rows with such values, or ignore the column (--ignore-cols)");
      }
      List<Row> values = df.select(c).filter(c.isNotNull()).distinct().limit(MAX_VALUES + 1).collectAsList();
      if (values.size() > MAX_VALUES) {
        tooMany.add("'" + name + "'");
        continue;
      }
      List<String> names = new ArrayList<>();
      for (Row v : values) {
        names.add(name + SEPARATOR + v.getString(0));
      }
      names.sort(null);
      out.put(name, names);
    }
    if (!tooMany.isEmpty()) {
      throw new IllegalArgumentException(path + ": " + (tooMany.size() == 1 ? "column " : "columns ") + String.join(", ", tooMany)
          + " hold" + (tooMany.size() == 1 ? "s" : "") + " text of more than " + MAX_VALUES + " distinct values (names, ids or free text?), "
          + "not categories; leave " + (tooMany.size() == 1 ? "it" : "them") + " out with --ignore-cols "
          + String.join(",", tooMany.stream().map(n -> n.substring(1, n.length() - 1)).toList()));
    }
    for (Map.Entry<String, List<String>> e : out.entrySet()) {
      if (e.getValue().isEmpty()) {
        continue; // an empty column has said so above
      }
      List<String> shown = e.getValue().subList(0, Math.min(6, e.getValue().size()));
      // a value with a line break (a quoted note) is shown on one line
      System.out.println("column '" + e.getKey() + "' holds text: one input per value (" + String.join(", ", shown).replace("\r", "").replace("\n", "\\n")
          + (e.getValue().size() > shown.size() ? ", … " + e.getValue().size() + " in all" : "") + ")");
    }
    return out;
  }

  /**
   * The indicator an input name stands for in {@code df} — {@code column=value} with {@code column} a text column
   * of {@code df} — or null when it names none.
   */
  static Column indicator(Dataset<Row> df, String input) {
    List<String> names = Arrays.asList(df.columns());
    for (int at = input.indexOf(SEPARATOR); at > 0; at = input.indexOf(SEPARATOR, at + 1)) {
      String column = input.substring(0, at);
      if (names.contains(column) && df.schema().apply(column).dataType() instanceof StringType) {
        return functions.when(DataSources.column(column).equalTo(input.substring(at + SEPARATOR.length())), 1.0).otherwise(0.0);
      }
    }
    return null;
  }
}
