package org.implicitdl.spark;

/**
 * The {@code selectFeatures} param read: no selection, the automatic choice (one-standard-error
 * rule), or at most K inputs.
 *
 * @param maxInputs 0 for auto, K ≥ 1 for a limit
 */
record SelectFeatures(boolean on, int maxInputs) {
  static final SelectFeatures NONE = new SelectFeatures(false, 0);

  /** The setting a param value names, or null when it names none (the param check's message then says what is allowed). */
  static SelectFeatures parse(String value) {
    String v = value == null ? "" : value.trim();
    if (v.equals("none")) {
      return NONE;
    }
    if (v.equals("auto")) {
      return new SelectFeatures(true, 0);
    }
    if (!v.matches("[0-9]{1,9}")) {
      return null;
    }
    int k = Integer.parseInt(v);
    return k >= 1 ? new SelectFeatures(true, k) : null;
  }

  /** The param's value checked against the problem: a limit above the input count is refused with one line. */
  static SelectFeatures of(ImplicitTrainingParams params, int inputs) {
    SelectFeatures s = parse(params.getSelectFeatures());
    if (s.maxInputs() > inputs) {
      throw new InvalidParamException("parameter selectFeatures " + s.maxInputs() + " is more than the " + inputs + " input features");
    }
    if (s.on() && SolverPipeline.parse(params.getSolver()) != SolverPipeline.GRADIENT) {
      throw new InvalidParamException("parameter selectFeatures " + params.getSelectFeatures() + " needs solver gradient (its input-group "
          + "penalty path), got solver " + params.getSolver());
    }
    return s;
  }
}
