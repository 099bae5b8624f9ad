package org.implicitdl.train;

import org.implicitdl.data.SyntheticData;
import org.junit.jupiter.api.Test;

class BcdExperimentTest {
  @Test
  void run() {
    SyntheticData.Generated g = SyntheticData.implicitRelu(20, 100, 1, 400, 10, 0.5, 0.01, 7);
    BcdSettings st = BcdSettings.defaults(10, Loss.SQUARED).withPenalties(1e-4, 0, Double.parseDouble(System.getProperty("grp", "1.0"))).withEpochs(Integer.getInteger("ep", 30))
        .withLambdaMu(new double[] {Double.parseDouble(System.getProperty("lam", "1"))}, Double.parseDouble(System.getProperty("mu", "1")));
    LocalBlockStore store = LocalBlockStore.of(g.data().inputs(), g.data().targets(), 10, 128);
    BlockCoordinateDescent.Result r = new BlockCoordinateDescent(store, st, 100, 1, e -> { if (e.epoch() % 10 == 0) System.out.println(e.line("rmse")); }).train(null);
    System.out.println("final " + r.finalRecord().line("rmse"));
    System.out.println("selected " + java.util.Arrays.toString(r.selectedFeatures()));
    StringBuilder sb = new StringBuilder();
    for (int j = 0; j < 100; j++) if (g.relevantFeatures()[j]) sb.append(j).append(' ');
    System.out.println("truth " + sb);
  }
}
