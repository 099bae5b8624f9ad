package org.implicitdl.spark;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.model.ModelAlgebra;

/**
 * A fitted implicit regression model: prediction ŷ = Cx + Du with x = φ(Ax + Bu) (paper eq. 1),
 * a double for one output, a vector for q outputs. Transform runs in BLAS-3 blocks.
 */
public final class ImplicitRegressionModel extends Model<ImplicitRegressionModel>
    implements ImplicitTrainingParams, ModelSetters<ImplicitRegressionModel>, RegressionColumns, ModelInfo, MLWritable {
  private static final long serialVersionUID = 1L;
  private final String uid;
  private final Map<String, Param<?>> registry = new HashMap<>();
  private final Fit fit;
  private final ImplicitModel model;

  public ImplicitRegressionModel(String uid, ImplicitModel model) {
    this(uid, Fit.of(model));
  }

  /** A model holding {@code fit}: what a fit, a copy, a pruning or a reader made. */
  ImplicitRegressionModel(String uid, Fit fit) {
    this(UidHolder.stash(uid), fit, true);
  }

  private ImplicitRegressionModel(String uid, Fit fit, boolean constructed) {
    super();
    this.uid = uid;
    UidHolder.clear();
    ImplicitModel model = fit.model();
    this.fit = fit;
    this.model = model;
    setTrainingDefaults();
    setColumnDefaults();
  }

  @Override
  public String uid() {
    return UidHolder.resolve(uid);
  }

  @Override
  public Map<String, Param<?>> paramRegistry() {
    return registry;
  }

  @Override
  public Fit fit() {
    return fit;
  }

  public ImplicitRegressionModel setFeaturesCol(String v) { return (ImplicitRegressionModel) set(featuresCol(), v); }
  public ImplicitRegressionModel setPredictionCol(String v) { return (ImplicitRegressionModel) set(predictionCol(), v); }
  public ImplicitRegressionModel setLabelCol(String v) { return (ImplicitRegressionModel) set(labelCol(), v); }

  public int numOutputs() {
    return model.outputDim();
  }

  @Override
  public StructType transformSchema(StructType schema) {
    DatasetChecks.requireVectorColumn(schema, getFeaturesCol());
    StructType out = schema.add(getPredictionCol(), model.outputDim() == 1 ? DataTypes.DoubleType : SQLDataTypes.VectorType(), false);
    if (!getStateCol().isEmpty()) {
      out = out.add(getStateCol(), SQLDataTypes.VectorType(), false);
    }
    if (!getFixedPointInfoCol().isEmpty()) {
      out = out.add(getFixedPointInfoCol(), SQLDataTypes.VectorType(), false);
    }
    return BoundsColumns.addTo(out, this, false);
  }

  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    StructType out = transformSchema(dataset.schema());
    boolean single = model.outputDim() == 1;
    boolean state = !getStateCol().isEmpty();
    boolean info = !getFixedPointInfoCol().isEmpty();
    ImplicitRegressionModel self = this;
    return BlockTransform.transform(dataset, out, getFeaturesCol(), model, TrainingSettings.fixedPoint(this),
        !getFixedPointInfoCol().isEmpty(), BoundsColumns.of(this, model, false), (yHat, x, iterations, residual, bounds) -> {
      List<Object> values = new ArrayList<>(3);
      values.add(single ? (Object) yHat[0] : Vectors.dense(yHat));
      if (state) {
        values.add(Vectors.dense(x));
      }
      if (info) {
        values.add(BlockTransform.diagnostics(iterations, residual));
      }
      if (bounds != null) {
        BoundsColumns.append(values, bounds, self, false);
      }
      return values.toArray();
    });
  }

  /** RMSE (over all outputs) and row count of the real rule on labelled data. */
  public Map<String, Double> evaluate(Dataset<?> dataset) {
    DatasetChecks.requireNumericOrVectorColumn(dataset.schema(), getLabelCol());
    List<Row> rows = transform(dataset).select(getLabelCol(), getPredictionCol()).collectAsList();
    double sse = 0;
    for (Row r : rows) {
      double[] y = values(r.get(0));
      double[] p = values(r.get(1));
      for (int i = 0; i < y.length; i++) {
        sse += (y[i] - p[i]) * (y[i] - p[i]);
      }
    }
    double count = rows.size();
    Map<String, Double> metrics = new LinkedHashMap<>();
    metrics.put("rmse", Math.sqrt(sse / Math.max(1, count * model.outputDim())));
    metrics.put("count", count);
    return metrics;
  }

  private static double[] values(Object o) {
    return o instanceof Vector v ? v.toArray() : new double[] {((Number) o).doubleValue()};
  }

  @Override
  public ImplicitRegressionModel copy(ParamMap extra) {
    ImplicitRegressionModel copy = new ImplicitRegressionModel(uid(), fit);
    return (ImplicitRegressionModel) copyValues(copy, extra).setParent(parent());
  }

  /**
   * The same rule with the states that provably affect no output removed (paper §6.2): every
   * prediction unchanged, the params and feature names kept, no training summary.
   */
  public ImplicitRegressionModel pruned() {
    ImplicitRegressionModel copy = new ImplicitRegressionModel(uid(), fit.around(exactlyPruned()));
    return (ImplicitRegressionModel) copyValues(copy, new ParamMap()).setParent(parent());
  }

  /**
   * The same params, names and training summary around {@code other}, a rule of the same inputs and outputs that predicts
   * what this one does on the rows it will be given (see {@link ModelAlgebra#refilled}).
   */
  public ImplicitRegressionModel withRule(ImplicitModel other) {
    ImplicitRegressionModel copy = new ImplicitRegressionModel(uid(), fit.with(other));
    return (ImplicitRegressionModel) copyValues(copy, new ParamMap()).setParent(parent());
  }

  @Override
  public MLWriter write() {
    return ModelStorage.writer(this);
  }

  public static MLReader<ImplicitRegressionModel> read() {
    return ModelStorage.reader(ImplicitRegressionModel.class, (uid, stored) -> new ImplicitRegressionModel(uid, stored.fit()));
  }

  public static ImplicitRegressionModel load(String path) {
    return read().load(path);
  }

  @Override
  public String explainParam(Param<?> param) {
    return ParamChecks.explain(this, param);
  }

  @Override
  public String toString() {
    return "ImplicitRegressionModel: uid=" + uid() + ", " + model + ", " + certificate().condition();
  }
}
