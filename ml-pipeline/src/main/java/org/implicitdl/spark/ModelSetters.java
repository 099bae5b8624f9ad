package org.implicitdl.spark;

/**
 * The setters of {@link ImplicitModelParams} (how transform solves and what columns it adds),
 * declared once for every class that has the params (a setter returns the instance, typed as {@code E}).
 */
public interface ModelSetters<E extends ModelSetters<E>> extends ImplicitModelParams {
  @SuppressWarnings("unchecked")
  private E self(Object o) {
    return (E) o;
  }

  default E setCertifiedCol(String v) { return self(set(certifiedCol(), v)); }
  default E setCertifiedRadiusCol(String v) { return self(set(certifiedRadiusCol(), v)); }
  default E setEpsilon(double v) { return self(set(epsilon(), v)); }
  default E setLowerBoundCol(String v) { return self(set(lowerBoundCol(), v)); }
  default E setUpperBoundCol(String v) { return self(set(upperBoundCol(), v)); }
  default E setFeatureScale(double[] v) { return self(set(featureScale(), v)); }
  default E setStateCol(String v) { return self(set(stateCol(), v)); }
  default E setFixedPointInfoCol(String v) { return self(set(fixedPointInfoCol(), v)); }
  default E setFixedPointTol(double v) { return self(set(fixedPointTol(), v)); }
  default E setMaxFixedPointIter(int v) { return self(set(maxFixedPointIter(), v)); }
}
