package org.implicitdl.spark;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.classification.ProbabilisticClassificationModel;
import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.model.ModelAlgebra;

/**
 * A fitted implicit classifier: ŷ = Cx + Du with x = φ(Ax + Bu) (paper eq. 1), class
 * probabilities softmax(ŷ). Transform solves the fixed point for blocks of rows with BLAS-3.
 */
public final class ImplicitClassificationModel extends ProbabilisticClassificationModel<Vector, ImplicitClassificationModel>
    implements ImplicitTrainingParams, ModelSetters<ImplicitClassificationModel>, ModelInfo, MLWritable {
  private static final long serialVersionUID = 1L;
  private final String uid;
  private final Map<String, Param<?>> registry = new HashMap<>();
  private final Fit fit;
  private final ImplicitModel model;

  public ImplicitClassificationModel(String uid, ImplicitModel model) {
    this(uid, Fit.of(model));
  }

  /** A model holding {@code fit}: what a fit, a copy, a pruning or a reader made. */
  ImplicitClassificationModel(String uid, Fit fit) {
    this(UidHolder.stash(uid), fit, true);
  }

  private ImplicitClassificationModel(String uid, Fit fit, boolean constructed) {
    super();
    this.uid = uid;
    UidHolder.clear();
    ImplicitModel model = fit.model();
    if (model.outputDim() < 2) {
      throw new IllegalArgumentException("a classification model needs at least 2 outputs (classes), got " + model.outputDim());
    }
    this.fit = fit;
    this.model = model;
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

  @Override
  public Fit fit() {
    return fit;
  }

  public ImplicitClassificationModel setLabelCol(String v) { return (ImplicitClassificationModel) set(labelCol(), v); }

  /** Resolves the two inherited Scala signatures of this method for javac. */
  @Override
  @SuppressWarnings({"rawtypes", "unchecked"})
  public scala.Tuple3 findSummaryModel() {
    return super.findSummaryModel();
  }

  @Override
  public int numClasses() {
    return model.outputDim();
  }

  /**
   * The classes' names in index order, as the label column's ML attributes gave them at fit (a
   * StringIndexer upstream); empty when the labels were indices to begin with.
   */
  public String[] classNames() {
    return fit.classNames() == null ? new String[0] : fit.classNames().names();
  }

  @Override
  public int numFeatures() {
    return model.inputDim();
  }

  @Override
  public Vector predictRaw(Vector features) {
    return Vectors.dense(model.predict(checked(features)));
  }

  @Override
  public Vector raw2probabilityInPlace(Vector raw) {
    double[] v = ((DenseVector) raw).values();
    softmaxInPlace(v);
    return raw;
  }

  static void softmaxInPlace(double[] v) {
    double max = Double.NEGATIVE_INFINITY;
    for (double x : v) {
      max = Math.max(max, x);
    }
    double sum = 0;
    for (int i = 0; i < v.length; i++) {
      v[i] = Math.exp(v[i] - max);
      sum += v[i];
    }
    for (int i = 0; i < v.length; i++) {
      v[i] /= sum;
    }
  }

  private double[] checked(Vector features) {
    if (features.size() != numFeatures()) {
      throw new IllegalArgumentException("column '" + getFeaturesCol() + "' has a vector of length " + features.size() + ", expected " + numFeatures());
    }
    return features.toArray();
  }

  @Override
  public StructType transformSchema(StructType schema) {
    DatasetChecks.requireVectorColumn(schema, getFeaturesCol());
    StructType out = super.transformSchema(schema);
    if (fit.classNames() != null && !getPredictionCol().isEmpty()) {
      out = withMetadata(out, getPredictionCol(), fit.classNames().columnMetadata(getPredictionCol()));
    }
    if (!getStateCol().isEmpty()) {
      out = out.add(getStateCol(), SQLDataTypes.VectorType(), false);
    }
    if (!getFixedPointInfoCol().isEmpty()) {
      out = out.add(getFixedPointInfoCol(), SQLDataTypes.VectorType(), false);
    }
    return BoundsColumns.addTo(out, this, true);
  }

  /** {@code schema} with column {@code name}'s metadata replaced. */
  private static StructType withMetadata(StructType schema, String name, Metadata metadata) {
    StructField[] fields = schema.fields().clone();
    for (int i = 0; i < fields.length; i++) {
      if (fields[i].name().equals(name)) {
        fields[i] = new StructField(name, fields[i].dataType(), fields[i].nullable(), metadata);
      }
    }
    return new StructType(fields);
  }

  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    StructType out = transformSchema(dataset.schema());
    String[] added = Arrays.copyOfRange(out.fieldNames(), dataset.schema().length(), out.length());
    String rawCol = getRawPredictionCol();
    String probCol = getProbabilityCol();
    String predCol = getPredictionCol();
    String stateColumn = getStateCol();
    ImplicitClassificationModel self = this;
    String infoColumn = getFixedPointInfoCol();
    Dataset<Row> predicted = BlockTransform.transform(dataset, out, getFeaturesCol(), model, TrainingSettings.fixedPoint(this),
        !getFixedPointInfoCol().isEmpty(), BoundsColumns.of(this, model, true), (yHat, x, iterations, residual, bounds) -> {
      Vector rawVector = Vectors.dense(yHat.clone());
      Vector probability = self.raw2probability(rawVector);
      List<Object> values = new ArrayList<>(added.length);
      for (String name : added) {
        if (name.equals(rawCol)) {
          values.add(rawVector);
        } else if (name.equals(probCol)) {
          values.add(probability);
        } else if (name.equals(predCol)) {
          values.add(self.probability2prediction(probability));
        } else if (name.equals(stateColumn)) {
          values.add(Vectors.dense(x));
        } else if (name.equals(infoColumn)) {
          values.add(BlockTransform.diagnostics(iterations, residual));
        }
      }
      if (bounds != null) {
        BoundsColumns.append(values, bounds, self, true);
      }
      return values.toArray();
    });
    // the rows are made by an encoder that keeps no column metadata: the class names transformSchema put on go back on here
    return fit.classNames() == null || predCol.isEmpty() ? predicted : predicted.withMetadata(predCol, out.apply(predCol).metadata());
  }

  /**
   * Accuracy and log-loss of the real rule on labelled data; for two classes also the area under the ROC curve of the
   * class-1 probability, which unlike accuracy does not depend on a threshold or on how imbalanced the classes are —
   * when the rows hold both classes: with one, the curve has no pairs to rank and no figure is given (Spark's
   * evaluator would report 0 or 1).
   */
  public Map<String, Double> evaluate(Dataset<?> dataset) {
    String label = getLabelCol();
    DatasetChecks.requireNumericOrVectorColumn(dataset.schema(), label);
    DatasetChecks.requireClassLabels(dataset, label, numClasses());
    Dataset<Row> predicted = transform(dataset);
    double accuracy = new MulticlassClassificationEvaluator().setLabelCol(label)
        .setPredictionCol(getPredictionCol()).setMetricName("accuracy").evaluate(predicted);
    double logLoss = new MulticlassClassificationEvaluator().setLabelCol(label)
        .setPredictionCol(getPredictionCol()).setProbabilityCol(getProbabilityCol()).setMetricName("logLoss").evaluate(predicted);
    Map<String, Double> metrics = new LinkedHashMap<>();
    metrics.put("accuracy", accuracy);
    metrics.put("logLoss", logLoss);
    metrics.put("loss", logLoss);
    metrics.put("count", (double) dataset.count());
    if (numClasses() == 2 && bothClassesPresent(predicted, label)) {
      metrics.put("areaUnderROC", new BinaryClassificationEvaluator().setLabelCol(label)
          .setRawPredictionCol(getProbabilityCol()).setMetricName("areaUnderROC").evaluate(predicted));
    }
    if (getEpsilon() > 0) {
      metrics.put("certifiedAccuracy", RobustEvaluation.certifiedAccuracy(predicted, label, getPredictionCol(), getCertifiedCol()));
      metrics.put("epsilon", getEpsilon());
    }
    return metrics;
  }

  /** Whether {@code rows}' label column holds both class 0 and class 1. */
  private static boolean bothClassesPresent(Dataset<Row> rows, String label) {
    Column y = functions.col(label).cast("double");
    Row counts = rows.agg(functions.count(functions.when(y.equalTo(0.0), 1)), functions.count(functions.when(y.equalTo(1.0), 1))).head();
    return counts.getLong(0) > 0 && counts.getLong(1) > 0;
  }

  /**
   * Empirical robustness over the box of params epsilon and featureScale (paper §5): accuracy and
   * the accuracy left after a projected-gradient attack of {@code steps} steps on every row.
   */
  public Map<String, Double> attack(Dataset<?> dataset, int steps) {
    String label = getLabelCol();
    DatasetChecks.requireVectorColumn(dataset.schema(), getFeaturesCol());
    DatasetChecks.requireNumericOrVectorColumn(dataset.schema(), label);
    DatasetChecks.requireClassLabels(dataset, label, numClasses());
    if (!(getEpsilon() > 0)) {
      throw new InvalidParamException("parameter epsilon must be > 0 to attack, got " + getEpsilon());
    }
    return RobustEvaluation.attack(model, dataset, getFeaturesCol(), label, ParamChecks.inputBox(getFeatureScale(), getEpsilon(), numFeatures()),
        steps, TrainingSettings.fixedPoint(this));
  }

  @Override
  public ImplicitClassificationModel copy(ParamMap extra) {
    ImplicitClassificationModel copy = new ImplicitClassificationModel(uid(), fit);
    return (ImplicitClassificationModel) copyValues(copy, extra).setParent(parent());
  }

  /**
   * The same rule with the states that provably affect no output removed (paper §6.2): every
   * prediction unchanged, the params and feature names kept, no training summary.
   */
  public ImplicitClassificationModel pruned() {
    ImplicitClassificationModel copy = new ImplicitClassificationModel(uid(), fit.around(exactlyPruned()));
    return (ImplicitClassificationModel) copyValues(copy, new ParamMap()).setParent(parent());
  }

  /**
   * The same params, names and training summary around {@code other}, a rule of the same inputs and outputs that predicts
   * what this one does on the rows it will be given (see {@link ModelAlgebra#refilled}).
   */
  public ImplicitClassificationModel withRule(ImplicitModel other) {
    ImplicitClassificationModel copy = new ImplicitClassificationModel(uid(), fit.with(other));
    return (ImplicitClassificationModel) copyValues(copy, new ParamMap()).setParent(parent());
  }

  @Override
  public MLWriter write() {
    return ModelStorage.writer(this);
  }

  public static MLReader<ImplicitClassificationModel> read() {
    return ModelStorage.reader(ImplicitClassificationModel.class, (uid, stored) -> new ImplicitClassificationModel(uid, stored.fit()));
  }

  public static ImplicitClassificationModel load(String path) {
    return read().load(path);
  }


  @Override
  public String explainParam(Param<?> param) {
    return ParamChecks.explain(this, param);
  }

  @Override
  public String toString() {
    return "ImplicitClassificationModel: uid=" + uid() + ", " + model + ", " + certificate().condition();
  }

}
