package org.implicitdl.train;

import org.implicitdl.linalg.Matrix;

/**
 * The sufficient statistics of block-coordinate descent's passes (paper §4), each a typed partial
 * that {@link LocalSteps} computes per block and the driver's convex steps read by name. Inputs
 * U' carry the bias row; every sum is weighted by the columns' weights w.
 */
public final class BcdStatistics {
  private BcdStatistics() {}

  /** What no step changes: U'U'ᵀ (null where the steps are first-order: wide inputs), YU'ᵀ and Σw. */
  public record Constants(Matrix uu, Matrix yu, double weight) implements Mergeable<Constants> {
    @Override
    public Constants merge(Constants o) {
      return new Constants(uu == null ? null : Mergeable.add(uu, o.uu), Mergeable.add(yu, o.yu), weight + o.weight);
    }
  }

  /** The (C, D)-step's Gram part with S = [P; U']: PPᵀ and PU'ᵀ, and the moment YPᵀ. */
  public record Readout(Matrix pp, Matrix pu, Matrix yp) implements Mergeable<Readout> {
    @Override
    public Readout merge(Readout o) {
      return new Readout(Mergeable.add(pp, o.pp), Mergeable.add(pu, o.pu), Mergeable.add(yp, o.yp));
    }
  }

  /** The cross-entropy (C, D)-step's gradient G·[P; U']ᵀ split as its P part (q×n) and U' part (q×p'), and the loss. */
  public record ReadoutGradient(Matrix byStates, Matrix byInputs, double loss) implements Mergeable<ReadoutGradient> {
    /** ∇[C D]. */
    public Matrix joined() {
      return Matrix.hstack(byStates, byInputs);
    }

    @Override
    public ReadoutGradient merge(ReadoutGradient o) {
      return new ReadoutGradient(Mergeable.add(byStates, o.byStates), Mergeable.add(byInputs, o.byInputs), loss + o.loss);
    }
  }

  /** The (A, B) majorizer's Gram part with S = [X; U']: XXᵀ and XU'ᵀ. */
  public record StateGram(Matrix xx, Matrix xu) implements Mergeable<StateGram> {
    @Override
    public StateGram merge(StateGram o) {
      return new StateGram(Mergeable.add(xx, o.xx), Mergeable.add(xu, o.xu));
    }
  }

  /** The (A, B) majorizer's moments H = T[X; U']ᵀ, as TXᵀ and TU'ᵀ. */
  public record Targets(Matrix tx, Matrix tu) implements Mergeable<Targets> {
    /** H = [TXᵀ TU'ᵀ]. */
    public Matrix joined() {
      return Matrix.hstack(tx, tu);
    }

    @Override
    public Targets merge(Targets o) {
      return new Targets(Mergeable.add(tx, o.tx), Mergeable.add(tu, o.tu));
    }
  }

  /** The parts of objective (10): L(Y, CP + DU'), Σ λ_i f_φ(P_i, Z_i) and (μ/2)‖X − P‖². */
  public record Objective(double loss, double divergence, double coupling) implements Mergeable<Objective> {
    @Override
    public Objective merge(Objective o) {
      return new Objective(loss + o.loss, divergence + o.divergence, coupling + o.coupling);
    }
  }
}
