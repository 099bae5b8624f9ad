package org.implicitdl.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;
import org.implicitdl.linalg.Blas;
import org.implicitdl.linalg.Inputs;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.solve.FixedPointResult;
import org.implicitdl.solve.SolverSettings;

/**
 * The models' transform: rows go through the fixed point in BLAS-3 blocks inside mapPartitions
 * (one dgemm per Picard sweep for a whole block), and each row gets the columns its
 * {@link OutputColumns} make from (ŷ, x, diagnostics).
 */
final class BlockTransform {
  private static final int BLOCK = 1024;

  /** Turns one row's outputs into the values appended to it. */
  interface OutputColumns extends Serializable {
    Object[] values(double[] yHat, double[] state, double iterations, double residual, BoundsColumns.RowBounds bounds);
  }

  private BlockTransform() {}

  /**
   * @param needsResidual whether the per-row residual is output (it costs one more dgemm per block)
   * @param bounds the certified bounds asked for, or null
   */
  static Dataset<Row> transform(Dataset<?> dataset, StructType outSchema, String featuresCol, ImplicitModel model,
      SolverSettings settings, boolean needsResidual, BoundsColumns bounds, OutputColumns columns) {
    Dataset<Row> df = dataset.toDF();
    int featuresIndex = df.schema().fieldIndex(featuresCol);
    int p = model.inputDim();
    model.certificate();
    Broadcast<Shipped<ImplicitModel>> bc = JavaSparkContext.fromSparkContext(df.sparkSession().sparkContext()).broadcast(new Shipped<>(model));
    return df.mapPartitions((MapPartitionsFunction<Row, Row>) it -> new Iterator<Row>() {
      private final List<Row> out = new ArrayList<>();
      private int next;

      @Override
      public boolean hasNext() {
        if (next < out.size()) {
          return true;
        }
        out.clear();
        next = 0;
        List<Row> batch = new ArrayList<>(BLOCK);
        while (it.hasNext() && batch.size() < BLOCK) {
          batch.add(it.next());
        }
        if (batch.isEmpty()) {
          return false;
        }
        predict(bc.value().value(), batch, featuresIndex, featuresCol, p, settings, needsResidual, bounds, columns, out);
        return true;
      }

      @Override
      public Row next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        return out.get(next++);
      }
    }, Encoders.row(outSchema));
  }

  private static void predict(ImplicitModel m, List<Row> batch, int featuresIndex, String featuresCol, int p, SolverSettings settings,
      boolean needsResidual, BoundsColumns bounds, OutputColumns columns, List<Row> out) {
    int size = batch.size();
    Inputs uBlock;
    if (BlockPacking.sparseEnough(batch, featuresIndex, p)) {
      // wide sparse rows: the products cost their non-zeros, and no dense p × 1024 block is allocated
      uBlock = BlockPacking.sparseInputs(batch, featuresIndex, featuresCol, p, false);
    } else {
      double[] u = new double[p * size];
      for (int j = 0; j < size; j++) {
        System.arraycopy(BlockPacking.features(batch.get(j), featuresIndex, featuresCol, p), 0, u, j * p, p);
      }
      uBlock = new Matrix(p, size, u);
    }
    FixedPointResult fp = m.solveStates(uBlock, settings);
    if (!fp.converged()) {
      throw new ArithmeticException("fixed point did not converge within " + settings.maxIterations() + " iterations (residual "
          + fp.residual() + "); raise maxFixedPointIter or fixedPointTol");
    }
    Matrix y = m.readout(fp.states(), uBlock);
    Matrix x = fp.states();
    double[] residuals = needsResidual ? rowResiduals(m, x, uBlock) : new double[size];
    BoundsColumns.RowBounds[] rowBounds = bounds == null ? new BoundsColumns.RowBounds[size] : bounds.forBlock(uBlock.dense(), settings);
    for (int j = 0; j < size; j++) {
      Row row = batch.get(j);
      Object[] extra = columns.values(y.columnCopy(j), x.columnCopy(j), fp.iterations(), residuals[j], rowBounds[j]);
      Object[] values = new Object[row.length() + extra.length];
      for (int k = 0; k < row.length(); k++) {
        values[k] = row.get(k);
      }
      System.arraycopy(extra, 0, values, row.length(), extra.length);
      out.add(RowFactory.create(values));
    }
  }

  /** ‖φ(Ax + Bu) − x‖∞ per row. */
  private static double[] rowResiduals(ImplicitModel m, Matrix x, Inputs u) {
    Matrix z = m.drive(u);
    Blas.gemm(1.0, m.a(), false, x, false, 1.0, z);
    m.activation().applyInPlace(z.data());
    int n = x.rows();
    double[] r = new double[x.cols()];
    for (int j = 0; j < r.length; j++) {
      for (int k = j * n; k < (j + 1) * n; k++) {
        r[j] = Math.max(r[j], Math.abs(z.data()[k] - x.data()[k]));
      }
    }
    return r;
  }

  /** The diagnostics vector [iterations, residual]. */
  static Object diagnostics(double iterations, double residual) {
    return Vectors.dense(iterations, residual);
  }
}
