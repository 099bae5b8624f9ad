package org.implicitdl.train;

/** The argument checks of the settings records: a wrong setting is an exception that says which and what it got. */
final class Checks {
  private Checks() {}

  static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }

  /** A weight: finite and ≥ 0. */
  static void weight(String name, double value) {
    require(value >= 0 && Double.isFinite(value), name + " must be finite and >= 0, got " + value);
  }
}
