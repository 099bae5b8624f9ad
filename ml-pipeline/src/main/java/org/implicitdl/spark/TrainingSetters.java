package org.implicitdl.spark;

/**
 * The setters of {@link ImplicitTrainingParams} (what a fit trains and how),
 * declared once for every class that has the params (a setter returns the instance, typed as {@code E}).
 */
public interface TrainingSetters<E extends TrainingSetters<E>> extends ImplicitTrainingParams, ModelSetters<E> {
  @SuppressWarnings("unchecked")
  private E self(Object o) {
    return (E) o;
  }

  default E setMinSteps(int v) { return self(set(minSteps(), v)); }
  default E setPatience(int v) { return self(set(patience(), v)); }
  default E setAverageEpochs(double v) { return self(set(averageEpochs(), v)); }
  default E setLocalTrainingMb(double v) { return self(set(localTrainingMb(), v)); }
  default E setBlockStorageLevel(String v) { return self(set(blockStorageLevel(), v)); }
  default E setBlockInputPrecision(String v) { return self(set(blockInputPrecision(), v)); }
  default E setDeterministic(boolean v) { return self(set(deterministic(), v)); }
  default E setStatePenalty(double v) { return self(set(statePenalty(), v)); }
  default E setRank(int v) { return self(set(rank(), v)); }
  default E setHiddenDim(int v) { return self(set(hiddenDim(), v)); }
  default E setActivation(String v) { return self(set(activation(), v)); }
  default E setSolver(String v) { return self(set(solver(), v)); }
  default E setKappa(double v) { return self(set(kappa(), v)); }
  default E setWellPosedness(String v) { return self(set(wellPosedness(), v)); }
  default E setLambda(double v) { return self(set(lambda(), v)); }
  default E setLambdaPerState(double[] v) { return self(set(lambdaPerState(), v)); }
  default E setMu(double v) { return self(set(mu(), v)); }
  default E setLambdaGrowth(double v) { return self(set(lambdaGrowth(), v)); }
  default E setSyncsPerEpoch(int v) { return self(set(syncsPerEpoch(), v)); }
  default E setRegParam(double v) { return self(set(regParam(), v)); }
  default E setL1(double v) { return self(set(l1(), v)); }
  default E setGroupLasso(double v) { return self(set(groupLasso(), v)); }
  default E setBcdGroupLasso(double v) { return self(set(bcdGroupLasso(), v)); }
  default E setSelectFeatures(String v) { return self(set(selectFeatures(), v)); }
  default E setInitialization(String v) { return self(set(initialization(), v)); }
  default E setMaxIter(int v) { return self(set(maxIter(), v)); }
  default E setBcdEpochs(int v) { return self(set(bcdEpochs(), v)); }
  default E setTol(double v) { return self(set(tol(), v)); }
  default E setSeed(long v) { return self(set(seed(), v)); }
  default E setAggregationDepth(int v) { return self(set(aggregationDepth(), v)); }
  default E setCheckpointInterval(int v) { return self(set(checkpointInterval(), v)); }
  default E setBlockSize(int v) { return self(set(blockSize(), v)); }
  default E setBatchSize(int v) { return self(set(batchSize(), v)); }
  default E setStepSize(double v) { return self(set(stepSize(), v)); }
  default E setRobustEpsilon(double v) { return self(set(robustEpsilon(), v)); }
  default E setRobustWeight(double v) { return self(set(robustWeight(), v)); }
  default E setRobustRamp(double v) { return self(set(robustRamp(), v)); }
  default E setStepDecay(double v) { return self(set(stepDecay(), v)); }
  default E setValidationFraction(double v) { return self(set(validationFraction(), v)); }
  default E setInitialModelPath(String v) { return self(set(initialModelPath(), v)); }
  default E setWeightCol(String v) { return self(set(weightCol(), v)); }
  default E setHeldOutCol(String v) { return self(set(heldOutCol(), v)); }
  default E setTuneStepSize(boolean v) { return self(set(tuneStepSize(), v)); }
  default E setBlendStepSizes(boolean v) { return self(set(blendStepSizes(), v)); }
  default E setLinearCheck(boolean v) { return self(set(linearCheck(), v)); }
  default E setStandardization(boolean v) { return self(set(standardization(), v)); }
  default E setTrainerStateDir(String v) { return self(set(trainerStateDir(), v)); }
  default E setTrainerStateInterval(int v) { return self(set(trainerStateInterval(), v)); }
}
