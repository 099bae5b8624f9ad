package org.implicitdl.train;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Random;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.solve.Activation;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.solve.WellPosedness;
import org.implicitdl.solve.SolverSettings;
import org.junit.jupiter.api.Test;

class StandardizationTest {
  private static Matrix gaussian(int rows, int cols, double scale, Random r) {
    double[] d = new double[rows * cols];
    for (int k = 0; k < d.length; k++) {
      d[k] = scale * r.nextGaussian();
    }
    return new Matrix(rows, cols, d);
  }

  private static ImplicitModel randomModel(int n, int p, int q, Random r) {
    Matrix a = WellPosedness.projectInfNorm(gaussian(n, n, 1, r), 0.8);
    return new ImplicitModel(a, gaussian(n, p + 1, 1, r), gaussian(q, n, 1, r), gaussian(q, p + 1, 1, r), Activation.RELU, true);
  }

  private static Matrix predict(ImplicitModel m, Matrix u) {
    Matrix uAug = Matrix.vstack(u, TrainingBlock.unitWeights(u.cols()));
    return m.augmentedReadout(RealRule.states(m, m.certificate(), uAug, new SolverSettings(1e-13, 10_000)).states(), uAug);
  }

  /** The folded model on raw inputs predicts, in raw target units, exactly what the model predicts on standardized inputs. */
  @Test
  void theFoldedModelOnRawDataPredictsWhatTheModelPredictsInStandardUnits() {
    Random r = new Random(3);
    int p = 4;
    int q = 2;
    double[] mean = {1000, -3, 0.5, 7};
    double[] std = {250, 0.01, 0, 3};
    Standardization units = Standardization.of(mean, std, new double[] {5000, -2}, 40);
    assertEquals(1.0, units.scale()[2], "a constant input is only centred");
    ImplicitModel standardized = randomModel(6, p, q, r);
    Matrix raw = gaussian(p, 30, 1, r);
    Matrix scaled = raw.copy();
    for (int j = 0; j < raw.cols(); j++) {
      for (int k = 0; k < p; k++) {
        raw.set(k, j, mean[k] + units.scale()[k] * raw.get(k, j));
      }
    }
    Matrix expected = predict(standardized, scaled);
    Matrix got = predict(units.toRaw(standardized), raw);
    for (int j = 0; j < raw.cols(); j++) {
      for (int i = 0; i < q; i++) {
        double inUserUnits = 40 * expected.get(i, j) + units.targetMean()[i];
        assertEquals(inUserUnits, got.get(i, j), 1e-9 * Math.max(1, Math.abs(inUserUnits)));
      }
    }
    ImplicitModel back = units.toStandardized(units.toRaw(standardized));
    assertArrayEquals(standardized.b().data(), back.b().data(), 1e-9);
    assertArrayEquals(standardized.d().data(), back.d().data(), 1e-9);
    assertArrayEquals(standardized.c().data(), back.c().data(), 1e-12);
    assertArrayEquals(standardized.a().data(), units.toRaw(standardized).a().data(), 0.0, "A, and so the certificate, is untouched");
  }

  @Test
  void classificationScalesOnlyTheInputsAndIdentityChangesNothing() {
    Random r = new Random(4);
    ImplicitModel m = randomModel(5, 3, 3, r);
    Standardization identity = Standardization.identity(3, 3, false);
    assertArrayEquals(m.b().data(), identity.toRaw(m).b().data(), 0.0);
    assertArrayEquals(m.d().data(), identity.toRaw(m).d().data(), 0.0);
    Standardization inputsOnly = Standardization.of(new double[] {1, 2, 3}, new double[] {2, 2, 2}, new double[0], 1);
    assertArrayEquals(m.c().data(), inputsOnly.toRaw(m).c().data(), 0.0);
    assertEquals(0.25, inputsOnly.rmseInUserUnits(0.25));
    assertThrows(IllegalArgumentException.class, () -> inputsOnly.toRaw(randomModel(5, 4, 3, r)));
  }
}
