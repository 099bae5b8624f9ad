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
}
