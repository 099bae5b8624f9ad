package org.implicitdl.spark;

import java.util.HashMap;
import java.util.Map;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/**
 * A Spark ML estimator for implicit regression models (paper eq. 1, squared loss): a numeric
 * label gives one output; a vector label column gives q outputs (multi-output regression).
 */
public final class ImplicitRegressor extends Estimator<ImplicitRegressionModel>
    implements TrainingSetters<ImplicitRegressor>, RegressionColumns, DefaultParamsWritable {
  private static final long serialVersionUID = 1L;
  private final String uid;
  private final Map<String, Param<?>> registry = new HashMap<>();

  public ImplicitRegressor() {
    this(Identifiable$.MODULE$.randomUID("implicitRegressor"));
  }

  public ImplicitRegressor(String uid) {
    this(UidHolder.stash(uid), true);
  }

  private ImplicitRegressor(String uid, boolean constructed) {
    super();
    this.uid = uid;
    UidHolder.clear();
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

  public ImplicitRegressor setFeaturesCol(String v) { return (ImplicitRegressor) set(featuresCol(), v); }
  public ImplicitRegressor setLabelCol(String v) { return (ImplicitRegressor) set(labelCol(), v); }
  public ImplicitRegressor setPredictionCol(String v) { return (ImplicitRegressor) set(predictionCol(), v); }

  @Override
  public ImplicitRegressionModel fit(Dataset<?> dataset) {
    transformSchema(dataset.schema());
    int inputs = DatasetChecks.vectorSize(dataset, getFeaturesCol());
    int outputs = outputs(dataset);
    ImplicitTraining.Fitted fitted = ImplicitTraining.fit(this, dataset, getFeaturesCol(), getLabelCol(), BlockPacking.Task.REGRESSION,
        inputs, outputs, null);
    ImplicitRegressionModel model = new ImplicitRegressionModel(uid(), new ModelInfo.Fit(fitted.model(), fitted.summary(),
        FeatureNames.fromSchema(dataset.schema(), getFeaturesCol(), inputs)));
    return (ImplicitRegressionModel) copyValues(model, ParamMap.empty()).setParent(this);
  }

  private int outputs(Dataset<?> dataset) {
    if (!dataset.schema().apply(getLabelCol()).dataType().equals(SQLDataTypes.VectorType())) {
      return 1;
    }
    Row[] first = (Row[]) dataset.toDF().select(getLabelCol()).head(1);
    if (first.length == 0) {
      throw new IllegalArgumentException("training data is empty: 0 rows");
    }
    return ((Vector) first[0].get(0)).size();
  }

  @Override
  public StructType transformSchema(StructType schema) {
    DatasetChecks.requireVectorColumn(schema, getFeaturesCol());
    DatasetChecks.requireNumericOrVectorColumn(schema, getLabelCol());
    return schema.add(getPredictionCol(), schema.apply(getLabelCol()).dataType(), false);
  }

  @Override
  public String explainParam(Param<?> param) {
    return ParamChecks.explain(this, param);
  }

  @Override
  public ImplicitRegressor copy(ParamMap extra) {
    return (ImplicitRegressor) defaultCopy(extra);
  }

  public static MLReader<ImplicitRegressor> read() {
    return new DefaultParamsReader<>();
  }

  public static ImplicitRegressor load(String path) {
    return read().load(path);
  }
}
