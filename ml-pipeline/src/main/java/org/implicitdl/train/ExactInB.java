package org.implicitdl.train;

import org.implicitdl.linalg.Blas;
import org.implicitdl.linalg.Matrix;

/**
 * The (A, B) majorizer ½ tr(W G Wᵀ) − tr(H Wᵀ), W = [A B], minimized exactly in B for each A:
 * B(A) = (H_U − A G_XU) G_UU⁻¹. What is left is a problem in A alone, with the Schur complement
 * Q_A = G_XX − G_XU G_UU⁻¹ G_UX and L_A = H_X − H_U G_UU⁻¹ G_UX (n × n, well conditioned where G
 * is not), solved by MFISTA from the current A under the constraint. Row weights λ_i do not
 * change a row's minimizer in B, so the step is the same descent step as FISTA on W, only
 * solved to the end in B (FISTA's 100 iterations barely move B on raw pixels, whose Gram matrix
 * has condition numbers near 1e8). G is fixed for the whole (A, B)-step (X does not change in
 * it), so G_UU's factor, K = G_UU⁻¹ G_UX and Q_A are computed once; each round solves only for
 * its own moments H.
 */
final class ExactInB {
  private final Blas.Cholesky guu;
  private final Matrix kx;
  private final Matrix qa;

  private ExactInB(Blas.Cholesky guu, Matrix kx, Matrix qa) {
    this.guu = guu;
    this.kx = kx;
    this.qa = qa;
  }

  /** The parts of the solve that depend on G only; null when G_UU is not numerically positive definite. */
  static ExactInB of(Matrix g, int n) {
    int k = g.rows();
    Blas.Cholesky guu = Blas.Cholesky.of(g.block(n, k, n, k));
    if (guu == null) {
      return null;
    }
    Matrix gxu = g.block(0, n, n, k);
    Matrix kx = gxu.transpose();
    guu.solve(kx);
    Matrix qa = g.block(0, n, 0, n);
    Blas.gemm(-1.0, gxu, false, kx, false, 1.0, qa);
    return new ExactInB(guu, kx, qa);
  }

  /** [A B] minimizing the majorizer with moments H, A by MFISTA from the current one. */
  Matrix solve(Matrix w, Matrix h, BcdSettings settings) {
    int n = qa.rows();
    Matrix hu = h.columnSlice(n, h.cols());
    Matrix b = hu.transpose();
    guu.solve(b);
    b = b.transpose();
    Matrix la = h.columnSlice(0, n);
    Blas.gemm(-1.0, hu, false, kx, false, 1.0, la);
    Prox stateOnly = new Prox(n, 0, 0.0, 0.0, 0.0, settings.structure(), settings.kappa());
    Matrix a = QuadraticStep.solve(w.columnSlice(0, n), qa, la, settings.lambdaVector(), stateOnly, settings.inner().fistaIterations());
    Blas.gemm(-1.0, a, false, kx, true, 1.0, b);
    return Matrix.hstack(a, b);
  }
}
