package org.implicitdl.spark;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Locale;
import java.util.function.Predicate;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;
import org.implicitdl.robust.InputBox;
import scala.runtime.AbstractFunction1;

/**
 * Validators for the implicit estimators' params that say what is allowed: Spark's own
 * {@code ParamValidators} end in "given invalid value 1.0." without the range, so these throw
 * {@link IllegalArgumentException} with the param's name, the allowed values and the value got.
 */
final class ParamChecks {
  private ParamChecks() {}

  /** A Spark param validator ({@code T => Boolean}) that throws a readable message instead of returning false. */
  private static final class Check<T> extends AbstractFunction1<T, Object> implements Serializable {
    private static final long serialVersionUID = 1L;
    private final String name;
    private final String allowed;
    private final SerializablePredicate<T> ok;

    Check(String name, String allowed, SerializablePredicate<T> ok) {
      this.name = name;
      this.allowed = allowed;
      this.ok = ok;
    }

    @Override
    public Object apply(T value) {
      if (!ok.test(value)) {
        throw new InvalidParamException("parameter " + name + " must be " + allowed + ", got " + render(value));
      }
      return Boolean.TRUE;
    }
  }

  interface SerializablePredicate<T> extends Predicate<T>, Serializable {}

  static <T> scala.Function1<T, Object> check(String name, String allowed, SerializablePredicate<T> ok) {
    return new Check<>(name, allowed, ok);
  }

  /** value >= lower (numbers). */
  static scala.Function1<Object, Object> atLeast(String name, double lower) {
    return check(name, ">= " + number(lower), v -> ((Number) v).doubleValue() >= lower);
  }

  /** lower <= value < ∞ (numbers; NaN and infinity fail). */
  static scala.Function1<Object, Object> finiteAtLeast(String name, double lower) {
    return check(name, "a finite number >= " + number(lower), v -> ((Number) v).doubleValue() >= lower && Double.isFinite(((Number) v).doubleValue()));
  }

  /** value > lower (numbers; NaN fails). */
  static scala.Function1<Object, Object> above(String name, double lower) {
    return check(name, "> " + number(lower), v -> ((Number) v).doubleValue() > lower);
  }

  /** lower (<|<=) value (<|<=) upper, written as an interval. */
  static scala.Function1<Object, Object> inRange(String name, double lower, double upper, boolean lowerClosed, boolean upperClosed) {
    String interval = (lowerClosed ? "[" : "(") + number(lower) + ", " + number(upper) + (upperClosed ? "]" : ")");
    return check(name, "in " + interval, v -> {
      double x = ((Number) v).doubleValue();
      return (lowerClosed ? x >= lower : x > lower) && (upperClosed ? x <= upper : x < upper);
    });
  }

  /** One of the listed strings. */
  static scala.Function1<String, Object> oneOf(String name, String... allowed) {
    String list = String.join(", ", allowed);
    return check(name, "one of " + list, v -> Arrays.asList(allowed).contains(v));
  }

  /** Finite, positive entries. */
  static scala.Function1<double[], Object> positiveEntries(String name) {
    return check(name, "a list of finite values > 0 (empty: not used)", v -> Arrays.stream(v).allMatch(x -> Double.isFinite(x) && x > 0));
  }

  /** How a param value prints: arrays as lists, not {@code [D@…}. */
  static scala.Function1<double[], Object> nonNegativeEntries(String name) {
    return check(name, "a list of finite values >= 0 (empty: all 1)", v -> Arrays.stream(v).allMatch(x -> Double.isFinite(x) && x >= 0));
  }

  /** The input box of params epsilon (or robustEpsilon) and featureScale, with featureScale's length checked against the features. */
  static InputBox inputBox(double[] featureScale, double epsilon, int features) {
    if (featureScale.length != 0 && featureScale.length != features) {
      throw new InvalidParamException("parameter featureScale has " + featureScale.length + " entries, the features have " + features);
    }
    return InputBox.of(featureScale, epsilon, features);
  }

  static String render(Object value) {
    if (value instanceof double[] d) {
      return Arrays.toString(d);
    }
    if (value instanceof int[] i) {
      return Arrays.toString(i);
    }
    if (value instanceof Object[] o) {
      return Arrays.toString(o);
    }
    if (value instanceof String s) {
      return "'" + s + "'";
    }
    return String.valueOf(value);
  }

  private static String number(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.valueOf((long) v) : String.format(Locale.ROOT, "%s", v);
  }

  /**
   * Spark's {@code explainParam} with readable values: {@code name: doc (default: x, current: y)}.
   */
  static String explain(Params owner, Param<?> param) {
    @SuppressWarnings("unchecked")
    Param<Object> p = (Param<Object>) param;
    if (!owner.isDefined(p)) {
      return p.name() + ": " + p.doc() + " (undefined)";
    }
    StringBuilder values = new StringBuilder();
    if (owner.hasDefault(p)) {
      values.append("default: ").append(plain(owner.getDefault(p).get()));
    }
    if (owner.isSet(p)) {
      values.append(values.length() > 0 ? ", " : "").append("current: ").append(plain(owner.get(p).get()));
    }
    return p.name() + ": " + p.doc() + " (" + values + ")";
  }

  private static String plain(Object value) {
    return value instanceof String s ? s : render(value);
  }
}
