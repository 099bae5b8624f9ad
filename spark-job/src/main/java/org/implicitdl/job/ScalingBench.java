package org.implicitdl.job;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.RDDInfo;
import org.apache.spark.storage.StorageLevel;
import org.implicitdl.spark.RddBlockStore;

/**
 * {@code idl bench --suite scaling}: the BCD epoch's time as executors and data grow (60k to 480k
 * rows, local[1] and local[2]) and when the data is three times the storage memory (serialized and
 * disk-only blocks), each the best of {@link KernelBench#TIMED_EPOCHS} epochs measured side by side
 * in one run; the ratios and the linear fit against their targets go into the notes.
 */
final class ScalingBench {
  private ScalingBench() {}

  /** {@code --only} of this suite: the 240k in-memory row and the rows larger than memory, without the scaling rows. */
  static final String BEYOND_MEMORY_ONLY = "beyond-memory";

  /** The table's rows; the ratios and the fit against the targets go into {@code notes}. */
  static List<Map<String, Object>> run(JobConfig cfg, List<String> notes) throws Exception {
    String only = cfg.string("only");
    if (!only.isEmpty() && !only.equals(BEYOND_MEMORY_ONLY)) {
      throw new IllegalArgumentException("--only for the scaling suite: expected " + BEYOND_MEMORY_ONLY + ", got " + only);
    }
    List<Map<String, Object>> rows = new ArrayList<>();
    scalingRow(cfg, "local[2]", 1); // warm-up (JIT), not reported: the first row would pay for it
    if (!only.isEmpty()) {
      rows.add(scalingRow(cfg, "local[2]", 4));
      rows.addAll(beyondMemory(cfg, notes, (Double) rows.get(0).get("s_per_100k_rows"), Double.NaN));
      return rows;
    }
    for (String master : new String[] {"local[1]", "local[2]"}) {
      rows.add(scalingRow(cfg, master, 1));
    }
    for (int copies : new int[] {2, 4, 8}) {
      rows.add(scalingRow(cfg, "local[2]", copies));
    }
    double[] m = new double[4];
    double[] t = new double[4];
    double[] alloc = new double[4];
    for (int i = 0; i < 4; i++) {
      Map<String, Object> r = rows.get(i + 1);
      m[i] = ((Number) r.get("rows")).doubleValue();
      t[i] = (Double) r.get("bcd_epoch_s");
      alloc[i] = (Double) r.get("driver_thread_alloc_MB_per_epoch");
    }
    double[] line = line(m, t);
    // the in-memory reference twice: the 240k row itself, and the line through the four in-memory sizes at 240k rows (one
    // slow epoch of one row moves the first; the second leans on four rows)
    List<Map<String, Object>> beyond = beyondMemory(cfg, notes, (Double) rows.get(3).get("s_per_100k_rows"), (line[0] + line[1] * 240000) / 2.4);
    double one = (Double) rows.get(0).get("bcd_epoch_s");
    double two = (Double) rows.get(1).get("bcd_epoch_s");
    notes.add(String.format(Locale.ROOT, "epoch time local[2] / local[1] at 60k rows, each the best of " + KernelBench.TIMED_EPOCHS + " epochs: %.3f (target <= 0.6)", two / one));
    notes.add(linearFit("epoch seconds", m, t) + " (target: within 15%)");
    notes.add(String.format(Locale.ROOT, "driver-thread allocation per epoch, max/min over m: %.3f (target: within 10%%)",
        Arrays.stream(alloc).max().getAsDouble() / Arrays.stream(alloc).min().getAsDouble()));
    rows.addAll(beyond);
    return rows;
  }

  /**
   * Data three times the storage memory: serialized (compressed) blocks and blocks on disk only, each with U in double
   * and in single precision (blockInputPrecision float), against the in-memory 240k rows' seconds per 100k rows
   * ({@code inMemory}) and the in-memory line's at 240k rows ({@code onLine}, NaN when the suite ran no line).
   */
  private static List<Map<String, Object>> beyondMemory(JobConfig cfg, List<String> notes, double inMemory, double onLine) throws Exception {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (boolean singlePrecision : new boolean[] {false, true}) {
      for (String level : new String[] {"MEMORY_AND_DISK_SER", "DISK_ONLY"}) {
        rows.add(scalingRow(cfg, "local[2]", 4, level, 1.0 / 3, singlePrecision));
      }
    }
    for (Map<String, Object> r : rows) {
      double s = (Double) r.get("s_per_100k_rows");
      notes.add(String.format(Locale.ROOT, "larger than memory (%s): %.3f s per 100k rows per epoch = %.3f x the in-memory 240k row's %.3f", r.get("storage"),
          s, s / inMemory, inMemory) + (Double.isNaN(onLine) ? "" : String.format(Locale.ROOT, ", %.3f x the in-memory line's %.3f at 240k rows", s / onLine,
          onLine)) + " (target <= 1.5)");
    }
    return rows;
  }

  private static Map<String, Object> scalingRow(JobConfig cfg, String master, int copies) throws Exception {
    return scalingRow(cfg, master, copies, "MEMORY_AND_DISK", 0, false);
  }

  /**
   * The BCD epoch on {@code copies} × 60k rows with the blocks cached at {@code level}; with
   * {@code storageShare} &gt; 0 the session's unified memory (spark.memory.fraction of the heap) is cut
   * to that share of the packed data, so the blocks do not fit and the passes read them back from
   * serialized memory and disk, as on executors whose storage memory is smaller than the data. With {@code singlePrecision}
   * the blocks' U is rounded to floats (blockInputPrecision float).
   */
  private static Map<String, Object> scalingRow(JobConfig cfg, String master, int copies, String level, double storageShare, boolean singlePrecision)
      throws Exception {
    double packedBytes = KernelBench.PACKED_ROW_BYTES * 60000 * copies;
    Map<String, String> settings = new LinkedHashMap<>();
    if (storageShare > 0) {
      double usable = Runtime.getRuntime().maxMemory() - 300e6; // Spark's reserved memory
      settings.put("spark.memory.fraction", String.format(Locale.ROOT, "%.4f", storageShare * packedBytes / usable));
      settings.put("spark.rdd.compress", "true");
    }
    SparkSession spark = Sessions.create(JobConfig.parse(new String[] {"--master", master}, Set.of()), "bench scaling", settings);
    try {
      Dataset<Row> train = DataSources.load(spark, Bench.TRAIN, "idx", "label", "", "", true).frame();
      Dataset<Row> data = train;
      for (int c = 1; c < copies; c++) {
        data = data.union(train);
      }
      RddBlockStore store = Bench.store(JavaSparkContext.fromSparkContext(spark.sparkContext()), data.repartition(spark.sparkContext().defaultParallelism() * 2),
          RddBlockStore.storageLevel(level), singlePrecision);
      long gc0 = gcMillis();
      List<KernelBench.TimedEpoch> epochs = KernelBench.timedEpochs(store);
      double gcSeconds = (gcMillis() - gc0) / 1e3;
      double[] cached = cachedMb(spark, store);
      double storageMb = 0;
      for (scala.Tuple2<Object, Object> mem : scala.jdk.javaapi.CollectionConverters.asJava(spark.sparkContext().getExecutorMemoryStatus()).values()) {
        storageMb += ((Number) mem._1()).doubleValue() / 1e6;
      }
      store.close();
      double[] steps = epochs.stream().mapToDouble(KernelBench.TimedEpoch::stepSeconds).toArray();
      double best = Arrays.stream(steps).min().orElse(Double.NaN);
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("master", master);
      r.put("rows", 60000 * copies);
      StorageLevel blocks = RddBlockStore.storageLevel(level);
      StorageLevel states = RddBlockStore.statesLevel(blocks);
      r.put("storage", level + (singlePrecision ? ", U in float" : "") + (states.equals(blocks) ? "" : " (states " + states.description() + ")")
          + (storageShare > 0 ? String.format(Locale.ROOT, ", storage memory %.0f MB for %.0f MB of blocks", storageMb,
          packedBytes / 1e6) : ""));
      r.put("blocks_in_memory_MB", Bench.round(cached[0]));
      r.put("blocks_on_disk_MB", Bench.round(cached[1]));
      r.put("bcd_epoch_s", Bench.round(best));
      r.put("epochs_s", Bench.rounded(steps));
      r.put("s_per_100k_rows", Bench.round(best / (0.6 * copies)));
      r.put("driver_thread_alloc_MB_per_epoch", Bench.round(KernelBench.median(epochs.stream().mapToDouble(KernelBench.TimedEpoch::driverAllocatedMb).toArray())));
      r.put("driver_thread_cpu_s_per_epoch", Bench.round(KernelBench.median(epochs.stream().mapToDouble(KernelBench.TimedEpoch::driverCpuSeconds).toArray())));
      r.put("driver_statistics_MB", Bench.round(8.0 * (Bench.HIDDEN + 785) * (Bench.HIDDEN + 785) * 3 / 1e6));
      r.put("jvm_gc_s_whole_run", Bench.round(gcSeconds));
      System.out.println("  " + r);
      return r;
    } finally {
      spark.stop();
    }
  }

  /** MB of the store's current blocks (their U, Y, w and their states) Spark holds in memory and on disk. */
  private static double[] cachedMb(SparkSession spark, RddBlockStore store) {
    List<Integer> ids = store.cachedRddIds();
    double[] mb = new double[2];
    int found = 0;
    for (RDDInfo info : spark.sparkContext().getRDDStorageInfo()) {
      if (ids.contains(info.id())) {
        mb[0] += info.memSize() / 1e6;
        mb[1] += info.diskSize() / 1e6;
        found++;
      }
    }
    return found == ids.size() ? mb : new double[] {Double.NaN, Double.NaN};
  }

  /** Least-squares line y = a + b·x and the largest relative deviation of a point from it. */
  static String linearFit(String what, double[] x, double[] y) {
    double[] line = line(x, y);
    double a = line[0];
    double b = line[1];
    double worst = 0;
    for (int i = 0; i < x.length; i++) {
      worst = Math.max(worst, Math.abs(y[i] - (a + b * x[i])) / y[i]);
    }
    return String.format(Locale.ROOT, "%s = %.3f + %.3f per 100k rows; largest deviation from the line %.1f%%", what, a, b * 1e5, 100 * worst);
  }

  /** The least-squares line y = a + b·x through the points, as {a, b}. */
  static double[] line(double[] x, double[] y) {
    double mx = Arrays.stream(x).average().orElse(0);
    double my = Arrays.stream(y).average().orElse(0);
    double sxy = 0;
    double sxx = 0;
    for (int i = 0; i < x.length; i++) {
      sxy += (x[i] - mx) * (y[i] - my);
      sxx += (x[i] - mx) * (x[i] - mx);
    }
    double b = sxy / sxx;
    return new double[] {my - b * mx, b};
  }

  private static long gcMillis() {
    long ms = 0;
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      ms += Math.max(0, gc.getCollectionTime());
    }
    return ms;
  }
}
