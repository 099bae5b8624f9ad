package org.implicitdl.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import org.implicitdl.linalg.Matrix;

/**
 * Test assertion: two folds of the same statistics (e.g. a local and a distributed aggregate) are
 * equal to a relative tolerance, component by component by name — matrices entry by entry, numbers
 * and arrays of numbers alike, nested statistics recursively — so every named statistic of a pass is
 * compared without the test knowing its layout.
 */
public final class SameStatistics {
  private SameStatistics() {}

  /** Every component of {@code expected} and {@code got} equal to {@code relative} of its scale. */
  public static void assertSame(Object expected, Object got, double relative, String what) {
    if (expected == null) {
      org.junit.jupiter.api.Assertions.assertNull(got, what + ": absent on one side only");
      return;
    }
    assertEquals(expected.getClass(), got.getClass(), what + ": type");
    if (expected instanceof Matrix e) {
      Matrix g = (Matrix) got;
      assertEquals(e.shape(), g.shape(), what + ": shape");
      double scale = Math.max(1e-300, e.maxAbs());
      for (int k = 0; k < e.data().length; k++) {
        assertEquals(e.data()[k], g.data()[k], relative * scale, what + " entry " + k);
      }
    } else if (expected instanceof Double || expected instanceof Integer || expected instanceof Long) {
      double e = ((Number) expected).doubleValue();
      assertEquals(e, ((Number) got).doubleValue(), relative * Math.max(1, Math.abs(e)), what);
    } else if (expected instanceof double[] e) {
      assertSame(new Matrix(1, e.length, e), new Matrix(1, ((double[]) got).length, (double[]) got), relative, what);
    } else if (expected instanceof Object[] e) {
      Object[] g = (Object[]) got;
      assertEquals(e.length, g.length, what + ": length");
      for (int k = 0; k < e.length; k++) {
        assertSame(e[k], g[k], relative, what + "[" + k + "]");
      }
    } else if (expected.getClass().isRecord()) {
      for (RecordComponent c : expected.getClass().getRecordComponents()) {
        assertSame(read(c, expected), read(c, got), relative, what + "." + c.getName());
      }
    } else {
      int fields = 0;
      for (Field f : expected.getClass().getDeclaredFields()) {
        if (!Modifier.isStatic(f.getModifiers())) {
          f.setAccessible(true);
          assertSame(value(f, expected), value(f, got), relative, what + "." + f.getName());
          fields++;
        }
      }
      assertTrue(fields > 0, what + ": nothing to compare in a " + expected.getClass().getSimpleName());
    }
  }

  private static Object read(RecordComponent c, Object o) {
    try {
      c.getAccessor().setAccessible(true);
      return c.getAccessor().invoke(o);
    } catch (ReflectiveOperationException e) {
      throw new AssertionError(e);
    }
  }

  private static Object value(Field f, Object o) {
    try {
      return f.get(o);
    } catch (IllegalAccessException e) {
      throw new AssertionError(e);
    }
  }
}
