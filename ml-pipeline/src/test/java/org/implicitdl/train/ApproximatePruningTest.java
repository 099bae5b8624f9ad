package org.implicitdl.train;

import static org.junit.jupiter.api.Assertions.*;

import java.util.function.ToDoubleFunction;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.model.ImplicitModel;
import org.junit.jupiter.api.Test;

/** Approximate pruning (paper §6.2) to K states or within a held-out loss tolerance, then a fine-tune. */
class ApproximatePruningTest {

  @Test
  void pruningToKAndWithinToleranceThenFineTuning() {
    Matrix[] train = RobustTrainingTest.data(600, 1);
    Matrix[] held = RobustTrainingTest.data(300, 2);
    GradientSettings settings = GradientSettings.defaults(24, Loss.CROSS_ENTROPY).withEpochs(12).withOptimizer(50, 0.02, 0.95);
    ImplicitModel full = new GradientTrainer(LocalBlockStore.of(train[0], train[1], 128), null, settings, 4, 3, null).train(null).model();
    ToDoubleFunction<ImplicitModel> loss = ApproximatePruning.heldOutLoss(held[0], held[1], Loss.CROSS_ENTROPY);
    double fullLoss = loss.applyAsDouble(full);

    ImplicitModel six = ApproximatePruning.toAtMost(full, 6);
    assertEquals(6, six.hiddenDim());
    assertTrue(six.certificate().isWellPosed());

    double tolerance = 0.02;
    ImplicitModel tolerant = ApproximatePruning.withinTolerance(full, tolerance, loss);
    assertTrue(loss.applyAsDouble(tolerant) <= fullLoss + tolerance + 1e-12);
    assertTrue(tolerant.hiddenDim() < 24, "nothing was pruned within the tolerance");
    ImplicitModel oneMore = ApproximatePruning.cut(full, 24 - tolerant.hiddenDim() + 1);
    assertTrue(loss.applyAsDouble(oneMore) > fullLoss + tolerance || oneMore.hiddenDim() == tolerant.hiddenDim(),
        "bisection stopped short: cutting one more state still meets the tolerance");

    GradientSettings fineTune = settings.withEpochs(4);
    fineTune = fineTune.withArchitecture(Architecture.of(six.hiddenDim(), fineTune.loss()).withActivation(fineTune.activation()))
        .withPenalties(0, 0, fineTune.weightDecay()).withSyncsPerEpoch(0).withMinSteps(0).withInputPenalty(InputPenalty.NONE);
    ImplicitModel tuned = new GradientTrainer(LocalBlockStore.of(train[0], train[1], 128), null, fineTune, 4, 3, null).train(six).model();
    System.out.printf("held-out loss: full %.4f (24 states), cut to 6 %.4f, fine-tuned %.4f; within %.2f: %d states%n", fullLoss,
        loss.applyAsDouble(six), loss.applyAsDouble(tuned), tolerance, tolerant.hiddenDim());
    assertTrue(loss.applyAsDouble(tuned) < loss.applyAsDouble(six), "the fine-tune did not recover anything");

    assertThrows(IllegalArgumentException.class, () -> ApproximatePruning.toAtMost(full, 0));
    assertThrows(IllegalArgumentException.class, () -> ApproximatePruning.withinTolerance(full, -1, loss));
  }
}
