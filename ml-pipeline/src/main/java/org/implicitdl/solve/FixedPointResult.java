package org.implicitdl.solve;

import org.implicitdl.linalg.Matrix;

/**
 * The outcome of solving x = φ(Ax + z) for a block of columns: a numerical failure (no
 * convergence, divergence) is a result with {@code converged = false}, never an exception.
 *
 * @param states X, one state column per input column
 * @param iterations Picard/Anderson sweeps done (1 for back-substitution)
 * @param residual the last step size ‖x_t − x_{t−1}‖∞ (max over columns)
 * @param errorBound a certified bound on ‖x − x*‖∞, +∞ when no certificate holds
 * @param converged whether the tolerance was met
 * @param method which solver produced the states
 */
public record FixedPointResult(Matrix states, int iterations, double residual, double errorBound, boolean converged, String method) {
}
