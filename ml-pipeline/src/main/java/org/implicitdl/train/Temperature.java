package org.implicitdl.train;

import java.io.Serializable;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.solve.SolverSettings;

/**
 * Calibrates a classifier's probabilities by one shrinkage of its readout: ŷ = (Cx + Du)/T with
 * the T that minimizes the cross-entropy on validation rows (temperature scaling). BCD's final
 * readout is a nearly unregularized logistic regression on the states, confident far beyond its
 * accuracy; dividing [C D] by T > 1 is the ridge-like shrinkage that fixes its log loss, chosen
 * on held-out rows, and it leaves every argmax — the accuracy — unchanged. The states, and so
 * the certificate, are untouched.
 */
public final class Temperature {
  /** Candidate temperatures of a pass: geometric, from T/√(spread) to T·√(spread). */
  static final int CANDIDATES = 41;

  private Temperature() {}

  /** What a pass sends to the blocks: the model and the temperatures to try. */
  record Trial(ImplicitModel model, double[] temperatures, SolverSettings fixedPoint) implements Serializable {}

  /** The model with [C D] divided by the validation rows' best temperature (two passes: coarse, then fine). */
  public static ImplicitModel calibrate(ImplicitModel model, BlockStore validation, SolverSettings fixedPoint) {
    return scaled(model, 1 / bestTemperature(model, validation, fixedPoint));
  }

  /**
   * The model with [C D] divided by the validation rows' best temperature of at least 1: its scores shrunk where that
   * lowers the log loss, never sharpened. The log loss is convex in 1/T, so this is {@link #calibrate}'s T held at 1 from
   * below. Sharpening is left out where the temperature only prepares a further choice on the same rows: on a few dozen
   * rows that the model classifies without error, every sharpening lowers their log loss (the optimum is T → 0), and
   * that says nothing of new rows.
   */
  public static ImplicitModel shrunk(ImplicitModel model, BlockStore validation, SolverSettings fixedPoint) {
    double t = Math.max(1, bestTemperature(model, validation, fixedPoint));
    return t == 1 ? model : scaled(model, 1 / t);
  }

  /** The validation rows' best temperature: two passes, a coarse grid from 1/20 to 20, then a fine one around its best. */
  private static double bestTemperature(ImplicitModel model, BlockStore validation, SolverSettings fixedPoint) {
    double t = best(model, validation, fixedPoint, grid(1.0, 400.0));
    return best(model, validation, fixedPoint, grid(t, 1.6));
  }

  /** ŷ scaled by {@code factor}: C and D (bias column included) times factor. */
  static ImplicitModel scaled(ImplicitModel m, double factor) {
    return m.with(m.a(), m.b(), m.c().scaled(factor), m.d().scaled(factor));
  }

  private static double best(ImplicitModel model, BlockStore validation, SolverSettings fixedPoint, double[] temperatures) {
    double[] losses = validation.aggregate("temperature of the readout: validation log loss", new Trial(model, temperatures, fixedPoint),
        Temperature::losses).perCandidate();
    int best = 0;
    for (int k = 1; k < temperatures.length; k++) {
      if (losses[k] < losses[best]) {
        best = k;
      }
    }
    return temperatures[best];
  }

  private static double[] grid(double center, double spread) {
    double[] t = new double[CANDIDATES];
    for (int k = 0; k < CANDIDATES; k++) {
      t[k] = center * Math.pow(spread, (k - (CANDIDATES - 1) / 2.0) / (CANDIDATES - 1));
    }
    return t;
  }

  /** Σ w·cross-entropy at each candidate temperature, in the trial's order. */
  record Losses(double[] perCandidate) implements Mergeable<Losses> {
    @Override
    public Losses merge(Losses o) {
      double[] sum = perCandidate.clone();
      for (int k = 0; k < sum.length; k++) {
        sum[k] += o.perCandidate[k];
      }
      return new Losses(sum);
    }
  }

  /** The block's {@link Losses} (logits solved once). */
  static Losses losses(Trial trial, TrainingBlock block) {
    ImplicitModel m = trial.model();
    Matrix logits = m.augmentedReadout(RealRule.states(m, m.certificate(), block.u(), trial.fixedPoint()).states(), block.u());
    double[] out = new double[trial.temperatures().length];
    for (int k = 0; k < out.length; k++) {
      out[k] = Loss.CROSS_ENTROPY.total(block.y(), logits.scaled(1 / trial.temperatures()[k]), block.w());
    }
    return new Losses(out);
  }
}
