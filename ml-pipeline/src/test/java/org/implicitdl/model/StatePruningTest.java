package org.implicitdl.model;

import org.implicitdl.solve.Activation;
import org.implicitdl.solve.WellPosedness;
import static org.junit.jupiter.api.Assertions.*;

import java.util.Random;
import org.implicitdl.linalg.Matrix;
import org.junit.jupiter.api.Test;

/** Exact pruning keeps every prediction to 1e-12 on random models with planted dead states. */
class StatePruningTest {
  private static Matrix gaussian(int rows, int cols, Random r) {
    double[] d = new double[rows * cols];
    for (int k = 0; k < d.length; k++) {
      d[k] = r.nextGaussian();
    }
    return new Matrix(rows, cols, d);
  }

  /** Predictions with the fixed point solved to a certified 1e-14, so that 1e-12 compares the models, not the solver. */
  private static Matrix exactly(ImplicitModel m, Matrix u) {
    Matrix uAug = Matrix.vstack(u, org.implicitdl.train.TrainingBlock.unitWeights(u.cols()));
    return m.augmentedReadout(org.implicitdl.train.RealRule.states(m, m.certificate(), uAug,
        new org.implicitdl.solve.SolverSettings(1e-14, 100_000)).states(), uAug);
  }

  /**
   * n = 12 states, p = 5 inputs (+ bias), q = 3: state 3 is never read (zero column of A and C);
   * state 7 only feeds state 3 (dead once 3 is gone: a chain); state 9 is constant (zero row of
   * [A B]) and read by others and by C; the rest are live.
   */
  private static ImplicitModel planted(Activation phi, long seed) {
    Random r = new Random(seed);
    int n = 12;
    Matrix a = WellPosedness.projectInfNorm(gaussian(n, n, r), 0.9);
    Matrix b = gaussian(n, 6, r);
    Matrix c = gaussian(3, n, r);
    for (int i = 0; i < n; i++) {
      a.set(i, 3, 0);
      a.set(i, 7, 0);
      a.set(9, i, 0);
    }
    c.set(0, 3, 0);
    c.set(1, 3, 0);
    c.set(2, 3, 0);
    for (int o = 0; o < 3; o++) {
      c.set(o, 7, 0);
    }
    a.set(3, 7, 0.3);
    for (int j = 0; j < 5; j++) {
      b.set(9, j, 0);
    }
    b.set(9, 5, 0.8); // its bias: the constant φ(0.8) is folded, not φ(0)
    return new ImplicitModel(a, b, c, gaussian(3, 6, r), phi, true);
  }

  @Test
  void everyPredictionIsKeptAndTheDeadStatesGo() {
    for (Activation phi : new Activation[] {Activation.RELU, Activation.TANH, Activation.SIGMOID}) {
      for (long seed = 1; seed <= 5; seed++) {
        ImplicitModel m = planted(phi, seed);
        ImplicitModel pruned = StatePruning.exact(m);
        assertEquals(9, pruned.hiddenDim(), phi + ": states 3, 7 (a chain) and the constant 9 go");
        assertTrue(pruned.certificate().isWellPosed(), "a principal submatrix of a well-posed A stays well-posed");
        assertTrue(WellPosedness.infNorm(pruned.a()) <= WellPosedness.infNorm(m.a()) + 1e-15);
        Matrix u = gaussian(5, 40, new Random(seed + 100));
        Matrix expected = exactly(m, u);
        Matrix got = exactly(pruned, u);
        for (int k = 0; k < expected.data().length; k++) {
          assertEquals(expected.data()[k], got.data()[k], 1e-12 * Math.max(1, Math.abs(expected.data()[k])), phi + " seed " + seed);
        }
        assertEquals(pruned.hiddenDim(), StatePruning.exact(pruned).hiddenDim(), "pruning twice changes nothing more");
      }
    }
  }

  @Test
  void aModelWithNothingToPruneIsUnchangedAndAllDeadKeepsOneState() {
    Random r = new Random(9);
    ImplicitModel live = new ImplicitModel(WellPosedness.projectInfNorm(gaussian(4, 4, r), 0.5), gaussian(4, 3, r), gaussian(2, 4, r),
        gaussian(2, 3, r), Activation.RELU, true);
    assertEquals(4, StatePruning.exact(live).hiddenDim());
    ImplicitModel dead = new ImplicitModel(Matrix.zeros(3, 3), gaussian(3, 3, r), Matrix.zeros(2, 3), gaussian(2, 3, r), Activation.RELU,
        true);
    ImplicitModel pruned = StatePruning.exact(dead);
    assertEquals(1, pruned.hiddenDim());
    Matrix u = gaussian(2, 10, r);
    assertArrayEquals(exactly(dead, u).data(), exactly(pruned, u).data(), 1e-12);
  }
}
