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
    assertArrayEquals(new double[] {2.0}, changed.relaxation().lambda());
    assertEquals(3.0, changed.mu());
    assertEquals(Activation.TANH, changed.activation());
    assertEquals(base.toString().replace("epochs=20", "epochs=7").replace("lambda=1.0", "lambda=2.0").replace("mu=1.0", "mu=3.0"),
        changed.toString(), "every other component as before");
    assertEquals(base.fixedPoint(), changed.fixedPoint());
    assertEquals(base.shape(), changed.shape());
    assertEquals(Activation.RELU, base.activation(), "the original is not touched");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> base.withStructure(Architecture.Structure.INF_NORM, 1.5));
    assertTrue(e.getMessage().contains("kappa"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> base.withLambdaMu(new double[] {1, 2}, 1.0));
    assertTrue(e.getMessage().contains("lambda has 2 entries; expected 1 or hiddenDim = 6"), e.getMessage());
  }

  @Test
  void gradientWithersChangeOnlyTheirComponentsAndChangesAreChecked() {
    GradientSettings base = GradientSettings.defaults(6, Loss.CROSS_ENTROPY);
    GradientSettings changed = base.withOptimizer(64, 0.01, 0.9).withMinSteps(50);
    Optimizer o = base.optimizer();
    assertEquals(new GradientSettings(base.architecture(), new Optimizer(o.epochs(), 64, 0.01, 0.9, o.patience(), o.syncsPerEpoch(), 50, o.averageEpochs()),
        base.penalties(), base.seed(), base.initScale(), base.fixedPoint(), base.inputPenalty()), changed);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> base.withOptimizer(0, 0.01, 0.9));
    assertTrue(e.getMessage().contains("batchSize must be >= 1, got 0"), e.getMessage());
  }
}
