package org.implicitdl.spark;

import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;

/**
 * How a fit runs rather than what it fits: where its rows come from and go (weights, held-out
 * marks, the driver budget for small data, block size, deterministic order), how the cluster
 * aggregates and checkpoints, and where a killed fit's state is kept and a warm start is read.
 */
public interface TrainingRunParams extends ImplicitModelParams {
  default IntParam aggregationDepth() {
    return registered("aggregationDepth", () -> new IntParam(this, "aggregationDepth", "depth of treeAggregate (>= 2)",
        ParamChecks.atLeast("aggregationDepth", 2)));
  }

  default IntParam checkpointInterval() {
    return registered("checkpointInterval", () -> new IntParam(this, "checkpointInterval",
        "checkpoint the training blocks every this many updates to the SparkContext's checkpoint directory, when it has one (0: never)", ParamChecks.atLeast("checkpointInterval", 0)));
  }

  default IntParam blockSize() {
    return registered("blockSize", () -> new IntParam(this, "blockSize", "rows packed per dense column block (>= 1)",
        ParamChecks.atLeast("blockSize", 1)));
  }

  default Param<String> initialModelPath() {
    return registered("initialModelPath", () -> new Param<>(this, "initialModelPath",
        "path of a saved implicit model to warm-start from (empty: random start)"));
  }

  default Param<String> heldOutCol() {
    return registered("heldOutCol", () -> new Param<>(this, "heldOutCol",
        "boolean column: rows marked true are not trained on; the real rule is scored on them after every epoch (the held-out "
            + "curve of the summary's history), and nothing is chosen by them (empty: no held-out rows)"));
  }

  default org.apache.spark.ml.param.BooleanParam deterministic() {
    return registered("deterministic", () -> new org.apache.spark.ml.param.BooleanParam(this, "deterministic",
        "order and partition the training rows by their content before packing, and split validation rows by a seeded hash, so "
            + "the same data, settings and seed give the same model whatever the input's partitioning and the number of executors "
            + "(one extra shuffle of the rows per fit)"));
  }

  default Param<String> trainerStateDir() {
    return registered("trainerStateDir", () -> new Param<>(this, "trainerStateDir",
        "directory (any Hadoop file system) where the trainer state is saved after epochs, so that a fit whose driver was killed "
            + "resumes there when fitted again with the same settings and data; removed when the fit ends (empty: not kept)"));
  }

  default IntParam trainerStateInterval() {
    return registered("trainerStateInterval", () -> new IntParam(this, "trainerStateInterval",
        "save the trainer state every this many epochs (>= 1)", ParamChecks.atLeast("trainerStateInterval", 1)));
  }

  default Param<String> weightCol() {
    return registered("weightCol", () -> new Param<>(this, "weightCol",
        "sample-weight column: non-negative weights multiplying each row's terms of the objective (empty: all 1)"));
  }

  default DoubleParam localTrainingMb() {
    return registered("localTrainingMb", () -> new DoubleParam(this, "localTrainingMb",
        "when the packed training data (about 8·(p + q + 2n + 2) bytes per row) fits in this many MB, the fit runs on the "
            + "driver's copy of the blocks — the same maths without a Spark job per optimizer step, its blocks folded on the "
            + "driver's cores (0: always on the executors; -1: automatic, an eighth of the driver's maximum heap)",
        ParamChecks.check("localTrainingMb", "-1 (automatic) or a finite number >= 0",
            v -> (Double) v == -1.0 || ((Double) v >= 0 && Double.isFinite((Double) v)))));
  }

  default Param<String> blockStorageLevel() {
    return registered("blockStorageLevel", () -> new Param<>(this, "blockStorageLevel",
        "Spark storage level of the cached training blocks on the executors (as ALS's intermediateStorageLevel): "
            + "MEMORY_AND_DISK keeps them as objects and spills what does not fit; MEMORY_AND_DISK_SER stores them serialized "
            + "(compressed when spark.rdd.compress is set: more rows per GB of storage memory, a deserialization per pass); "
            + "DISK_ONLY for data far larger than memory",
        ParamChecks.check("blockStorageLevel", "a Spark storage level that keeps data (e.g. MEMORY_AND_DISK, MEMORY_AND_DISK_SER, DISK_ONLY)",
            v -> RddBlockStore.storageLevel((String) v) != null)));
  }

  /** The values of {@link #blockInputPrecision}. */
  String[] INPUT_PRECISIONS = {"double", "float"};

  default Param<String> blockInputPrecision() {
    return registered("blockInputPrecision", () -> new Param<>(this, "blockInputPrecision",
        "precision of the training inputs U in the cached blocks: double (exact), or float: U (in standard units) rounded to "
            + "single precision, a relative change of at most 6e-8, and serialized as 4 bytes per entry, so blocks kept serialized "
            + "or on disk (blockStorageLevel MEMORY_AND_DISK_SER, DISK_ONLY: data larger than memory) take half the bytes and are "
            + "read back faster; every computation stays in double precision (sparse inputs keep their values)",
        ParamChecks.oneOf("blockInputPrecision", INPUT_PRECISIONS)));
  }

  /** Whether {@link #blockInputPrecision} rounds the blocks' inputs to single precision. */
  default boolean singlePrecisionInputs() {
    return "float".equals(getBlockInputPrecision());
  }

  /**
   * The driver budget in MB that {@code localTrainingMb} means: as set, or (-1, automatic) an eighth
   * of this JVM's maximum heap — the collected rows, their packed blocks and the held-out rows'
   * blocks then take well under half of it, on a laptop's 8 GB driver as on a cluster's 1 GB one.
   */
  static double driverBudgetMb(double localTrainingMb) {
    return localTrainingMb == -1 ? Runtime.getRuntime().maxMemory() / 8.0 / 1e6 : Math.max(0, localTrainingMb);
  }

  default int getAggregationDepth() { return (Integer) $(aggregationDepth()); }
  default int getCheckpointInterval() { return (Integer) $(checkpointInterval()); }
  default int getBlockSize() { return (Integer) $(blockSize()); }
  default String getInitialModelPath() { return (String) $(initialModelPath()); }
  default String getHeldOutCol() { return (String) $(heldOutCol()); }
  default boolean getDeterministic() { return (Boolean) $(deterministic()); }
  default String getTrainerStateDir() { return (String) $(trainerStateDir()); }
  default int getTrainerStateInterval() { return (Integer) $(trainerStateInterval()); }
  default String getWeightCol() { return (String) $(weightCol()); }
  default double getLocalTrainingMb() { return (Double) $(localTrainingMb()); }
  default String getBlockStorageLevel() { return (String) $(blockStorageLevel()); }
  default String getBlockInputPrecision() { return (String) $(blockInputPrecision()); }

  /** The run defaults and the model's; called by {@link ImplicitTrainingParams#setTrainingDefaults}. */
  default void setRunDefaults() {
    setModelDefaults();
    setDefault(aggregationDepth(), 2);
    setDefault(checkpointInterval(), 10);
    setDefault(blockSize(), 2048);
    setDefault(initialModelPath(), "");
    setDefault(heldOutCol(), "");
    setDefault(deterministic(), true);
    setDefault(trainerStateDir(), "");
    setDefault(trainerStateInterval(), 1);
    setDefault(weightCol(), "");
    setDefault(localTrainingMb(), -1.0);
    setDefault(blockStorageLevel(), "MEMORY_AND_DISK");
    setDefault(blockInputPrecision(), "double");
  }
}
