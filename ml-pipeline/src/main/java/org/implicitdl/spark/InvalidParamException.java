package org.implicitdl.spark;

/**
 * A param value the estimators cannot train with: out of its allowed range (the validators of
 * {@link ParamChecks}) or impossible for the data it meets (a hidden dimension whose matrices
 * cannot be allocated). A configuration mistake, not bad data: the jobs exit with their usage code.
 */
public final class InvalidParamException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public InvalidParamException(String message) {
    super(message);
  }
}
