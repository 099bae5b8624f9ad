package org.implicitdl.job;

import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.NumericType;

/**
 * {@code task = auto} (the default): the task read off the label column. Words and booleans are
 * classes; numbers are a regression target when no classifier could take them as classes — a
 * fraction, a value of {@value ClassLabels#MAX_CLASSES} or more — or when there are at least
 * {@value ClassLabels#MANY_CLASSES} distinct whole numbers (a count, an age, a price in whole units
 * is far more often a target than that many classes are). Other whole numbers are classes. The
 * choice and the flag that overrides it are printed; the run's saved configuration records the
 * task chosen, so a retrain, a resumed run or {@code --same-as} trains the same task.
 */
final class TaskChoice {
  static final String AUTO = "auto";
  static final String CLASSIFICATION = "classification";
  static final String REGRESSION = "regression";

  private TaskChoice() {}

  /**
   * The task chosen, and the numeric label column's figures when they were read to choose it (null otherwise), for
   * the label checks to reuse rather than scan the data again.
   */
  record Choice(String task, ClassLabels.NumericLabels labels) {
    static Choice of(String task) {
      return new Choice(task, null);
    }
  }

  /** The task to train: the configured one, or for {@code auto} the one {@code data}'s label column says (printed). */
  static Choice resolve(String configured, DataSources.Loaded data) {
    if (!configured.equals(AUTO)) {
      return Choice.of(configured);
    }
    String labelCol = data.labelCol();
    var type = data.frame().schema().apply(labelCol).dataType();
    if (!(type instanceof NumericType)) {
      if (data.frame().select(functions.col(labelCol)).filter(functions.col(labelCol).isNotNull()).isEmpty()) {
        return Choice.of(CLASSIFICATION); // no label at all: the label checks name the empty column
      }
      System.out.println("task: classification (label column '" + labelCol + "' holds " + (ClassLabels.holdsWords(data.frame(), labelCol)
          ? "words" : type.simpleString()) + "; --task sets it)");
      return Choice.of(CLASSIFICATION);
    }
    ClassLabels.NumericLabels r = ClassLabels.NumericLabels.of(data.frame(), labelCol);
    if (r.max() == null) {
      return new Choice(CLASSIFICATION, r); // no label at all: the label checks name the empty column
    }
    String why;
    if (r.fraction() != null) {
      why = "holds fractions, e.g. " + r.fraction();
    } else if (r.max().doubleValue() >= ClassLabels.MAX_CLASSES) {
      why = "holds whole numbers up to " + r.max().longValue();
    } else {
      // fewer values in the range than MANY_CLASSES: no need to count them (a scan of the data saved)
      double range = r.max().doubleValue() - r.min().doubleValue() + 1; // in doubles: no overflow for far-apart longs
      long distinct = range < ClassLabels.MANY_CLASSES ? -1 : data.frame().select(functions.col(labelCol))
          .filter(functions.col(labelCol).isNotNull()).distinct().limit(ClassLabels.MANY_CLASSES).count();
      if (distinct >= ClassLabels.MANY_CLASSES) {
        why = "holds " + ClassLabels.MANY_CLASSES + " or more distinct whole numbers";
      } else {
        System.out.println("task: classification (label column '" + labelCol + "' holds " + (distinct < 0 ? "" : distinct + " distinct ")
            + "whole number" + (distinct == 1 ? "" : "s") + " from " + r.min().longValue() + " to " + r.max().longValue()
            + "; --task regression trains on them as numbers)");
        return new Choice(CLASSIFICATION, r);
      }
    }
    System.out.println("task: regression (label column '" + labelCol + "' " + why + "; --task classification takes whole numbers as classes)");
    return new Choice(REGRESSION, r);
  }
}
