package org.implicitdl.train;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import org.implicitdl.data.LabeledBlock;
import org.implicitdl.data.SyntheticData;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.solve.WellPosedness;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class GradientTrainerTest {

  static LabeledBlock classes(int m, long seed) {
    SyntheticData.Generated g = SyntheticData.implicitRelu(12, 10, 3, m, 10, 0.5, 0.0, seed);
    int[] labels = new int[m];
    for (int j = 0; j < m; j++) {
      labels[j] = LocalSteps.argmax(g.data().targets(), j);
    }
    return new LabeledBlock(g.data().inputs(), LabeledBlock.oneHot(labels, 3), labels);
  }

  @org.junit.jupiter.api.Test
  void earlyStoppingKeepsTheModelWithTheBestValidationLoss() {
    LabeledBlock all = classes(400, 31);
    LabeledBlock train = all.slice(0, 200);
    LabeledBlock valid = all.slice(200, 400);
    GradientSettings st = GradientSettings.defaults(16, Loss.CROSS_ENTROPY).withEpochs(25).withOptimizer(20, 0.05, 1.0)
        .withPenalties(0.001, 0.01, 0);
    LocalBlockStore validation = LocalBlockStore.of(valid.inputs(), valid.targets(), 100);
    List<ImplicitModel> iterates = new ArrayList<>();
    GradientTrainer.Result r = new GradientTrainer(LocalBlockStore.of(train.inputs(), train.targets(), 100), validation, st, 10, 3, null)
        .onEpochModel(iterates::add).train(null);
    double best = Double.POSITIVE_INFINITY;
    int bestEpoch = 0;
    for (int e = 0; e < iterates.size(); e++) {
      ImplicitModel m = iterates.get(e);
      double loss = validation.aggregate("v", new GradientTrainer.StepPayload(m, m.certificate(), 0, 1, st), GradientTrainer::evaluate).meanLoss();
      if (loss < best) {
        best = loss;
        bestEpoch = e + 1;
      }
    }
    assertEquals(bestEpoch, r.bestEpoch());
    assertEquals(iterates.get(bestEpoch - 1).a(), r.model().a());
    assertTrue(iterates.size() <= bestEpoch + st.optimizer().patienceEpochs(), "training ran past the patience window");
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 2})
  void everyIterateIsWellPosedAndTrainingLearns(int syncsPerEpoch) {
    LabeledBlock data = classes(600, 21);
    GradientSettings st = GradientSettings.defaults(8, Loss.CROSS_ENTROPY).withEpochs(12).withOptimizer(32, 0.02, 0.9)
        .withStructure(Architecture.Structure.INF_NORM, 0.5).withSyncsPerEpoch(syncsPerEpoch);
    LocalBlockStore store = LocalBlockStore.of(data.inputs(), data.targets(), 100);
    List<ImplicitModel> iterates = new ArrayList<>();
    GradientTrainer.Result r = new GradientTrainer(store, null, st, 10, 3, null).onEpochModel(iterates::add).train(null);
    assertEquals(12, iterates.size());
    for (ImplicitModel m : iterates) {
      assertTrue(WellPosedness.infNorm(m.a()) <= 0.5 + 1e-12, "||A||_inf = " + WellPosedness.infNorm(m.a()));
    }
    assertTrue(WellPosedness.infNorm(iterates.get(iterates.size() - 1).a()) > 0, "A never moved from 0");
    assertTrue(r.finalRecord().realMetric() > 0.8, "training accuracy " + r.finalRecord().realMetric());
  }

  /**
   * On small data the budget's epochs are a guess: with validation rows a run still learning goes past them, a quarter
   * at a time, exactly while each quarter lowers the best validation loss by 2%; without them it stops on time.
   */
  @org.junit.jupiter.api.Test
  void aRunStillLearningGoesPastTheBudgetWhileEachQuarterPaysAndNoFurther() {
    LabeledBlock all = classes(800, 41);
    LabeledBlock train = all.slice(0, 400);
    LabeledBlock valid = all.slice(400, 800);
    // a slow, undecayed step: 10 epochs of 8 steps are far from enough
    GradientSettings st = GradientSettings.defaults(8, Loss.CROSS_ENTROPY).withEpochs(2).withOptimizer(512, 0.002, 1.0).withMinSteps(80);
    TrainingBudget budget = TrainingBudget.of(st, 400);
    assertEquals(10, budget.epochs());
    LocalBlockStore validation = LocalBlockStore.of(valid.inputs(), valid.targets(), 100);
    List<ImplicitModel> iterates = new ArrayList<>();
    new GradientTrainer(LocalBlockStore.of(train.inputs(), train.targets(), 100), validation, st, 10, 3, null).onEpochModel(iterates::add)
        .train(null);
    assertTrue(iterates.size() > budget.epochs(), "stopped at " + iterates.size() + " epochs while still learning");
    assertTrue(iterates.size() <= budget.maxEpochs());
    // the best validation loss after each epoch, replayed: every check passed on the way, and the last one failed
    double[] best = new double[iterates.size() + 1];
    best[0] = Double.POSITIVE_INFINITY;
    for (int e = 1; e <= iterates.size(); e++) {
      ImplicitModel m = iterates.get(e - 1);
      double loss = validation.aggregate("v", new GradientTrainer.StepPayload(m, m.certificate(), 0, 1, st), GradientTrainer::evaluate).meanLoss();
      best[e] = Math.min(best[e - 1], loss);
    }
    int q = budget.quarter();
    for (int e = budget.epochs(); e < iterates.size(); e += q) {
      assertTrue(best[e] <= (1 - TrainingBudget.EXTENSION_GAIN) * best[e - q], "went on at epoch " + e + " without the gain");
    }
    int last = iterates.size();
    if (last < budget.maxEpochs() && (last - budget.epochs()) % q == 0) {
      assertTrue(best[last] > (1 - TrainingBudget.EXTENSION_GAIN) * best[last - q], "stopped at epoch " + last + " with the gain");
    }
    List<ImplicitModel> unvalidated = new ArrayList<>();
    new GradientTrainer(LocalBlockStore.of(train.inputs(), train.targets(), 100), null, st, 10, 3, null).onEpochModel(unvalidated::add)
        .train(null);
    assertEquals(budget.epochs(), unvalidated.size(), "no validation rows: the budget's epochs");
  }

  /**
   * With an iterate average, each epoch's model (the one early stopping judges and a fit returns) is the exponentially
   * weighted mean of the optimizer's iterates, which themselves are unchanged: one step per epoch here, so the plain run's
   * epoch models are every iterate and the averaged run's must be their {@link IterateAverage} over the budget's horizon.
   */
  @org.junit.jupiter.api.Test
  void anAveragingRunJudgesTheMeanOfTheSameIterates() {
    // 16 rows: the smallest mini-batch, so one step per epoch
    LabeledBlock data = classes(16, 51);
    GradientSettings plain = GradientSettings.defaults(8, Loss.CROSS_ENTROPY).withEpochs(60).withOptimizer(512, 0.05, 1.0);
    GradientSettings averaging = plain.withAverageEpochs(2);
    TrainingBudget budget = TrainingBudget.of(averaging, 16);
    assertEquals(1, budget.stepsPerEpoch());
    assertEquals(2, budget.averageHorizon(), 0.0, "two epochs of one step (a twentieth of 60 steps is more)");
    List<ImplicitModel> iterates = new ArrayList<>();
    new GradientTrainer(LocalBlockStore.of(data.inputs(), data.targets(), 100), null, plain, 10, 3, null).onEpochModel(iterates::add).train(null);
    List<ImplicitModel> judged = new ArrayList<>();
    GradientTrainer.Result r = new GradientTrainer(LocalBlockStore.of(data.inputs(), data.targets(), 100), null, averaging, 10, 3, null)
        .onEpochModel(judged::add).train(null);
    assertEquals(iterates.size(), judged.size());
    IterateAverage replay = IterateAverage.over(budget.averageHorizon());
    double apart = 0;
    for (int e = 0; e < iterates.size(); e++) {
      replay = replay.add(iterates.get(e));
      for (int k = 0; k < replay.model().b().data().length; k++) {
        assertEquals(replay.model().b().data()[k], judged.get(e).b().data()[k], 1e-12, "epoch " + (e + 1) + ", B entry " + k);
      }
      assertEquals(replay.model().c(), judged.get(e).c());
      apart = Math.max(apart, Math.abs(judged.get(e).c().data()[0] - iterates.get(e).c().data()[0]));
    }
    assertTrue(apart > 1e-6, "the averaged run returned the iterates themselves");
    assertEquals(judged.get(judged.size() - 1).c(), r.model().c(), "no validation rows: the last average is returned");
  }
}
