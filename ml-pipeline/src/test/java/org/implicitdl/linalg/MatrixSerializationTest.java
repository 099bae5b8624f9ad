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
}
