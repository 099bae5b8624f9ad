package org.implicitdl.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.solve.SolverSettings;
import org.implicitdl.train.Blend;
import org.implicitdl.train.BlockStore;
import org.implicitdl.train.GradientSettings;
import org.implicitdl.train.Loss;
import org.implicitdl.train.Optimizer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gradient stage's step size chosen on the validation rows ({@link #run}): candidates from the configured step size
 * upward, where the search stands between them ({@link Position}, what a trainer state saves) and the mixture of the best
 * two ({@link Choice}).
 */
final class StepSizeSearch {
  private static final Logger LOG = LoggerFactory.getLogger(StepSizeSearch.class);

  private StepSizeSearch() {}

  /**
   * {@code tuneStepSize}: the gradient stage trained from the same start at the configured step size, then at {@code factor}
   * times the last one for as long as the larger step scores better on the validation rows (at most {@value #TRIES}
   * step sizes; one that fails numerically ends the search too), and the one with the smallest validation loss kept. The
   * step size that suits a data set is not known before training on it (on small data, where the optimizer has a fixed
   * budget of steps, a larger one often goes further), and on data small enough to train on more than once the validation
   * rows can tell.
   *
   * <p>With {@code blend}, the best candidate is then mixed with the runner-up (the better of its neighbours, a step size
   * smaller or larger) by the weight that scores best on the validation rows ({@link Blend#stacked}: their states side by
   * side, up to twice the states; weight 1 keeps the best alone). Two fits at neighbouring step sizes from the same start
   * err differently enough that their mixture often beats both, and the search has already paid for them.
   *
   * <p>The search continues from {@code from} ({@link Position#start} for a new one, a saved one for a resumed fit) and
   * hands {@code settled} where it stands after each candidate it goes on from, so a fit killed during the search resumes at
   * the candidate it was training instead of the first.
   */
  static Choice run(BlockStore store, BlockStore validation, Loss loss, SolverSettings fixedPoint, GradientSettings settings,
      double factor, boolean blend, Position from, CandidateTrainer train, Consumer<Position> settled) {
    Optimizer o = settings.optimizer();
    List<Double> losses = new ArrayList<>(from.losses());
    Candidate best = from.best();
    Candidate runnerUp = from.runnerUp();
    double step = from.step();
    for (int k = from.candidate(); k < TRIES; k++, step *= factor) {
      Candidate trained;
      try {
        ImplicitTraining.Stage stage = train.train(new Position(k, step, List.copyOf(losses), best, runnerUp),
            settings.withOptimizer(o.batchSize(), step, o.lrDecay()));
        trained = new Candidate(stage, step, TrainingStores.validationLoss(validation, stage.model(), loss, fixedPoint));
      } catch (ArithmeticException e) {
        if (best == null) {
          throw e;
        }
        // a larger step that breaks training (a fixed point that no longer converges) is too large: the search ends
        LOG.info("step size {} failed numerically ({}); the search stops", step, e.getMessage());
        break;
      }
      losses.add(trained.loss());
      if (best != null && !(trained.loss() < best.loss())) {
        runnerUp = runnerUp == null || trained.loss() < runnerUp.loss() ? trained : runnerUp;
        break;
      }
      runnerUp = best;
      best = trained;
      if (k + 1 < TRIES) {
        settled.accept(new Position(k + 1, step * factor, List.copyOf(losses), best, runnerUp));
      }
    }
    LOG.info("step size {} kept: validation losses {} at step sizes {} x {}^k", StageChoices.figure(best.step()),
        losses.stream().map(StageChoices::figure).toList(), StageChoices.figure(settings.optimizer().learningRate()), factor);
    double alpha = blend && runnerUp != null ? Blend.scores(validation, loss, fixedPoint, best.stage().model(), runnerUp.stage().model()).bestWeight() : 1;
    if (alpha == 1) {
      if (blend && runnerUp != null) {
        LOG.info("the best step size's model is kept alone: no mixture with the runner-up's scores better on the validation rows");
      }
      return new Choice(best.stage(), best.step(), null);
    }
    return new Choice(blended(best.stage(), runnerUp.stage(), alpha, store, loss, fixedPoint), best.step(),
        new TrainingSummary.StepBlend(runnerUp.step(), alpha));
  }

  /** A trained candidate of a step-size search: its stage, step size and validation loss. */
  record Candidate(ImplicitTraining.Stage stage, double step, double loss) implements Serializable {}

  /** The best candidate mixed with the runner-up at weight {@code alpha} ({@link Blend#stacked}), measured on the training rows. */
  private static ImplicitTraining.Stage blended(ImplicitTraining.Stage best, ImplicitTraining.Stage runnerUp, double alpha, BlockStore store,
      Loss loss, SolverSettings fixedPoint) {
    ImplicitModel mixed = Blend.stacked(best.model(), runnerUp.model(), alpha);
    LOG.info("the best step size's model mixed with the runner-up's at weight {} scores best on the validation rows ({} states)",
        StageChoices.figure(alpha), mixed.hiddenDim());
    return StageChoices.replaced(best, best.name(), mixed, store, loss, fixedPoint);
  }

  /**
   * Where a step-size search stands before its candidate {@code candidate} (0-based), trained at {@code step}: the
   * validation losses of the candidates before it, the best of them and the second best (null before there are any).
   * What a trainer state saves between candidates, so the search is resumed rather than repeated. {@code kept}: the search
   * is over and {@code step} is the step size it kept, whose full run on every row follows (a search on a sample of them).
   */
  record Position(int candidate, double step, List<Double> losses, Candidate best, Candidate runnerUp, boolean kept) implements Serializable {
    Position(int candidate, double step, List<Double> losses, Candidate best, Candidate runnerUp) {
      this(candidate, step, losses, best, runnerUp, false);
    }

    /** A new search from the configured step size. */
    static Position start(double stepSize) {
      return new Position(0, stepSize, List.of(), null, null);
    }

    /** A search over: {@code stepSize} kept, its full run on every row next. */
    static Position kept(double stepSize) {
      return new Position(TRIES, stepSize, List.of(), null, null, true);
    }

    /** For the log and the summary: which step size, of how many at most, or the kept one's full run. */
    String describe() {
      return kept ? String.format(Locale.ROOT, "step size %s (kept by the search; the run on every row)", step)
          : String.format(Locale.ROOT, "step size %s (candidate %d of up to %d)", step, candidate + 1, TRIES);
    }
  }

  /** Trains one candidate of a step-size search: the search's position (for its trainer state) and its settings. */
  @FunctionalInterface
  interface CandidateTrainer {
    ImplicitTraining.Stage train(Position position, GradientSettings settings);
  }

  /** The most step sizes {@link #run} tries. */
  static final int TRIES = 4;

  /**
   * The fewest validation rows a step-size choice is made on. Each candidate's model is already its best epoch on these
   * rows (early stopping), and a larger step's noisier trajectory has a luckier best epoch: on a few dozen rows that
   * luck outweighs the step's real effect (the defaults suite's wide set, 30 validation rows: 0.0625 kept for a validation
   * log loss of 0.22 against 0.45, and test accuracy 0.78 against 0.955), so below this the configured step is kept.
   */
  static final int VALIDATION_ROWS = 200;

  /** The gradient stage at the step size {@link #run} kept, and its mixture with the runner-up (null: none). */
  record Choice(ImplicitTraining.Stage stage, double stepSize, TrainingSummary.StepBlend blend) {}
}
