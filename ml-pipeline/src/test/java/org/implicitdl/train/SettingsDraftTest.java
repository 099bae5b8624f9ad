package org.implicitdl.train;

import static org.junit.jupiter.api.Assertions.*;

import org.implicitdl.solve.Activation;
import org.junit.jupiter.api.Test;

/** The settings records change through one copy ({@code with}): a wither changes only its components, and every change is checked. */
class SettingsDraftTest {

  @Test
  void bcdWithersChangeOnlyTheirComponentsAndChangesAreChecked() {
    BcdSettings base = BcdSettings.defaults(6, Loss.SQUARED);
    BcdSettings changed = base.withEpochs(7).withLambdaMu(new double[] {2.0}, 3.0).withActivation(Activation.TANH);
    assertEquals(7, changed.maxEpochs());
    assertArrayEquals(new double[] {2.0}, changed.lambda());
    assertEquals(3.0, changed.mu());
    assertEquals(Activation.TANH, changed.activation());
    assertEquals(base.toString().replace("epochs=20", "epochs=7").replace("lambda=1.0", "lambda=2.0").replace("mu=1.0", "mu=3.0"),
        changed.toString(), "every other component as before");
    assertEquals(base.fixedPoint(), changed.fixedPoint());
    assertEquals(base.shape(), changed.shape());
    assertEquals(Activation.RELU, base.activation(), "the original is not touched");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> base.with(d -> d.kappa = 1.5));
    assertTrue(e.getMessage().contains("kappa"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> base.with(d -> d.lambda = new double[] {1, 2}));
  }

  @Test
  void gradientWithersChangeOnlyTheirComponentsAndChangesAreChecked() {
    GradientSettings base = GradientSettings.defaults(6, Loss.CROSS_ENTROPY);
    GradientSettings changed = base.withOptimizer(64, 0.01, 0.9).withMinSteps(50);
    assertEquals(new GradientSettings(6, base.activation(), base.loss(), base.structure(), base.kappa(), base.epochs(), 64, 0.01, 0.9,
        base.l1(), base.groupLasso(), base.weightDecay(), base.seed(), base.initScale(), base.patience(), base.fixedPoint(),
        base.syncsPerEpoch(), base.shape(), 50, base.inputPenalty()), changed);
    assertThrows(IllegalArgumentException.class, () -> base.with(d -> d.batchSize = 0));
  }
}
