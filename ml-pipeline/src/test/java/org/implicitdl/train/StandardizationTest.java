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

  private static TrainingBlock block(double[][] columns, double[] y) {
    int p = columns.length;
    double[] u = new double[p * y.length];
    for (int j = 0; j < y.length; j++) {
      for (int k = 0; k < p; k++) {
        u[p * j + k] = columns[k][j];
      }
    }
    return LocalBlockStore.block(new Matrix(p, y.length, u), new Matrix(1, y.length, y.clone()));
  }

  /**
   * Inputs in any units: a feature in farads (spread 10⁻¹³) is scaled like any other, where a floor of 10⁻¹² on the
   * spread took it for a constant and left it at ~10⁻¹³, unused; features near 10³⁰⁰ and 10⁻³⁰⁰ get their spreads (their
   * squares overflow and underflow a double); a column that is constant up to rounding is still only centred; and on
   * ordinary numbers the figures are the plain two-pass sums' to the bit.
   */
  @Test
  void spreadsInAnyUnitsAndConstantsUpToRounding() {
    Random r = new Random(9);
    int m = 200;
    double[] z = new double[m];
    double[] farads = new double[m];
    double[] huge = new double[m];
    double[] tiny = new double[m];
    double[] constant = new double[m];
    double[] ordinary = new double[m];
    double[] y = new double[m];
    for (int j = 0; j < m; j++) {
      z[j] = r.nextGaussian();
      farads[j] = 5e-13 + 1e-13 * z[j];
      huge[j] = 1e300 * z[j];
      tiny[j] = 1e-300 * z[j];
      constant[j] = 0.1 + 0.2 * (j % 2 == 0 ? 1 : 1.0000000000000002);
      ordinary[j] = 1000 + 250 * r.nextGaussian();
      y[j] = 1e-13 * z[j];
    }
    double zStd = plainStd(z);
    Standardization units = Moments.of(block(new double[][] {farads, huge, tiny, constant, ordinary}, y), true).standardization();
    assertEquals(1e-13 * zStd, units.scale()[0], 1e-9 * 1e-13, "farads: a spread of 1e-13 is data");
    assertEquals(1e300 * zStd, units.scale()[1], 1e-9 * 1e300, "near 1e300: no overflow");
    assertEquals(1e-300 * zStd, units.scale()[2], 1e-9 * 1e-300, "near 1e-300: no underflow");
    assertEquals(1.0, units.scale()[3], 0.0, "constant up to rounding: only centred");
    assertEquals(plainStd(ordinary), units.scale()[4], 0.0, "ordinary numbers: the plain sums to the bit");
    assertEquals(plainMean(ordinary), units.mean()[4], 0.0);
    assertEquals(1e-13 * zStd, units.targetScale(), 1e-9 * 1e-13, "a target in small units keeps its scale");

    // blocks whose largest magnitudes differ (2^-e scales apart) merge to the one-block fold
    double[][] first = {java.util.Arrays.copyOf(huge, 50), java.util.Arrays.copyOf(tiny, 50)};
    double[][] rest = {java.util.Arrays.copyOfRange(huge, 50, m), java.util.Arrays.copyOfRange(tiny, 50, m)};
    for (int j = 0; j < rest[0].length; j++) {
      rest[0][j] *= 1e-5;
      rest[1][j] *= 1e5;
    }
    double[][] whole = {new double[m], new double[m]};
    for (int k = 0; k < 2; k++) {
      System.arraycopy(first[k], 0, whole[k], 0, 50);
      System.arraycopy(rest[k], 0, whole[k], 50, m - 50);
    }
    Standardization merged = Moments.of(block(first, java.util.Arrays.copyOf(y, 50)), true)
        .merge(Moments.of(block(rest, java.util.Arrays.copyOfRange(y, 50, m)), true)).standardization();
    Standardization one = Moments.of(block(whole, y), true).standardization();
    for (int k = 0; k < 2; k++) {
      assertEquals(one.scale()[k], merged.scale()[k], 1e-12 * one.scale()[k], "input " + k);
      assertEquals(one.mean()[k], merged.mean()[k], 1e-12 * one.scale()[k], "input " + k);
    }
  }

  private static double plainMean(double[] x) {
    double sum = 0;
    for (double v : x) {
      sum += v;
    }
    return sum / x.length;
  }

  private static double plainStd(double[] x) {
    double mean = plainMean(x);
    double sum = 0;
    for (double v : x) {
      double d = v - mean;
      sum += d * d;
    }
    return Math.sqrt(sum / x.length);
  }
}
