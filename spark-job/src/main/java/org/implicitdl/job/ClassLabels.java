package org.implicitdl.job;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.feature.StringIndexerModel;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StringType;
import org.implicitdl.spark.ClassNames;
import org.implicitdl.spark.ImplicitClassificationModel;

/**
 * Class labels that are not class indices 0..k−1: words ("no" / "yes", true / false) and whole
 * numbers below zero (−1 / +1). Training names the classes — words in sorted order, numbers in
 * numeric order — and indexes the label column by them, with the ML attributes Spark's
 * StringIndexer writes, which the classifier records as its class names; every later file read for
 * that model (validation rows, evaluate, a warm start) is indexed by the same names, so a label
 * means the same class everywhere. Labels that are already indices are left as they are.
 */
final class ClassLabels {
  /** The most classes a label column may name (the classifier's own limit). */
  static final int MAX_CLASSES = 1000;
  /** Class indices reaching this many say so: a count or a price may have been meant as a regression target. */
  static final int MANY_CLASSES = 50;
  private static final String INDEXED = "__idl_label_index";
  private static final String WARM_START = "the published model (--warm-start)";

  private ClassLabels() {}

  /** Whether column {@code labelCol} holds words (strings or booleans) rather than numbers. */
  static boolean holdsWords(Dataset<Row> frame, String labelCol) {
    if (!Arrays.asList(frame.columns()).contains(labelCol)) {
      return false;
    }
    var type = frame.schema().apply(labelCol).dataType();
    return type instanceof StringType || type instanceof BooleanType;
  }

  /** Training data, a fresh fit: see {@link #forTraining(DataSources.Loaded, String, String, Model, NumericLabels)}. */
  static DataSources.Loaded forTraining(DataSources.Loaded data, String task, String path) {
    return forTraining(data, task, path, null, null);
  }

  /**
   * Training data: words, or whole numbers with one below zero, become class indices over their distinct
   * values (the mapping is printed); class indices are left; anything else is an error naming a value. A
   * regression's label must be numbers, and no label may be empty. Continuing a published classifier ({@code continued}, from
   * {@code --warm-start} or {@code idl retrain}; null for none), its classes keep their indices whatever the
   * new rows hold, so its readout stays aligned with them. {@code known} is the numeric label column's
   * figures when the task was read off them ({@link TaskChoice}), so the column is not scanned again; null to
   * scan it here.
   */
  static DataSources.Loaded forTraining(DataSources.Loaded data, String task, String path, Model<?> continued, NumericLabels known) {
    String labelCol = data.labelCol();
    boolean words = holdsWords(data.frame(), labelCol);
    if (task.equals("regression")) {
      if (words) {
        Column label = asText(labelCol);
        Row[] example = (Row[]) data.frame().select(label).filter(label.isNotNull().and(label.try_cast("double").isNull())).head(1);
        throw new IllegalArgumentException(path + ": label column '" + labelCol + "' holds text" + (example.length == 0 ? "" : " (e.g. '"
            + example[0].getString(0) + "')") + "; a regression needs a numeric label (or pass --task classification)");
      }
      requireNoEmpty(numericLabels(data, known).empty(), labelCol, path);
      return data;
    }
    if (continued instanceof ImplicitClassificationModel c && c.classNames().length > 0) {
      return indexed(data, c.classNames(), path, WARM_START);
    }
    String[] classes;
    if (words) {
      requireNoEmpty(data.frame(), labelCol, path);
      classes = wordClasses(data, path);
    } else {
      NumericLabels numbers = numericLabels(data, known);
      requireNoEmpty(numbers.empty(), labelCol, path);
      classes = numberClasses(data, numbers, path, continued == null);
    }
    if (classes == null) {
      return data;
    }
    if (continued instanceof ImplicitClassificationModel) {
      throw new IllegalArgumentException(path + ": label column '" + labelCol + "' names the classes " + String.join(", ", classes)
          + ", but " + WARM_START + " was trained on class indices and knows no class names");
    }
    System.out.println("label column '" + labelCol + "' holds " + (words ? "words" : "numbers below zero") + ": classes " + mapping(classes));
    // the classes are this data's own distinct labels, none empty (checked above): nothing to check again
    return index(data, classes);
  }

  /**
   * Labelled data for a model: labels are indexed by the model's class names (words by name, numbers
   * by value when the names are numbers); a label the model does not know, or words for a model that
   * knows no names, is an error naming it. Without names, or with word names and numeric labels, the
   * labels are taken as class indices.
   */
  static DataSources.Loaded forModel(DataSources.Loaded data, Model<?> model, String path) {
    boolean words = holdsWords(data.frame(), data.labelCol());
    if (!(model instanceof ImplicitClassificationModel c)) {
      if (words) {
        throw new IllegalArgumentException(path + ": label column '" + data.labelCol() + "' holds text; this is a regression model");
      }
      if (Arrays.asList(data.frame().columns()).contains(data.labelCol())) {
        requireNoEmpty(data.frame(), data.labelCol(), path);
      }
      return data;
    }
    String[] classes = c.classNames();
    if (classes.length == 0 || (!words && !allWholeNumbers(classes))) {
      if (words) {
        throw new IllegalArgumentException(path + ": label column '" + data.labelCol() + "' holds text, but this model was trained on class "
            + "indices 0 to " + (c.numClasses() - 1) + " and knows no class names");
      }
      return data;
    }
    return indexed(data, classes, path, "the model");
  }

  /** Another labelled file for training (validation rows), indexed by the classes found in the training data. */
  static DataSources.Loaded like(DataSources.Loaded data, DataSources.Loaded training, String path) {
    String[] classes = namesOf(training);
    if (classes.length == 0) {
      if (holdsWords(data.frame(), data.labelCol())) {
        throw new IllegalArgumentException(path + ": label column '" + data.labelCol() + "' holds text but the training data's labels are numbers");
      }
      return data;
    }
    return indexed(data, classes, path, "the training data");
  }

  /** The class names an indexed frame's label column carries (none for class indices). */
  static String[] namesOf(DataSources.Loaded data) {
    ClassNames names = ClassNames.fromSchema(data.frame().schema(), data.labelCol());
    return names == null ? new String[0] : names.names();
  }

  /** The distinct words in sorted order. */
  private static String[] wordClasses(DataSources.Loaded data, String path) {
    List<String> names = new ArrayList<>();
    long once = 0;
    String example = null;
    for (Row r : valueCounts(data, asText(data.labelCol()).as("word"), path)) {
      names.add(r.getString(0));
      if (r.getLong(1) == 1) {
        once++;
        example = example == null ? r.getString(0) : example;
      }
    }
    if (names.size() >= MANY_CLASSES && once * 2 > names.size()) {
      // most "classes" seen once are not classes: a numeric target written as text ("230,145.04", "$1,200"), or ids
      boolean number = example.replaceAll("[\\s,$€£]", "").matches("[+-]?[0-9]*\\.?[0-9]+");
      throw new IllegalArgumentException(path + ": label column '" + data.labelCol() + "' holds " + names.size() + " distinct words, "
          + once + " of them in one row only (e.g. '" + example + "'): not classes; " + (number
          ? "a numeric target must be written as plain numbers (no thousands separators or currency signs)"
          : "is it a name or an id column?"));
    }
    names.sort(null);
    return atLeastTwo(names.toArray(new String[0]), data.labelCol(), path);
  }

  /**
   * Null for class indices; the distinct values in numeric order when one is below zero; an error for a fraction, a huge class, or
   * (a fresh fit, {@code fresh}: new rows for a published classifier may hold one class) a single class.
   */
  private static String[] numberClasses(DataSources.Loaded data, NumericLabels r, String path, boolean fresh) {
    String labelCol = data.labelCol();
    Column y = functions.col(labelCol);
    if (r.fraction() != null) {
      throw new IllegalArgumentException(path + ": label column '" + labelCol + "' has the value " + r.fraction() + ", not a class (class labels "
          + "are whole numbers or words); for a numeric target pass --task regression");
    }
    if (r.max() != null && r.max().doubleValue() >= MAX_CLASSES) {
      throw new IllegalArgumentException(path + ": label column '" + labelCol + "' has the class " + r.max() + ", more than the "
          + MAX_CLASSES + " classes a classifier takes; for a numeric target pass --task regression");
    }
    if (fresh && r.min() != null && r.min().doubleValue() == r.max().doubleValue()) {
      atLeastTwo(new String[] {String.valueOf(r.min().longValue())}, labelCol, path);
    }
    if (r.min() == null || r.min().doubleValue() >= 0) {
      if (r.max() != null && r.max().doubleValue() >= MANY_CLASSES) {
        long classes = data.frame().select(y).distinct().count();
        System.out.println("note: label column '" + labelCol + "' holds " + classes + " distinct whole numbers up to " + r.max()
            + ", each taken as a class; for a numeric target pass --task regression");
      }
      return null;
    }
    List<Long> values = new ArrayList<>();
    for (Row v : valueCounts(data, y, path)) {
      values.add(((Number) v.get(0)).longValue());
    }
    values.sort(null);
    return atLeastTwo(values.stream().map(String::valueOf).toArray(String[]::new), labelCol, path);
  }

  /**
   * One aggregate over a numeric label column: a value with a fraction (null when every value is whole), the least
   * and the greatest value (null when the column has none), and the rows whose label is empty (null or NaN). The
   * automatic task ({@link TaskChoice}), the empty-label check and the class check read the same figures, from one
   * scan of the data.
   */
  record NumericLabels(Number fraction, Number min, Number max, long empty) {
    static NumericLabels of(Dataset<Row> frame, String labelCol) {
      Column y = functions.col(labelCol);
      Row r = frame.agg(functions.first(functions.when(y.notEqual(functions.floor(y)), y), true), functions.min(y), functions.max(y),
          functions.count(functions.when(emptyNumber(y), 1))).head();
      return new NumericLabels((Number) r.get(0), (Number) r.get(1), (Number) r.get(2), r.getLong(3));
    }
  }

  /** {@code known}, the figures the task was chosen by, or (null) {@code data}'s numeric label column's, read now. */
  private static NumericLabels numericLabels(DataSources.Loaded data, NumericLabels known) {
    return known != null ? known : NumericLabels.of(data.frame(), data.labelCol());
  }

  /** The label's distinct values as {@code label} reads them, each with its row count; an error past {@link #MAX_CLASSES}. */
  private static List<Row> valueCounts(DataSources.Loaded data, Column label, String path) {
    List<Row> counts = data.frame().groupBy(label).count().limit(MAX_CLASSES + 1).collectAsList();
    if (counts.size() > MAX_CLASSES) {
      throw new IllegalArgumentException(path + ": label column '" + data.labelCol() + "' has more than " + MAX_CLASSES
          + " distinct values; a class label has at most " + MAX_CLASSES);
    }
    return counts;
  }

  private static String[] atLeastTwo(String[] classes, String labelCol, String path) {
    if (classes.length < 2) {
      throw new IllegalArgumentException(path + ": label column '" + labelCol + "' has 1 class ('" + classes[0] + "'); a classifier needs at least 2");
    }
    return classes;
  }

  /**
   * {@code data} indexed by {@code classes} that another source named ({@code knownBy}): after checking that no label is
   * empty, that numbers meet numeric names, and that every label is one of the classes, each an error naming it.
   */
  private static DataSources.Loaded indexed(DataSources.Loaded data, String[] classes, String path, String knownBy) {
    String labelCol = data.labelCol();
    requireNoEmpty(data.frame(), labelCol, path);
    boolean words = holdsWords(data.frame(), labelCol);
    if (!words && !allWholeNumbers(classes)) {
      throw new IllegalArgumentException(path + ": label column '" + labelCol + "' holds numbers, but " + knownBy + " names the classes "
          + String.join(", ", classes));
    }
    Column label = words ? asText(labelCol) : functions.col(labelCol);
    Row[] unknown = (Row[]) data.frame().select(label).distinct().filter(functions.not(label.isin(known(classes, words)))).head(1);
    if (unknown.length > 0) {
      throw new IllegalArgumentException(path + ": label column '" + labelCol + "' has the class '" + unknown[0].get(0) + "', which "
          + knownBy + " does not know (its classes: " + String.join(", ", classes) + ")");
    }
    return index(data, classes);
  }

  /**
   * The label column replaced by the index of each row's class in {@code classes}, with the names in its ML
   * attributes: words matched by name (StringIndexerModel), numbers by value (the names are then numbers). Every
   * label must be one of the classes: the training data's own, or checked by {@link #indexed}.
   */
  private static DataSources.Loaded index(DataSources.Loaded data, String[] classes) {
    String labelCol = data.labelCol();
    boolean words = holdsWords(data.frame(), labelCol);
    Column label = words ? asText(labelCol) : functions.col(labelCol);
    Dataset<Row> out;
    if (words) {
      out = new StringIndexerModel(classes).setInputCol(labelCol).setOutputCol(INDEXED).setHandleInvalid("error")
          .transform(data.frame().withColumn(labelCol, label)).drop(labelCol).withColumnRenamed(INDEXED, labelCol);
    } else {
      Object[] values = known(classes, false);
      Column index = functions.lit(null).cast("double");
      for (int k = classes.length - 1; k >= 0; k--) {
        index = functions.when(label.equalTo(values[k]), (double) k).otherwise(index);
      }
      out = data.frame().withColumn(labelCol, index.as(labelCol, new ClassNames(classes).columnMetadata(labelCol)));
    }
    return new DataSources.Loaded(out, labelCol, data.featureNames(), data.tableVersion());
  }

  /** The classes as the label column holds them: the names themselves for words, their values for numbers. */
  private static Object[] known(String[] classes, boolean words) {
    return words ? classes : Arrays.stream(classes).map(Long::valueOf).toArray();
  }

  private static boolean allWholeNumbers(String[] names) {
    return Arrays.stream(names).allMatch(n -> n.matches("-?\\d{1,18}"));
  }

  private static void requireNoEmpty(Dataset<Row> frame, String labelCol, String path) {
    Column y = functions.col(labelCol);
    requireNoEmpty(frame.filter(frame.schema().apply(labelCol).dataType() instanceof NumericType
        ? emptyNumber(y) : y.isNull()).count(), labelCol, path);
  }

  /** A numeric label with no value: null (an empty field, NA) or NaN. */
  private static Column emptyNumber(Column y) {
    return y.isNull().or(functions.isnan(y));
  }

  private static void requireNoEmpty(long empty, String labelCol, String path) {
    if (empty > 0) {
      throw new IllegalArgumentException(path + ": label column '" + labelCol + "' is empty in " + empty + " row(s) (empty, NA or NaN): "
          + "a row without its label neither trains nor scores; drop those rows, or fill in their labels");
    }
  }

  /** The label as text (booleans as "false" / "true"). */
  private static Column asText(String labelCol) {
    return functions.col(labelCol).cast("string");
  }

  private static String mapping(String[] classes) {
    StringBuilder s = new StringBuilder();
    for (int k = 0; k < classes.length && k < 20; k++) {
      s.append(k == 0 ? "" : ", ").append(k).append(" = ").append(classes[k]);
    }
    return s + (classes.length > 20 ? ", … (" + classes.length + " classes)" : "");
  }
}
