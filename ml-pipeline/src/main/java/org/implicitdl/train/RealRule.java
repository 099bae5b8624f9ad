package org.implicitdl.train;

import org.implicitdl.linalg.Blas;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.solve.Certificate;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.solve.FixedPointResult;
import org.implicitdl.solve.FixedPointSolver;
import org.implicitdl.solve.SolverSettings;

/**
 * Judges a model by its real rule (paper eq. 1) on a block: states by the fixed-point solver,
 * never proxies. Inputs carry the bias row. Metric sums: loss, correct argmax, squared error,
 * non-converged columns, column count; maxima: final residual and iterations.
 */
public final class RealRule {
  public static final int LOSS = 0;
  public static final int CORRECT = 1;
  public static final int SSE = 2;
  public static final int NOT_CONVERGED = 3;
  public static final int COUNT = 4;
  /** Number of scalars in {@link #metrics}' layout. */
  public static final int SCALARS = 5;
  public static final int MAX_RESIDUAL = 0;
  public static final int MAX_ITERATIONS = 1;

  private RealRule() {}

  /** States x* for a block of augmented inputs, with the certificate's solver. */
  public static FixedPointResult states(ImplicitModel m, Certificate cert, Matrix uAug, SolverSettings settings) {
    Matrix drive = Blas.multiply(m.b(), uAug);
    return FixedPointSolver.forCertificate(cert, settings).solve(m.a(), drive, m.activation(), cert, null);
  }

  /** ŷ = C x + D u' for augmented inputs. */
  public static Matrix readout(Matrix c, Matrix d, Matrix states, Matrix uAug) {
    Matrix y = Blas.multiply(d, uAug);
    Blas.gemm(1.0, c, false, states, false, 1.0, y);
    return y;
  }

  /** Weighted metric sums of the real rule on one block (w is 1×m; the count is Σw). */
  public static Sums metrics(ImplicitModel m, Certificate cert, Matrix uAug, Matrix y, Matrix w, Loss loss, SolverSettings settings) {
    return metrics(m, uAug, y, w, loss, states(m, cert, uAug, settings));
  }

  /** The same at states {@code real} already solved for these inputs. */
  public static Sums metrics(ImplicitModel m, Matrix uAug, Matrix y, Matrix w, Loss loss, FixedPointResult real) {
    Matrix out = readout(m.c(), m.d(), real.states(), uAug);
    double[] s = new double[SCALARS];
    s[LOSS] = loss.total(y, out, w);
    s[CORRECT] = LocalSteps.correct(y, out, w);
    s[SSE] = LocalSteps.squaredError(y, out, w);
    s[NOT_CONVERGED] = real.converged() ? 0 : uAug.cols();
    s[COUNT] = w.sum();
    return new Sums(new Matrix[0], s, new double[] {real.residual(), real.iterations()});
  }

  /** Accuracy (cross-entropy) or RMSE (squared) from metric sums. */
  public static double metric(Sums s, Loss loss, int outputs) {
    double count = s.scalar(COUNT);
    return loss == Loss.CROSS_ENTROPY ? s.scalar(CORRECT) / count : Math.sqrt(s.scalar(SSE) / (count * outputs));
  }
}
