package org.implicitdl.train;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.solve.Certificate;

/**
 * The gradient solver's local rounds ({@code syncsPerEpoch} &gt; 0): each partition takes Adam steps
 * on its own share of the data from the broadcast model and moments, and the driver averages
 * the partitions' parameters and moments (local SGD with periodic averaging), one Spark job per
 * round instead of one per step.
 */
public final class LocalRounds {
  private LocalRounds() {}

  /** What one round of local steps sends to every partition; {@code robust} null for the nominal loss. */
  public record Round(ImplicitModel model, AdamState adam, GradientSettings settings, int inputs, int epoch, int round, double rate,
      RobustObjective robust) implements Serializable {
    public Round(ImplicitModel model, AdamState adam, GradientSettings settings, int inputs, int epoch, int round, double rate) {
      this(model, adam, settings, inputs, epoch, round, rate, null);
    }
  }

  /**
   * Local Adam steps on this partition's share of the round: columns [⌊r·m/R⌋, ⌊(r+1)·m/R⌋) of
   * each block, in mini-batches of batchSize, starting from the broadcast model and moments.
   * Returns the final parameters and moments as sums (the driver divides by the partition count).
   */
  public static Average run(Round job, java.util.Iterator<TrainingBlock> blocks) {
    GradientSettings st = job.settings();
    ImplicitModel m = job.model();
    AdamState adam = job.adam().copy();
    int rounds = st.optimizer().syncsPerEpoch();
    List<Batch> batches = new ArrayList<>();
    while (blocks.hasNext()) {
      TrainingBlock b = blocks.next();
      int from = b.shareStart(job.round(), rounds);
      int to = b.shareStart(job.round() + 1, rounds);
      for (int c = from; c < to; c += st.optimizer().batchSize()) {
        int end = Math.min(to, c + st.optimizer().batchSize());
        batches.add(new Batch(b.u().columnSlice(c, end), b.y().columnSlice(c, end), b.w().columnSlice(c, end)));
      }
    }
    Collections.shuffle(batches, new Random(st.seed() * 31 + job.epoch() * 7919L + job.round()));
    for (Batch batch : batches) {
      Certificate cert = GradientTrainer.certificate(m.a(), st);
      GradientSums grad = GradientTrainer.gradient(m, cert, batch.u(), batch.y(), batch.w(), st, job.robust());
      m = adam.step(m, grad, job.rate(), st, job.inputs());
    }
    return new Average(Matrix.hstack(m.a(), m.b()), Matrix.hstack(m.c(), m.d()), adam, 1);
  }

  /**
   * The partitions' final [A B], [C D] and Adam moments, summed over the {@code parts} partitions
   * that ran: the driver's average is the sum over the count.
   */
  public record Average(Matrix hidden, Matrix readout, AdamState moments, double parts) implements Mergeable<Average> {
    /** The partitions' parameters averaged, on the round's starting model. */
    ImplicitModel model(ImplicitModel start) {
      // the ℓ1-ball constraint set is convex, so the average of feasible iterates stays feasible
      return start.withWeights(hidden.scaled(1 / parts), readout.scaled(1 / parts));
    }

    /** The partitions' Adam moments averaged (and their step counts). */
    AdamState adam() {
      return moments.scaled(1 / parts);
    }

    @Override
    public Average merge(Average o) {
      return new Average(Mergeable.add(hidden, o.hidden), Mergeable.add(readout, o.readout), moments.plus(o.moments), parts + o.parts);
    }
  }

  /** One local mini-batch: its inputs, targets and weights. */
  private record Batch(org.implicitdl.linalg.Inputs u, Matrix y, Matrix w) {}
}
