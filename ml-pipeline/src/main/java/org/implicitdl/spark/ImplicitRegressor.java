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
    implements ImplicitTrainingParams, RegressionColumns, DefaultParamsWritable {
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

  public ImplicitRegressor setMinSteps(int v) { return (ImplicitRegressor) set(minSteps(), v); }
  public ImplicitRegressor setLocalTrainingMb(double v) { return (ImplicitRegressor) set(localTrainingMb(), v); }
  public ImplicitRegressor setCertifiedCol(String v) { return (ImplicitRegressor) set(certifiedCol(), v); }
  public ImplicitRegressor setCertifiedRadiusCol(String v) { return (ImplicitRegressor) set(certifiedRadiusCol(), v); }
  public ImplicitRegressor setEpsilon(double v) { return (ImplicitRegressor) set(epsilon(), v); }
  public ImplicitRegressor setLowerBoundCol(String v) { return (ImplicitRegressor) set(lowerBoundCol(), v); }
  public ImplicitRegressor setUpperBoundCol(String v) { return (ImplicitRegressor) set(upperBoundCol(), v); }
  public ImplicitRegressor setDeterministic(boolean v) { return (ImplicitRegressor) set(deterministic(), v); }
  public ImplicitRegressor setStatePenalty(double v) { return (ImplicitRegressor) set(statePenalty(), v); }
  public ImplicitRegressor setRank(int v) { return (ImplicitRegressor) set(rank(), v); }
  public ImplicitRegressor setFeaturesCol(String v) { return (ImplicitRegressor) set(featuresCol(), v); }
  public ImplicitRegressor setLabelCol(String v) { return (ImplicitRegressor) set(labelCol(), v); }
  public ImplicitRegressor setPredictionCol(String v) { return (ImplicitRegressor) set(predictionCol(), v); }
  public ImplicitRegressor setHiddenDim(int v) { return (ImplicitRegressor) set(hiddenDim(), v); }
  public ImplicitRegressor setActivation(String v) { return (ImplicitRegressor) set(activation(), v); }
  public ImplicitRegressor setSolver(String v) { return (ImplicitRegressor) set(solver(), v); }
  public ImplicitRegressor setKappa(double v) { return (ImplicitRegressor) set(kappa(), v); }
  public ImplicitRegressor setWellPosedness(String v) { return (ImplicitRegressor) set(wellPosedness(), v); }
  public ImplicitRegressor setLambda(double v) { return (ImplicitRegressor) set(lambda(), v); }
  public ImplicitRegressor setLambdaPerState(double[] v) { return (ImplicitRegressor) set(lambdaPerState(), v); }
  public ImplicitRegressor setMu(double v) { return (ImplicitRegressor) set(mu(), v); }
  public ImplicitRegressor setLambdaGrowth(double v) { return (ImplicitRegressor) set(lambdaGrowth(), v); }
  public ImplicitRegressor setSyncsPerEpoch(int v) { return (ImplicitRegressor) set(syncsPerEpoch(), v); }
  public ImplicitRegressor setRegParam(double v) { return (ImplicitRegressor) set(regParam(), v); }
  public ImplicitRegressor setL1(double v) { return (ImplicitRegressor) set(l1(), v); }
  public ImplicitRegressor setGroupLasso(double v) { return (ImplicitRegressor) set(groupLasso(), v); }
  public ImplicitRegressor setBcdGroupLasso(double v) { return (ImplicitRegressor) set(bcdGroupLasso(), v); }
  public ImplicitRegressor setSelectFeatures(String v) { return (ImplicitRegressor) set(selectFeatures(), v); }
  public ImplicitRegressor setInitialization(String v) { return (ImplicitRegressor) set(initialization(), v); }
  public ImplicitRegressor setMaxIter(int v) { return (ImplicitRegressor) set(maxIter(), v); }
  public ImplicitRegressor setBcdEpochs(int v) { return (ImplicitRegressor) set(bcdEpochs(), v); }
  public ImplicitRegressor setTol(double v) { return (ImplicitRegressor) set(tol(), v); }
  public ImplicitRegressor setSeed(long v) { return (ImplicitRegressor) set(seed(), v); }
  public ImplicitRegressor setAggregationDepth(int v) { return (ImplicitRegressor) set(aggregationDepth(), v); }
  public ImplicitRegressor setCheckpointInterval(int v) { return (ImplicitRegressor) set(checkpointInterval(), v); }
  public ImplicitRegressor setBlockSize(int v) { return (ImplicitRegressor) set(blockSize(), v); }
  public ImplicitRegressor setBatchSize(int v) { return (ImplicitRegressor) set(batchSize(), v); }
  public ImplicitRegressor setStepSize(double v) { return (ImplicitRegressor) set(stepSize(), v); }
  public ImplicitRegressor setRobustEpsilon(double v) { return (ImplicitRegressor) set(robustEpsilon(), v); }
  public ImplicitRegressor setRobustWeight(double v) { return (ImplicitRegressor) set(robustWeight(), v); }
  public ImplicitRegressor setRobustRamp(double v) { return (ImplicitRegressor) set(robustRamp(), v); }
  public ImplicitRegressor setFeatureScale(double[] v) { return (ImplicitRegressor) set(featureScale(), v); }
  public ImplicitRegressor setStepDecay(double v) { return (ImplicitRegressor) set(stepDecay(), v); }
  public ImplicitRegressor setValidationFraction(double v) { return (ImplicitRegressor) set(validationFraction(), v); }
  public ImplicitRegressor setInitialModelPath(String v) { return (ImplicitRegressor) set(initialModelPath(), v); }
  public ImplicitRegressor setWeightCol(String v) { return (ImplicitRegressor) set(weightCol(), v); }
  public ImplicitRegressor setHeldOutCol(String v) { return (ImplicitRegressor) set(heldOutCol(), v); }
  public ImplicitRegressor setStandardization(boolean v) { return (ImplicitRegressor) set(standardization(), v); }
  public ImplicitRegressor setTrainerStateDir(String v) { return (ImplicitRegressor) set(trainerStateDir(), v); }
  public ImplicitRegressor setTrainerStateInterval(int v) { return (ImplicitRegressor) set(trainerStateInterval(), v); }
  public ImplicitRegressor setStateCol(String v) { return (ImplicitRegressor) set(stateCol(), v); }
  public ImplicitRegressor setFixedPointInfoCol(String v) { return (ImplicitRegressor) set(fixedPointInfoCol(), v); }
  public ImplicitRegressor setFixedPointTol(double v) { return (ImplicitRegressor) set(fixedPointTol(), v); }
  public ImplicitRegressor setMaxFixedPointIter(int v) { return (ImplicitRegressor) set(maxFixedPointIter(), v); }

  @Override
  public ImplicitRegressionModel fit(Dataset<?> dataset) {
    transformSchema(dataset.schema());
    int inputs = DatasetChecks.vectorSize(dataset, getFeaturesCol());
    int outputs = outputs(dataset);
    ImplicitTraining.Fitted fitted = ImplicitTraining.fit(this, dataset, getFeaturesCol(), getLabelCol(), BlockPacking.Task.REGRESSION,
        inputs, outputs, null);
    ImplicitRegressionModel model = new ImplicitRegressionModel(uid(), fitted.model()).withSummary(fitted.summary())
        .withFeatureNames(FeatureNames.fromSchema(dataset.schema(), getFeaturesCol(), inputs));
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
