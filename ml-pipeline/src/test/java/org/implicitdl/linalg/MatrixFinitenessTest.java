package org.implicitdl.linalg;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** {@link Matrix#firstNonFinite}: its branch-free first pass must neither miss a NaN or ±∞ nor flag a finite extreme. */
class MatrixFinitenessTest {

  @Test
  void findsTheFirstNonFiniteEntryAndPassesEveryFiniteExtreme() {
    double[] finite = {0.0, -0.0, Double.MAX_VALUE, -Double.MAX_VALUE, Double.MIN_VALUE, -Double.MIN_NORMAL, 1e308, -1.5, 3.0};
    assertEquals(-1, new Matrix(3, 3, finite.clone()).firstNonFinite());
    assertEquals(-1, Matrix.zeros(0, 4).firstNonFinite());
    for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.longBitsToDouble(0x7ff0000000000001L),
        Double.longBitsToDouble(0xfff8000000000000L)}) {
      for (int at = 0; at < finite.length; at++) {
        double[] d = finite.clone();
        d[at] = bad;
        if (at + 2 < d.length) {
          d[at + 2] = bad;
        }
        assertEquals(at, new Matrix(3, 3, d).firstNonFinite(), "entry " + bad + " at " + at);
      }
    }
  }
}
