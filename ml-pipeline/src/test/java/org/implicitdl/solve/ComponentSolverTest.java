package org.implicitdl.solve;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.model.ImplicitModel;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Structure discovery (paper §6.2): the strongly connected components of A are found through a
 * random permutation of the states, the component solver equals Picard to the tolerance, equals
 * back-substitution on triangular models, and is what a reducible model's prediction uses.
 */
class ComponentSolverTest {
  private static final SolverSettings TIGHT = new SolverSettings(1e-12, 100_000);

  /** Components of sizes 4, 1, 3, 1 (self-loop), 3: each reads only earlier ones, states then shuffled. */
  static Matrix planted(Random r, List<Integer> permutation) {
    int[] sizes = {4, 1, 3, 1, 3};
    int n = 12;
    Matrix a = Matrix.zeros(n, n);
    int start = 0;
    for (int c = 0; c < sizes.length; c++) {
      int end = start + sizes[c];
      for (int i = start; i < end; i++) {
        for (int j = 0; j < end; j++) {
          boolean own = j >= start;
          boolean cyclic = sizes[c] > 1 || c == 3;
          if ((own && cyclic) || (!own && r.nextDouble() < 0.5)) {
            a.set(i, j, r.nextGaussian());
          }
        }
        if (sizes[c] > 1) {
          // a cycle through the component so it is strongly connected
          a.set(i, start + (i - start + 1) % sizes[c], 1.0 + r.nextDouble());
        }
      }
      start = end;
    }
    Matrix shuffled = Matrix.zeros(n, n);
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        shuffled.set(permutation.get(i), permutation.get(j), a.get(i, j));
      }
    }
    return shuffled.scaled(0.9 / WellPosedness.infNorm(shuffled));
  }

  @ParameterizedTest
  @EnumSource(Activation.class)
  void componentsAreFoundAndTheSolveEqualsPicard(Activation phi) {
    Random r = new Random(phi.ordinal() + 3);
    List<Integer> permutation = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      permutation.add(i);
    }
    Collections.shuffle(permutation, r);
    Matrix a = planted(r, permutation);
    StateComponents components = StateComponents.of(a);
    assertEquals(5, components.count(), "components found");
    assertEquals(4, components.largest());
    boolean[] solved = new boolean[12];
    for (int[] comp : components.inSolveOrder()) {
      for (int i : comp) {
        for (int j = 0; j < 12; j++) {
          int state = j;
          boolean inComp = java.util.Arrays.stream(comp).anyMatch(x -> x == state);
          if (a.get(i, j) != 0 && !inComp) {
            assertTrue(solved[j], "state " + i + " reads state " + j + " before it is solved");
          }
        }
      }
      for (int i : comp) {
        solved[i] = true;
      }
    }
    Certificate cert = WellPosedness.certify(a, phi);
    Matrix z = gaussian(12, 30, r);
    FixedPointResult byComponents = new ComponentSolver(TIGHT, components).solve(a, z, phi, cert, null);
    FixedPointResult picard = new PicardSolver(TIGHT).solve(a, z, phi, cert, null);
    assertTrue(byComponents.converged());
    assertTrue(byComponents.errorBound() <= 1e-12 || byComponents.method().endsWith("picard"));
    for (int k = 0; k < z.data().length; k++) {
      assertEquals(picard.states().data()[k], byComponents.states().data()[k], 1e-10);
    }
    ImplicitModel model = new ImplicitModel(a, gaussian(12, 3, r), gaussian(2, 12, r), gaussian(2, 3, r), phi, true);
    assertTrue(FixedPointSolver.forStructure(model.certificate(), model.components(), TIGHT) instanceof ComponentSolver
        || model.certificate().condition() == Certificate.Condition.TRIANGULAR);
  }

  @ParameterizedTest
  @EnumSource(Activation.class)
  void onTriangularModelsItEqualsBackSubstitution(Activation phi) {
    Random r = new Random(17);
    int n = 10;
    Matrix a = Matrix.zeros(n, n);
    for (int i = 0; i < n; i++) {
      for (int j = i + 1; j < n; j++) {
        a.set(i, j, r.nextDouble() < 0.6 ? 0.5 * r.nextGaussian() : 0);
      }
    }
    StateComponents components = StateComponents.of(a);
    assertEquals(n, components.count(), "a strictly triangular A has one state per component");
    Certificate cert = WellPosedness.certify(a, phi);
    Matrix z = gaussian(n, 20, r);
    Matrix exact = new TriangularSolver().solve(a, z, phi, cert, null).states();
    Matrix byComponents = new ComponentSolver(TIGHT, components).solve(a, z, phi, cert, null).states();
    for (int k = 0; k < z.data().length; k++) {
      assertEquals(exact.data()[k], byComponents.data()[k], 1e-12);
    }
  }

  private static Matrix gaussian(int rows, int cols, Random r) {
    double[] d = new double[rows * cols];
    for (int k = 0; k < d.length; k++) {
      d[k] = r.nextGaussian();
    }
    return new Matrix(rows, cols, d);
  }

  @org.junit.jupiter.api.Test
  void theModelIsCertifiedExactlyWhenEveryDiagonalBlockIs() {
    Random r = new Random(17);
    int certifiedBoth = 0;
    int refusedBoth = 0;
    for (int t = 0; t < 40; t++) {
      List<Integer> perm = new ArrayList<>();
      for (int i = 0; i < 12; i++) {
        perm.add(i);
      }
      Collections.shuffle(perm, r);
      // scaled so the whole A has ||A||_inf well above 1: only the structure can certify it
      Matrix a = planted(r, perm).scaled(1.2 + 2.5 * r.nextDouble());
      StateComponents components = StateComponents.of(a);
      boolean everyBlock = components.diagonalCertificates(a, Activation.TANH).stream().allMatch(Certificate::isWellPosed);
      boolean model = WellPosedness.certify(a, Activation.TANH).isWellPosed();
      assertEquals(everyBlock, model, "blocks " + everyBlock + " vs model " + model + " at ||A||_inf " + WellPosedness.infNorm(a));
      certifiedBoth += model ? 1 : 0;
      refusedBoth += model ? 0 : 1;
    }
    assertTrue(certifiedBoth > 0 && refusedBoth > 0, "the cases did not cover both outcomes: " + certifiedBoth + " / " + refusedBoth);
  }
}
