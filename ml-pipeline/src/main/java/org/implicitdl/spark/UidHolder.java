package org.implicitdl.spark;

/**
 * Hands the uid to a Java Params class while its Scala superclass constructor builds params:
 * those params call {@code uid()} before the subclass's own fields are assigned, so uid() falls
 * back to the value stashed here for the constructing thread.
 */
final class UidHolder {
  private static final ThreadLocal<String> PENDING = new ThreadLocal<>();

  private UidHolder() {}

  /** Stashes the uid for the constructor about to run; returns it. */
  static String stash(String uid) {
    PENDING.set(uid);
    return uid;
  }

  /** The uid: the field once assigned, the stashed one during construction. */
  static String resolve(String field) {
    return field != null ? field : PENDING.get();
  }

  static void clear() {
    PENDING.remove();
  }
}
