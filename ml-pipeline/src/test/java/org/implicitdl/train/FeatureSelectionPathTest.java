package org.implicitdl.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.implicitdl.data.SyntheticData;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.model.ImplicitModel;
import org.junit.jupiter.api.Test;

/** The input-group penalty's proximal map, glmnet's λ_max for the implicit model, the path's choice, and the path on §7.2 data. */
class FeatureSelectionPathTest {

  /** The prox in a diagonal metric: zero exactly when ‖H w⁺‖ ≤ λ, else the optimality condition H(w − w⁺) + λ w/‖w‖ = 0 holds. */
  @Test
  void proxInAMetricMeetsItsOptimalityCondition() {
    Random r = new Random(5);
    int zeros = 0;
    for (int trial = 0; trial < 200; trial++) {
      int k = 1 + r.nextInt(8);
      double[] start = new double[k];
      double[] h = new double[k];
      double hw = 0;
      for (int i = 0; i < k; i++) {
        start[i] = r.nextGaussian();
        h[i] = Math.exp(3 * r.nextGaussian());
        hw += h[i] * start[i] * h[i] * start[i];
      }
      double lambda = Math.sqrt(hw) * Math.exp(r.nextGaussian());
      double[] w = start.clone();
      InputGroups.prox(w, h, lambda);
      double norm = 0;
      for (double v : w) {
        norm += v * v;
      }
      norm = Math.sqrt(norm);
      if (Math.sqrt(hw) <= lambda) {
        assertEquals(0, norm, 0.0, "zero when ‖H w⁺‖ ≤ λ");
        zeros++;
        continue;
      }
      assertTrue(norm > 0, "non-zero when ‖H w⁺‖ > λ");
      for (int i = 0; i < k; i++) {
        double residual = h[i] * (w[i] - start[i]) + lambda * w[i] / norm;
        assertEquals(0, residual, 1e-9 * (1 + h[i] * Math.abs(start[i]) + lambda), "optimality, entry " + i);
      }
    }
    assertTrue(zeros > 20 && zeros < 180, "both outcomes were tried: " + zeros + " zeros");
  }

  /**
   * glmnet's λ_max: from the model with zero input columns and the best constant prediction, a
   * full-batch proximal step at λ_max (to 1e-4: the state solves' tolerance) keeps every input
   * column zero — the penalized problem's optimality condition there — and at 0.98·λ_max it uses an
   * input. (Later Adam steps are another matter: Adam scales the 1e-11 gradients the solves' tolerance
   * leaves on the other parameters up to full-size steps once they pass its ε, so it wanders off
   * any stationary point; the path's polish uses plain proximal gradient steps for that reason.)
   */
  @Test
  void lambdaMaxZeroesEveryColumnAndASlightlySmallerWeightDoesNot() {
    for (Loss loss : Loss.values()) {
      SyntheticData.Generated g = SyntheticData.implicitRelu(8, 12, 1, 200, 4, 0.5, 0.05, 21);
      Matrix y = loss == Loss.SQUARED ? g.data().targets() : classes(g.data().targets());
      int q = y.rows();
      LocalBlockStore store = LocalBlockStore.of(g.data().inputs(), y, 64);
      GradientSettings settings = GradientSettings.defaults(6, loss);
      ImplicitModel dense = new GradientTrainer(store, null, settings.withEpochs(3), 12, q, null).train(null).model();
      FeatureSelectionPath path = new FeatureSelectionPath(store, store, settings, 12, q, null);
      ImplicitModel zero = path.withoutInputs(dense);
      // plain, and with the adaptive scales of the dense fit (each input's weight λ·s_j)
      for (InputPenalty scales : List.of(InputPenalty.of(1), path.adaptiveScales(dense))) {
        double lambdaMax = path.lambdaMax(zero, scales);
        assertTrue(lambdaMax > 0, "a positive λ_max");
        assertEquals(0, usedAfterFullBatchSteps(store, zero, settings, scales.at(lambdaMax * 1.0001, new boolean[0]), q, 1),
            loss + ": λ_max keeps every column zero");
        assertTrue(usedAfterFullBatchSteps(store, zero, settings, scales.at(lambdaMax * 0.98, new boolean[0]), q, 1) > 0,
            loss + ": 0.98·λ_max uses an input");
      }
    }
  }

  /** The adaptive scales: the inverse of each input's column size in the dense fit over their mean; a zero column gets the floor's scale. */
  @Test
  void adaptiveScalesPenalizeTheInputsTheDenseFitUsesLeast() {
    SyntheticData.Generated g = SyntheticData.implicitRelu(6, 5, 1, 100, 3, 0.5, 0.05, 4);
    LocalBlockStore store = LocalBlockStore.of(g.data().inputs(), g.data().targets(), 64);
    GradientSettings settings = GradientSettings.defaults(6, Loss.SQUARED);
    Matrix b = new Matrix(6, 6, new double[36]);
    Matrix d = new Matrix(1, 6, new double[6]);
    double[] sizes = {1, 2, 4, 0, 1}; // input j's group: D's entry sizes[j], B zero (C zero too: every state gain is the floor's 1)
    for (int j = 0; j < 5; j++) {
      d.set(0, j, sizes[j]);
    }
    ImplicitModel dense = new ImplicitModel(Matrix.zeros(6, 6), b, Matrix.zeros(1, 6), d, org.implicitdl.solve.Activation.RELU, false);
    double[] scale = new FeatureSelectionPath(store, store, settings, 5, 1, null).adaptiveScales(dense).scale();
    double mean = 8 / 5.0;
    for (int j = 0; j < 5; j++) {
      assertEquals(mean / Math.max(sizes[j], 1e-3 * mean), scale[j], 1e-12, "input " + j);
    }
  }

  /**
   * The multi-step scales: a support's refit renews the inputs' relative scales, times one constant that keeps the
   * previous scales' sum over the support (the path's weights keep their units); without sizes the scales stay.
   */
  @Test
  void renewedScalesKeepTheirSumOverTheSupportAndTheRefitsProportions() {
    InputPenalty before = new InputPenalty(1, new boolean[0], new double[] {1, 2, 3, 4});
    InputPenalty next = new InputPenalty(1, new boolean[0], new double[] {10, 1, 5, 7});
    int[] support = {1, 2};
    InputPenalty renewed = FeatureSelectionPath.rescaled(next, before, support);
    assertEquals(2 + 3, renewed.scale()[1] + renewed.scale()[2], 1e-12, "the sum over the support");
    assertEquals(5.0, renewed.scale()[2] / renewed.scale()[1], 1e-12, "the refit's proportions");
    assertEquals(10.0, renewed.scale()[0] / renewed.scale()[1], 1e-12, "every input scaled by the same constant");
    assertSame(before, FeatureSelectionPath.rescaled(InputPenalty.of(1), before, support), "a refit without sizes keeps the scales");
  }

  /** The paired pass's sums are the row-by-row loss differences from the best model, summed as a direct loop does. */
  @Test
  void pairedDifferencesAreTheRowByRowLossDifferences() {
    SyntheticData.Generated g = SyntheticData.implicitRelu(5, 4, 1, 50, 4, 0.5, 0.05, 6);
    LocalBlockStore store = LocalBlockStore.of(g.data().inputs(), g.data().targets(), 16);
    GradientSettings settings = GradientSettings.defaults(5, Loss.SQUARED);
    ImplicitModel first = new GradientTrainer(store, null, settings.withEpochs(1).withMinSteps(0), 4, 1, null).train(null).model();
    ImplicitModel second = new GradientTrainer(store, null, settings.withEpochs(3).withMinSteps(0), 4, 1, null).train(null).model();
    List<ImplicitModel> models = List.of(first, second);
    PathScores.Spreads s = store.aggregate("paired", new PathScores.Paired(models, 1, Loss.SQUARED, settings.fixedPoint()),
        PathScores::pairedDifferences);
    double sum = 0;
    double squares = 0;
    Matrix y = g.data().targets();
    for (int c = 0; c < 50; c++) {
      Matrix row = g.data().inputs().columnSlice(c, c + 1);
      double d = Loss.SQUARED.value(y.columnSlice(c, c + 1).data(), first.readout(first.solveStates(row, settings.fixedPoint()).states(), row).data(), 1, 0)
          - Loss.SQUARED.value(y.columnSlice(c, c + 1).data(), second.readout(second.solveStates(row, settings.fixedPoint()).states(), row).data(), 1, 0);
      sum += d;
      squares += d * d;
    }
    assertEquals(sum, s.sum()[0], 1e-9 * (1 + Math.abs(sum)));
    assertEquals(squares, s.squares()[0], 1e-9 * (1 + squares));
    assertEquals(0, s.sum()[1], 0.0, "the best model's difference from itself");
    assertEquals(50, s.weight(), 0.0, "the weights");
  }

  private static int usedAfterFullBatchSteps(LocalBlockStore store, ImplicitModel start, GradientSettings settings, InputPenalty penalty, int q,
      int steps) {
    GradientSettings at = settings.withInputPenalty(penalty);
    AdamState adam = AdamState.zeros(settings.hiddenDim(), 12, q);
    ImplicitModel m = start;
    for (int k = 0; k < steps; k++) {
      GradientSums grad = store.aggregate("full batch", new GradientTrainer.StepPayload(m, GradientTrainer.certificate(m.a(), at), 0, 1, at),
          GradientTrainer::miniBatch);
      m = adam.step(m, grad, 1e-3, at, 12);
    }
    return InputGroups.used(m.b(), m.d(), 12).length;
  }

  /** Two classes by the sign of the target: one-hot rows. */
  private static Matrix classes(Matrix y) {
    Matrix out = Matrix.zeros(2, y.cols());
    for (int k = 0; k < y.cols(); k++) {
      out.set(y.get(0, k) > 0 ? 1 : 0, k, 1.0);
    }
    return out;
  }

  /** The one-standard-error rule takes the fewest inputs within one standard error of the best; a limit K the best among ≤ K inputs. */
  @Test
  void theRuleTakesTheSparsestPointWithinOneStandardErrorOrTheBestWithinTheLimit() {
    List<FeatureSelectionPath.Point> path = List.of(
        new FeatureSelectionPath.Point(0, 50, 0.30, 0.03),
        new FeatureSelectionPath.Point(0.1, 20, 0.10, 0.02),
        new FeatureSelectionPath.Point(0.2, 9, 0.115, 0.02),
        new FeatureSelectionPath.Point(0.3, 9, 0.112, 0.02),
        new FeatureSelectionPath.Point(0.4, 5, 0.125, 0.02),
        new FeatureSelectionPath.Point(0.8, 2, 0.40, 0.05));
    assertEquals(3, PathScores.choose(path, 0), "9 inputs are within 0.10 + 0.02 (the better of the two), 5 are not");
    assertEquals(4, PathScores.choose(path, 5));
    assertEquals(3, PathScores.choose(path, 10));
    assertEquals(5, PathScores.choose(path, 1), "no point that sparse: the sparsest");
  }

  /**
   * §7.2-style data (an implicit ReLU model with column-sparse B and D; test seed 3, sizes other
   * than the paper's): the path with the one-standard-error rule keeps exactly the relevant inputs.
   */
  @Test
  void thePathFindsTheRelevantInputs() {
    SyntheticData.Generated g = SyntheticData.implicitRelu(10, 200, 1, 800, 8, 0.5, 0.01, 3);
    Matrix u = g.data().inputs();
    Matrix y = g.data().targets();
    double rms = Math.sqrt(y.data().length == 0 ? 1 : java.util.Arrays.stream(y.data()).map(v -> v * v).average().orElse(1));
    y = y.scaled(1 / rms);
    int m = u.cols();
    int held = m / 5;
    LocalBlockStore train = LocalBlockStore.of(u.columnSlice(0, m - held), y.columnSlice(0, m - held), 2048);
    LocalBlockStore validation = LocalBlockStore.of(u.columnSlice(m - held, m), y.columnSlice(m - held, m), 2048);
    GradientSettings settings = GradientSettings.defaults(10, Loss.SQUARED).withMinSteps(1000).withPenalties(0, 0, 1e-4);
    ImplicitModel dense = new GradientTrainer(train, validation, settings, 200, 1, null).train(null).model();
    FeatureSelectionPath.Result r = new FeatureSelectionPath(train, validation, settings, 200, 1, null).run(dense, 0);
    int[] selected = r.selected();
    int truePositives = 0;
    for (int j : selected) {
      truePositives += g.relevantFeatures()[j] ? 1 : 0;
    }
    assertEquals(8, truePositives, "every relevant input kept: " + java.util.Arrays.toString(selected));
    assertEquals(8, selected.length, "no other input kept: " + java.util.Arrays.toString(selected));
    assertEquals(r.path().get(r.chosen()).inputs(), selected.length, "the chosen point's support is the model's");
  }

  /**
   * The forward entry brings back the relevant inputs a support lacks and adds no other: from a fit that reads only 4 of
   * the 6 inputs §7.2-style data depends on, the steepest gradients lead to the other 2, and the inputs after them lower
   * the validation loss by less than the entry's {@value StepwiseRefinement#ENTRY_ERRORS} standard errors; the drop after it
   * keeps them all.
   */
  @Test
  void theForwardEntryBringsBackTheRelevantInputsAPathDropped() {
    StepwiseData data = StepwiseData.of();
    int[] relevant = data.relevant();
    FeatureSelectionPath.Result r = data.refineFrom(java.util.Arrays.copyOf(relevant, 4));
    assertEquals(java.util.Arrays.toString(relevant), java.util.Arrays.toString(r.selected()), "the relevant inputs and no other");
    assertTrue(r.path().stream().skip(1).allMatch(FeatureSelectionPath.Point::entered), "the points after the start are the entry's");
    assertTrue(r.path().get(r.chosen()).validationLoss() < r.path().get(0).validationLoss(), "the entered inputs lower the validation loss");
  }

  /**
   * The backward drop removes irrelevant inputs a support holds and keeps the relevant ones: from a fit that reads the 6
   * inputs §7.2-style data depends on and 4 others, the smallest columns are tried out one at a time; the 6 stay and at
   * least half of the 4 go. (Not all of them need to: an input goes when the loss without it is no higher, and on 180
   * validation rows an irrelevant input can lower it by chance.)
   */
  @Test
  void theBackwardDropRemovesTheIrrelevantInputsASupportHolds() {
    StepwiseData data = StepwiseData.of();
    int[] relevant = data.relevant();
    int[] irrelevant = java.util.stream.IntStream.range(0, STEPWISE_INPUTS).filter(j -> !data.generated().relevantFeatures()[j]).limit(4).toArray();
    int[] holding = java.util.stream.IntStream.concat(java.util.Arrays.stream(relevant), java.util.Arrays.stream(irrelevant)).sorted().toArray();
    FeatureSelectionPath.Result r = data.refineFrom(holding);
    java.util.Set<Integer> selected = java.util.Arrays.stream(r.selected()).boxed().collect(java.util.stream.Collectors.toSet());
    assertTrue(java.util.Arrays.stream(relevant).allMatch(selected::contains), "every relevant input stays: " + selected);
    assertTrue(selected.size() - relevant.length <= irrelevant.length / 2, "at least half of the irrelevant inputs go: " + selected);
    assertTrue(r.path().get(r.chosen()).dropped(), "the chosen point is the drop's");
  }

  /**
   * An input whose effect is even enters: y = |u₀| + u₁ (and a little noise), the start reads u₁ only. With B's column 0
   * at zero no state depends on u₀, so the gradient on it is about noise's (E[|u₀|·u₀] = 0): the entry's trial gives the
   * column the kept one's size ({@link StepwiseRefinement}), and the states' kinks fit |u₀|. The two noise inputs stay out.
   */
  @Test
  void anInputWhoseEffectIsEvenEnters() {
    int rows = 600;
    int held = rows / 5;
    Random r = new Random(17);
    Matrix u = SyntheticData.gaussian(4, rows, 1.0, r);
    Matrix y = Matrix.zeros(1, rows);
    for (int k = 0; k < rows; k++) {
      y.set(0, k, Math.abs(u.get(0, k)) + u.get(1, k) + 0.05 * r.nextGaussian());
    }
    LocalBlockStore train = LocalBlockStore.of(u.columnSlice(0, rows - held), y.columnSlice(0, rows - held), 2048);
    LocalBlockStore validation = LocalBlockStore.of(u.columnSlice(rows - held, rows), y.columnSlice(rows - held, rows), 2048);
    GradientSettings settings = GradientSettings.defaults(8, Loss.SQUARED).withMinSteps(1000);
    ImplicitModel start = new GradientTrainer(train, validation, settings.withInputPenalty(InputPenalty.keeping(new int[] {1}, 4)), 4, 1, null)
        .train(null).model();
    FeatureSelectionPath.Result result = new FeatureSelectionPath(train, validation, settings, 4, 1, null).refineFrom(start, 0);
    assertEquals("[0, 1]", java.util.Arrays.toString(result.selected()), "u0 entered, the noise inputs did not");
  }

  private static final int ENTRY_ROWS = 900;
  private static final long ENTRY_SEED = 5;
  private static final int STEPWISE_INPUTS = 40;

  /** The stepwise tests' §7.2-style data: 40 inputs, 6 of them relevant; the last fifth of the rows validate. */
  private record StepwiseData(SyntheticData.Generated generated, LocalBlockStore train, LocalBlockStore validation, int[] relevant) {
    static StepwiseData of() {
      SyntheticData.Generated g = SyntheticData.implicitRelu(10, STEPWISE_INPUTS, 1, ENTRY_ROWS, 6, 0.5, 0.01, ENTRY_SEED);
      int held = ENTRY_ROWS / 5;
      Matrix u = g.data().inputs();
      Matrix y = g.data().targets();
      return new StepwiseData(g, LocalBlockStore.of(u.columnSlice(0, ENTRY_ROWS - held), y.columnSlice(0, ENTRY_ROWS - held), 2048),
          LocalBlockStore.of(u.columnSlice(ENTRY_ROWS - held, ENTRY_ROWS), y.columnSlice(ENTRY_ROWS - held, ENTRY_ROWS), 2048),
          java.util.stream.IntStream.range(0, STEPWISE_INPUTS).filter(j -> g.relevantFeatures()[j]).toArray());
    }

    /** The stepwise steps (entry, then drop) from a fit that reads only {@code reading}'s inputs. */
    FeatureSelectionPath.Result refineFrom(int[] reading) {
      GradientSettings settings = GradientSettings.defaults(10, Loss.SQUARED).withMinSteps(1000);
      ImplicitModel start = new GradientTrainer(train, validation, settings.withInputPenalty(InputPenalty.keeping(reading, STEPWISE_INPUTS)),
          STEPWISE_INPUTS, 1, null).train(null).model();
      assertEquals(reading.length, InputGroups.used(start.b(), start.d(), STEPWISE_INPUTS).length, "the start reads " + reading.length + " inputs");
      return new FeatureSelectionPath(train, validation, settings, STEPWISE_INPUTS, 1, null).refineFrom(start, 0);
    }
  }
}
