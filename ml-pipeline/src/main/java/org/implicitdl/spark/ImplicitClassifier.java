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
 * both (param {@code solver}). Labels are class indices 0..k−1; when the label column carries
 * class names in its ML attributes (a StringIndexer upstream), the model remembers them
 * ({@link ImplicitClassificationModel#classNames()}).
 */
public final class ImplicitClassifier extends ProbabilisticClassifier<Vector, ImplicitClassifier, ImplicitClassificationModel>
    implements TrainingSetters<ImplicitClassifier>, DefaultParamsWritable {
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
    ImplicitClassificationModel model = new ImplicitClassificationModel(uid(), new ModelInfo.Fit(fitted.model(), fitted.summary(),
        FeatureNames.fromSchema(dataset.schema(), featuresCol, inputs), ClassNames.fromSchema(dataset.schema(), getLabelCol(), classes)));
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
