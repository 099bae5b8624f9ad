package org.implicitdl.train;

import java.io.Serializable;

/**
 * The convex penalties 𝒫(A, B, C, D) of problem (10) both trainers apply.
 *
 * @param ridge ρ/2‖·‖² on A, B, C and D (the gradient solver's weight decay, on every weight); BCD's (C, D)-step
 *     leaves the readout's intercept out ({@code ReadoutQuadratic}), so that its strong ridges — the linear model's
 *     path — shrink the outputs towards the label's mean, not towards zero
 * @param l1 ℓ1 weight on the entries of B, C and D
 * @param groupLasso weight of the column-group penalty on B and on D (feature selection, eq. 19)
 */
public record Penalties(double ridge, double l1, double groupLasso) implements Serializable {
  public static final Penalties NONE = new Penalties(0, 0, 0);

  public Penalties {
    Checks.weight("ridge", ridge);
    Checks.weight("l1", l1);
    Checks.weight("groupLasso", groupLasso);
  }
}
