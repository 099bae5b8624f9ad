package org.implicitdl.spark;

import java.util.List;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.train.EpochCheckpoint;
import org.implicitdl.train.EpochRecord;

/**
 * Where a gradient stage that searches its step size ({@link StepSizeSearch#run}) keeps its trainer state: each
 * candidate its own, the search's standing between candidates, and, where the candidates train on a sample of the rows, the
 * kept step size before the full run on every row and then that run's own. A fit killed anywhere in it resumes there: at
 * the candidate that was training, or at the full run without searching again. Without a trainer state
 * ({@code state} null) nothing is saved or restored.
 *
 * @param stage the stage's index in the solver pipeline
 * @param start the model the stage starts from
 * @param before the earlier stages' history
 * @param saved where the killed fit's search stood, when the saved state is this stage's; null otherwise
 */
record SearchCheckpoints(TrainerStateStore state, int stage, ImplicitModel start, List<EpochRecord> before, StepSizeSearch.Position saved) {

  /** The stage's checkpoints; {@code resumeHere} when the saved state, if any, belongs to this stage. */
  static SearchCheckpoints of(TrainerStateStore state, int stage, ImplicitModel start, List<EpochRecord> before, boolean resumeHere) {
    StepSizeSearch.Position saved = state == null || !resumeHere || state.found() == null ? null : state.found().search();
    return new SearchCheckpoints(state, stage, start, List.copyOf(before), saved);
  }

  /** Where the search goes on from: the killed fit's unfinished search, or a new one from {@code configuredStep}. */
  StepSizeSearch.Position from(double configuredStep) {
    return saved != null && !saved.kept() ? saved : StepSizeSearch.Position.start(configuredStep);
  }

  /** The step size the killed fit's search had already kept before its full run, or NaN: search. */
  double keptBefore() {
    return saved != null && saved.kept() ? saved.step() : Double.NaN;
  }

  /** The checkpoint of the candidate at {@code position}: the killed fit's state when it was training this one. */
  EpochCheckpoint candidate(StepSizeSearch.Position position) {
    if (state == null) {
      return EpochCheckpoint.none();
    }
    boolean here = saved != null && !saved.kept() && position.candidate() == saved.candidate();
    return state.forStage(stage, start, before, here, position);
  }

  /** Saves the search's standing before its next candidate. */
  void settled(StepSizeSearch.Position next) {
    if (state != null) {
      state.saveSearch(stage, start, before, next);
    }
  }

  /**
   * The checkpoint of the full run at the kept step size {@code step}. A new full run first saves the kept step, so a fit
   * killed before the run's first saved epoch does not search again.
   */
  EpochCheckpoint fullRun(double step) {
    if (state == null) {
      return EpochCheckpoint.none();
    }
    StepSizeSearch.Position kept = StepSizeSearch.Position.kept(step);
    boolean here = saved != null && saved.kept();
    if (!here) {
      state.saveSearch(stage, start, before, kept);
    }
    return state.forStage(stage, start, before, here, kept);
  }
}
