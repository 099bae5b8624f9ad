package org.implicitdl.spark;

import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.robust.Bounds;
import org.implicitdl.robust.CertifiedRadius;
import org.implicitdl.robust.InputBox;
import org.implicitdl.robust.IntervalAnalysis;
import org.implicitdl.solve.SolverSettings;

/**
 * The certified-bounds columns of transform (paper §5): with epsilon > 0, lowerBound and
 * upperBound (vectors over the raw outputs) and, for classifiers, certified; with
 * certifiedRadiusCol set, the certified radius per row. What a block of rows needs is computed
 * once per block by {@link #forBlock}.
 */
final class BoundsColumns implements java.io.Serializable {
  private static final long serialVersionUID = 1L;
  /** Bisection steps of the certified radius: a relative 2⁻²⁰ of its bracket. */
  private static final int RADIUS_HALVINGS = 20;
  private final IntervalAnalysis analysis;
  private final InputBox box;
  private final boolean classifier;
  private final boolean radius;

  /** One row's bounds (null entries for what was not asked). */
  record RowBounds(double[] lower, double[] upper, boolean certified, double radius) {}

  private BoundsColumns(IntervalAnalysis analysis, InputBox box, boolean classifier, boolean radius) {
    this.analysis = analysis;
    this.box = box;
    this.classifier = classifier;
    this.radius = radius;
  }

  /** What the params ask for, or null when they ask for no bounds. */
  static BoundsColumns of(ImplicitModelParams params, ImplicitModel model, boolean classifier) {
    boolean bounds = params.getEpsilon() > 0;
    boolean radius = classifier && !params.getCertifiedRadiusCol().isEmpty();
    if (!bounds && !radius) {
      return null;
    }
    InputBox box = ParamChecks.inputBox(params.getFeatureScale(), params.getEpsilon(), model.inputDim());
    if (!model.certificate().isWellPosed()) {
      throw new InvalidParamException("cannot certify this model: it is not certified well-posed (" + model.certificate().inWords() + ")");
    }
    return new BoundsColumns(new IntervalAnalysis(model), box, classifier, radius);
  }

  static StructType addTo(StructType schema, ImplicitModelParams params, boolean classifier) {
    StructType out = schema;
    if (params.getEpsilon() > 0) {
      out = out.add(params.getLowerBoundCol(), SQLDataTypes.VectorType(), false).add(params.getUpperBoundCol(), SQLDataTypes.VectorType(), false);
      if (classifier) {
        out = out.add(params.getCertifiedCol(), DataTypes.BooleanType, false);
      }
    }
    if (classifier && !params.getCertifiedRadiusCol().isEmpty()) {
      out = out.add(params.getCertifiedRadiusCol(), DataTypes.DoubleType, false);
    }
    return out;
  }

  /** The bounds of a block of rows U (p×m). */
  RowBounds[] forBlock(Matrix u, SolverSettings settings) {
    int m = u.cols();
    Bounds b = box.epsilon() > 0 ? analysis.interval(u, box.radii(m), settings) : null;
    double[] radii = radius ? CertifiedRadius.of(analysis, u, box.sigma(), settings, RADIUS_HALVINGS) : null;
    RowBounds[] out = new RowBounds[m];
    for (int j = 0; j < m; j++) {
      out[j] = new RowBounds(b == null ? null : b.outputLower().columnCopy(j), b == null ? null : b.outputUpper().columnCopy(j),
          b != null && classifier && b.certified(j), radii == null ? Double.NaN : radii[j]);
    }
    return out;
  }

  /** The values for the columns {@link #addTo} added, in its order. */
  static void append(java.util.List<Object> values, RowBounds b, ImplicitModelParams params, boolean classifier) {
    if (params.getEpsilon() > 0) {
      values.add(Vectors.dense(b.lower()));
      values.add(Vectors.dense(b.upper()));
      if (classifier) {
        values.add(b.certified());
      }
    }
    if (classifier && !params.getCertifiedRadiusCol().isEmpty()) {
      values.add(b.radius());
    }
  }
}
