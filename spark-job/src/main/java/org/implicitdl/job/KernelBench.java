package org.implicitdl.job;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.implicitdl.linalg.Blas;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.spark.ImplicitClassifier;
import org.implicitdl.spark.RddBlockStore;
import org.implicitdl.spark.TrainingRunParams;
import org.implicitdl.train.BlockCoordinateDescent;
import org.implicitdl.train.BlockStore;
import org.implicitdl.train.EpochRecord;
import org.implicitdl.train.GradientSettings;
import org.implicitdl.train.GradientTrainer;
import org.implicitdl.train.LocalBlockStore;
import org.implicitdl.train.Loss;

/**
 * {@code idl bench --suite kernel}: the BCD and gradient epochs' flop rates beside the same JVM's
 * dgemm (side by side in one run), and the timed epochs the scaling and cost suites share.
 */
final class KernelBench {
  private KernelBench() {}

  static List<Map<String, Object>> kernel(JobConfig cfg, List<String> notes) throws Exception {
    SparkSession spark = Sessions.create(cfg, "bench kernel");
    try {
      List<Map<String, Object>> rows = new ArrayList<>();
      int threads = spark.sparkContext().defaultParallelism();
      double gemm = dgemmGflops(threads, 785);
      rows.add(kernelRow("dgemm 100x785 * 785x2048, " + threads + " concurrent threads (" + Blas.implementation() + "), best of 5", gemm, gemm));
      // the state products A·X (k = n = 100) of the P/X-steps and Picard sweeps, for reference
      rows.add(kernelRow("dgemm 100x100 * 100x2048, " + threads + " concurrent threads, best of 5", dgemmGflops(threads, Bench.HIDDEN), gemm));
      Dataset<Row> train = DataSources.load(spark, Bench.TRAIN, "idx", "label", "", "", true).frame();
      // the synchronous gradient epoch on the driver's copy first, as a default fit that fits the driver budget gets it:
      // the blocks collected from an uncached packing, no executor cache in this JVM, collections settled before
      GradientEpochs onDriver = driverGradientEpochs(train);
      RddBlockStore store = Bench.store(JavaSparkContext.fromSparkContext(spark.sparkContext()), train);
      double[] rates = timedEpochs(store).stream().mapToDouble(TimedEpoch::gflops).toArray();
      double best = Arrays.stream(rates).max().orElse(Double.NaN);
      rows.add(kernelRow("BCD epoch (C,D + P,X + A,B steps + report pass), 60k rows, n=100, best of " + rates.length, best, gemm));
      notes.add("BCD epoch / dgemm: " + round(best / gemm) + " best, " + round(median(rates) / gemm) + " median (target >= 0.5); GFLOP/s of each epoch: "
          + Bench.rounded(rates));
      // the synchronous gradient epoch where the default configuration runs it: the driver's copy of the blocks when the
      // packed data fits the driver budget (localTrainingMb, automatic: an eighth of the heap), else the executors
      double packedMb = PACKED_ROW_BYTES * 60000 / 1e6;
      double budgetMb = TrainingRunParams.driverBudgetMb(new ImplicitClassifier().getLocalTrainingMb());
      GradientEpochs onExecutors = gradientEpochs(store, 5);
      String route = packedMb <= budgetMb ? "driver" : "executors";
      rows.add(kernelRow("gradient epoch, synchronous Adam steps, driver's copy of the blocks (" + train.javaRDD().getNumPartitions()
          + " partitions on " + Runtime.getRuntime().availableProcessors() + " cores), best of " + onDriver.gflops().length, max(onDriver.gflops()), gemm));
      rows.add(kernelRow("gradient epoch, synchronous Adam steps, executors (a Spark job per step), best of " + onExecutors.gflops().length,
          max(onExecutors.gflops()), gemm));
      GradientEpochs chosen = route.equals("driver") ? onDriver : onExecutors;
      notes.add(String.format(Locale.ROOT, "default configuration's gradient epoch (60k rows pack to %.0f MB; this driver's budget %.0f MB: runs on the %s) / dgemm: "
          + "%.3f best, %.3f median (target >= 0.5); driver copy %s, executors %s GFLOP/s per epoch", packedMb, budgetMb, route, max(chosen.gflops()) / gemm,
          median(chosen.gflops()) / gemm, Bench.rounded(onDriver.gflops()), Bench.rounded(onExecutors.gflops())));
      notes.add("gradient epoch wall seconds (the same epochs; fewer counted flops per epoch can mean a faster epoch at a lower rate): driver copy "
          + Bench.rounded(onDriver.seconds()) + ", executors " + Bench.rounded(onExecutors.seconds()) + "; GFLOP counted per epoch " + Bench.round(onDriver.lastGflop()));
      store.close();
      return rows;
    } finally {
      spark.stop();
    }
  }

  /** Packed bytes of one Fashion-MNIST training row: U' (785), Y (10), the weight and BCD's X and P (2n). */
  static final double PACKED_ROW_BYTES = 8.0 * (785 + 10 + 1 + 2 * Bench.HIDDEN);

  /** Epochs the kernel and scaling suites time. */
  static final int TIMED_EPOCHS = 3;

  /**
   * One timed BCD epoch: wall seconds of the whole epoch (its steps and its report pass), counted
   * FLOPs, seconds of its three steps, MB the driver thread allocated, driver CPU seconds (the
   * driver thread and its BLAS helpers; executors' work runs in other threads).
   */
  record TimedEpoch(double seconds, double flops, double stepSeconds, double driverAllocatedMb, double driverCpuSeconds) {
    double gflops() {
      return flops / seconds / 1e9;
    }
  }

  /**
   * {@link #TIMED_EPOCHS} BCD epochs of the recipe at fixed λ, μ (no continuation, so no
   * re-anchoring pass and every epoch does the same work). Several epochs, so the suites can
   * report the best beside dgemm's best of five, and the spread.
   */
  static List<TimedEpoch> timedEpochs(RddBlockStore store) {
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long driver = Thread.currentThread().getId();
    List<TimedEpoch> epochs = new ArrayList<>();
    long[] mark = new long[4];
    new BlockCoordinateDescent(store, Bench.bcdContinuation(TIMED_EPOCHS).withLambdaGrowth(1.0), 784, 10, r -> {
      long[] now = {System.nanoTime(), Blas.flops(), threads.getThreadAllocatedBytes(driver), driverCpuNanos(threads, driver)};
      if (r.epoch() > 0) {
        double[] s = r.seconds();
        epochs.add(new TimedEpoch((now[0] - mark[0]) / 1e9, now[1] - mark[1], s[0] + s[1] + s[2], (now[2] - mark[2]) / 1e6,
            (now[3] - mark[3]) / 1e9));
      }
      System.arraycopy(now, 0, mark, 0, 4);
    }).withoutReadoutRefit().train(null);
    return epochs;
  }

  /** Timed gradient epochs: each one's wall seconds and counted GFLOP. */
  record GradientEpochs(double[] seconds, double[] gflop) {
    double[] gflops() {
      double[] rates = new double[seconds.length];
      for (int k = 0; k < rates.length; k++) {
        rates[k] = gflop[k] / seconds[k];
      }
      return rates;
    }

    double lastGflop() {
      return gflop.length == 0 ? Double.NaN : gflop[gflop.length - 1];
    }
  }

  /**
   * GFLOP/s of each of {@code epochs} epochs of the default gradient configuration (synchronous
   * mini-batches of 512, n = 100): counted flops (forward fixed points, adjoints, gradient products —
   * the steps' own metrics come with their forward solves) over each epoch's wall time.
   */
  static GradientEpochs gradientEpochs(BlockStore store, int epochs) {
    List<Double> seconds = new ArrayList<>();
    List<Double> gflop = new ArrayList<>();
    new GradientTrainer(store, null, GradientSettings.defaults(Bench.HIDDEN, Loss.CROSS_ENTROPY).withEpochs(epochs), 784, 10,
        epochClock(() -> {}, (epoch, wall, flops) -> {
          if (epoch > 0) {
            seconds.add(wall);
            gflop.add(flops / 1e9);
          }
        })).train(null);
    return new GradientEpochs(seconds.stream().mapToDouble(Double::doubleValue).toArray(), gflop.stream().mapToDouble(Double::doubleValue).toArray());
  }

  /**
   * Five {@link #gradientEpochs} on a driver copy of {@code train}'s blocks, timed after a warm-up fit of four epochs
   * and with the JVM's collections run before the first timed epoch. The JIT compiles the step's code during a
   * fit's first three epochs or so (hundreds of compilations an epoch, on the same two cores), which run 2–4× slower
   * per flop: untimed, they would be most of a median of five; the figure is the steady epoch's.
   */
  private static GradientEpochs driverGradientEpochs(Dataset<Row> train) {
    LocalBlockStore driverCopy = LocalBlockStore.ofPartitions(Bench.packed(train).glom().collect());
    gradientEpochs(driverCopy, 4);
    System.gc();
    return gradientEpochs(driverCopy, 5);
  }

  /** What passed between two consecutive epoch records: wall seconds and counted flops, with the later record's epoch. */
  interface EpochInterval {
    void accept(int epoch, double seconds, long flops);
  }

  /**
   * A trainer listener that runs {@code before} (e.g. draining Spark's listener bus), then hands each
   * record's epoch, with the wall seconds and counted flops since the previous record, to {@code sink}.
   */
  static Consumer<EpochRecord> epochClock(Runnable before, EpochInterval sink) {
    long[] mark = {System.nanoTime(), Blas.flops()};
    return r -> {
      before.run();
      long[] now = {System.nanoTime(), Blas.flops()};
      sink.accept(r.epoch(), (now[0] - mark[0]) / 1e9, now[1] - mark[1]);
      System.arraycopy(now, 0, mark, 0, 2);
    };
  }

  private static double max(double[] v) {
    return Arrays.stream(v).max().orElse(Double.NaN);
  }

  static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : 0.5 * (s[s.length / 2 - 1] + s[s.length / 2]);
  }

  /**
   * Aggregate GFLOP/s of {@code threads} threads each running dgemm (100×k)·(k×2048), a
   * training-block shape: the best of five trials, so a busy moment of the machine does not
   * flatter the ratios.
   */
  static double dgemmGflops(int threads, int k) throws InterruptedException {
    Matrix a = Matrix.zeros(100, k);
    Matrix b = Matrix.zeros(k, 2048);
    Arrays.fill(a.data(), 0.5);
    Arrays.fill(b.data(), 0.25);
    int reps = 100 * 785 / k;
    Runnable work = () -> {
      Matrix c = Matrix.zeros(100, 2048);
      for (int r = 0; r < reps; r++) {
        Blas.gemm(1.0, a, false, b, false, 0.0, c);
      }
    };
    work.run();
    double best = 0;
    for (int trial = 0; trial < 5; trial++) {
      long t0 = System.nanoTime();
      List<Thread> ts = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        Thread t = new Thread(work);
        ts.add(t);
        t.start();
      }
      for (Thread t : ts) {
        t.join();
      }
      best = Math.max(best, threads * reps * 2.0 * 100 * k * 2048 / seconds(t0) / 1e9);
    }
    return best;
  }

  private static Map<String, Object> kernelRow(String what, double gflops, double gemm) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("kernel", what);
    r.put("GFLOP_per_s", round(gflops));
    r.put("fraction_of_dgemm", round(gflops / gemm));
    return r;
  }

  /** CPU time of the driver thread and of the driver-side BLAS threads it fans out to. */
  private static long driverCpuNanos(java.lang.management.ThreadMXBean threads, long driver) {
    long ns = threads.getThreadCpuTime(driver);
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().startsWith("implicitdl-driver-blas")) {
        ns += Math.max(0, threads.getThreadCpuTime(t.getId()));
      }
    }
    return ns;
  }

  private static double seconds(long t0) {
    return Bench.seconds(t0);
  }

  private static double round(double v) {
    return Bench.round(v);
  }
}
