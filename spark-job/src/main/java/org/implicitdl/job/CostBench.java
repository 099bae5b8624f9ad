package org.implicitdl.job;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.implicitdl.spark.RddBlockStore;
import org.implicitdl.train.BlockCoordinateDescent;
import org.implicitdl.train.BlockStore;
import org.implicitdl.train.EpochRecord;
import org.implicitdl.train.GradientSettings;
import org.implicitdl.train.GradientTrainer;
import org.implicitdl.train.Loss;

/**
 * {@code idl bench --suite cost}: a cost model of one training epoch on the executors — Spark
 * jobs, bytes into the driver, flops and executor seconds — calibrated on 60k Fashion-MNIST rows,
 * checked against Spark's task metrics on 120k, then extrapolated to a cluster.
 *
 * <p>Per epoch of m rows on E executors of c cores, with a statistic (or gradient) of S doubles and
 * a model of M doubles: jobs J (the synchronous gradient: ⌈m/batch⌉, one per Adam step; BCD: a
 * fixed number of passes), bytes into the driver J · k · 8S where k partials reach it (all P
 * partitions' at tree depth 1 or few partitions, ⌈P/fanIn⌉ at depth 2), bytes into each executor
 * J · 8M (the broadcast model), flops f · m and executor seconds s · m (f, s per row, calibrated),
 * wall time J · latency + s · m / (E · c). The second size checks that J, the driver bytes and
 * f are what the formulas say and that the wall time follows.
 */
final class CostBench {
  private CostBench() {}

  /** The epochs the model covers; the label names each in the table and the notes. */
  private enum Schedule {
    SYNCHRONOUS_GRADIENT("gradient"), BCD("bcd"), LOCAL_ROUNDS("gradient, local rounds averaged 8x/epoch");

    final String label;

    Schedule(String label) {
      this.label = label;
    }
  }

  /** What Spark's listener saw during one epoch. */
  private record Seen(int jobs, double resultBytes, double shuffleBytes, double runSeconds, double cpuSeconds) {}

  /** Totals of finished tasks and jobs, read between epochs. */
  private static final class Meter extends SparkListener {
    private int jobs;
    private double resultBytes;
    private double shuffleBytes;
    private double runSeconds;
    private double cpuSeconds;

    @Override
    public synchronized void onJobEnd(SparkListenerJobEnd end) {
      jobs++;
    }

    @Override
    public synchronized void onTaskEnd(SparkListenerTaskEnd end) {
      if (end.taskMetrics() == null) {
        return;
      }
      resultBytes += end.taskMetrics().resultSize();
      shuffleBytes += end.taskMetrics().shuffleWriteMetrics().bytesWritten();
      runSeconds += end.taskMetrics().executorRunTime() / 1e3;
      cpuSeconds += end.taskMetrics().executorCpuTime() / 1e9;
    }

    synchronized Seen take() {
      Seen s = new Seen(jobs, resultBytes, shuffleBytes, runSeconds, cpuSeconds);
      jobs = 0;
      resultBytes = shuffleBytes = runSeconds = cpuSeconds = 0;
      return s;
    }
  }

  /** One measured epoch: wall seconds, counted flops and the listener's totals. */
  private record Epoch(double seconds, double flops, Seen seen) {}

  static List<Map<String, Object>> run(JobConfig cfg, List<String> notes) throws Exception {
    SparkSession spark = Sessions.create(cfg, "bench cost");
    try {
      JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
      Meter meter = new Meter();
      spark.sparkContext().addSparkListener(meter);
      int cores = spark.sparkContext().defaultParallelism();
      int partitions = 2 * cores;
      Dataset<Row> train = DataSources.load(spark, Bench.TRAIN, "idx", "label", "", "", true).frame();
      int n = Bench.HIDDEN;
      int p = 784;
      int q = 10;
      int batch = GradientSettings.defaults(n, Loss.CROSS_ENTROPY).optimizer().batchSize();
      double modelDoubles = (n + q) * (n + p + 1.0);
      List<Map<String, Object>> rows = new ArrayList<>();
      // each schedule's measured epoch at 60k rows, then at 120k
      Map<Schedule, List<Epoch>> measured = new EnumMap<>(Schedule.class);
      for (int copies : new int[] {1, 2}) {
        Dataset<Row> data = copies == 1 ? train : train.union(train);
        RddBlockStore store = Bench.store(sc, data.repartition(partitions));
        if (copies == 1) {
          gradientEpoch(spark, store, meter); // warm-up (JIT): the calibration epoch would pay for it
        }
        Epoch gradient = gradientEpoch(spark, store, meter);
        Epoch bcd = bcdEpoch(spark, store, meter);
        store.close();
        measured.computeIfAbsent(Schedule.SYNCHRONOUS_GRADIENT, k -> new ArrayList<>()).add(gradient);
        measured.computeIfAbsent(Schedule.BCD, k -> new ArrayList<>()).add(bcd);
      }
      double m1 = 60000;
      double m2 = 120000;
      for (Map.Entry<Schedule, List<Epoch>> entry : measured.entrySet()) {
        Schedule schedule = entry.getKey();
        boolean gradient = schedule == Schedule.SYNCHRONOUS_GRADIENT;
        String solver = schedule.label;
        Epoch small = entry.getValue().get(0);
        Epoch large = entry.getValue().get(1);
        // calibrated on the small size: per-row flops and executor seconds, per-job latency, bytes per job
        double flopsPerRow = small.flops() / m1;
        double runPerRow = small.seen().runSeconds() / m1;
        double latency = (small.seconds() - small.seen().runSeconds() / cores) / small.seen().jobs();
        int jobs2 = gradient ? (int) Math.round(m2 / batch) : small.seen().jobs();
        // a gradient step returns one partial of (n + q)(n + p + 1) doubles from each partition (4 partitions: no tree level)
        double bytes2 = gradient ? jobs2 * partitions * 8 * modelDoubles : small.seen().resultBytes();
        double wall2 = jobs2 * latency + runPerRow * m2 / cores;
        rows.add(row(solver, "predicted for 120k rows", jobs2, bytes2, flopsPerRow * m2, runPerRow * m2, wall2));
        rows.add(row(solver, "measured, 60k rows (calibration)", small.seen().jobs(), small.seen().resultBytes(), small.flops(),
            small.seen().runSeconds(), small.seconds()));
        rows.add(row(solver, "measured, 120k rows", large.seen().jobs(), large.seen().resultBytes(), large.flops(), large.seen().runSeconds(),
            large.seconds()));
        notes.add(String.format(Locale.ROOT, "%s at 120k rows, measured / predicted: jobs %.3f, bytes into the driver %.3f, flops %.3f, executor "
            + "seconds %.3f, wall %.3f (per-job latency calibrated at %.1f ms)", solver, large.seen().jobs() / (double) jobs2,
            large.seen().resultBytes() / bytes2, large.flops() / (flopsPerRow * m2), large.seen().runSeconds() / (runPerRow * m2),
            large.seconds() / wall2, 1e3 * latency));
        notes.add(extrapolate(schedule, flopsPerRow, runPerRow, latency, small, n, p, q, batch));
        if (gradient) {
          notes.add(extrapolate(Schedule.LOCAL_ROUNDS, flopsPerRow, runPerRow, latency, small, n, p, q, batch));
        }
      }
      return rows;
    } finally {
      spark.stop();
    }
  }

  /** One synchronous gradient epoch on the executors (the default optimizer, a Spark job per Adam step). */
  private static Epoch gradientEpoch(SparkSession spark, BlockStore store, Meter meter) {
    List<Epoch> epochs = new ArrayList<>();
    new GradientTrainer(store, null, GradientSettings.defaults(Bench.HIDDEN, Loss.CROSS_ENTROPY).withEpochs(1), 784, 10,
        perEpoch(spark, meter, epochs)).train(null);
    return epochs.get(0);
  }

  /** The second of two BCD epochs at fixed λ, μ (the first pays for the start). */
  private static Epoch bcdEpoch(SparkSession spark, RddBlockStore store, Meter meter) {
    List<Epoch> epochs = new ArrayList<>();
    new BlockCoordinateDescent(store, Bench.bcdContinuation(2).withLambdaGrowth(1.0), 784, 10,
        perEpoch(spark, meter, epochs)).withoutReadoutRefit().train(null);
    return epochs.get(epochs.size() - 1);
  }

  /** A trainer listener that adds each epoch's wall time, flops and listener totals to {@code epochs}. */
  private static Consumer<EpochRecord> perEpoch(SparkSession spark, Meter meter, List<Epoch> epochs) {
    return KernelBench.epochClock(() -> {
      try {
        spark.sparkContext().listenerBus().waitUntilEmpty();
      } catch (TimeoutException e) {
        throw new IllegalStateException("Spark's listener bus did not drain", e);
      }
    }, (epoch, seconds, flops) -> {
      Seen seen = meter.take();
      if (epoch > 0) {
        epochs.add(new Epoch(seconds, flops, seen));
      }
    });
  }

  private static Map<String, Object> row(String solver, String what, int jobs, double driverBytes, double flops, double executorSeconds,
      double wall) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("epoch", solver);
    r.put("figures", what);
    r.put("jobs", jobs);
    r.put("MB_into_driver", Bench.round(driverBytes / 1e6));
    r.put("GFLOP", Bench.round(flops / 1e9));
    r.put("executor_task_s", Bench.round(executorSeconds));
    r.put("wall_s", Bench.round(wall));
    return r;
  }

  /**
   * The model at 10⁹ rows on 100 executors of 8 cores with 4096 partitions (CanonicalRows' cap;
   * tree depth 2: 64 partials reach the driver), with this machine's per-row costs per core and
   * its per-job latency as a lower bound: where the epoch's time goes, and what moves it.
   */
  private static String extrapolate(Schedule schedule, double flopsPerRow, double runPerRow, double latency, Epoch small, int n, int p, int q,
      int batch) {
    double m = 1e9;
    int executors = 100;
    int cores = 8;
    int partials = 64;
    double modelBytes = 8.0 * (n + q) * (n + p + 1.0);
    boolean rounds = schedule == Schedule.LOCAL_ROUNDS;
    boolean gradient = schedule == Schedule.SYNCHRONOUS_GRADIENT;
    double jobs = rounds ? 8 : gradient ? Math.ceil(m / batch) : small.seen().jobs();
    // a round returns the partition's parameters and both Adam moments; BCD's largest statistic is the (A, B)-step's
    // Gram of [X; U'], (n + p + 1)² doubles per partial
    double statBytes = rounds ? 3 * modelBytes : gradient ? modelBytes : 8.0 * (n + p + 1.0) * (n + p + 1.0);
    double driverBytes = jobs * partials * statBytes;
    double computeSeconds = runPerRow * m / (executors * cores);
    double latencySeconds = jobs * latency;
    double perExecutorBytes = jobs * (modelBytes + (4096.0 / executors) * statBytes);
    String bound = latencySeconds > computeSeconds ? "job latency" : "executor compute";
    return String.format(Locale.ROOT, "%s extrapolated to 1e9 rows, 100 executors x 8 cores: %.0f jobs/epoch, %.1f GB into the driver, "
        + "%.1f GB over the network per executor, %.2e flops per executor, executor compute %.0f s vs job latency %.0f s (at %.1f ms/job): "
        + "bound by %s%s", schedule.label, jobs, driverBytes / 1e9, perExecutorBytes / 1e9, flopsPerRow * m / executors, computeSeconds, latencySeconds,
        1e3 * latency, bound, rounds ? " (the compute of the synchronous epoch, its latency gone; how many rounds an epoch needs to "
            + "converge as well as synchronous steps on 100 executors is not measured here)"
            : gradient ? " — local rounds (syncsPerEpoch k: k jobs per epoch) or a batch that grows with the cluster remove it"
            : " — the driver's statistics grow as (n + p + 1)², not with m: wide p needs the (A, B)-step on the executors");
  }
}
