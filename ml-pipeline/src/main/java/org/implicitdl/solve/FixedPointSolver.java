package org.implicitdl.solve;

import org.implicitdl.linalg.Matrix;

/**
 * Solves the implicit rule's state equation X = φ(AX + Z) for a block of columns at once
 * (paper eq. 1 with Z = BU), with BLAS-3 kernels.
 */
public interface FixedPointSolver {

  /**
   * @param a the n×n matrix A
   * @param drive Z = BU (+ bias), n×m; not modified
   * @param activation φ
   * @param certificate A's well-posedness certificate (sets the error bound and weighted norm)
   * @param start initial states (n×m) or null for a cold start
   */
  FixedPointResult solve(Matrix a, Matrix drive, Activation activation, Certificate certificate, Matrix start);

  /** The solver to use for a certificate: exact back-substitution when triangular, else Picard. */
  static FixedPointSolver forCertificate(Certificate certificate, SolverSettings settings) {
    if (certificate.condition() == Certificate.Condition.TRIANGULAR) {
      return new TriangularSolver();
    }
    return new PicardSolver(settings);
  }

  /**
   * The solver for a model's structure: back-substitution when triangular, component by component
   * when A's sparsity graph has more than one strongly connected component, else Picard.
   */
  static FixedPointSolver forStructure(Certificate certificate, StateComponents components, SolverSettings settings) {
    return forStructure(certificate, components, null, settings);
  }

  /**
   * The same, with A's low-rank factors (or null): Picard sweeps as L(RᵀX) when the factors make
   * a sweep cheaper (2k &lt; n) and A has no component structure to exploit first.
   */
  static FixedPointSolver forStructure(Certificate certificate, StateComponents components, org.implicitdl.linalg.LowRank factors,
      SolverSettings settings) {
    if (certificate.condition() == Certificate.Condition.TRIANGULAR) {
      return new TriangularSolver();
    }
    if (certificate.isWellPosed() && components.worthIt()) {
      return new ComponentSolver(settings, components);
    }
    if (factors != null && 2 * factors.rank() < factors.dim()) {
      return new PicardSolver(settings, factors);
    }
    return new PicardSolver(settings);
  }

  /** Checks shapes common to every solver. */
  static int requireShapes(Matrix a, Matrix drive, Matrix start) {
    int n = a.rows();
    a.requireShape("A", n, n);
    drive.requireShape("BU", n, drive.cols());
    if (start != null) {
      start.requireShape("starting states X0", n, drive.cols());
    }
    return n;
  }
}
