package org.implicitdl.job;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.IntegralType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;

/**
 * CSV files as spreadsheets and other tools export them: the separator is read off the header line
 * (a comma, else the most frequent of semicolon, tab and bar outside quotes: Excel's exports in
 * European locales use semicolons, tab-separated files are common), and in a file not separated by
 * commas a number may have a decimal comma ({@code 3,25}), in a comma-separated one thousands separators and
 * currency signs ({@code "1,234.50"}, {@code $45}): a text column whose values are all such numbers (or
 * missing-value tokens) is read as numbers. Every job reads CSV through here, so
 * training, evaluation and prediction see the same columns.
 */
final class CsvFiles {
  /** The separators a header line is tried for, after the comma. */
  private static final char[] OTHER_SEPARATORS = {';', '\t', '|'};
  /** The byte-order mark some tools write at the start of a UTF-8 file. */
  private static final String BYTE_ORDER_MARK = "\uFEFF";
  /** A number written with a decimal comma: {@code -3,25}, {@code ,5}. */
  private static final String DECIMAL_COMMA_NUMBER = "^\\s*([+-]?[0-9]*),([0-9]+)\\s*$";
  /** A number as a spreadsheet may format it: a currency sign, thousands in groups of three, a decimal point ({@code -$1,234.50}). */
  private static final String FORMATTED_NUMBER = "^\\s*[+-]?\\s*[$€£]?\\s*[+-]?([0-9]{1,3}(,[0-9]{3})+|[0-9]+)(\\.[0-9]+)?\\s*$";

  private CsvFiles() {}

  /** The file(s) at {@code path} with a header, types inferred, separated as the header line is. */
  static Dataset<Row> read(SparkSession spark, String path) {
    Dataset<Row> lines = spark.read().text(path);
    Row[] first = (Row[]) lines.head(1);
    if (first.length == 0) {
      throw new IllegalArgumentException(path + ": nothing to read (an empty file, or a directory without data files)");
    }
    String header = first[0].getString(0);
    String notText = notText(header);
    if (notText != null) {
      throw new IllegalArgumentException(path + ": not a CSV file: " + notText);
    }
    char separator = separator(header);
    List<String> names = headerNames(header.replace(BYTE_ORDER_MARK, ""), separator);
    boolean multiLine = requireSameFieldCounts(lines, path, separator, names.size());
    // spaces around separators ("1.0, 2.0, yes", a hand-written or fixed-width export) are not part of the names and values
    DataFrameReader reader = spark.read().option("header", "true").option("inferSchema", "true")
        .option("sep", String.valueOf(separator)).option("ignoreLeadingWhiteSpace", "true").option("ignoreTrailingWhiteSpace", "true");
    if (multiLine) {
      // a quoted value with line breaks (a note, an address): records span lines, and a quote inside one is doubled
      reader = reader.option("multiLine", "true").option("escape", "\"");
      requireSameFieldCountsPerRecord(spark, path, separator, names.size());
    }
    Dataset<Row> df = reader.csv(path);
    String firstName = df.columns().length == 0 ? "" : df.columns()[0];
    if (firstName.startsWith(BYTE_ORDER_MARK)) {
      // Excel's "CSV UTF-8" starts with a byte-order mark, which would otherwise be part of the first column's name
      String name = firstName.substring(BYTE_ORDER_MARK.length());
      df = df.withColumnRenamed(firstName, name.isEmpty() ? "_c0" : name); // no name: as Spark names an unnamed column
    }
    String duplicates = duplicateNames(names, df.columns());
    if (!duplicates.isEmpty()) {
      System.out.println("note: " + path + ": " + duplicates);
    }
    if (separator != ',') {
      System.out.println("reading " + path + " as separated by " + (separator == '\t' ? "tabs" : "'" + separator + "'"));
    }
    // a comma inside a number is a thousands separator in a comma-separated file (quoted there), else a decimal comma
    return withNumbersWrittenAsText(df, path, separator == ',' ? NumberText.SPREADSHEET : NumberText.DECIMAL_COMMA);
  }

  /**
   * The first column if it has no name and holds the row numbers (0, 1, 2, … or 1, 2, 3, … in any order), else null:
   * the index pandas' {@code to_csv} and R's {@code write.csv} write by default, which as a feature would only tell the
   * model where a row was in the file. Training leaves it out of the features (printed); predict carries it along as
   * the rows' key. Any other unnamed column is a feature, as Spark names it ({@code _c0}).
   */
  static String rowIndex(Dataset<Row> df, String path) {
    String first = df.columns().length > 1 ? df.columns()[0] : "";
    if (!first.equals("_c0") || !(df.schema().apply(first).dataType() instanceof IntegralType)) {
      return null;
    }
    Column c = functions.col(first);
    Row r = df.agg(functions.min(c), functions.max(c), functions.count(c), functions.count(functions.lit(1)), functions.count_distinct(c)).head();
    long rows = r.getLong(3);
    if (r.isNullAt(0) || r.getLong(2) != rows || r.getLong(4) != rows) {
      return null;
    }
    long min = ((Number) r.get(0)).longValue();
    if ((min != 0 && min != 1) || ((Number) r.get(1)).longValue() - min != rows - 1) {
      return null;
    }
    System.out.println(path + ": the first column has no name and holds the row numbers (a pandas or R row index): not a feature");
    return first;
  }

  /**
   * Every line has as many fields as the header: Spark's CSV reader would fill a short line's last columns with nulls
   * (read as missing values) and drop a long line's extra fields, without a word; a ragged line means a wrong
   * separator or a separator inside an unquoted value, and is an error naming the count and one such line. Returns
   * whether some line has an odd number of quotes — a quoted value goes on on the next line — in which case the lines
   * are not records, and {@link #requireSameFieldCountsPerRecord} checks the records instead.
   */
  private static boolean requireSameFieldCounts(Dataset<Row> lines, String path, char separator, int fields) {
    Column value = functions.col("value");
    Column quotes = functions.length(value).minus(functions.length(functions.replace(value, functions.lit("\""), functions.lit(""))));
    // separators outside quoted values, per non-blank line
    Column line = functions.regexp_replace(value, "\"[^\"]*\"", "");
    Column separators = functions.length(line).minus(functions.length(functions.replace(line, functions.lit(String.valueOf(separator)),
        functions.lit(""))));
    Column ragged = separators.notEqual(functions.lit(fields - 1));
    Row r = lines.filter(functions.trim(value).notEqual(""))
        .agg(functions.count(functions.when(quotes.mod(2).equalTo(1), 1)), functions.count(functions.when(ragged, 1)),
            functions.first(functions.when(ragged, value), true)).head();
    if (r.getLong(0) == 0 && r.getLong(1) > 0) {
      throw ragged(path, r.getLong(1), fields, r.getString(2));
    }
    return r.getLong(0) > 0;
  }

  /** The same check for files with quoted line breaks: each file read whole and split into records outside quotes. */
  private static void requireSameFieldCountsPerRecord(SparkSession spark, String path, char separator, int fields) {
    List<String> found = spark.read().option("wholetext", "true").text(path).javaRDD()
        .map(row -> raggedRecords(row.getString(0), separator, fields)).filter(f -> !f.isEmpty()).collect();
    if (!found.isEmpty()) {
      long count = found.stream().mapToLong(f -> Long.parseLong(f.substring(0, f.indexOf('\t')))).sum();
      String first = found.get(0);
      throw ragged(path, count, fields, first.substring(first.indexOf('\t') + 1));
    }
  }

  /** The records of one file's text after its header with another number of fields: "count<tab>first such record", or empty. */
  static String raggedRecords(String text, char separator, int fields) {
    long ragged = 0;
    String example = null;
    boolean quoted = false;
    boolean header = true;
    int start = 0;
    int separators = 0;
    for (int i = 0; i <= text.length(); i++) {
      char ch = i < text.length() ? text.charAt(i) : '\n';
      if (ch == '"') {
        quoted = !quoted;
      } else if (!quoted && ch == separator) {
        separators++;
      } else if (!quoted && ch == '\n') {
        String record = text.substring(start, Math.min(i, text.length())).strip();
        if (!record.isEmpty() && !header && separators != fields - 1) {
          ragged++;
          example = example == null ? record : example;
        }
        header &= record.isEmpty();
        start = i + 1;
        separators = 0;
      }
    }
    return ragged == 0 ? "" : ragged + "\t" + example;
  }

  private static IllegalArgumentException ragged(String path, long count, int fields, String example) {
    String shown = example.strip();
    return new IllegalArgumentException(path + ": " + count + " line(s) have another number of fields than the header's " + fields
        + ", e.g. '" + (shown.length() > 80 ? shown.substring(0, 80) + "…" : shown) + "': a wrong separator, or one inside an unquoted value?");
  }

  /** The names of a header line: its fields between separators outside quotes, unquoted and stripped. */
  static List<String> headerNames(String header, char separator) {
    List<String> names = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    boolean quoted = false;
    for (char ch : (header + separator).toCharArray()) {
      if (ch == '"') {
        quoted = !quoted;
      } else if (!quoted && ch == separator) {
        names.add(field.toString().strip());
        field.setLength(0);
      } else {
        field.append(ch);
      }
    }
    return names;
  }

  /**
   * What Spark made of names the header gives more than once (without regard to case): it appends each such column's
   * position ({@code a,a} are read as {@code a0} and {@code a1}), which the user should hear of, as the features,
   * the model's input names and predict's output carry those names. Empty when no name repeats.
   */
  static String duplicateNames(List<String> names, String[] columns) {
    Map<String, List<String>> renamed = new LinkedHashMap<>();
    for (int i = 0; i < Math.min(names.size(), columns.length); i++) {
      String name = names.get(i);
      if (!name.isEmpty() && columns[i].equals(name + i)) {
        renamed.computeIfAbsent(name.toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(columns[i]);
      }
    }
    List<String> parts = new ArrayList<>();
    renamed.forEach((name, read) -> parts.add("the header names '" + name + "' " + read.size() + " times: read as " + String.join(", ", read)));
    return parts.isEmpty() ? "" : String.join("; ", parts) + " (rename them in the file to choose the names)";
  }

  /**
   * What a first line says a file is when it is not CSV text — a Parquet file, a zip archive (an Excel workbook is one),
   * JSON records (one a line, or an array), LIBSVM lines, a compressed file whose name does not say so, other binary data — or null
   * for text.
   */
  static String notText(String firstLine) {
    if (firstLine.startsWith("PAR1")) {
      return "it is a Parquet file (pass --format parquet)";
    }
    if (firstLine.startsWith("PK\u0003\u0004")) {
      return "it is a zip archive (an Excel workbook is one): save the sheet as CSV, or unpack it";
    }
    if (firstLine.replace(BYTE_ORDER_MARK, "").strip().matches("^\\[?\\s*\\{\\s*(\"[^\"]*\"\\s*:.*)?$")) {
      return "it holds JSON records, not a header line; the formats read are " + String.join(", ", DataSources.FORMATS)
          + " (write the records as Parquet or CSV first)";
    }
    if (firstLine.strip().matches("[+-]?[0-9]*\\.?[0-9]+([eE][+-]?[0-9]+)?(\\s+[0-9]+:\\S+)+")) {
      return "it holds LIBSVM lines (a label, then index:value pairs), not a header line (pass --format libsvm)";
    }
    long control = firstLine.chars().filter(ch -> ch < 0x20 && ch != '\t' && ch != '\r' || ch == 0xFFFD).count();
    return control > 0 ? "its first line is binary data, not text (a compressed file is read by its name's ending, e.g. .csv.gz)" : null;
  }

  /** The separator of a CSV header line: a comma if it has one outside quotes, else the most frequent other one. */
  static char separator(String header) {
    int[] counts = new int[OTHER_SEPARATORS.length];
    boolean quoted = false;
    for (char ch : header.toCharArray()) {
      if (ch == '"') {
        quoted = !quoted;
      } else if (!quoted && ch == ',') {
        return ',';
      } else if (!quoted) {
        for (int k = 0; k < OTHER_SEPARATORS.length; k++) {
          counts[k] += ch == OTHER_SEPARATORS[k] ? 1 : 0;
        }
      }
    }
    int best = -1;
    for (int k = 0; k < counts.length; k++) {
      if (counts[k] > 0 && (best < 0 || counts[k] > counts[best])) {
        best = k;
      }
    }
    return best < 0 ? ',' : OTHER_SEPARATORS[best];
  }

  /**
   * The frame with each text column whose values are numbers, at least one of them written as {@code form} writes
   * numbers and the others plain numbers or missing-value tokens ({@link MissingValues#TOKENS}), read as numbers
   * (printed); where some cells are such tokens the column stays text, in plain numbers, for the feature columns'
   * gap handling to read. One pass over the data counts, per text column: the cells written in the form, the cells
   * that are neither numbers nor tokens, the tokens.
   */
  private static Dataset<Row> withNumbersWrittenAsText(Dataset<Row> df, String path, NumberText form) {
    List<String> text = new ArrayList<>();
    for (StructField f : df.schema().fields()) {
      if (f.dataType() instanceof StringType) {
        text.add(f.name());
      }
    }
    if (text.isEmpty()) {
      return df;
    }
    List<Column> counts = new ArrayList<>();
    for (String name : text) {
      Column c = DataSources.column(name);
      Column token = MissingValues.isToken(c);
      counts.add(functions.count(functions.when(form.written(c), 1)));
      counts.add(functions.count(functions.when(c.isNotNull().and(functions.not(form.readsAsNumber(c))).and(functions.not(token)), 1)));
      counts.add(functions.count(functions.when(c.isNotNull().and(token), 1)));
    }
    Row r = df.agg(counts.get(0), counts.subList(1, counts.size()).toArray(new Column[0])).head();
    for (int k = 0; k < text.size(); k++) {
      long written = r.getLong(3 * k);
      long notNumbers = r.getLong(3 * k + 1);
      long tokens = r.getLong(3 * k + 2);
      if (written > 0 && notNumbers == 0) {
        Column numbers = form.plain(DataSources.column(text.get(k)));
        df = df.withColumn(text.get(k), tokens == 0 ? numbers.cast("double") : numbers);
        System.out.println(path + ": column '" + text.get(k) + "' holds numbers with " + form.description + ": read as numbers");
      }
    }
    return df;
  }

  /** Numbers written so that Spark's schema inference reads them as text. */
  private enum NumberText {
    /** {@code 3,25}: a decimal comma, in a file not separated by commas (Excel's exports in European locales). */
    DECIMAL_COMMA("decimal commas") {
      @Override
      Column written(Column c) {
        return c.rlike(DECIMAL_COMMA_NUMBER);
      }

      @Override
      Column readsAsNumber(Column c) {
        return plain(c).try_cast("double").isNotNull();
      }

      @Override
      Column plain(Column c) {
        return functions.regexp_replace(c, DECIMAL_COMMA_NUMBER, "$1.$2");
      }
    },
    /**
     * {@code "230,145.04"}, {@code -$1,234.50}, {@code €45}: thousands separators (quoted in a comma-separated file) or
     * a currency sign, as spreadsheets format numbers. Strict groups of three digits only: {@code "12,34"} stays text.
     */
    SPREADSHEET("thousands separators or currency signs") {
      @Override
      Column written(Column c) {
        return c.rlike(FORMATTED_NUMBER).and(c.rlike("[,$€£]"));
      }

      @Override
      Column readsAsNumber(Column c) {
        return c.rlike(FORMATTED_NUMBER);
      }

      @Override
      Column plain(Column c) {
        return functions.regexp_replace(c, "[,$€£\\s]", "");
      }
    };

    final String description;

    NumberText(String description) {
      this.description = description;
    }

    /** Whether a cell is written in this form. */
    abstract Column written(Column c);

    /** Whether a cell is a number, in this form or plainly. */
    abstract Column readsAsNumber(Column c);

    /** The cell as a plain number Spark casts to double. */
    abstract Column plain(Column c);
  }
}
