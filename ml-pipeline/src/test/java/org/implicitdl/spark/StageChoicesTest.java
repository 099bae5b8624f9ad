package org.implicitdl.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.solve.Activation;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.solve.SolverSettings;
import org.implicitdl.train.BcdSettings;
import org.implicitdl.train.Blend;
import org.implicitdl.train.BlockCoordinateDescent;
import org.implicitdl.train.BlockStore;
import org.implicitdl.train.EpochRecord;
import org.implicitdl.train.FoldMask;
import org.implicitdl.train.HeldOutScore;
import org.implicitdl.train.LocalBlockStore;
import org.implicitdl.train.Loss;
import org.implicitdl.train.Mergeable;
import org.implicitdl.train.RuleMetrics;
import org.implicitdl.train.TrainingBlock;
import org.junit.jupiter.api.Test;

/** A fit with validation rows is never worse there than the linear model of its inputs. */
class StageChoicesTest {
  private static final SolverSettings FIXED_POINT = new SolverSettings(1e-10, 500);

  @Test
  void theLogsFiguresHaveFourSignificantDigitsAndNoTrailingZeros() {
    assertEquals("0.07157", StageChoices.figure(0.07157396755614628));
    assertEquals("0.004", StageChoices.figure(0.004));
    assertEquals("0.0001", StageChoices.figure(1.0E-4));
    assertEquals("1e-05", StageChoices.figure(1.0E-5));
    assertEquals("2.5", StageChoices.figure(2.5));
    assertEquals("1200", StageChoices.figure(1200));
    assertEquals("100", StageChoices.figure(100));
    assertEquals("1.235e+05", StageChoices.figure(123456));
    assertEquals("-0.55", StageChoices.figure(-0.55));
    assertEquals("NaN", StageChoices.figure(Double.NaN));
  }

  @Test
  void aStageWorseThanTheLinearModelIsReplacedByItAndABetterOneIsKept() {
    Random r = new Random(6);
    Matrix[] train = linear(r, 300);
    Matrix[] valid = linear(r, 300);
    LocalBlockStore store = LocalBlockStore.of(train[0], train[1], 100);
    LocalBlockStore validation = LocalBlockStore.of(valid[0], valid[1], 300);
    ImplicitModel poor = randomStates(r);
    ImplicitTraining.Stage stage = gradientStage(poor);
    ImplicitTraining.Stage chosen = StageChoices.notWorseThanLinear(stage, new ChoiceRows(store), validation, Loss.SQUARED, FIXED_POINT, 8, 1);
    assertEquals("linear", chosen.name());
    assertEquals(0.0, chosen.model().b().maxAbs(), "the states are unused: B = 0");
    double linearLoss = TrainingStores.validationLoss(validation, chosen.model(), Loss.SQUARED, FIXED_POINT);
    assertTrue(linearLoss < TrainingStores.validationLoss(validation, poor, Loss.SQUARED, FIXED_POINT));
    assertTrue(linearLoss < 0.5 * 0.05 * 0.05 * 1.5, "close to the noise floor: " + linearLoss);

    // the linear model itself, as a stage, is kept (no strictly better linear fit exists)
    ImplicitTraining.Stage good = gradientStage(chosen.model());
    assertSame(good, StageChoices.notWorseThanLinear(good, new ChoiceRows(store), validation, Loss.SQUARED, FIXED_POINT, 8, 1));
  }

  /**
   * A nearly linear target (8 inputs, noise 2% of the signal) on 600 training rows and 30 validation rows: the linear
   * model's ridge is chosen by generalized cross-validation on the training rows, and every seed's returned model is
   * within 2% of the path's best ridge on 4,000 new rows. Chosen on the 30 rows (as before), seed 4's ridge shrank the
   * signal enough to cost 4.9% more squared error.
   */
  @Test
  void aNearlyLinearTargetsRidgeIsChosenOnEveryTrainingRowNotOnAFewValidationRows() {
    for (long seed = 1; seed <= 8; seed++) {
      Random r = new Random(seed);
      Matrix[] train = linear(r, 600);
      Matrix[] valid = linear(r, 30);
      Matrix[] fresh = linear(r, 4000);
      LocalBlockStore test = LocalBlockStore.of(fresh[0], fresh[1], 1000);
      ImplicitModel poor = randomStates(r);
      ImplicitTraining.Stage stage = gradientStage(poor);
      ImplicitModel chosen = StageChoices.notWorseThanLinear(stage, new ChoiceRows(LocalBlockStore.of(train[0], train[1], 100)),
          LocalBlockStore.of(valid[0], valid[1], 100), Loss.SQUARED, FIXED_POINT, 8, 1).model();
      ImplicitModel zero = ImplicitModel.zero(5, 8, 1, Activation.RELU);
      BcdSettings settings = readoutFit();
      double bestOnNewRows = Double.POSITIVE_INFINITY;
      for (ImplicitModel fit : new BlockCoordinateDescent(LocalBlockStore.of(Matrix.hstack(train[0], valid[0]), Matrix.hstack(train[1], valid[1]), 100),
          settings, 8, 1, null).fitReadoutPath(zero, StageChoices.linearRidges(600, 8), fit -> true)) {
        bestOnNewRows = Math.min(bestOnNewRows, TrainingStores.validationLoss(test, fit, Loss.SQUARED, FIXED_POINT));
      }
      double got = TrainingStores.validationLoss(test, chosen, Loss.SQUARED, FIXED_POINT);
      assertTrue(got <= 1.02 * bestOnNewRows, "seed " + seed + ": loss on new rows " + got + " against the best ridge's " + bestOnNewRows);
    }
  }

  /**
   * Once the validation rows chose the linear model, it is refit on the training and validation rows together; past
   * {@link StageChoices#CHOICE_SAMPLE_ROWS} training rows too, where the ridge path was fitted on a sample of them.
   */
  @Test
  void theChosenLinearModelIsRefitOnEveryRow() {
    for (int rows : new int[] {200, 2 * StageChoices.CHOICE_SAMPLE_ROWS}) {
      Random r = new Random(8);
      Matrix[] train = linear(r, rows);
      Matrix[] valid = linear(r, 100);
      ImplicitModel poor = randomStates(r);
      ImplicitTraining.Stage stage = gradientStage(poor);
      ImplicitModel chosen = StageChoices.notWorseThanLinear(stage, new ChoiceRows(LocalBlockStore.of(train[0], train[1], 100)),
          LocalBlockStore.of(valid[0], valid[1], 100), Loss.SQUARED, FIXED_POINT, 8, 1).model();
      ImplicitModel zero = ImplicitModel.zero(5, 8, 1, Activation.RELU);
      BcdSettings settings = readoutFit();
      // the squared loss's fit is one exact solve: the path's warm start does not matter, so each ridge can be fitted alone
      boolean matched = false;
      for (double ridge : StageChoices.linearRidges(rows, 8)) {
        double[] one = {ridge};
        ImplicitModel everyRow = new BlockCoordinateDescent(LocalBlockStore.of(Matrix.hstack(train[0], valid[0]), Matrix.hstack(train[1], valid[1]), 100),
            settings, 8, 1, null).fitReadoutPath(zero, one, fit -> true).get(0);
        if (!differs(everyRow.d(), chosen.d())) {
          matched = true;
          ImplicitModel trainingRows = new BlockCoordinateDescent(LocalBlockStore.of(train[0], train[1], 100), settings, 8, 1, null)
              .fitReadoutPath(zero, one, fit -> true).get(0);
          assertTrue(differs(trainingRows.d(), chosen.d()), rows + " rows: the training rows' own fit was returned, not the refit");
        }
      }
      assertTrue(matched, rows + " rows: the returned model is the every-row fit at one of the path's ridges");
    }
  }

  /**
   * More inputs than rows (p = 400 on 300 rows, two classes): the path's ridge (chosen by folds of the training rows) is
   * stronger than the weakest (which separates the training rows), and the linear model beats a stage
   * that only guesses; the first-order form (wide inputs) chooses a model as good.
   */
  @Test
  void withMoreInputsThanRowsTheLinearRidgeIsStrongerThanTheWeakest() {
    Random r = new Random(11);
    int p = 400;
    Matrix[] train = sparseClasses(r, p, 300);
    Matrix[] valid = sparseClasses(r, p, 300);
    LocalBlockStore store = LocalBlockStore.of(train[0], train[1], 50);
    LocalBlockStore validation = LocalBlockStore.of(valid[0], valid[1], 300);
    ImplicitModel guess = ImplicitModel.zero(4, p, 2, Activation.RELU);
    ImplicitTraining.Stage stage = gradientStage(guess);
    ImplicitTraining.Stage chosen = StageChoices.notWorseThanLinear(stage, new ChoiceRows(store), validation, Loss.CROSS_ENTROPY, FIXED_POINT, p, 2);
    // the guess's scores are zero: a mixture with it is the linear model's scores shrunk (a temperature), and its states stay unused
    assertTrue(chosen.name().endsWith("linear"), "the linear model or a mixture with it: " + chosen.name());
    assertEquals(0.0, chosen.model().c().maxAbs(), "the states are unused: C = 0");
    ImplicitModel zero = guess;
    BcdSettings settings = BcdSettings.defaults(4, Loss.CROSS_ENTROPY).withFixedPoint(FIXED_POINT).withEpochs(1);
    List<ImplicitModel> path = new BlockCoordinateDescent(store, settings, p, 2, null).fitReadoutPath(zero, StageChoices.linearRidges(300, p), fit -> true);
    double weakest = TrainingStores.validationLoss(validation, path.get(path.size() - 1), Loss.CROSS_ENTROPY, FIXED_POINT);
    double best = Double.POSITIVE_INFINITY;
    for (ImplicitModel m : path) {
      best = Math.min(best, TrainingStores.validationLoss(validation, m, Loss.CROSS_ENTROPY, FIXED_POINT));
    }
    assertTrue(best < weakest - 0.05, "a stronger ridge than the weakest scores better: " + best + " vs " + weakest);
    assertTrue(best < Math.log(2) - 0.05, "the chosen linear model is better than a guess on the validation rows: " + best);
    assertTrue(TrainingStores.validationLoss(validation, chosen.model(), Loss.CROSS_ENTROPY, FIXED_POINT) <= best + 1e-9,
        "the returned model scores as the path's best or better on the validation rows");

    List<ImplicitModel> firstOrder = new BlockCoordinateDescent(store, settings, p, 2, null).withFirstOrderSteps()
        .fitReadoutPath(zero, StageChoices.linearRidges(300, p), fit -> true);
    double bestFirstOrder = Double.POSITIVE_INFINITY;
    for (ImplicitModel m : firstOrder) {
      bestFirstOrder = Math.min(bestFirstOrder, TrainingStores.validationLoss(validation, m, Loss.CROSS_ENTROPY, FIXED_POINT));
    }
    assertEquals(best, bestFirstOrder, 0.02, "the first-order path chooses as well as the exact one");
  }

  /**
   * Classes drawn from a ReLU network's probabilities, and as the stage that network with its scores made 6x too
   * confident: the stage is calibrated before the linear model is weighed against it, so the linear model is not mixed
   * in as a mere shrinkage of the stage's scores (at weight ~5/6, which would move many an argmax); what is returned
   * predicts the stage's class on nearly every row, and its log loss is the calibrated network's or better.
   */
  @Test
  void anOverconfidentStageIsCalibratedNotMixedWithTheLinearModel() {
    Random r = new Random(12);
    int p = 4;
    ImplicitModel network = threeClassNetwork(r, p, 8);
    Matrix[] train = drawnFrom(r, network, 600);
    Matrix[] valid = drawnFrom(r, network, 1500);
    LocalBlockStore validation = LocalBlockStore.of(valid[0], valid[1], 500);
    ImplicitModel overconfident = network.with(network.a(), network.b(), network.c().scaled(6), network.d());
    ImplicitTraining.Stage stage = gradientStage(overconfident);
    ImplicitModel chosen = StageChoices.notWorseThanLinear(stage, new ChoiceRows(LocalBlockStore.of(train[0], train[1], 200)), validation,
        Loss.CROSS_ENTROPY, FIXED_POINT, p, 3).model();
    Matrix chosenScores = chosen.predict(valid[0]);
    Matrix networkScores = network.predict(valid[0]);
    int same = 0;
    for (int k = 0; k < valid[0].cols(); k++) {
      same += chosenScores.argmaxInColumn(k) == networkScores.argmaxInColumn(k) ? 1 : 0;
    }
    assertTrue(same >= 0.97 * valid[0].cols(), "the stage's class on " + same + " of " + valid[0].cols() + " rows");
    double loss = TrainingStores.validationLoss(validation, chosen, Loss.CROSS_ENTROPY, FIXED_POINT);
    assertTrue(loss <= TrainingStores.validationLoss(validation, network, Loss.CROSS_ENTROPY, FIXED_POINT) + 0.01,
        "the calibrated network's log loss or better: " + loss);
  }

  /** A one-hidden-layer ReLU network of n states scoring three classes from p inputs (B and C Gaussian, no bias, D = 0). */
  private static ImplicitModel threeClassNetwork(Random r, int p, int n) {
    Matrix b = Matrix.hstack(gaussian(r, n, p), Matrix.zeros(n, 1));
    return new ImplicitModel(Matrix.zeros(n, n), b, gaussian(r, 3, n), Matrix.zeros(3, p + 1), Activation.RELU, true);
  }

  /** Rows of standard normal inputs and one class each, drawn from the softmax of {@code model}'s scores. */
  private static Matrix[] drawnFrom(Random r, ImplicitModel model, int m) {
    Matrix u = gaussian(r, model.inputDim(), m);
    Matrix scores = model.predict(u);
    Matrix y = Matrix.zeros(model.outputDim(), m);
    for (int k = 0; k < m; k++) {
      double[] odds = new double[model.outputDim()];
      double sum = 0;
      for (int o = 0; o < odds.length; o++) {
        odds[o] = Math.exp(scores.get(o, k));
        sum += odds[o];
      }
      double draw = r.nextDouble() * sum;
      int o = 0;
      while (o < odds.length - 1 && (draw -= odds[o]) > 0) {
        o++;
      }
      y.set(o, k, 1);
    }
    return new Matrix[] {u, y};
  }

  /**
   * A BCD classifier's readout is calibrated on the validation rows before the linear check: the check then fits no second
   * temperature on the same rows (no pass of the validation rows is a temperature's), and chooses as it does when it
   * fits one (that temperature is the rows' best already, up to its grid). Classes drawn from a ReLU network, the stage
   * that network with its scores made 3x too confident: better than any linear model by far more than the margin.
   */
  @Test
  void aCalibratedStageIsNotCalibratedAgainByTheLinearCheck() {
    Random r = new Random(17);
    int p = 4;
    ImplicitModel network = threeClassNetwork(r, p, 8);
    Matrix[] train = drawnFrom(r, network, 600);
    Matrix[] valid = drawnFrom(r, network, 600);
    LocalBlockStore store = LocalBlockStore.of(train[0], train[1], 200);
    CountingStore validation = new CountingStore(LocalBlockStore.of(valid[0], valid[1], 200));
    ImplicitModel sharp = network.with(network.a(), network.b(), network.c().scaled(3), network.d());
    ImplicitTraining.Stage stage = StageChoices.calibrated(new ImplicitTraining.Stage("bcd", sharp, sharp, List.of(), record(), new int[0]), store,
        validation, FIXED_POINT);
    validation.temperaturePasses = 0;
    ImplicitTraining.Stage once = StageChoices.notWorseThanLinear(stage, true, new ChoiceRows(store), validation, Loss.CROSS_ENTROPY, FIXED_POINT, p, 3);
    assertEquals(0, validation.temperaturePasses, "a calibrated stage's temperature is not fitted again");
    ImplicitTraining.Stage twice = StageChoices.notWorseThanLinear(stage, false, new ChoiceRows(store), validation, Loss.CROSS_ENTROPY, FIXED_POINT, p, 3);
    assertTrue(validation.temperaturePasses > 0, "the check fits a temperature when the stage was not calibrated");
    double lossOnce = TrainingStores.validationLoss(validation, once.model(), Loss.CROSS_ENTROPY, FIXED_POINT);
    double lossTwice = TrainingStores.validationLoss(validation, twice.model(), Loss.CROSS_ENTROPY, FIXED_POINT);
    assertEquals(lossTwice, lossOnce, 0.01 * lossTwice, "the second temperature changes next to nothing");
  }

  /**
   * A classifier's stage that beats the linear model on the validation rows by less than {@link StageChoices#CLASS_STAGE_MARGIN}
   * standard errors is neither kept nor mixed in: linear classes, and as the stage the weakest ridge's linear readout
   * beside small random states (as good as the linear model, give or take 60 validation rows' noise); the linear model
   * is returned alone, its states unused.
   */
  @Test
  void aClassifierStageWithinTheMarginOfTheLinearModelGivesWayToIt() {
    Random r = new Random(19);
    int p = 30;
    int n = 4;
    Matrix[] train = sparseClasses(r, p, 300);
    Matrix[] valid = sparseClasses(r, p, 60);
    LocalBlockStore store = LocalBlockStore.of(train[0], train[1], 50);
    LocalBlockStore validation = LocalBlockStore.of(valid[0], valid[1], 60);
    BcdSettings settings = BcdSettings.defaults(n, Loss.CROSS_ENTROPY).withFixedPoint(FIXED_POINT).withEpochs(1);
    ImplicitModel weak = new BlockCoordinateDescent(store, settings, p, 2, null)
        .fitReadoutPath(ImplicitModel.zero(n, p, 2, Activation.RELU), new double[] {1e-6}, fit -> true).get(0);
    ImplicitModel states = weak.with(weak.a(), gaussian(r, n, p + 1).scaled(0.1), gaussian(r, 2, n).scaled(0.1), weak.d());
    ImplicitTraining.Stage stage = gradientStage(states);
    ImplicitTraining.Stage chosen = StageChoices.notWorseThanLinear(stage, new ChoiceRows(store), validation, Loss.CROSS_ENTROPY, FIXED_POINT, p, 2);
    assertEquals("linear", chosen.name(), "the linear model alone");
    assertEquals(0.0, chosen.model().c().maxAbs(), "its states unused: C = 0");
  }

  /**
   * A classifier's stage far better than any linear model (classes drawn from a ReLU network, the stage that network) is
   * kept on 200 validation rows, and gives way to the linear model on 9: on fewer than
   * {@value TrainingStores#MIN_VALIDATION_ROWS} rows the standard error that the margin is counted in is itself a guess
   * (on one row it is 0, and the stage won on any row it scored better).
   */
  @Test
  void onFewerThanTenValidationRowsAClassifierKeepsTheLinearModel() {
    Random r = new Random(21);
    int p = 6;
    ImplicitModel network = threeClassNetwork(r, p, 8);
    Matrix[] train = drawnFrom(r, network, 300);
    LocalBlockStore store = LocalBlockStore.of(train[0], train[1], 100);
    ImplicitTraining.Stage stage = gradientStage(network);
    Matrix[] many = drawnFrom(r, network, 200);
    ImplicitTraining.Stage onMany = StageChoices.notWorseThanLinear(stage, new ChoiceRows(store), LocalBlockStore.of(many[0], many[1], 200),
        Loss.CROSS_ENTROPY, FIXED_POINT, p, 3);
    assertTrue(onMany.model().c().maxAbs() > 0, "200 rows keep the stage: " + onMany.name());
    Matrix[] few = drawnFrom(r, network, 9);
    LocalBlockStore nine = LocalBlockStore.of(few[0], few[1], 9);
    assertTrue(Blend.scores(nine, Loss.CROSS_ENTROPY, FIXED_POINT, network, linearAt(store, p)).difference().mean() < 0,
        "the stage scores better on the 9 rows too");
    ImplicitTraining.Stage onFew = StageChoices.notWorseThanLinear(stage, new ChoiceRows(store), nine, Loss.CROSS_ENTROPY, FIXED_POINT, p, 3);
    assertEquals("linear", onFew.name());
    assertEquals(network.hiddenDim(), onFew.model().hiddenDim(), "the linear model has the stage's states, unused");
    assertEquals(0.0, onFew.model().c().maxAbs(), "its states unused: C = 0");
  }

  /** {@code m} as a gradient stage that hands on itself, with an empty history. */
  private static ImplicitTraining.Stage gradientStage(ImplicitModel m) {
    return new ImplicitTraining.Stage("gradient", m, m, List.of(), record(), new int[0]);
  }

  /** A linear classifier of the store's rows at a moderate ridge, for comparisons. */
  private static ImplicitModel linearAt(LocalBlockStore store, int p) {
    ImplicitModel zero = ImplicitModel.zero(8, p, 3, Activation.RELU);
    return StageChoices.linearPath(store, StageChoices.linearFitSettings(zero, Loss.CROSS_ENTROPY, FIXED_POINT), p, 3, zero,
        new double[] {0.01}, null, fit -> true).get(0);
  }

  /**
   * Thirty rows of three linear classes, 3 of them for validation: the linear model's ridge chosen by
   * {@value RidgeChoice#FOLDS}-fold cross-validation on the 27 training rows scores near the path's best ridge on 2,000 new
   * rows, and far nearer than the ridge the 3 validation rows choose (the regret, the chosen ridge's test log loss less the
   * best's, summed over 12 data sets).
   */
  @Test
  void aFewDozenRowsChooseTheirClassRidgeByFoldsNotOnThreeValidationRows() {
    int p = 6;
    double foldRegret = 0;
    double validationRegret = 0;
    for (int seed = 0; seed < 12; seed++) {
      Random r = new Random(300 + seed);
      Matrix[] train = linearClasses(r, p, 27);
      Matrix[] valid = linearClasses(r, p, 3);
      Matrix[] fresh = linearClasses(r, p, 2000);
      LocalBlockStore store = LocalBlockStore.of(train[0], train[1], 27);
      LocalBlockStore validation = LocalBlockStore.of(valid[0], valid[1], 3);
      LocalBlockStore test = LocalBlockStore.of(fresh[0], fresh[1], 2000);
      ImplicitModel zero = ImplicitModel.zero(4, p, 3, Activation.RELU);
      BcdSettings settings = StageChoices.linearFitSettings(zero, Loss.CROSS_ENTROPY, FIXED_POINT);
      double[] ridges = StageChoices.linearRidges(27, p);
      RidgeChoice judge = RidgeChoice.of(new ChoiceRows(store), validation, Loss.CROSS_ENTROPY, FIXED_POINT, p, ridges,
          rows -> StageChoices.linearFoldWalks(rows, settings, p, 3, zero));
      double[] foldLosses = judge.foldLosses();
      assertTrue(judge.name().contains(RidgeChoice.FOLDS + "-fold"), judge.name());
      List<ImplicitModel> path = StageChoices.linearPath(store, settings, p, 3, zero, ridges, null, fit -> true);
      int byFolds = 0;
      int byValidation = 0;
      double best = Double.POSITIVE_INFINITY;
      double[] testLoss = new double[path.size()];
      for (int k = 0; k < path.size(); k++) {
        testLoss[k] = TrainingStores.validationLoss(test, path.get(k), Loss.CROSS_ENTROPY, FIXED_POINT);
        best = Math.min(best, testLoss[k]);
        // the folds stop their walk once their mean loss has passed its best: the ridges beyond are not theirs to choose
        byFolds = k < foldLosses.length && foldLosses[k] < foldLosses[byFolds] ? k : byFolds;
        byValidation = TrainingStores.validationLoss(validation, path.get(k), Loss.CROSS_ENTROPY, FIXED_POINT)
            < TrainingStores.validationLoss(validation, path.get(byValidation), Loss.CROSS_ENTROPY, FIXED_POINT) ? k : byValidation;
      }
      foldRegret += testLoss[byFolds] - best;
      validationRegret += testLoss[byValidation] - best;
    }
    assertTrue(foldRegret < 0.5 * validationRegret, "summed regret " + foldRegret + " by folds, " + validationRegret + " by validation rows");
    assertTrue(foldRegret < 12 * 0.1, "summed regret " + foldRegret + " over 12 sets (" + validationRegret + " by validation rows)");
  }

  /**
   * The folds' paths walked in step give each fold's own path's held-out losses (the folds' stores share no state; with
   * more inputs than rows, one reduction to the rows' span serves every fold), and stop together at the first ridge where their mean loss has passed its best — on some of these sets before the
   * weakest ridge, where the rule on the fit rows then stops too.
   */
  @Test
  void theFoldsWalkInStepAndStopOnceTheirMeanLossHasPassedItsBest() {
    int stoppedEarly = 0;
    // 6 inputs, and 60: more inputs than the 40 rows, where the folds share one reduction to the rows' span
    for (int seed = 0; seed < 8; seed++) {
      int p = seed % 2 == 0 ? 6 : 60;
      Random r = new Random(500 + seed);
      Matrix[] train = linearClasses(r, p, 40);
      LocalBlockStore store = LocalBlockStore.of(train[0], train[1], 40);
      ImplicitModel zero = ImplicitModel.zero(4, p, 3, Activation.RELU);
      BcdSettings settings = StageChoices.linearFitSettings(zero, Loss.CROSS_ENTROPY, FIXED_POINT);
      double[] ridges = StageChoices.linearRidges(40, p);
      double[] inStep = RidgeChoice.of(new ChoiceRows(store), store, Loss.CROSS_ENTROPY, FIXED_POINT, p, ridges,
          rows -> StageChoices.linearFoldWalks(rows, settings, p, 3, zero)).foldLosses();
      double[] lossSums = new double[ridges.length];
      double weight = 0;
      for (int k = 0; k < RidgeChoice.FOLDS; k++) {
        BlockStore others = TrainingStores.masked(store, new FoldMask(k, RidgeChoice.FOLDS, false));
        BlockStore fold = TrainingStores.masked(store, new FoldMask(k, RidgeChoice.FOLDS, true));
        List<ImplicitModel> path = StageChoices.linearPath(others, settings, p, 3, zero, ridges, null, fit -> true);
        for (int j = 0; j < ridges.length; j++) {
          ImplicitModel fit = path.get(j);
          RuleMetrics held = fold.aggregate("held-out loss", new HeldOutScore.Payload(fit, fit.certificate(), Loss.CROSS_ENTROPY, FIXED_POINT),
              HeldOutScore::score);
          lossSums[j] += held.loss();
          weight += j == 0 ? held.weight() : 0;
        }
      }
      List<Double> walked = new ArrayList<>();
      for (int j = 0; j < inStep.length; j++) {
        assertEquals(lossSums[j] / weight, inStep[j], 1e-12 * inStep[j], "seed " + seed + ", ridge " + ridges[j]);
        assertFalse(StageChoices.pastTheBest(walked), "seed " + seed + ": walked on past the best at ridge " + ridges[j]);
        walked.add(inStep[j]);
      }
      assertTrue(inStep.length == ridges.length || StageChoices.pastTheBest(walked), "seed " + seed + ": stopped before passing the best");
      stoppedEarly += inStep.length < ridges.length ? 1 : 0;
    }
    assertTrue(stoppedEarly > 0, "no set's folds stopped before the weakest ridge");
  }

  /** Three classes, the argmax of a linear score of the first three of p standard normal inputs plus Gumbel noise (a multinomial logit). */
  private static Matrix[] linearClasses(Random r, int p, int m) {
    double[][] w = {{2, 0, 1}, {-1, 1.5, 0}, {0, -1, 2}};
    Matrix u = gaussian(r, p, m);
    Matrix y = Matrix.zeros(3, m);
    for (int k = 0; k < m; k++) {
      int best = 0;
      double top = Double.NEGATIVE_INFINITY;
      for (int c = 0; c < 3; c++) {
        double score = w[c][0] * u.get(0, k) + w[c][1] * u.get(1, k) + w[c][2] * u.get(2, k) - Math.log(-Math.log(r.nextDouble()));
        if (score > top) {
          top = score;
          best = c;
        }
      }
      y.set(best, k, 1);
    }
    return new Matrix[] {u, y};
  }

  /** A store that counts the validation passes that fit a temperature (by the description {@link org.implicitdl.train.Temperature} gives them). */
  private static final class CountingStore implements BlockStore {
    private final BlockStore inner;
    int temperaturePasses;

    CountingStore(BlockStore inner) {
      this.inner = inner;
    }

    @Override
    public <P extends Serializable, S extends Mergeable<S>> S aggregatePartitions(String description, P payload, PartitionFunction<P, S> f) {
      return inner.aggregatePartitions(description, payload, f);
    }

    @Override
    public <P extends Serializable, S extends Mergeable<S>> S aggregate(String description, P payload, BlockFunction<P, S> f) {
      if (description.startsWith("temperature")) {
        temperaturePasses++;
      }
      return inner.aggregate(description, payload, f);
    }

    @Override
    public <P extends Serializable> void update(String description, P payload, BlockFunction<P, TrainingBlock> f) {
      inner.update(description, payload, f);
    }

    @Override
    public <P extends Serializable> void updateStates(String description, P payload, BlockFunction<P, TrainingBlock.States> f) {
      inner.updateStates(description, payload, f);
    }
  }

  /** Two classes by the sign of a noisy sum of a row's 20 non-zero inputs: + for the first quarter of the p, −⅓ for the rest. */
  private static Matrix[] sparseClasses(Random r, int p, int m) {
    Matrix u = Matrix.zeros(p, m);
    Matrix y = Matrix.zeros(2, m);
    for (int k = 0; k < m; k++) {
      double s = 0;
      for (int t = 0; t < 20; t++) {
        int j = r.nextInt(p);
        double v = 1 + r.nextInt(4);
        u.set(j, k, v);
        s += j < p / 4 ? v : -v / 3;
      }
      s += r.nextGaussian();
      y.set(s > 0 ? 1 : 0, k, 1);
    }
    return new Matrix[] {u, y};
  }

  /**
   * tuneStepSize trains at the step size, then at 2.5x the last while the larger scores better on the validation rows, and keeps
   * the best: a model that gets better with the step up to one step size and worse after it is found there.
   */
  @Test
  void theStepSizeWithTheSmallestValidationLossIsKept() {
    StepRule rule = StepRule.make();
    LocalBlockStore validation = rule.validation();
    Matrix d = rule.d();
    org.implicitdl.train.GradientSettings settings = rule.settings();
    double[] steps = {0.004, 0.01, 0.025, 0.0625};
    for (int good = 0; good < steps.length; good++) {
      int at = good;
      List<StepSizeSearch.Position> settled = new java.util.ArrayList<>();
      List<Double> tried = new java.util.ArrayList<>();
      StepSizeSearch.Choice c = StepSizeSearch.run(validation, validation, Loss.SQUARED, FIXED_POINT, settings, 2.5, false, StepSizeSearch.Position.start(0.004), (position, s) -> {
        tried.add(s.optimizer().learningRate());
        // the readout's error grows with the distance (in tries) from the good step size
        return rule.candidate(0.1 * Math.abs(tried.size() - 1 - at));
      }, settled::add);
      assertEquals(Math.min(steps.length, good + 2), tried.size(), "tries up to the first worse step size: " + tried);
      for (int k = 0; k < tried.size(); k++) {
        assertEquals(steps[k], tried.get(k), 1e-12);
      }
      assertEquals(steps[good], c.stepSize(), 1e-12);
      assertEquals(0.0, c.stage().model().d().copy().data()[0] - d.data()[0], 1e-15, "the best model on the validation rows is kept");
      // the search settled after each candidate it went on from; resumed from any of those points it trains only the
      // candidates after it and keeps the same step size and model
      assertEquals(Math.min(steps.length - 1, good + 1), settled.size(), "a position after each candidate the search went on from");
      for (StepSizeSearch.Position position : settled) {
        List<Double> again = new java.util.ArrayList<>();
        StepSizeSearch.Choice resumed = StepSizeSearch.run(validation, validation, Loss.SQUARED, FIXED_POINT, settings, 2.5, false, position, (p, s) -> {
          again.add(s.optimizer().learningRate());
          assertEquals(s.optimizer().learningRate(), p.step(), 0.0, "the position names the step it trains");
          return rule.candidate(0.1 * Math.abs(position.candidate() + again.size() - 1 - at));
        }, x -> {});
        assertEquals(tried.subList(position.candidate(), tried.size()), again, "resumed at candidate " + position.candidate());
        assertEquals(c.stepSize(), resumed.stepSize(), 0.0);
        assertEquals(c.stage().model().d().data()[0], resumed.stage().model().d().data()[0], 0.0);
      }
    }
    // a larger step size whose training fails numerically ends the search; a failure at the configured one is the fit's
    ImplicitTraining.Stage right = rule.candidate(0);
    StepSizeSearch.Choice c = StepSizeSearch.run(validation, validation, Loss.SQUARED, FIXED_POINT, settings, 2.5, false, StepSizeSearch.Position.start(0.004), (position, s) -> {
      if (s.optimizer().learningRate() > 0.005) {
        throw new ArithmeticException("fixed point did not converge");
      }
      return right;
    }, x -> {});
    assertEquals(0.004, c.stepSize(), 1e-15);
    org.junit.jupiter.api.Assertions.assertThrows(ArithmeticException.class, () -> StepSizeSearch.run(validation, validation, Loss.SQUARED,
        FIXED_POINT, settings, 2.5, false, StepSizeSearch.Position.start(0.004), (position, s) -> {
          throw new ArithmeticException("fixed point did not converge");
        }, x -> {}));
  }

  /**
   * blendStepSizes: the best candidate and the runner-up (the better neighbour) erring in opposite directions are mixed by
   * the weight that scores best on the validation rows — their states side by side, the readout between the two — and the
   * mixture is closer to the rule than either candidate.
   */
  @Test
  void theBestAndTheRunnerUpAreMixedWhereTheMixtureScoresBetter() {
    StepRule rule = StepRule.make();
    LocalBlockStore validation = rule.validation();
    Matrix d = rule.d();
    org.implicitdl.train.GradientSettings settings = rule.settings();
    List<ImplicitModel> candidates = new java.util.ArrayList<>();
    StepSizeSearch.Choice c = StepSizeSearch.run(validation, validation, Loss.SQUARED, FIXED_POINT, settings, 2.5, true,
        StepSizeSearch.Position.start(0.004), (position, s) -> {
          // candidate k's readout is off by (k - 1.5) 0.2 noise: the second and third are off by as much, in opposite directions
          ImplicitTraining.Stage candidate = rule.candidate(0.2 * (candidates.size() - 1.5));
          candidates.add(candidate.model());
          return candidate;
        }, x -> {});
    ImplicitModel mixed = c.stage().model();
    assertEquals(10, mixed.hiddenDim(), "two candidates' states side by side");
    assertEquals(java.util.Set.of(0.01, 0.025), java.util.Set.of(c.stepSize(), c.blend().runnerUpStepSize()), "the two off by as much");
    assertTrue(c.blend().weight() > 0 && c.blend().weight() < 1);
    double offBy = distance(mixed.d(), d);
    assertTrue(offBy < 0.5 * distance(candidates.get(1).d(), d), "the mixture is nearer the rule than either: " + offBy);
    double mixedLoss = TrainingStores.validationLoss(validation, mixed, Loss.SQUARED, FIXED_POINT);
    for (ImplicitModel candidate : candidates) {
      assertTrue(mixedLoss < TrainingStores.validationLoss(validation, candidate, Loss.SQUARED, FIXED_POINT));
    }
  }

  private static double distance(Matrix x, Matrix y) {
    Matrix difference = x.copy();
    org.implicitdl.linalg.Blas.axpy(-1, y.data(), difference.data());
    return difference.frobenius();
  }

  /**
   * The step-size search's test rule: validation rows of a linear rule, its readout d, and candidates whose readout is
   * d + offset · noise (states unused), so a candidate's validation loss grows with |offset|.
   */
  private record StepRule(LocalBlockStore validation, Matrix d, Matrix noise, org.implicitdl.train.GradientSettings settings) {
    static StepRule make() {
      Random r = new Random(4);
      Matrix[] valid = linear(r, 200);
      Random fixed = new Random(1);
      Matrix d = Matrix.zeros(1, 9);
      for (int j = 0; j < 8; j++) {
        d.set(0, j, fixed.nextGaussian());
      }
      return new StepRule(LocalBlockStore.of(valid[0], valid[1], 100), d, gaussian(r, 1, 9),
          org.implicitdl.train.GradientSettings.defaults(5, Loss.SQUARED).withOptimizer(64, 0.004, 0.9));
    }

    ImplicitTraining.Stage candidate(double offset) {
      Matrix dk = d.copy();
      org.implicitdl.linalg.Blas.axpy(offset, noise.data(), dk.data());
      ImplicitModel m = new ImplicitModel(Matrix.zeros(5, 5), Matrix.zeros(5, 9), Matrix.zeros(1, 5), dk, Activation.RELU, true);
      return gradientStage(m);
    }
  }

  @Test
  void theRidgePathStopsAfterTwoRisesInARow() {
    assertTrue(StageChoices.pastTheBest(List.of(3.0, 2.0, 2.5, 2.6)));
    assertTrue(!StageChoices.pastTheBest(List.of(3.0, 2.0, 2.5, 2.4)), "a rise then a fall goes on");
    assertTrue(!StageChoices.pastTheBest(List.of(3.0, 2.0, 2.0, 2.6)), "a tie is not a rise");
    assertTrue(!StageChoices.pastTheBest(List.of(2.0, 2.5)), "too short to tell");
    assertEquals(11, StageChoices.LINEAR_RIDGE_PATH.length);
    assertEquals(1e-4, StageChoices.LINEAR_RIDGE_PATH[10], 1e-15);
  }

  private static boolean differs(Matrix a, Matrix b) {
    for (int k = 0; k < a.data().length; k++) {
      if (Math.abs(a.data()[k] - b.data()[k]) > 1e-6) {
        return true;
      }
    }
    return false;
  }

  private static EpochRecord record() {
    return new EpochRecord(1, 0, 0, 0, 0, 0, 0, 0, 0, 0, new double[4]);
  }

  /** y = w·u + 0.05 noise over 8 inputs. */
  private static Matrix[] linear(Random r, int m) {
    Random fixed = new Random(1);
    double[] w = new double[8];
    for (int j = 0; j < 8; j++) {
      w[j] = fixed.nextGaussian();
    }
    Matrix u = gaussian(r, 8, m);
    Matrix y = Matrix.zeros(1, m);
    for (int k = 0; k < m; k++) {
      double s = 0.05 * r.nextGaussian();
      for (int j = 0; j < 8; j++) {
        s += w[j] * u.get(j, k);
      }
      y.set(0, k, s);
    }
    return new Matrix[] {u, y};
  }

  /** A model that reads its 8 inputs through 5 random states and a random readout: worse than a linear fit. */
  private static ImplicitModel randomStates(Random r) {
    return new ImplicitModel(Matrix.zeros(5, 5), gaussian(r, 5, 9), gaussian(r, 1, 5), Matrix.zeros(1, 9), Activation.RELU, true);
  }

  /** One BCD epoch's settings for 5 states, squared loss: the linear readout paths the tests compare with. */
  private static BcdSettings readoutFit() {
    return BcdSettings.defaults(5, Loss.SQUARED).withFixedPoint(FIXED_POINT).withEpochs(1);
  }

  private static Matrix gaussian(Random r, int rows, int cols) {
    Matrix m = Matrix.zeros(rows, cols);
    for (int k = 0; k < m.data().length; k++) {
      m.data()[k] = r.nextGaussian();
    }
    return m;
  }
}
