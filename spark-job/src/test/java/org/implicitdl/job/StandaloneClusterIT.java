package org.implicitdl.job;

import static org.junit.jupiter.api.Assertions.*;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.SparkSession;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.spark.ImplicitRegressionModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Spark standalone cluster on 127.0.0.1 (a master and two workers from spark-core's own
 * classes, in separate JVMs), the shaded jar submitted through SparkSubmit, and the model it trains
 * compared with the one trained in local mode, through a killed executor. One cluster serves both
 * solvers' runs: a killed executor is replaced by its worker, and each application gets executors of
 * its own.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StandaloneClusterIT {
  @TempDir
  static Path tmp;

  private final List<Process> processes = new ArrayList<>();
  private String master;

  @BeforeAll
  void startCluster() throws Exception {
    master = startedCluster();
  }

  @AfterAll
  void stopCluster() throws InterruptedException {
    for (Process p : processes) {
      p.destroy();
    }
    for (Process p : processes) {
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
  }

  /**
   * Design card §8: the shaded jar submitted to the cluster trains the model local mode trains (to 1e-9: BCD and the
   * gradient solver are partition-independent up to rounding), and an executor killed (kill -9) mid-training costs a
   * recomputation, not the run. One staged run ({@code bcd+gradient}) puts both solvers on the cluster: the kill comes in
   * BCD's epochs, and the gradient stage then trains on the blocks the replacement executor recomputed. The cluster
   * serializes with Kryo, compressed, with serialized blocks of float inputs (as many clusters are set up); the local
   * reference runs in-process with Java's serializer. A task that fails once is the same recovery on one machine:
   * {@code TaskRetryTest}.
   */
  @Test
  void clusterTrainingEqualsLocalTrainingThroughAKilledExecutor() throws Exception {
    // 3,200 training rows in blocks of 100: two content-ordered partitions (16 blocks each), one per executor
    Path data = TrainJobTest.regressionCsv(tmp, "train.csv", 4000, 11, false);
    String[] job = {"train", "--input", data.toString(), "--format", "csv", "--label-col", "y", "--task", "regression",
        "--solver", "bcd+gradient", "--hidden", "6", "--set", "trainer.bcd-epochs=5", "--epochs", "3", "--set", "trainer.block-size=100",
        "--set", "trainer.batch-size=100", "--set", "trainer.step-size=0.01", "--set", "trainer.tune-step-size=false",
        "--set", "validation-fraction=0.2", "--set", "trainer.l1=0.001", "--set", "linear-baseline=false",
        "--set", "trainer.checkpoint-interval=3", "--set", "trainer.local-training-mb=0", "--set", "trainer.min-steps=0",
        "--set", "trainer.block-storage-level=MEMORY_AND_DISK_SER", "--set", "trainer.block-input-precision=float"};
    Path local = tmp.resolve("local");
    List<String> localJob = new ArrayList<>(List.of(job));
    localJob.addAll(List.of("--model", local.toString(), "--master", "local[2]"));
    assertEquals(0, CommandLine.run(localJob.toArray(new String[0])).exit());

    String name = "killed-executor";
    Path killed = tmp.resolve(name);
    Process run = submit(name, master, killed, List.of("--conf", "spark.serializer=org.apache.spark.serializer.KryoSerializer",
        "--conf", "spark.rdd.compress=true"), job);
    awaitLog(name, "epoch   2", 240);
    ProcessHandle executor = executors().get(0);
    executor.destroyForcibly();
    assertTrue(run.waitFor(300, TimeUnit.SECONDS), "the run did not finish after the kill: " + log(name));
    assertEquals(0, run.exitValue(), "the run failed after the kill: " + log(name));
    assertTrue(log(name).contains("published as LATEST"), log(name));
    assertTrue(log(name).matches("(?s).*(Lost executor|Executor lost|Removed executor|ExecutorLost).*"),
        "the driver saw the executor go: " + log(name));
    // BCD logs epochs 0 to 5 and was killed after its epoch 2: an epoch 1 after the loss is the gradient stage's
    assertTrue(log(name).matches("(?s).*Lost executor.*epoch   1 .*"), "the gradient stage ran after the kill: " + log(name));
    for (int w = 1; w <= 2; w++) {
      assertTrue(log("worker" + w).contains("Asked to launch executor"), "worker " + w + " ran no executor:\n" + log("worker" + w));
    }
    assertSameModel(local, killed);
    assertEquals(0, Files.list(killed.resolve("versions").resolve(Files.readString(killed.resolve("LATEST")).trim()))
        .filter(p -> p.getFileName().toString().equals("checkpoints")).count(), "the run's checkpoints are removed at its end");
  }

  /** Executor JVMs (CoarseGrainedExecutorBackend) the workers launched, oldest first. */
  private List<ProcessHandle> executors() {
    List<ProcessHandle> found = new ArrayList<>();
    for (Process worker : workers) {
      worker.toHandle().descendants().filter(h -> h.info().commandLine().orElse("").contains("CoarseGrainedExecutorBackend"))
          .forEach(found::add);
    }
    assertFalse(found.isEmpty(), "no executor process found");
    return found;
  }

  private final List<Process> workers = new ArrayList<>();
  private Path sparkHome;
  private String classpath;

  /** A master and two 1-core workers on 127.0.0.1; returns the master URL. */
  private String startedCluster() throws Exception {
    classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    sparkHome = fakeSparkHome(classpath);
    Files.writeString(tmp.resolve("log4j2-info.properties"), String.join("\n", "rootLogger.level = info",
        "rootLogger.appenderRef.stderr.ref = console", "appender.console.type = Console", "appender.console.name = console",
        "appender.console.target = SYSTEM_ERR", "appender.console.layout.type = PatternLayout",
        "appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n", ""));
    int masterPort = freePort();
    String master = "spark://127.0.0.1:" + masterPort;
    start("master", sparkHome, classpath, "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port",
        String.valueOf(masterPort), "--webui-port", String.valueOf(freePort()));
    awaitLog("master", "I have been elected leader", 90);
    for (int w = 1; w <= 2; w++) {
      workers.add(start("worker" + w, sparkHome, classpath, "org.apache.spark.deploy.worker.Worker", master, "--host", "127.0.0.1",
          "--cores", "1", "--memory", "1g", "--webui-port", String.valueOf(freePort()), "--work-dir", tmp.resolve("work" + w).toString()));
    }
    for (int w = 1; w <= 2; w++) {
      awaitLog("worker" + w, "Successfully registered with master", 90);
    }
    return master;
  }

  /** spark-submit of the shaded jar (client mode, both workers' cores) running {@code job} into {@code model}. */
  private Process submit(String name, String master, Path model, List<String> conf, String... job) throws IOException {
    Path shaded = Path.of("target", "implicitdl-spark-job.jar").toAbsolutePath();
    assertTrue(Files.isRegularFile(shaded), "run after package: " + shaded + " is missing");
    List<String> submit = new ArrayList<>(List.of("org.apache.spark.deploy.SparkSubmit", "--master", master, "--deploy-mode", "client",
        "--class", Idl.class.getName(), "--conf", "spark.driver.host=127.0.0.1", "--conf", "spark.cores.max=2",
        "--conf", "spark.executor.memory=1g", "--conf", "spark.ui.enabled=false"));
    submit.addAll(conf);
    submit.add(shaded.toString());
    submit.addAll(List.of(job));
    submit.addAll(List.of("--model", model.toString()));
    return start(name, sparkHome, classpath, submit.toArray(new String[0]));
  }

  static void assertSameModel(Path expectedRoot, Path gotRoot) throws IOException {
    SparkSession spark = SparkSession.builder().master("local[1]").config("spark.ui.enabled", "false").getOrCreate();
    try {
      ImplicitModel expected = load(expectedRoot);
      ImplicitModel got = load(gotRoot);
      assertClose(expected.a(), got.a(), "A");
      assertClose(expected.b(), got.b(), "B");
      assertClose(expected.c(), got.c(), "C");
      assertClose(expected.d(), got.d(), "D");
    } finally {
      spark.stop();
    }
  }

  private static ImplicitModel load(Path root) throws IOException {
    String version = Files.readString(root.resolve("LATEST")).trim();
    return ImplicitRegressionModel.load(root.resolve("versions").resolve(version).resolve("model").toString()).implicitModel();
  }

  private static void assertClose(Matrix expected, Matrix got, String name) {
    double scale = Math.max(1e-300, expected.maxAbs());
    for (int k = 0; k < expected.data().length; k++) {
      assertEquals(expected.data()[k], got.data()[k], 1e-9 * scale, name + " entry " + k);
    }
  }

  /** A SPARK_HOME whose jars/ links every jar of the test classpath: what a worker needs to launch executors. */
  private Path fakeSparkHome(String classpath) throws IOException {
    Path home = tmp.resolve("spark-home");
    Path jars = Files.createDirectories(home.resolve("jars"));
    Files.writeString(home.resolve("RELEASE"), "Spark 4.2.0 (test layout)\n");
    for (String entry : classpath.split(File.pathSeparator)) {
      Path p = Path.of(entry);
      if (entry.endsWith(".jar") && Files.isRegularFile(p) && !Files.exists(jars.resolve(p.getFileName()))) {
        Files.createSymbolicLink(jars.resolve(p.getFileName()), p.toAbsolutePath());
      }
    }
    return home;
  }

  private Process start(String name, Path sparkHome, String classpath, String... mainAndArgs) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g",
        "--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED",
        "--add-opens=java.base/java.nio=ALL-UNNAMED", "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
        "--add-opens=java.base/java.util=ALL-UNNAMED", "--add-opens=java.base/sun.util.calendar=ALL-UNNAMED",
        "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
        "-Dlog4j2.configurationFile=" + tmp.resolve("log4j2-info.properties"), "-cp", classpath));
    cmd.addAll(List.of(mainAndArgs));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve(name + ".log").toFile());
    pb.environment().put("SPARK_HOME", sparkHome.toString());
    pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    pb.environment().put("SPARK_SCALA_VERSION", "2.13");
    pb.environment().put("OPENBLAS_NUM_THREADS", "1");
    pb.environment().put("OPENBLAS_CORETYPE", System.getenv().getOrDefault("OPENBLAS_CORETYPE", ""));
    Process p = pb.start();
    processes.add(p);
    return p;
  }

  private String log(String name) {
    try {
      return Files.readString(tmp.resolve(name + ".log"));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  private void awaitLog(String name, String text, int seconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < deadline) {
      if (log(name).contains(text)) {
        return;
      }
      Thread.sleep(250);
    }
    fail(name + " did not log '" + text + "' within " + seconds + " s:\n" + log(name));
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
