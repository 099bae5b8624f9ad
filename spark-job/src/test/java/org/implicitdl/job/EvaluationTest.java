package org.implicitdl.job;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/** The class-balance figures read off a confusion matrix (counts[true class][predicted class]). */
class EvaluationTest {
  @Test
  void balancedAccuracyIsTheMeanRecallOfTheClassesPresent() {
    // 90 negatives, all predicted right; 10 positives, 2 found; class 2 absent
    long[][] confusion = {{90, 0, 0}, {8, 2, 0}, {0, 0, 0}};
    assertEquals((1.0 + 0.2) / 2, Evaluation.balancedAccuracy(confusion), 1e-12);
    assertEquals(0.9, Evaluation.mostFrequentClassShare(confusion), 1e-12);
    assertTrue(Double.isNaN(Evaluation.balancedAccuracy(new long[2][2])));
    assertTrue(Double.isNaN(Evaluation.mostFrequentClassShare(new long[2][2])));
  }
}
