package org.implicitdl.spark;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.implicitdl.train.BlockStore;
import org.implicitdl.train.LocalBlockStore;
import org.implicitdl.train.Standardization;

/**
 * A fit's three row sets — training, validation (the automatic early-stopping split) and held
 * out (the rows {@code heldOutCol} marks) — and the block stores built from them. Large data
 * stays in Spark: split by {@link CanonicalRows#split}, ordered by {@link CanonicalRows#of},
 * packed and held on the executors. Data whose packed blocks fit the driver budget
 * ({@code localTrainingMb}) is collected once and split, ordered and packed in the driver by
 * {@link DriverRows}, which reproduces those Spark steps row for row: the same blocks, hence the
 * same model, without the dozen Spark jobs (counts, emptiness checks, two shuffles) that cost
 * more than training itself on a few thousand rows.
 */
final class FitRows {
  private final ImplicitTrainingParams params;
  private final Names names;
  private final Dataset<Row> training;
  private final Dataset<Row> validation;
  private final Dataset<Row> heldOut;
  private final List<List<Row>> trainingParts;
  private final List<List<Row>> validationParts;
  private final List<List<Row>> heldOutParts;
  /** On the Spark path: whether the training rows fit the driver (then every store is the driver's copy); decided with the training store. */
  private boolean sparkLocal;

  /** The columns rows are packed from (features, label, optional weight, in that order). */
  record Names(String features, String label, String weight, BlockPacking.Task task, int inputs, int outputs, int hiddenDim) {}

  private FitRows(ImplicitTrainingParams params, Names names, Dataset<Row> training, Dataset<Row> validation, Dataset<Row> heldOut,
      List<List<Row>> trainingParts, List<List<Row>> validationParts, List<List<Row>> heldOutParts) {
    this.params = params;
    this.names = names;
    this.training = training;
    this.validation = validation;
    this.heldOut = heldOut;
    this.trainingParts = trainingParts;
    this.validationParts = validationParts;
    this.heldOutParts = heldOutParts;
  }

  /**
   * The row sets of {@code dataset}: held-out rows apart when {@code heldOutCol} is set, then the
   * validation split ({@link TrainingStores#validationFraction}), each in canonical order when
   * training is deterministic.
   */
  static FitRows of(ImplicitTrainingParams params, Dataset<?> dataset, Names names, SolverPipeline solver, boolean selecting) {
    Dataset<Row> frame = dataset.toDF();
    String heldOutCol = params.getHeldOutCol();
    Column marked = null;
    if (!heldOutCol.isEmpty()) {
      DatasetChecks.requireBooleanColumn(dataset.schema(), heldOutCol);
      marked = functions.coalesce(frame.col(heldOutCol), functions.lit(false));
    }
    boolean classification = names.task() == BlockPacking.Task.CLASSIFICATION;
    org.apache.spark.sql.types.StructType schema = select(frame, names).schema();
    if (params.getDeterministic() && DriverRows.hashable(schema)) {
      Dataset<Row> packed = withMark(frame, names, marked);
      List<Row> all = DriverRows.collectAtMost(packed, TrainingStores.driverRowLimit(params, names, packed));
      if (all != null) {
        return onDriver(params, names, schema, all, marked != null, solver, classification, selecting);
      }
    }
    Dataset<Row> rows = marked == null ? select(frame, names) : select(frame.where(functions.not(marked)), names);
    // no marked row: no held-out curve (as without the column), not an empty store
    Dataset<Row> heldOutRows = marked == null ? null : select(frame.where(marked), names);
    if (heldOutRows != null && heldOutRows.isEmpty()) {
      heldOutRows = null;
    }
    Dataset<Row> validationRows = null;
    double fraction = TrainingStores.validationFraction(params, solver, classification, selecting,
        limit -> limit >= Integer.MAX_VALUE ? rows.count() : rows.limit((int) limit).count());
    boolean deterministic = params.getDeterministic();
    int blockSize = params.getBlockSize();
    if (fraction > 0) {
      Dataset<Row>[] split = deterministic ? CanonicalRows.split(rows, fraction, params.getSeed())
          : rows.randomSplit(new double[] {1 - fraction, fraction}, params.getSeed());
      // tiny data can leave the hashed split empty: then no validation rows rather than an empty store
      if (!split[1].isEmpty() && !split[0].isEmpty()) {
        validationRows = split[1];
        return inSpark(params, names, ordered(split[0], deterministic, blockSize), ordered(validationRows, deterministic, blockSize),
            ordered(heldOutRows, deterministic, blockSize));
      }
    }
    return inSpark(params, names, ordered(rows, deterministic, blockSize), null, ordered(heldOutRows, deterministic, blockSize));
  }

  private static FitRows onDriver(ImplicitTrainingParams params, Names names, org.apache.spark.sql.types.StructType schema, List<Row> all,
      boolean hasMark, SolverPipeline solver, boolean classification, boolean selecting) {
    List<Row> rows = new ArrayList<>();
    List<Row> heldOutRows = hasMark ? new ArrayList<>() : null;
    for (Row r : all) {
      if (hasMark && Boolean.TRUE.equals(r.get(r.length() - 1))) {
        heldOutRows.add(DriverRows.withoutLast(r));
      } else {
        rows.add(hasMark ? DriverRows.withoutLast(r) : r);
      }
    }
    double fraction = TrainingStores.validationFraction(params, solver, classification, selecting, limit -> Math.min(limit, rows.size()));
    List<Row> validationRows = null;
    List<Row> trainingRows = rows;
    if (fraction > 0) {
      List<Row>[] split = DriverRows.split(rows, schema, fraction, params.getSeed());
      if (!split[1].isEmpty() && !split[0].isEmpty()) {
        trainingRows = split[0];
        validationRows = split[1];
      }
    }
    int blockSize = params.getBlockSize();
    return new FitRows(params, names, null, null, null, DriverRows.canonical(trainingRows, blockSize),
        validationRows == null ? null : DriverRows.canonical(validationRows, blockSize),
        heldOutRows == null || heldOutRows.isEmpty() ? null : DriverRows.canonical(heldOutRows, blockSize));
  }

  private static FitRows inSpark(ImplicitTrainingParams params, Names names, Dataset<Row> training, Dataset<Row> validation,
      Dataset<Row> heldOut) {
    return new FitRows(params, names, training, validation, heldOut, null, null, null);
  }

  private static Dataset<Row> ordered(Dataset<Row> rows, boolean deterministic, int blockSize) {
    return rows == null || !deterministic ? rows : CanonicalRows.of(rows, blockSize);
  }

  private static Dataset<Row> select(Dataset<Row> frame, Names names) {
    return names.weight().isEmpty() ? frame.select(names.features(), names.label())
        : frame.select(names.features(), names.label(), names.weight());
  }

  /** The packed columns and, when rows are marked held out, the mark last. */
  private static Dataset<Row> withMark(Dataset<Row> frame, Names names, Column marked) {
    if (marked == null) {
      return select(frame, names);
    }
    Dataset<Row> withMark = frame.withColumn(HELD_OUT_MARK, marked);
    return names.weight().isEmpty() ? withMark.select(names.features(), names.label(), HELD_OUT_MARK)
        : withMark.select(names.features(), names.label(), names.weight(), HELD_OUT_MARK);
  }

  private static final String HELD_OUT_MARK = "__idl_held_out";

  /** Whether the rows were collected into the driver (training then runs on {@link LocalBlockStore}s). */
  boolean onDriver() {
    return trainingParts != null;
  }

  BlockStore trainingStore(JavaSparkContext sc) {
    return store(sc, training, trainingParts, Standardization.identity(names.inputs(), names.outputs(), regression()),
        params.getCheckpointInterval());
  }

  /** The validation rows' store in the training's units, or null when there is no validation split. */
  BlockStore validationStore(JavaSparkContext sc, Standardization units) {
    return validation == null && validationParts == null ? null : store(sc, validation, validationParts, units, 0);
  }

  /** The held-out rows' store in the training's units, or null when no column marks any. */
  BlockStore heldOutStore(JavaSparkContext sc, Standardization units) {
    return heldOut == null && heldOutParts == null ? null : store(sc, heldOut, heldOutParts, units, 0);
  }

  private boolean regression() {
    return names.task() == BlockPacking.Task.REGRESSION;
  }

  private BlockStore store(JavaSparkContext sc, Dataset<Row> rows, List<List<Row>> parts, Standardization units, int checkpoint) {
    if (parts != null) {
      List<List<org.implicitdl.train.TrainingBlock>> blocks = new ArrayList<>();
      for (List<Row> part : parts) {
        blocks.add(DriverRows.pack(part, names, params.getBlockSize(), units));
      }
      return LocalBlockStore.ofPartitions(blocks);
    }
    var packed = BlockPacking.pack(rows, names.features(), names.label(), names.weight(), names.task(), names.inputs(), names.outputs(), params.getBlockSize(), units);
    if (rows == training) {
      sparkLocal = TrainingStores.fitsTheDriver(params, rows, names);
    }
    return TrainingStores.blockStore(sc, packed, sparkLocal, params.getAggregationDepth(), checkpoint, params.getBlockStorageLevel());
  }
}
