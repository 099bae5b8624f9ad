package org.implicitdl.job;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.NumericType;

/**
 * Empty (or NaN) cells of a numeric feature column: where training finds some, the column is filled
 * with 0 there and a second input, {@code column=missing}, is 1 on those rows — the model learns what
 * a missing value means from the indicator's own weights. Training itself reads the gaps as the
 * column's mean and hands over a model refilled for the 0s ({@link GapFills}), so nothing but the
 * names is stored: predict and evaluate fill and mark a column exactly when the model has its indicator. A column
 * without empty cells in training keeps refusing them later (the model never saw one).
 */
final class MissingValues {
  /** The value in an indicator's name ({@code Age=missing}). */
  static final String MISSING = "missing";
  /** More numeric columns than this are not counted (one aggregate of this many counts per training). */
  static final int MAX_COUNTED_COLUMNS = 2000;

  private MissingValues() {}

  /** The number of empty or NaN cells of each of {@code columns} that has any (none counted past {@value #MAX_COUNTED_COLUMNS}). */
  static Map<String, Long> counts(Dataset<Row> df, List<String> columns) {
    Map<String, Long> out = new LinkedHashMap<>();
    if (columns.isEmpty() || columns.size() > MAX_COUNTED_COLUMNS) {
      return out;
    }
    List<Column> counts = new ArrayList<>();
    for (String name : columns) {
      counts.add(functions.count(functions.when(missing(name), 1)));
    }
    Row r = df.agg(counts.get(0), counts.subList(1, counts.size()).toArray(new Column[0])).head();
    for (int k = 0; k < columns.size(); k++) {
      if (r.getLong(k) > 0) {
        out.put(columns.get(k), r.getLong(k));
      }
    }
    return out;
  }

  /** The indicator input's name of a column. */
  static String indicatorName(String column) {
    return column + TextFeatures.SEPARATOR + MISSING;
  }

  /** The column an indicator input's name ({@link #indicatorName}) marks the gaps of, or null for another name. */
  static String indicatedColumn(String input) {
    String suffix = indicatorName("");
    return input.endsWith(suffix) ? input.substring(0, input.length() - suffix.length()) : null;
  }

  /** The indicator {@code input} stands for in {@code df} — {@code column=missing} of a numeric column — or null. */
  static Column indicator(Dataset<Row> df, String input) {
    String column = indicatedColumn(input);
    if (column == null || !Arrays.asList(df.columns()).contains(column) || !(df.schema().apply(column).dataType() instanceof NumericType)) {
      return null;
    }
    return functions.when(missing(column), 1.0).otherwise(0.0);
  }

  /** The column with its empty and NaN cells as 0. */
  static Column filled(String column) {
    return functions.when(missing(column), 0.0).otherwise(DataSources.column(column).cast("double"));
  }

  /** How tables write a missing number (R's NA, spreadsheets' N/A, …), compared without case. */
  static final Set<String> TOKENS = Set.of("na", "n/a", "nan", "null", "none", "?", "-", "");

  /**
   * Which of text columns {@code columns} are numbers with gaps: every value a number or a missing-value token
   * ({@link #TOKENS}), at least one a number. Such a column is read as numbers, its tokens as empty cells. One pass
   * over the data for all of them.
   */
  static Set<String> numbersWithGaps(Dataset<Row> df, List<String> columns) {
    Set<String> found = new LinkedHashSet<>();
    if (columns.isEmpty()) {
      return found;
    }
    List<Column> counts = new ArrayList<>();
    for (String column : columns) {
      Column c = DataSources.column(column);
      Column number = c.try_cast("double").isNotNull();
      counts.add(functions.count(functions.when(c.isNotNull().and(functions.not(number)).and(functions.not(isToken(c))), 1)));
      counts.add(functions.count(functions.when(number, 1)));
    }
    Row r = df.agg(counts.get(0), counts.subList(1, counts.size()).toArray(new Column[0])).head();
    for (int k = 0; k < columns.size(); k++) {
      if (r.getLong(2 * k) == 0 && r.getLong(2 * k + 1) > 0) {
        found.add(columns.get(k));
      }
    }
    return found;
  }

  /** Whether a text cell is a missing-value token ({@link #TOKENS}), compared trimmed and without case. */
  static Column isToken(Column text) {
    return functions.lower(functions.trim(text)).isin(TOKENS.toArray());
  }

  /** The frame with text column {@code column} read as numbers (its missing-value tokens as empty cells). */
  static Dataset<Row> asNumbers(Dataset<Row> df, String column) {
    return df.withColumn(column, DataSources.column(column).try_cast("double"));
  }

  private static Column missing(String column) {
    Column c = DataSources.column(column);
    return c.isNull().or(functions.isnan(c.cast("double")));
  }
}
