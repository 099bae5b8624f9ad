package org.implicitdl.train;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/** The gradient solver's budget grows on small data and leaves large data alone. */
class TrainingBudgetTest {
  private static final GradientSettings CONFIGURED = GradientSettings.defaults(64, Loss.CROSS_ENTROPY).withMinSteps(1000);

  @Test
  void smallDataGetsSmallerBatchesMoreEpochsAndTheSameTotalDecayOverTheLongestRun() {
    TrainingBudget b = TrainingBudget.of(CONFIGURED, 1300);
    assertEquals(163, b.batchSize(), "at most an eighth of the rows");
    assertEquals(8, b.stepsPerEpoch());
    assertEquals(125, b.epochs(), "1000 steps at 8 per epoch");
    assertEquals(Optimizer.RUN_DECAY, Math.pow(b.lrDecay(), b.maxEpochs()), 1e-12, "the configured 10 epochs' decay over the longest run");
    assertEquals(Math.cbrt(Optimizer.RUN_DECAY), Math.pow(b.lrDecay(), b.epochs()), 1e-12, "a cube root of it at the budget's end");
    assertEquals(38, b.patience());
    assertTrue(b.stepsPerEpoch() * b.epochs() >= 1000);
  }

  @Test
  void largeDataAndAZeroMinimumAreLeftAsConfigured() {
    TrainingBudget large = TrainingBudget.of(CONFIGURED, 54_000);
    assertEquals(512, large.batchSize());
    assertEquals(CONFIGURED.optimizer().epochs(), large.epochs());
    assertEquals(CONFIGURED.optimizer().decayPerEpoch(), large.lrDecay(), 1e-15);
    TrainingBudget off = TrainingBudget.of(CONFIGURED.withMinSteps(0), 1300);
    assertEquals(CONFIGURED.optimizer().epochs(), off.epochs());
    assertEquals(CONFIGURED.optimizer().patienceEpochs(), off.patience());
    TrainingBudget tiny = TrainingBudget.of(CONFIGURED, 40);
    assertEquals(16, tiny.batchSize(), "never below 16 rows");
  }

  /**
   * The automatic schedule spans the run: whatever the epochs, the learning rate ends at a tenth of itself and the
   * patience is 3 tenths of them; so more epochs are a longer descent, not a dead rate (0.8 per epoch, right for 10,
   * left 10⁻¹⁹ of the rate after 200). Values given are kept per epoch.
   */
  @Test
  void theAutomaticScheduleSpansTheRunAndGivenValuesAreKept() {
    for (int epochs : new int[] {1, 10, 37, 200}) {
      TrainingBudget b = TrainingBudget.of(CONFIGURED.withMinSteps(0).withEpochs(epochs), 54_000);
      assertEquals(epochs, b.epochs());
      assertEquals(Optimizer.RUN_DECAY, Math.pow(b.lrDecay(), epochs), 1e-12, epochs + " epochs");
      assertEquals((int) Math.ceil(0.3 * epochs - 1e-9), b.patience(), epochs + " epochs");
    }
    assertEquals(3, TrainingBudget.of(CONFIGURED, 54_000).patience(), "the default 10 epochs: patience 3, as before");
    assertEquals(60, TrainingBudget.of(CONFIGURED.withEpochs(200), 54_000).patience());
    GradientSettings given = CONFIGURED.withMinSteps(0).withEpochs(200).withOptimizer(512, 0.004, 0.9);
    assertEquals(0.9, TrainingBudget.of(given, 54_000).lrDecay(), 0.0, "a decay given is per epoch");
    Optimizer o = given.optimizer();
    Optimizer patient = new Optimizer(o.epochs(), o.batchSize(), o.learningRate(), o.lrDecay(), 7, o.syncsPerEpoch(), o.minSteps(), o.averageEpochs());
    assertEquals(7, TrainingBudget.of(given.withOptimizer(patient), 54_000).patience(), "a patience given is kept");
    assertThrows(IllegalArgumentException.class, () -> new Optimizer(10, 512, 0.004, -0.5, Optimizer.AUTO, 0, 0, 0));
    assertThrows(IllegalArgumentException.class, () -> new Optimizer(10, 512, 0.004, Optimizer.AUTO, 0, 0, 0, 0));
    assertThrows(IllegalArgumentException.class, () -> new Optimizer(10, 512, 0.004, Optimizer.AUTO, Optimizer.AUTO, 0, 0, -1));
  }

  /** The weight decay is at least the prior's 10/rows with the budget on, and as configured with it off. */
  @Test
  void weightDecayIsAPriorThatFadesWithTheRows() {
    assertEquals(10.0 / 1300, TrainingBudget.of(CONFIGURED, 1300).weightDecay(), 1e-15);
    assertEquals(10.0 / 54_000, TrainingBudget.of(CONFIGURED, 54_000).weightDecay(), 1e-15);
    GradientSettings strong = CONFIGURED.withPenalties(0, 0, 0.05);
    assertEquals(0.05, TrainingBudget.of(strong, 1300).weightDecay(), 0.0, "a larger configured decay is kept");
    assertEquals(CONFIGURED.weightDecay(), TrainingBudget.of(CONFIGURED.withMinSteps(0), 1300).weightDecay(), 0.0, "budget off: as given");
  }

  /** Only a budget that grew the epochs may be extended, to 3 times them, a quarter at a time on a 2% gain. */
  @Test
  void anExtensionNeedsAGrownBudgetValidationRowsAndAGainEachQuarter() {
    TrainingBudget b = TrainingBudget.of(CONFIGURED, 1300);
    assertEquals(375, b.maxEpochs());
    assertEquals(31, b.quarter());
    assertEquals(CONFIGURED.optimizer().epochs(), TrainingBudget.of(CONFIGURED, 54_000).maxEpochs(), "large data: as configured");
    assertEquals(CONFIGURED.optimizer().epochs(), TrainingBudget.of(CONFIGURED.withMinSteps(0), 1300).maxEpochs(), "budget off: as configured");
    assertTrue(b.goesOn(124, false, 1, 1), "within the budget: on, gain or none");
    assertFalse(b.goesOn(125, false, 0.5, 1), "no validation rows: never past the budget");
    assertTrue(b.goesOn(125, true, 0.98, 1), "a 2% gain over the last quarter earns another");
    assertFalse(b.goesOn(125, true, 0.985, 1), "1.5% does not");
    assertTrue(b.goesOn(140, true, 1, 1), "between checks: on");
    assertFalse(b.goesOn(156, true, 0.99, 1));
    assertFalse(b.goesOn(375, true, 0.1, 1), "never past 3x the budget");
    assertTrue(b.checkpointsBest(94) && b.checkpointsBest(125) && b.checkpointsBest(156));
    assertFalse(b.checkpointsBest(93) || b.checkpointsBest(126) || b.checkpointsBest(31));
  }

  @Test
  void theIterateAverageSpansTheEpochsAskedButAtMostATwentiethOfTheRun() {
    TrainingBudget small = TrainingBudget.of(CONFIGURED.withAverageEpochs(2), 1300);
    assertEquals(2.0 * small.stepsPerEpoch(), small.averageHorizon(), 0.0, "two epochs of a small run's steps");
    assertTrue(small.averages());
    // 54,000 rows at 10 epochs of 106 steps: two epochs would be a fifth of the run, a twentieth is 53 steps
    TrainingBudget large = TrainingBudget.of(CONFIGURED.withAverageEpochs(2), 54_000);
    assertEquals(large.epochs() * large.stepsPerEpoch() / 20.0, large.averageHorizon(), 1e-12);
    assertTrue(large.averageHorizon() < 2.0 * large.stepsPerEpoch());
    assertFalse(TrainingBudget.of(CONFIGURED.withAverageEpochs(0), 1300).averages(), "0: the last iterate");
  }
}
