package org.implicitdl.spark;

import java.util.HashMap;
import java.util.Map;
import org.apache.spark.ml.classification.ProbabilisticClassifier;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.types.StructType;

/**
 * A Spark ML probabilistic classifier whose model is an implicit model (paper eq. 1) with a
 * softmax on ŷ, trained by block-coordinate descent on problem (10), by implicit gradients, or
 * both (param {@code solver}). Labels are class indices 0..k−1.
 */
public final class ImplicitClassifier extends ProbabilisticClassifier<Vector, ImplicitClassifier, ImplicitClassificationModel>
    implements ImplicitTrainingParams, DefaultParamsWritable {
  private static final long serialVersionUID = 1L;
  private final String uid;
  private final Map<String, Param<?>> registry = new HashMap<>();

  public ImplicitClassifier() {
    this(Identifiable$.MODULE$.randomUID("implicitClassifier"));
  }

  public ImplicitClassifier(String uid) {
    this(UidHolder.stash(uid), true);
  }

  private ImplicitClassifier(String uid, boolean constructed) {
    super();
    this.uid = uid;
    UidHolder.clear();
    setTrainingDefaults();
  }

  @Override
  public String uid() {
    return UidHolder.resolve(uid);
  }

  @Override
  public Map<String, Param<?>> paramRegistry() {
    return registry;
  }

  public ImplicitClassifier setMinSteps(int v) { return (ImplicitClassifier) set(minSteps(), v); }
  public ImplicitClassifier setLocalTrainingMb(double v) { return (ImplicitClassifier) set(localTrainingMb(), v); }
  public ImplicitClassifier setCertifiedCol(String v) { return (ImplicitClassifier) set(certifiedCol(), v); }
  public ImplicitClassifier setCertifiedRadiusCol(String v) { return (ImplicitClassifier) set(certifiedRadiusCol(), v); }
  public ImplicitClassifier setEpsilon(double v) { return (ImplicitClassifier) set(epsilon(), v); }
  public ImplicitClassifier setLowerBoundCol(String v) { return (ImplicitClassifier) set(lowerBoundCol(), v); }
  public ImplicitClassifier setUpperBoundCol(String v) { return (ImplicitClassifier) set(upperBoundCol(), v); }
  public ImplicitClassifier setDeterministic(boolean v) { return (ImplicitClassifier) set(deterministic(), v); }
  public ImplicitClassifier setStatePenalty(double v) { return (ImplicitClassifier) set(statePenalty(), v); }
  public ImplicitClassifier setRank(int v) { return (ImplicitClassifier) set(rank(), v); }
  public ImplicitClassifier setHiddenDim(int v) { return (ImplicitClassifier) set(hiddenDim(), v); }
  public ImplicitClassifier setActivation(String v) { return (ImplicitClassifier) set(activation(), v); }
  public ImplicitClassifier setSolver(String v) { return (ImplicitClassifier) set(solver(), v); }
  public ImplicitClassifier setKappa(double v) { return (ImplicitClassifier) set(kappa(), v); }
  public ImplicitClassifier setWellPosedness(String v) { return (ImplicitClassifier) set(wellPosedness(), v); }
  public ImplicitClassifier setLambda(double v) { return (ImplicitClassifier) set(lambda(), v); }
  public ImplicitClassifier setLambdaPerState(double[] v) { return (ImplicitClassifier) set(lambdaPerState(), v); }
  public ImplicitClassifier setMu(double v) { return (ImplicitClassifier) set(mu(), v); }
  public ImplicitClassifier setLambdaGrowth(double v) { return (ImplicitClassifier) set(lambdaGrowth(), v); }
  public ImplicitClassifier setSyncsPerEpoch(int v) { return (ImplicitClassifier) set(syncsPerEpoch(), v); }
  public ImplicitClassifier setRegParam(double v) { return (ImplicitClassifier) set(regParam(), v); }
  public ImplicitClassifier setL1(double v) { return (ImplicitClassifier) set(l1(), v); }
  public ImplicitClassifier setGroupLasso(double v) { return (ImplicitClassifier) set(groupLasso(), v); }
  public ImplicitClassifier setBcdGroupLasso(double v) { return (ImplicitClassifier) set(bcdGroupLasso(), v); }
  public ImplicitClassifier setSelectFeatures(String v) { return (ImplicitClassifier) set(selectFeatures(), v); }
  public ImplicitClassifier setInitialization(String v) { return (ImplicitClassifier) set(initialization(), v); }
  public ImplicitClassifier setMaxIter(int v) { return (ImplicitClassifier) set(maxIter(), v); }
  public ImplicitClassifier setBcdEpochs(int v) { return (ImplicitClassifier) set(bcdEpochs(), v); }
  public ImplicitClassifier setTol(double v) { return (ImplicitClassifier) set(tol(), v); }
  public ImplicitClassifier setSeed(long v) { return (ImplicitClassifier) set(seed(), v); }
  public ImplicitClassifier setAggregationDepth(int v) { return (ImplicitClassifier) set(aggregationDepth(), v); }
  public ImplicitClassifier setCheckpointInterval(int v) { return (ImplicitClassifier) set(checkpointInterval(), v); }
  public ImplicitClassifier setBlockSize(int v) { return (ImplicitClassifier) set(blockSize(), v); }
  public ImplicitClassifier setBatchSize(int v) { return (ImplicitClassifier) set(batchSize(), v); }
  public ImplicitClassifier setStepSize(double v) { return (ImplicitClassifier) set(stepSize(), v); }
  public ImplicitClassifier setRobustEpsilon(double v) { return (ImplicitClassifier) set(robustEpsilon(), v); }
  public ImplicitClassifier setRobustWeight(double v) { return (ImplicitClassifier) set(robustWeight(), v); }
  public ImplicitClassifier setRobustRamp(double v) { return (ImplicitClassifier) set(robustRamp(), v); }
  public ImplicitClassifier setFeatureScale(double[] v) { return (ImplicitClassifier) set(featureScale(), v); }
  public ImplicitClassifier setStepDecay(double v) { return (ImplicitClassifier) set(stepDecay(), v); }
  public ImplicitClassifier setValidationFraction(double v) { return (ImplicitClassifier) set(validationFraction(), v); }
  public ImplicitClassifier setInitialModelPath(String v) { return (ImplicitClassifier) set(initialModelPath(), v); }
  public ImplicitClassifier setWeightCol(String v) { return (ImplicitClassifier) set(weightCol(), v); }
  public ImplicitClassifier setHeldOutCol(String v) { return (ImplicitClassifier) set(heldOutCol(), v); }
  public ImplicitClassifier setStandardization(boolean v) { return (ImplicitClassifier) set(standardization(), v); }
  public ImplicitClassifier setTrainerStateDir(String v) { return (ImplicitClassifier) set(trainerStateDir(), v); }
  public ImplicitClassifier setTrainerStateInterval(int v) { return (ImplicitClassifier) set(trainerStateInterval(), v); }
  public ImplicitClassifier setStateCol(String v) { return (ImplicitClassifier) set(stateCol(), v); }
  public ImplicitClassifier setFixedPointInfoCol(String v) { return (ImplicitClassifier) set(fixedPointInfoCol(), v); }
  public ImplicitClassifier setFixedPointTol(double v) { return (ImplicitClassifier) set(fixedPointTol(), v); }
  public ImplicitClassifier setMaxFixedPointIter(int v) { return (ImplicitClassifier) set(maxFixedPointIter(), v); }

  @Override
  public ImplicitClassificationModel train(Dataset<?> dataset) {
    String featuresCol = getFeaturesCol();
    int classes = getNumClasses(dataset, 1000);
    if (classes < 2) {
      throw new IllegalArgumentException("column '" + getLabelCol() + "' has " + classes + " class(es); a classifier needs at least 2");
    }
    int inputs = DatasetChecks.vectorSize(dataset, featuresCol);
    ImplicitTraining.Fitted fitted = ImplicitTraining.fit(this, dataset, featuresCol, getLabelCol(), BlockPacking.Task.CLASSIFICATION,
        inputs, classes, null);
    ImplicitClassificationModel model = new ImplicitClassificationModel(uid(), fitted.model()).withSummary(fitted.summary())
        .withFeatureNames(FeatureNames.fromSchema(dataset.schema(), featuresCol, inputs));
    return (ImplicitClassificationModel) copyValues(model, ParamMap.empty()).setParent(this);
  }

  @Override
  public StructType transformSchema(StructType schema) {
    DatasetChecks.requireVectorColumn(schema, getFeaturesCol());
    return super.transformSchema(schema);
  }

  @Override
  public String explainParam(Param<?> param) {
    return ParamChecks.explain(this, param);
  }

  @Override
  public ImplicitClassifier copy(ParamMap extra) {
    return (ImplicitClassifier) defaultCopy(extra);
  }

  public static MLReader<ImplicitClassifier> read() {
    return new DefaultParamsReader<>();
  }

  public static ImplicitClassifier load(String path) {
    return read().load(path);
  }
}
