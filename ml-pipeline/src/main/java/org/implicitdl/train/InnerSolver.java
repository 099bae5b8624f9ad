package org.implicitdl.train;

import java.io.Serializable;

/**
 * How hard block-coordinate descent solves each of its convex blocks (paper §4).
 *
 * @param pxIterations projected-gradient iterations of the P- and X-steps per epoch
 * @param mmRounds majorize–minimize rounds of the (A, B)-step (and of the cross-entropy (C, D)-step)
 * @param fistaIterations driver-side FISTA iterations per convex step
 */
public record InnerSolver(int pxIterations, int mmRounds, int fistaIterations) implements Serializable {
  public InnerSolver {
    Checks.require(pxIterations >= 1 && mmRounds >= 1 && fistaIterations >= 1, "iteration counts must be >= 1");
  }
}
