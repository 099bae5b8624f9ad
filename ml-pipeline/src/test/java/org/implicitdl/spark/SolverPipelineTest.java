package org.implicitdl.spark;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;

class SolverPipelineTest {
  @Test
  void theParamValuesNameTheirStagesInOrder() {
    assertArrayEquals(new String[] {"bcd", "gradient", "bcd+gradient", "gradient+bcd"}, SolverPipeline.ids());
    assertArrayEquals(SolverPipeline.ids(), ImplicitTrainingParams.SOLVERS, "the param accepts exactly the pipelines");
    assertEquals(List.of(SolverPipeline.Stage.BCD, SolverPipeline.Stage.GRADIENT), SolverPipeline.parse("bcd+gradient").stages());
    assertEquals(List.of(SolverPipeline.Stage.GRADIENT, SolverPipeline.Stage.BCD), SolverPipeline.parse("gradient+bcd").stages());
    for (SolverPipeline p : SolverPipeline.values()) {
      assertSame(p, SolverPipeline.parse(p.id()));
    }
    assertTrue(SolverPipeline.GRADIENT_THEN_BCD.uses(SolverPipeline.Stage.BCD));
    assertFalse(SolverPipeline.GRADIENT.uses(SolverPipeline.Stage.BCD));
    assertThrows(IllegalArgumentException.class, () -> SolverPipeline.parse("newton"));
  }
}
