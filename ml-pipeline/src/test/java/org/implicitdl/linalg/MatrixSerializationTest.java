package org.implicitdl.linalg;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** A matrix survives Java serialization (Spark's serialized and disk-cached blocks) entry for entry. */
class MatrixSerializationTest {

  private static Object roundTrip(Object o) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(o);
    }
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      return in.readObject();
    }
  }

  @Test
  void everyEntryAndShapeComesBackExactly() throws Exception {
    Random r = new Random(3);
    // empty, one chunk, several chunks with a partial last one
    for (int[] shape : new int[][] {{0, 0}, {3, 0}, {7, 5}, {300, 700}}) {
      Matrix m = Matrix.zeros(shape[0], shape[1]);
      for (int k = 0; k < m.data().length; k++) {
        m.data()[k] = k % 11 == 0 ? Double.NaN : k % 13 == 0 ? -0.0 : r.nextGaussian() * Math.pow(10, r.nextInt(40) - 20);
      }
      Matrix back = (Matrix) roundTrip(m);
      assertEquals(m.rows(), back.rows());
      assertEquals(m.cols(), back.cols());
      for (int k = 0; k < m.data().length; k++) {
        assertEquals(Double.doubleToRawLongBits(m.data()[k]), Double.doubleToRawLongBits(back.data()[k]), "entry " + k);
      }
    }
  }

  @Test
  void matricesInsideRecordsAndSharedReferencesSurvive() throws Exception {
    Matrix shared = new Matrix(2, 2, new double[] {1, 2, 3, 4});
    Object[] pair = (Object[]) roundTrip(new Object[] {shared, shared, new Matrix(1, 3, new double[] {5, 6, 7})});
    assertSame(pair[0], pair[1], "one matrix referenced twice is one matrix after reading");
    assertArrayEquals(new double[] {1, 2, 3, 4}, ((Matrix) pair[0]).data());
    assertArrayEquals(new double[] {5, 6, 7}, ((Matrix) pair[2]).data());
  }

  private static int serializedBytes(Object o) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(o);
    }
    return bytes.size();
  }

  @Test
  void aSinglePrecisionMatrixHoldsItsEntriesAsFloatsAndWritesHalfTheBytes() throws Exception {
    Random r = new Random(5);
    Matrix m = Matrix.zeros(300, 700);
    for (int k = 0; k < m.data().length; k++) {
      m.data()[k] = k % 17 == 0 ? 0.0 : r.nextGaussian() * Math.pow(10, r.nextInt(16) - 8);
    }
    Matrix single = m.inSinglePrecision();
    assertTrue(single.isSinglePrecision());
    assertFalse(m.isSinglePrecision());
    int changed = 0;
    for (int k = 0; k < m.data().length; k++) {
      assertEquals((double) (float) m.data()[k], single.data()[k], 0.0, "entry " + k + " is its nearest float");
      assertTrue(Math.abs(single.data()[k] - m.data()[k]) <= Math.abs(m.data()[k]) * 0x1p-24, "entry " + k + " moved by at most 2^-24");
      changed += single.data()[k] != m.data()[k] ? 1 : 0;
    }
    assertTrue(changed > m.data().length / 2, "Gaussian entries are rarely floats already: " + changed + " changed");
    Matrix back = (Matrix) roundTrip(single);
    assertTrue(back.isSinglePrecision());
    assertArrayEquals(single.data(), back.data(), 0.0, "read back exactly");
    double ratio = serializedBytes(single) / (double) serializedBytes(m);
    assertTrue(ratio > 0.49 && ratio < 0.51, "4 bytes per entry instead of 8: " + ratio);
    assertFalse(single.copy().isSinglePrecision(), "a copy is an ordinary matrix");
    assertFalse(single.columnSlice(0, 3).isSinglePrecision());
    assertTrue(serializedBytes(single.copy()) >= 8 * m.data().length, "a copy writes 8 bytes per entry");
    assertEquals("entry (1, 0) = 1.0E40 is beyond single precision's range (±3.4e38)", assertThrows(IllegalArgumentException.class,
        () -> new Matrix(2, 1, new double[] {1, 1e40}).inSinglePrecision()).getMessage());
    assertTrue(Double.isInfinite(new Matrix(1, 1, new double[] {Double.POSITIVE_INFINITY}).inSinglePrecision().get(0, 0)), "infinite stays infinite");
  }
}
