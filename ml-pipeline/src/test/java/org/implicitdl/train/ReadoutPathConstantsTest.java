package org.implicitdl.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.solve.Activation;
import org.implicitdl.solve.SolverSettings;
import org.junit.jupiter.api.Test;

/**
 * A readout path given the store's U'U'ᵀ and YU'ᵀ (a ridge's cross-validation gathered them first) is the path that
 * gathers them itself, to the bit; and the given statistics are the ones its solves use.
 */
class ReadoutPathConstantsTest {
  private static final int P = 12;

  @Test
  void givenConstantsGiveThePathThatGathersThem() {
    Random r = new Random(17);
    Matrix[] data = RowSpanTest.data(r, P, 300, 2, Loss.SQUARED);
    LocalBlockStore store = LocalBlockStore.of(data[0], data[1], 64);
    double[] ridges = {1, 0.1, 0.01};
    List<ImplicitModel> gathered = path(store, ridges, null);
    List<ImplicitModel> given = path(store, ridges, constants(store));
    for (int k = 0; k < ridges.length; k++) {
      assertArrayEquals(gathered.get(k).d().data(), given.get(k).d().data(), 0.0, "D at ridge " + ridges[k]);
    }

    Matrix[] other = RowSpanTest.data(new Random(18), P, 300, 2, Loss.SQUARED);
    List<ImplicitModel> fromOtherRows = path(store, ridges, constants(LocalBlockStore.of(other[0], other[1], 64)));
    assertFalse(Arrays.equals(gathered.get(0).d().data(), fromOtherRows.get(0).d().data()), "the given statistics are the ones solved with");
  }

  private static BcdStatistics.Constants constants(BlockStore store) {
    return store.aggregate("U'U'ᵀ, YU'ᵀ", Boolean.TRUE, (Boolean unused, TrainingBlock block) -> LocalSteps.constants(null, block));
  }

  private static List<ImplicitModel> path(BlockStore store, double[] ridges, BcdStatistics.Constants known) {
    int n = 3;
    ImplicitModel zero = ImplicitModel.zero(n, P, 2, Activation.RELU);
    BcdSettings settings = BcdSettings.defaults(n, Loss.SQUARED).withFixedPoint(new SolverSettings(1e-10, 500)).withEpochs(1);
    return new BlockCoordinateDescent(store, settings, P, 2, null).fitReadoutPath(zero, ridges, known, fit -> true);
  }
}
