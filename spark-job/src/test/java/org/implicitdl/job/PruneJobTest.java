package org.implicitdl.job;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.solve.Activation;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.model.ModelJson;
import org.implicitdl.solve.WellPosedness;
import org.implicitdl.spark.ImplicitRegressionModel;
import org.junit.jupiter.api.Test;

/** {@code idl prune} (paper §6.2) writes a smaller model with the same predictions; {@code idl inspect} reports both sizes. */
class PruneJobTest {

  @Test
  void pruneRemovesDeadStatesAndKeepsEveryPrediction() throws Exception {
    Random r = new Random(8);
    int n = 7;
    Matrix a = WellPosedness.projectInfNorm(gaussian(n, n, r), 0.8);
    Matrix c = gaussian(2, n, r);
    for (int i = 0; i < n; i++) {
      a.set(i, 2, 0);
      a.set(i, 5, 0);
    }
    c.set(0, 2, 0);
    c.set(1, 2, 0);
    c.set(0, 5, 0);
    c.set(1, 5, 0);
    ImplicitModel planted = new ImplicitModel(a, gaussian(n, 4, r), c, gaussian(2, 4, r), Activation.TANH, true);
    Path dir = Files.createTempDirectory("idl-prune");
    Path json = dir.resolve("m.json");
    Files.writeString(json, ModelJson.write(planted));
    Path model = dir.resolve("model");
    assertEquals(0, CommandLine.run("import-model", "--json", json.toString(), "--model", model.toString(), "--master", "local[2]").exit());
    Path out = dir.resolve("pruned");
    CommandLine pruned = CommandLine.run("prune", "--model", model.toString(), "--output", out.toString(), "--master", "local[2]");
    assertEquals(0, pruned.exit(), pruned.err());
    JsonNode o = Jobs.JSON.readTree(pruned.out().strip());
    assertEquals(7, o.get("hiddenDimBefore").asInt());
    assertEquals(5, o.get("hiddenDimAfter").asInt());
    org.apache.spark.sql.SparkSession spark = org.apache.spark.sql.SparkSession.builder().master("local[2]").getOrCreate();
    ImplicitModel after = ImplicitRegressionModel.load(out.toString()).implicitModel();
    spark.stop();
    Matrix u = gaussian(3, 50, r);
    Matrix before = planted.predict(u);
    Matrix now = after.predict(u);
    for (int k = 0; k < before.data().length; k++) {
      assertEquals(before.data()[k], now.data()[k], 1e-9);
    }
    JsonNode info = Jobs.JSON.readTree(CommandLine.run("inspect", "--model", model.toString(), "--master", "local[2]").out());
    assertEquals(7, info.get("hiddenDim").asInt());
    assertEquals(5, info.get("hiddenDimAfterExactPruning").asInt());
    CommandLine again = CommandLine.run("prune", "--model", model.toString(), "--output", out.toString(), "--master", "local[2]");
    assertEquals(2, again.exit());
    assertTrue(again.err().contains("exists; pass --mode overwrite"), again.err());
  }

  private static Matrix gaussian(int rows, int cols, Random r) {
    double[] d = new double[rows * cols];
    for (int k = 0; k < d.length; k++) {
      d[k] = r.nextGaussian();
    }
    return new Matrix(rows, cols, d);
  }
}
