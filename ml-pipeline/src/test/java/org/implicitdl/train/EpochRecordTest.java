package org.implicitdl.train;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class EpochRecordTest {
  @Test
  void aRealRuleEpochsLineLeavesOutTheLiftedTermsThatABcdEpochsLineShows() {
    double[] seconds = {0, 0.25, 0, 0.05};
    EpochRecord gradient = new EpochRecord(7, 1.5, 1.25, 0, 0, 0.25, 1.25, 0.875, 1e-10, 0, seconds).withHeldOut(1.4, 0.8125);
    String line = gradient.line("accuracy");
    assertTrue(line.startsWith("epoch   7  objective 1.500000e+00  (loss 1.2500e+00, penalty 2.5000e-01)  real accuracy 0.8750"), line);
    assertTrue(line.contains("held-out accuracy 0.8125") && line.endsWith("0.3s"), line);
    assertFalse(line.contains("div") || line.contains("coupling") || line.contains("real loss"), line);

    EpochRecord bcd = new EpochRecord(2, 3.0, 1.0, 0.5, 1.25, 0.25, 1.1, 0.75, 1e-10, 0, seconds);
    String lifted = bcd.line("rmse");
    assertTrue(lifted.contains("div 5.0000e-01, coupling 1.2500e+00") && lifted.contains("real loss 1.1000e+00"), lifted);
  }
}
