package org.implicitdl.spark;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.robust.InputBox;
import org.implicitdl.robust.PgdAttack;
import org.implicitdl.solve.SolverSettings;

/**
 * Robust accuracy of a classifier over the input box of its epsilon and featureScale params
 * (paper §5): certified accuracy (rows whose prediction is right and provably cannot change,
 * from transform's certified column) and attacked accuracy (rows the projected-gradient attack
 * does not break, {@link PgdAttack}), each one pass over the data in blocks.
 */
final class RobustEvaluation {
  private static final int BLOCK = 1024;

  private RobustEvaluation() {}

  /** Certified accuracy from a transform that carries the certified column. */
  static double certifiedAccuracy(Dataset<Row> transformed, String labelCol, String predictionCol, String certifiedCol) {
    Row r = transformed.agg(functions.count(functions.lit(1)),
        functions.sum(functions.when(functions.col(certifiedCol).and(functions.col(predictionCol).equalTo(functions.col(labelCol))), 1)
            .otherwise(0))).head();
    long rows = r.getLong(0);
    return rows == 0 ? Double.NaN : (r.isNullAt(1) ? 0 : r.getLong(1)) / (double) rows;
  }

  /** accuracy, attackedAccuracy, epsilon and count of the attack with {@code steps} steps. */
  static Map<String, Double> attack(ImplicitModel model, Dataset<?> dataset, String featuresCol, String labelCol, InputBox box, int steps,
      SolverSettings settings) {
    if (steps < 1) {
      throw new InvalidParamException("attack steps must be >= 1, got " + steps);
    }
    Dataset<Row> rows = dataset.toDF().select(featuresCol, labelCol);
    int p = model.inputDim();
    Broadcast<Shipped<ImplicitModel>> bc = org.apache.spark.api.java.JavaSparkContext.fromSparkContext(rows.sparkSession().sparkContext()).broadcast(new Shipped<>(model));
    long[] counts = rows.javaRDD().mapPartitions((FlatMapFunction<Iterator<Row>, long[]>) it -> {
      long[] c = new long[3];
      List<Row> batch = new ArrayList<>(BLOCK);
      while (it.hasNext()) {
        batch.add(it.next());
        if (batch.size() == BLOCK || !it.hasNext()) {
          attackBlock(bc.value().value(), batch, featuresCol, p, box, steps, settings, c);
          batch.clear();
        }
      }
      return List.of(c).iterator();
    }).reduce((x, y) -> new long[] {x[0] + y[0], x[1] + y[1], x[2] + y[2]});
    Map<String, Double> out = new LinkedHashMap<>();
    out.put("accuracy", counts[1] / (double) counts[0]);
    out.put("attackedAccuracy", counts[2] / (double) counts[0]);
    out.put("epsilon", box.epsilon());
    out.put("count", (double) counts[0]);
    return out;
  }

  /** Adds rows, clean-correct rows and rows still correct after the attack to c. */
  private static void attackBlock(ImplicitModel m, List<Row> batch, String featuresCol, int p, InputBox box, int steps, SolverSettings settings,
      long[] c) {
    int size = batch.size();
    double[] u = new double[p * size];
    int[] labels = new int[size];
    for (int j = 0; j < size; j++) {
      System.arraycopy(BlockPacking.features(batch.get(j), 0, featuresCol, p), 0, u, j * p, p);
      labels[j] = (int) ((Number) batch.get(j).get(1)).doubleValue();
    }
    Matrix block = new Matrix(p, size, u);
    int[] clean = predicted(m, block, settings);
    PgdAttack.Result r = PgdAttack.attack(m, block, labels, box.radii(size), steps, settings);
    c[0] += size;
    for (int j = 0; j < size; j++) {
      c[1] += clean[j] == labels[j] ? 1 : 0;
      c[2] += r.broken()[j] ? 0 : 1;
    }
  }

  private static int[] predicted(ImplicitModel m, Matrix u, SolverSettings settings) {
    Matrix y = m.readout(m.solveStates(u, settings).states(), u);
    int[] out = new int[y.cols()];
    for (int j = 0; j < out.length; j++) {
      out[j] = y.argmaxInColumn(j);
    }
    return out;
  }
}
