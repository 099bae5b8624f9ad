package org.implicitdl.job;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code idl certify}, {@code idl attack} and the sensitivity in {@code idl inspect} on a robust-trained model (paper §5). */
class RobustnessJobTest {

  @Test
  void certifyWritesBoundsAndAttackNeverBeatsTheCertificate() throws Exception {
    Path dir = Files.createTempDirectory("idl-robust");
    Path data = BadInputTest.classes(dir.resolve("cls.csv"), 300, 3);
    Path model = dir.resolve("model");
    CommandLine trained = CommandLine.run(BadInputTest.train(data, "label", "classification", model, "--set", "trainer.robust-epsilon=0.1",
        "--epochs", "6", "--hidden", "6"));
    assertEquals(0, trained.exit(), trained.err());
    Path out = dir.resolve("bounds");
    CommandLine certified = CommandLine.run("certify", "--model", model.toString(), "--input", data.toString(), "--epsilon", "0.1",
        "--label-col", "label", "--output", out.toString(), "--master", "local[2]");
    assertEquals(0, certified.exit(), certified.err());
    JsonNode summary = Jobs.JSON.readTree(certified.out().strip());
    assertEquals(0.1, summary.get("epsilon").asDouble());
    double accuracy = summary.get("accuracy").asDouble();
    double certifiedAccuracy = summary.get("certifiedAccuracy").asDouble();
    assertTrue(certifiedAccuracy > 0 && certifiedAccuracy <= accuracy, summary.toString());
    List<String> lines = CommandLine.csvPart(out);
    assertEquals("x1,x2,x3,label,prediction,lower_0,lower_1,lower_2,upper_0,upper_1,upper_2,certified", lines.get(0));
    assertEquals(301, lines.size());
    long certifiedRows = 0;
    long right = 0;
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.split(",");
      for (int k = 0; k < 3; k++) {
        assertTrue(Double.parseDouble(f[5 + k]) <= Double.parseDouble(f[8 + k]), line);
      }
      boolean cert = Boolean.parseBoolean(f[11]);
      certifiedRows += cert && Double.parseDouble(f[3]) == Double.parseDouble(f[4]) ? 1 : 0;
      right += Double.parseDouble(f[3]) == Double.parseDouble(f[4]) ? 1 : 0;
    }
    assertEquals(certifiedAccuracy, certifiedRows / 300.0, 1e-12);
    assertEquals(accuracy, right / 300.0, 1e-12);
    CommandLine attacked = CommandLine.run("attack", "--model", model.toString(), "--input", data.toString(), "--label-col", "label",
        "--epsilon", "0.1", "--master", "local[2]");
    assertEquals(0, attacked.exit(), attacked.err());
    JsonNode attack = Jobs.JSON.readTree(attacked.out().strip());
    assertEquals(accuracy, attack.get("accuracy").asDouble(), 1e-12);
    assertTrue(attack.get("attackedAccuracy").asDouble() >= certifiedAccuracy, attack + " vs " + summary);
    CommandLine inspected = CommandLine.run("inspect", "--model", model.toString(), "--master", "local[2]");
    JsonNode info = Jobs.JSON.readTree(inspected.out());
    JsonNode totals = info.get("sensitivity").get("perInputTotals");
    assertEquals(3, totals.size());
    assertTrue(totals.get("x1").asDouble() > 0);
    assertEquals(0.1, info.get("params").get("robustEpsilon").asDouble());
  }
}
