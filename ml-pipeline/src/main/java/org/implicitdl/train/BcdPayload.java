package org.implicitdl.train;

import java.io.Serializable;
import org.implicitdl.model.ImplicitModel;

/**
 * What the driver sends to every block for one pass: the current model, the settings, and the
 * step sizes of the P- and X-steps (global, so every column takes the same steps wherever it lives),
 * and for robust training the input box radii εσ (p entries; null when nominal).
 */
public record BcdPayload(ImplicitModel model, BcdSettings settings, double etaP, double etaX, double[] robustRadius) implements Serializable {
  /** Nominal training (no input box). */
  public BcdPayload(ImplicitModel model, BcdSettings settings, double etaP, double etaX) {
    this(model, settings, etaP, etaX, null);
  }

  /**
   * The pass for {@code model} (certified first, so every block reuses its certificate), with the
   * P- and X-steps' sizes 1/L from their blocks' Lipschitz constants: ‖∇²‖ ≤ curvature·‖C‖₂² + λ_max + μ
   * for P and λ_max‖A‖₂² + μ for X (1% margin).
   */
  public static BcdPayload of(ImplicitModel model, BcdSettings settings, double[] robustRadius) {
    model.certificate();
    double maxLambda = java.util.Arrays.stream(settings.lambdaVector()).max().orElse(1);
    double c2 = org.implicitdl.solve.WellPosedness.twoNorm(model.c());
    double a2 = org.implicitdl.solve.WellPosedness.twoNorm(model.a());
    double etaP = 1.0 / (1.01 * (settings.loss().curvature() * c2 * c2 + maxLambda + settings.mu()));
    double etaX = 1.0 / (1.01 * (maxLambda * a2 * a2 + settings.mu()));
    return new BcdPayload(model, settings, etaP, etaX, robustRadius);
  }
}
