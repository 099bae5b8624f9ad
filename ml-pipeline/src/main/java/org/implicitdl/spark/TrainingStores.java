package org.implicitdl.spark;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongUnaryOperator;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.solve.SolverSettings;
import org.implicitdl.train.BlockStore;
import org.implicitdl.train.FoldMask;
import org.implicitdl.train.HeldOutScore;
import org.implicitdl.train.LocalBlockStore;
import org.implicitdl.train.Loss;
import org.implicitdl.train.TrainingBlock;

/**
 * Where a fit's blocks live and which rows judge it: the driver's copy of small data or the
 * executors' RDD, the automatic early-stopping split, and the validation loss that picks among a
 * staged solver's stages.
 */
final class TrainingStores {
  private TrainingStores() {}

  /** Data of at most this many rows holds out {@value #AUTO_VALIDATION_FRACTION} of them (validationFraction −1); larger data the same count. */
  static final int AUTO_VALIDATION_ROWS = 20_000;
  static final double AUTO_VALIDATION_FRACTION = 0.1;
  /** Feature selection scores whole supports against each other: it holds out more, the scores' standard error being its limit. */
  static final double SELECTION_VALIDATION_FRACTION = 0.2;
  /**
   * The fewest rows a regression's automatic split aims to hold out: on tiny data a share of a few rows is often none at
   * all (the hashed split), and a fit with no validation rows neither stops early nor is weighed against the linear model.
   */
  static final int MIN_VALIDATION_ROWS = 10;
  /** The largest share an automatic split takes to reach {@value #MIN_VALIDATION_ROWS} rows. */
  static final double MAX_VALIDATION_FRACTION = 0.5;

  /**
   * The validation split: as set, or, when automatic (−1), {@value #SELECTION_VALIDATION_FRACTION} of the
   * rows for feature selection's path (at any size), and {@value #AUTO_VALIDATION_FRACTION} where else something is chosen on them — the
   * gradient stage's best epoch, its extension past the budget and its step size, the linear check, and a classifier's final BCD
   * readout's temperature — on data of up to {@value #AUTO_VALIDATION_ROWS} rows; on larger data the same 2,000 rows (a share that
   * falls as the data grows, so a large fit still stops on its validation loss and chooses its step size, at the cost of one pass
   * over 2,000 rows an epoch); none for BCD regression, which chooses nothing.
   *
   * <p>A regression's automatic share of fewer than {@value #MIN_VALIDATION_ROWS} rows grows to that many (at most
   * {@value #MAX_VALIDATION_FRACTION} of the rows): a tenth of 30 rows is 3 expected, often none, and a 25-row fit with none
   * trained its whole budget away from the linear model it started from. A classifier's does not grow: the rows that a
   * larger share moved out of training cost more than its choices gained (docs/results/README.md, "tiny data"), and under
   * {@value #MIN_VALIDATION_ROWS} validation rows its linear model is kept ({@link StageChoices#notWorseThanLinear}). {@code countUpTo.applyAsLong(k)} counts the rows up to k
   * ({@link Long#MAX_VALUE}: all of them).
   */
  static double validationFraction(ImplicitTrainingParams params, SolverPipeline solver, boolean classification, boolean selecting,
      LongUnaryOperator countUpTo) {
    double set = params.getValidationFraction();
    if (set >= 0) {
      return set;
    }
    if (selecting) {
      return SELECTION_VALIDATION_FRACTION;
    }
    if (!solver.uses(SolverPipeline.Stage.GRADIENT) && !classification) {
      return 0;
    }
    if (countUpTo.applyAsLong(AUTO_VALIDATION_ROWS + 1) <= AUTO_VALIDATION_ROWS) {
      return classification ? AUTO_VALIDATION_FRACTION : atLeastTheFewest(AUTO_VALIDATION_FRACTION, countUpTo);
    }
    return AUTO_VALIDATION_FRACTION * AUTO_VALIDATION_ROWS / countUpTo.applyAsLong(Long.MAX_VALUE);
  }

  /** {@code share}, or the larger share that holds out {@value #MIN_VALIDATION_ROWS} of fewer rows (at most {@value #MAX_VALIDATION_FRACTION}). */
  private static double atLeastTheFewest(double share, LongUnaryOperator countUpTo) {
    long rows = countUpTo.applyAsLong((long) Math.ceil(MIN_VALIDATION_ROWS / share));
    return rows == 0 ? share : Math.min(MAX_VALIDATION_FRACTION, Math.max(share, MIN_VALIDATION_ROWS / (double) rows));
  }

  /**
   * Whether the packed training data — U' (p + 1), Y (q), the weight, and BCD's X and P (2n) per
   * row — fits the driver budget {@code localTrainingMb}: then training runs on the driver's own
   * copy of the same blocks (a {@link LocalBlockStore}, same maths, same partitions), so an
   * optimizer step costs microseconds instead of a Spark job.
   */
  static boolean fitsTheDriver(ImplicitTrainingParams params, Dataset<Row> rows, FitRows.Names names) {
    long limit = driverRowLimit(params, names, rows);
    // counts at most limit + 1 rows: a large input is not scanned to the end to learn it is large
    return limit > 0 && rows.limit((int) Math.min(Integer.MAX_VALUE - 1, limit + 1)).count() <= limit;
  }

  /**
   * The most rows of {@code rows} (features first) whose packed blocks fit the driver budget (0 when the budget is off).
   * Dense rows pack to p + 1 doubles each. When the first row's features are sparse enough to pack sparse
   * ({@link BlockPacking#SPARSE_MAX_DENSITY}), the rows' own sizes decide: their packed bytes are summed over at most as
   * many rows as the smallest row size allows, and the answer is the row count when they fit, else 0.
   */
  static long driverRowLimit(ImplicitTrainingParams params, FitRows.Names names, Dataset<Row> rows) {
    double budget = TrainingRunParams.driverBudgetMb(params.getLocalTrainingMb()) * 1e6;
    double perRow = 8.0 * (names.outputs() + 1 + 2.0 * names.hiddenDim());
    int p = names.inputs();
    long dense = (long) Math.floor(budget / (perRow + 8.0 * (p + 1)));
    if (budget <= 0 || !sparseRow(rows.takeAsList(1), p)) {
      return dense;
    }
    long most = (long) Math.min(Integer.MAX_VALUE - 1, Math.floor(budget / (perRow + 12.0)));
    double[] countAndBytes = rows.limit((int) most + 1).javaRDD().aggregate(new double[2],
        (double[] acc, Row r) -> new double[] {acc[0] + 1, acc[1] + perRow + inputBytes(r.get(0), p)},
        (double[] x, double[] y) -> new double[] {x[0] + y[0], x[1] + y[1]});
    return countAndBytes[0] <= most && countAndBytes[1] <= budget ? (long) countAndBytes[0] : 0;
  }

  private static boolean sparseRow(List<Row> first, int p) {
    return first.size() == 1 && BlockPacking.packsSparse(first.get(0).get(0), p);
  }

  /** A row's packed input bytes: 12 per non-zero (value and row index) when sparse enough, 8 (p + 1) otherwise. */
  private static double inputBytes(Object features, int p) {
    return BlockPacking.packsSparse(features, p) ? 12.0 * (((org.apache.spark.ml.linalg.SparseVector) features).indices().length + 1)
        : 8.0 * (p + 1);
  }

  static BlockStore blockStore(JavaSparkContext sc, JavaRDD<TrainingBlock> blocks, boolean local, int depth, int checkpoint,
      String storageLevel) {
    if (!local) {
      return new RddBlockStore(sc, blocks, depth, checkpoint, RddBlockStore.storageLevel(storageLevel));
    }
    try {
      return LocalBlockStore.ofPartitions(blocks.glom().collect());
    } catch (Exception e) { // SparkException is a checked exception that Scala does not declare
      // bad input found while packing on the executors: the IllegalArgumentException it was, as on the executor path
      throw RddBlockStore.rootCause(e);
    }
  }

  /** The blocks of both stores in one (training, then validation rows), for a refit on every row once the validation rows chose. */
  static BlockStore union(BlockStore training, BlockStore validation) {
    if (training instanceof RddBlockStore t && validation instanceof RddBlockStore v) {
      return t.union(v);
    }
    List<TrainingBlock> all = new ArrayList<>(((LocalBlockStore) training).blocks());
    all.addAll(((LocalBlockStore) validation).blocks());
    return new LocalBlockStore(all);
  }

  /** The store's blocks on the driver, in their partitions and order (one Spark job for blocks on the cluster): for few rows only. */
  static LocalBlockStore onTheDriver(BlockStore store) {
    return store instanceof RddBlockStore r ? LocalBlockStore.ofPartitions(r.blocks().glom().collect()) : (LocalBlockStore) store;
  }

  /** A store on the driver with its blocks' weights masked to one cross-validation fold ({@link FoldMask}), in their partitions. */
  static BlockStore masked(LocalBlockStore store, FoldMask mask) {
    List<List<TrainingBlock>> partitions = new ArrayList<>();
    for (List<TrainingBlock> part : store.partitions()) {
      partitions.add(part.stream().map(mask::apply).toList());
    }
    return LocalBlockStore.ofPartitions(partitions);
  }

  /**
   * About {@code share} of a store's blocks, taken at an even stride through them (block j when ⌊(j + 1)·share⌋ passes
   * ⌊j·share⌋): a sample of the rows that spans the whole input even where its order is not random (rows in canonical
   * order are, by their hash). The sample shares the blocks; on Spark it is a store of its own over the same RDD, to be closed
   * after use. At least one block.
   */
  static BlockStore sample(BlockStore store, double share) {
    if (store instanceof RddBlockStore r) {
      return r.sample(share);
    }
    List<TrainingBlock> blocks = ((LocalBlockStore) store).blocks();
    List<TrainingBlock> kept = new ArrayList<>();
    for (int j = 0; j < blocks.size(); j++) {
      if (strideKeeps(j, blocks.size(), share)) {
        kept.add(blocks.get(j));
      }
    }
    return new LocalBlockStore(kept);
  }

  /**
   * Whether the stride sample of share {@code share} keeps block {@code j} of {@code blocks}: the stride keeps ⌊blocks·share⌋
   * of them (the floors telescope), and where that is none, the last block alone.
   */
  static boolean strideKeeps(long j, long blocks, double share) {
    boolean none = Math.floor(blocks * share) == 0;
    return none ? j == blocks - 1 : Math.floor((j + 1) * share) > Math.floor(j * share);
  }

  static long blockCount(BlockStore store) {
    return store instanceof RddBlockStore r ? r.blockCount() : ((LocalBlockStore) store).blocks().size();
  }

  /** Mean real-rule loss on the validation blocks (the stage selection of staged solvers). */
  static double validationLoss(BlockStore validation, ImplicitModel model, Loss loss, SolverSettings fixedPoint) {
    return validation.aggregate("validation loss of the stage", new HeldOutScore.Payload(model, model.certificate(), loss, fixedPoint),
        HeldOutScore::score).meanLoss();
  }
}
