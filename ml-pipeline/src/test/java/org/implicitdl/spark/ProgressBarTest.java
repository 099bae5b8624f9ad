package org.implicitdl.spark;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import org.implicitdl.train.EpochRecord;
import org.junit.jupiter.api.Test;

class ProgressBarTest {
  private static EpochRecord epoch(int e, double metric) {
    return new EpochRecord(e, 1, 1, 0, 0, 0, 1, metric, 0, 0, new double[4]);
  }

  @Test
  void drawsEpochsAcrossSolversAndEndsTheLine() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ProgressBar bar = new ProgressBar(4, "accuracy", new PrintStream(bytes, true));
    bar.accept(epoch(0, 0.1));
    bar.accept(epoch(1, 0.5));
    bar.accept(epoch(2, 0.6));
    bar.accept(epoch(0, 0.6));
    bar.accept(epoch(1, 0.7));
    assertTrue(bar.render(epoch(0, 0.7)).contains("epoch 3/4"));
    bar.accept(epoch(2, 0.8));
    String out = bytes.toString();
    assertTrue(out.contains("\r[" + "#".repeat(22) + " ".repeat(8) + "] epoch 3/4  accuracy 0.7000"), out);
    assertTrue(out.contains("[##############################] epoch 4/4  accuracy 0.8000"), out);
    assertTrue(out.endsWith(System.lineSeparator()), "the finished bar ends its line");
  }
}
