package org.implicitdl.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.implicitdl.model.ImplicitModel;
import org.junit.jupiter.api.Test;

/** tuneStepSize returns one of its candidate fits, whole, and says which, or (blendStepSizes) its mixture with the runner-up; off, a fit trains at stepSize alone. */
class StepSizeChoiceTest {

  @Test
  void aTunedFitIsTheFixedStepFitAtTheStepItKept() {
    Random r = new Random(12);
    List<Row> out = new ArrayList<>();
    for (int j = 0; j < 500; j++) {
      double[] u = {r.nextGaussian(), r.nextGaussian(), r.nextGaussian()};
      out.add(RowFactory.create(Vectors.dense(u), Math.max(0, u[0] - u[1]) + 0.5 * u[2] * u[2] + 0.1 * r.nextGaussian()));
    }
    StructType schema = new StructType().add("features", SQLDataTypes.VectorType()).add("label", DataTypes.DoubleType);
    Dataset<Row> data = SparkTestSession.get().createDataFrame(out, schema).cache();
    // 250 validation rows: enough to choose on
    ImplicitRegressor base = new ImplicitRegressor().setHiddenDim(6).setMaxIter(6).setBatchSize(32).setStepSize(0.03).setMinSteps(0)
        .setValidationFraction(0.5);
    ImplicitRegressionModel tuned = base.copy(new org.apache.spark.ml.param.ParamMap()).setBlendStepSizes(false).fit(data);
    double kept = tuned.summary().stepSize();
    double k = Math.log(kept / 0.03) / Math.log(2.5);
    assertTrue(Math.abs(k - Math.rint(k)) < 1e-9 && k >= 0 && k < StepSizeSearch.TRIES, "one of the candidates 0.03 x 2.5^k: " + kept);
    ImplicitModel atKept = base.copy(new org.apache.spark.ml.param.ParamMap()).setTuneStepSize(false).setStepSize(kept).fit(data).implicitModel();
    LocalTrainingTest.assertSameModel(atKept, tuned.implicitModel(), "the kept candidate");
    // blended (the default): here 0.1875 is kept and the mixture with 0.075 scores better on the validation rows — the kept
    // candidate's states first, the runner-up's after them, the two blocks never meeting; the summary names the mixture
    ImplicitRegressionModel blendedFit = base.copy(new org.apache.spark.ml.param.ParamMap()).fit(data);
    ImplicitModel blended = blendedFit.implicitModel();
    assertEquals(12, blended.hiddenDim(), "two candidates' states");
    LocalTrainingTest.assertSameModel(atKept, new ImplicitModel(blended.a().block(0, 6, 0, 6), blended.b().block(0, 6, 0, 4), atKept.c(),
        atKept.d(), atKept.activation(), true), "the kept candidate's states");
    assertEquals(0.0, blended.a().block(0, 6, 6, 12).absolute().sum() + blended.a().block(6, 12, 0, 6).absolute().sum(), 0.0,
        "the two candidates' states never meet");
    TrainingSummary.StepBlend blend = blendedFit.summary().stepBlend();
    assertEquals(kept, blendedFit.summary().stepSize(), 0.0);
    assertEquals(2.5, Math.max(blend.runnerUpStepSize(), kept) / Math.min(blend.runnerUpStepSize(), kept), 1e-9, "a neighbouring step size");
    assertTrue(blend.weight() > 0 && blend.weight() < 1, "weight " + blend.weight());
    ImplicitRegressionModel fixed = base.copy(new org.apache.spark.ml.param.ParamMap()).setTuneStepSize(false).fit(data);
    assertEquals(0.03, fixed.summary().stepSize(), 0.0);
    // 50 validation rows (too few to choose on) or none: one run at stepSize
    ImplicitRegressionModel fewRows = base.copy(new org.apache.spark.ml.param.ParamMap()).setValidationFraction(0.1).fit(data);
    assertEquals(0.03, fewRows.summary().stepSize(), 0.0);
    ImplicitRegressionModel noValidation = base.copy(new org.apache.spark.ml.param.ParamMap()).setValidationFraction(0.0).fit(data);
    assertEquals(0.03, noValidation.summary().stepSize(), 0.0);
  }
}
