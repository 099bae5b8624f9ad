package org.implicitdl.job;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.implicitdl.spark.ImplicitClassificationModel;
import org.implicitdl.spark.ImplicitClassifier;
import org.implicitdl.train.Optimizer;

/**
 * {@code idl bench --suite robust} (paper §5): on Fashion-MNIST (pixels in [0, 1]), a nominal and a
 * robust-trained implicit model (n = 100, trained through the estimator), each judged on the test
 * images at several ε: clean accuracy, certified accuracy (interval bounds) and the accuracy left
 * after a 20-step projected-gradient attack. Certified ≤ attacked ≤ clean on every row.
 */
final class RobustBench {
  private static final double[] EPSILONS = {0.01, 0.02, 0.05, 0.1};
  private static final int ATTACK_STEPS = 20;

  private RobustBench() {}

  static List<Map<String, Object>> run(JobConfig cfg, List<String> notes) throws Exception {
    SparkSession spark = Sessions.create(cfg, "bench robust");
    try {
      Dataset<Row> train = DataSources.load(spark, Bench.TRAIN, "idx", "label", "", "", true).frame().cache();
      Dataset<Row> test = DataSources.load(spark, Bench.TEST, "idx", "label", "", "", true).frame().cache();
      double trainEpsilon = cfg.number("trainer.robust-epsilon") > 0 ? cfg.number("trainer.robust-epsilon") : 0.05;
      List<Map<String, Object>> rows = new ArrayList<>();
      // the job's own mapping of the configuration (--epochs, --set trainer.*) onto the estimator's params
      ImplicitClassifier base = Recipes.configured(new ImplicitClassifier(), cfg);
      nominalAndRobust(rows, "gradient", base, trainEpsilon, train, test, String.format(Locale.ROOT, "robust-trained (eps %.3g, w %.2g)",
          trainEpsilon, cfg.number("trainer.robust-weight")));
      ImplicitClassifier bcd = Recipes.classifier("conf/fashion-mnist-bcd.conf", "--epochs", Integer.toString(BCD_EPOCHS));
      nominalAndRobust(rows, "bcd", bcd, trainEpsilon, train, test, String.format(Locale.ROOT, "robust (A, B)-step, eq. 18 (eps %.3g)",
          trainEpsilon));
      notes.add("bcd: the recipe of conf/fashion-mnist-bcd.conf (prototypes, kappa 0.5, ridge 10, lambda = mu = 0.05 x1.3 per epoch) "
          + "with " + BCD_EPOCHS + " epochs; gradient: the job configuration (" + base.getMaxIter() + " epochs, learning rate "
          + Optimizer.scheduleInWords(base.getStepDecay()) + ", robust weight " + base.getRobustWeight() + ", ramp " + base.getRobustRamp() + ").");
      notes.add("ε is in pixel units (pixels / 255 in [0, 1]); the box is u ± ε on every pixel, not clipped to [0, 1].");
      notes.add("attacked accuracy: " + ATTACK_STEPS + "-step PGD on the cross-entropy, step 2.5ε/" + ATTACK_STEPS
          + ", a row counts as broken when any iterate is misclassified.");
      return rows;
    } finally {
      spark.stop();
    }
  }

  private static final int BCD_EPOCHS = 10;

  /** {@code estimator} fitted nominally and with the robust objective at {@code epsilon}, both judged at every ε. */
  private static void nominalAndRobust(List<Map<String, Object>> rows, String name, ImplicitClassifier estimator, double epsilon,
      Dataset<Row> train, Dataset<Row> test, String robustName) {
    long t0 = System.nanoTime();
    ImplicitClassificationModel nominal = estimator.copy(new org.apache.spark.ml.param.ParamMap()).setRobustEpsilon(0).fit(train);
    double nominalSeconds = (System.nanoTime() - t0) / 1e9;
    t0 = System.nanoTime();
    ImplicitClassificationModel robust = estimator.copy(new org.apache.spark.ml.param.ParamMap()).setRobustEpsilon(epsilon).fit(train);
    double robustSeconds = (System.nanoTime() - t0) / 1e9;
    judge(rows, name + ", nominal", nominal, nominalSeconds, test);
    judge(rows, name + ", " + robustName, robust, robustSeconds, test);
  }

  private static void judge(List<Map<String, Object>> rows, String name, ImplicitClassificationModel model, double trainSeconds,
      Dataset<Row> test) {
    for (double eps : EPSILONS) {
      ImplicitClassificationModel m = model.copy(new org.apache.spark.ml.param.ParamMap()).setEpsilon(eps);
      m.setLabelCol("label");
      long t0 = System.nanoTime();
      Map<String, Double> certified = m.evaluate(test);
      double certifySeconds = (System.nanoTime() - t0) / 1e9;
      Map<String, Double> attacked = m.attack(test, ATTACK_STEPS);
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("model", name);
      r.put("train_s", Math.round(trainSeconds * 10) / 10.0);
      r.put("epsilon", eps);
      r.put("clean_accuracy", round4(certified.get("accuracy")));
      r.put("certified_accuracy", round4(certified.get("certifiedAccuracy")));
      r.put("attacked_accuracy", round4(attacked.get("attackedAccuracy")));
      r.put("certify_s", Math.round(certifySeconds * 10) / 10.0);
      System.out.printf(Locale.ROOT, "  %s at eps %.3g: clean %.4f, certified %.4f, attacked %.4f%n", name, eps, certified.get("accuracy"),
          certified.get("certifiedAccuracy"), attacked.get("attackedAccuracy"));
      rows.add(r);
    }
  }

  private static double round4(double v) {
    return Math.round(v * 10000) / 10000.0;
  }
}
