package org.implicitdl.data;

import static org.junit.jupiter.api.Assertions.*;

import org.implicitdl.solve.WellPosedness;
import org.junit.jupiter.api.Test;

class SyntheticDataTest {
  @Test
  void generatorsAreDeterministicAndHaveTheStatedStructure() {
    SyntheticData.Generated a = SyntheticData.implicitRelu(20, 100, 1, 400, 10, 0.5, 0.01, 7);
    SyntheticData.Generated b = SyntheticData.implicitRelu(20, 100, 1, 400, 10, 0.5, 0.01, 7);
    assertEquals(a.data().inputs(), b.data().inputs());
    assertEquals(a.data().targets(), b.data().targets());
    assertTrue(WellPosedness.infNorm(a.truth().a()) <= 0.5 + 1e-12);
    int support = 0;
    for (int j = 0; j < 100; j++) {
      double norm = 0;
      for (int i = 0; i < 20; i++) {
        norm += Math.abs(a.truth().b().get(i, j));
      }
      assertEquals(a.relevantFeatures()[j], norm > 0, "feature " + j);
      support += a.relevantFeatures()[j] ? 1 : 0;
    }
    assertEquals(10, support);
    assertNotEquals(a.data().inputs(), SyntheticData.implicitRelu(20, 100, 1, 400, 10, 0.5, 0.01, 8).data().inputs());
    SyntheticData.Generated t = SyntheticData.sparseTanhNetwork(50, 20, 100, 400, 0.2, 0.01, 3);
    assertEquals(t.data().targets(), SyntheticData.sparseTanhNetwork(50, 20, 100, 400, 0.2, 0.01, 3).data().targets());
    assertEquals(100, t.data().targets().rows());
  }
}
