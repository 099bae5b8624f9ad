package org.implicitdl.job;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.implicitdl.spark.ImplicitClassificationModel;
import org.implicitdl.spark.ImplicitClassifier;
import org.implicitdl.train.EpochRecord;

/**
 * {@code idl bench --suite wide}: hashed features, p = 100,000 with about 100 non-zeros a row,
 * m = 100k, n = 50, three classes from a hidden ReLU teacher. The gradient solver's epoch on those
 * sparse rows beside its epoch on dense rows of p = 1,000 (the same code and settings, in one
 * run), per non-zero, and on dense rows of p = 100 — a sparse row's non-zeros stored densely, which no
 * sparse layout can beat, since the fixed point, adjoint and readout cost the same per row whatever p;
 * the same for one BCD epoch (first-order steps at p = 100,000, exact ones at p = 1,000); the most heap live after a collection during the sparse fits. Run it with the driver heap the target names: {@code IDL_DRIVER_MEMORY=2g idl bench --suite wide}.
 */
final class WideBench {
  private WideBench() {}

  static final int WIDE_INPUTS = 100_000;
  static final int NON_ZEROS = 100;
  static final long WIDE_ROWS = 100_000;
  static final int DENSE_INPUTS = 1_000;
  /** Dense rows with as many entries as a sparse row's non-zeros: the per-row work any sparse layout still pays. */
  static final int NARROW_INPUTS = NON_ZEROS;
  static final long DENSE_ROWS = 20_000;
  static final int HIDDEN = 50;
  static final int EPOCHS = 3;
  /** BCD's first-order steps pass over the data once per iteration (about 190 passes an epoch): one epoch keeps its row to minutes. */
  static final int BCD_EPOCHS = 1;
  private static final int CLASSES = 3;
  private static final int TEACHER = 8;

  static List<Map<String, Object>> run(JobConfig cfg, List<String> notes) throws Exception {
    SparkSession spark = Sessions.create(cfg, "bench wide");
    try {
      List<Map<String, Object>> rows = new ArrayList<>();
      // warm-up (JIT) on a small sparse set, not reported
      fit(rows(spark, 5_000, WIDE_INPUTS, NON_ZEROS, 9).cache(), "gradient");
      Map<String, Object> sparse = timed(spark, "gradient", "sparse (hashed)", WIDE_ROWS, WIDE_INPUTS, NON_ZEROS);
      Map<String, Object> dense = timed(spark, "gradient", "dense", DENSE_ROWS, DENSE_INPUTS, 0);
      Map<String, Object> narrow = timed(spark, "gradient", "dense, as many inputs as a sparse row's non-zeros", DENSE_ROWS, NARROW_INPUTS, 0);
      Map<String, Object> bcdSparse = timed(spark, "bcd", "sparse (hashed)", WIDE_ROWS, WIDE_INPUTS, NON_ZEROS);
      Map<String, Object> bcdDense = timed(spark, "bcd", "dense", DENSE_ROWS, DENSE_INPUTS, 0);
      rows.add(sparse);
      rows.add(dense);
      rows.add(narrow);
      rows.add(bcdSparse);
      rows.add(bcdDense);
      double perNonZero = (Double) sparse.get("ns_per_nonzero") / (Double) dense.get("ns_per_nonzero");
      notes.add(String.format(Locale.ROOT, "gradient epoch per non-zero, sparse p = %d / dense p = %d: %.2f (target <= 2; best epoch of %d each)",
          WIDE_INPUTS, DENSE_INPUTS, perNonZero, EPOCHS));
      notes.add(String.format(Locale.ROOT, "gradient epoch per non-zero, dense p = %d / dense p = %d: %.2f — the floor of the ratio above for any sparse "
          + "layout and optimizer: the same rows' per-row work (fixed point, adjoint, readout) on their non-zeros stored densely, "
          + "with no cost for the width (B is %d x %d)", NARROW_INPUTS, DENSE_INPUTS,
          (Double) narrow.get("ns_per_nonzero") / (Double) dense.get("ns_per_nonzero"), HIDDEN, NARROW_INPUTS));
      notes.add(String.format(Locale.ROOT, "gradient sparse epoch: %.1f s for %d steps of batch 512, %.0f ms a step", (Double) sparse.get("best_epoch_s"),
          (WIDE_ROWS + 511) / 512, 1000 * (Double) sparse.get("best_epoch_s") / ((WIDE_ROWS + 511) / 512)));
      notes.add(String.format(Locale.ROOT, "bcd epoch per non-zero, sparse / dense (first-order steps at p = %d, exact at p = %d): %.2f",
          WIDE_INPUTS, DENSE_INPUTS, (Double) bcdSparse.get("ns_per_nonzero") / (Double) bcdDense.get("ns_per_nonzero")));
      notes.add(String.format(Locale.ROOT, "heap: at most %.0f MB (gradient) and %.0f MB (bcd) live after a collection during the sparse fits, "
          + "in a %.0f MB heap (target: driver under 2 GB; local mode, so the executors' cached rows and blocks share this heap)",
          (Double) sparse.get("peak_live_heap_MB"), (Double) bcdSparse.get("peak_live_heap_MB"), Runtime.getRuntime().maxMemory() / 1e6));
      return rows;
    } finally {
      spark.stop();
    }
  }

  private static Map<String, Object> timed(SparkSession spark, String solver, String name, long m, int p, int nonZeros)
      throws InterruptedException {
    Dataset<Row> train = rows(spark, m, p, nonZeros, 1).cache();
    Dataset<Row> test = rows(spark, 10_000, p, nonZeros, 2).cache();
    train.count();
    test.count();
    System.gc();
    LiveHeap live = LiveHeap.watch();
    long t0 = System.nanoTime();
    ImplicitClassificationModel model = fit(train, solver);
    double wall = Bench.seconds(t0);
    double peak = live.stop();
    double best = Double.POSITIVE_INFINITY;
    for (EpochRecord r : model.summary().history()) {
      if (r.epoch() > 0) {
        // the epoch's steps and its report (a gradient epoch's steps are all in [1]; BCD's (C, D), P/X, (A, B) in [0..2])
        best = Math.min(best, java.util.Arrays.stream(r.seconds()).sum());
      }
    }
    double stored = m * (nonZeros > 0 ? nonZeros + 1.0 : p + 1.0);
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("solver", solver);
    row.put("data", name);
    row.put("rows", m);
    row.put("inputs", p);
    row.put("nonzeros_per_row", nonZeros > 0 ? nonZeros + 1 : p + 1);
    row.put("best_epoch_s", Bench.round(best));
    row.put("ns_per_nonzero", Bench.round(best / stored * 1e9));
    row.put("fit_wall_s", Bench.round(wall));
    row.put("peak_live_heap_MB", Bench.round(peak));
    row.put("train_accuracy", Bench.round(model.summary().finalRecord().realMetric()));
    row.put("test_accuracy", Bench.round(model.evaluate(test).get("accuracy")));
    train.unpersist();
    test.unpersist();
    return row;
  }

  /**
   * The default configuration of {@code solver} for {@value #EPOCHS} whole epochs ({@value #BCD_EPOCHS} for bcd): no step
   * floor, no validation split, n = {@value #HIDDEN}.
   */
  private static ImplicitClassificationModel fit(Dataset<Row> train, String solver) {
    return new ImplicitClassifier().setHiddenDim(HIDDEN).setMaxIter(solver.equals("bcd") ? BCD_EPOCHS : EPOCHS).setMinSteps(0)
        .setValidationFraction(0).setSolver(solver).fit(train);
  }

  /**
   * m rows of p inputs: with {@code nonZeros} > 0, that many distinct hashed indices a row holding counts 1–4 (sparse
   * vectors); with 0, every input a standard normal (dense vectors). The class is the arg-max of a fixed random ReLU
   * teacher with {@value #TEACHER} hidden units whose weights are hashed from (input, unit), so any row can be made
   * on any executor.
   */
  static Dataset<Row> rows(SparkSession spark, long m, int p, int nonZeros, long seed) {
    int parts = Math.max(2, (int) Math.min(64, m / 10_000));
    List<Integer> slices = new ArrayList<>();
    for (int k = 0; k < parts; k++) {
      slices.add(k);
    }
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    var rdd = sc.parallelize(slices, parts).flatMap(k -> {
      List<Row> out = new ArrayList<>();
      for (long r = k * m / parts; r < (k + 1) * m / parts; r++) {
        out.add(row(seed * 1_000_003L + r, p, nonZeros));
      }
      return out.iterator();
    });
    StructType schema = new StructType().add("features", SQLDataTypes.VectorType()).add("label", DataTypes.DoubleType);
    return spark.createDataFrame(rdd, schema);
  }

  private static Row row(long id, int p, int nonZeros) {
    SplittableRandom rnd = new SplittableRandom(id);
    TreeMap<Integer, Double> entries = new TreeMap<>();
    if (nonZeros > 0) {
      while (entries.size() < nonZeros) {
        entries.put(rnd.nextInt(p), 1.0 + rnd.nextInt(4));
      }
    } else {
      for (int i = 0; i < p; i++) {
        entries.put(i, gaussian(rnd));
      }
    }
    double[] hidden = new double[TEACHER];
    for (Map.Entry<Integer, Double> e : entries.entrySet()) {
      for (int k = 0; k < TEACHER; k++) {
        hidden[k] += weight(e.getKey(), k) * e.getValue();
      }
    }
    double norm = Math.sqrt(entries.size() * (nonZeros > 0 ? 7.5 : 1.0));
    double[] score = new double[CLASSES];
    for (int k = 0; k < TEACHER; k++) {
      double h = Math.max(0, hidden[k] / norm + 0.3 * weight(-1, k));
      for (int c = 0; c < CLASSES; c++) {
        score[c] += weight(-2 - c, k) * h;
      }
    }
    int label = 0;
    for (int c = 1; c < CLASSES; c++) {
      label = score[c] > score[label] ? c : label;
    }
    Vector features = nonZeros > 0
        ? Vectors.sparse(p, entries.keySet().stream().mapToInt(Integer::intValue).toArray(), entries.values().stream().mapToDouble(Double::doubleValue).toArray())
        : Vectors.dense(entries.values().stream().mapToDouble(Double::doubleValue).toArray());
    return RowFactory.create(features, (double) label);
  }

  /**
   * The most heap found live after a collection while it watches: every 20 ms, the sum over the heap's pools of their
   * use after their last collection (garbage not yet collected is not counted, unlike a peak of use).
   */
  private static final class LiveHeap {
    private final List<MemoryPoolMXBean> pools = ManagementFactory.getMemoryPoolMXBeans().stream()
        .filter(b -> b.getType() == MemoryType.HEAP && b.isCollectionUsageThresholdSupported()).toList();
    private volatile boolean running = true;
    private volatile double most;
    private Thread thread;

    static LiveHeap watch() {
      LiveHeap h = new LiveHeap();
      h.thread = new Thread(() -> {
        while (h.running) {
          double live = h.pools.stream().mapToDouble(b -> b.getCollectionUsage() == null ? 0 : b.getCollectionUsage().getUsed()).sum();
          h.most = Math.max(h.most, live);
          try {
            Thread.sleep(20);
          } catch (InterruptedException e) {
            return;
          }
        }
      }, "wide-bench-heap");
      h.thread.setDaemon(true);
      h.thread.start();
      return h;
    }

    /** Stops watching; the most live heap seen, in MB. */
    double stop() throws InterruptedException {
      running = false;
      thread.join();
      return most / 1e6;
    }
  }

  /** A teacher weight in [−1, 1] hashed from (input, unit) (SplitMix64's finalizer). */
  private static double weight(int input, int unit) {
    long z = (input * 0x9E3779B97F4A7C15L) ^ (unit * 0xC2B2AE3D27D4EB4FL) ^ 0x165667B19E3779F9L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    z ^= z >>> 31;
    return (z >>> 11) * 0x1.0p-53 * 2 - 1;
  }

  private static double gaussian(SplittableRandom rnd) {
    double u = 1 - rnd.nextDouble();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd.nextDouble());
  }
}
