package org.implicitdl.job;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.ml.classification.MultilayerPerceptronClassifier;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.implicitdl.spark.MlpConversion;
import org.junit.jupiter.api.Test;

/** {@code idl compress} (paper §6.2) on a trained implicit model and on an MLP converted from MLlib. */
class CompressJobTest {

  @Test
  void compressCutsStatesKeepsAccuracyAndWorksOnConvertedMlps() throws Exception {
    Path dir = Files.createTempDirectory("idl-compress");
    Path data = BadInputTest.classes(dir.resolve("cls.csv"), 1200, 3);
    Path model = dir.resolve("model");
    assertEquals(0, CommandLine.run(BadInputTest.train(data, "label", "classification", model, "--hidden", "12", "--epochs", "15", "--set", "trainer.batch-size=150")).exit());
    Path out = dir.resolve("small");
    CommandLine compressed = CommandLine.run("compress", "--model", model.toString(), "--input", data.toString(), "--label-col", "label",
        "--max-states", "6", "--epochs", "5", "--output", out.toString(), "--master", "local[2]");
    assertEquals(0, compressed.exit(), compressed.err());
    JsonNode o = Jobs.JSON.readTree(compressed.out().strip());
    System.out.println("compress: " + o);
    assertEquals(12, o.get("statesBefore").asInt());
    assertEquals(6, o.get("statesAfter").asInt());
    assertTrue(o.get("accuracyAfter").asDouble() >= o.get("accuracyBefore").asDouble() - 0.05, o.toString());
    assertTrue(o.get("accuracyAfter").asDouble() >= o.get("accuracyAfterCut").asDouble() - 0.02, "the fine-tune lost accuracy: " + o);
    assertTrue(o.get("rowsPerSecondAfter").asDouble() > 0);
    JsonNode info = Jobs.JSON.readTree(CommandLine.run("inspect", "--model", out.resolve("model").toString(), "--master", "local[2]").out());
    assertEquals(6, info.get("hiddenDim").asInt());
    JsonNode structure = info.get("structure");
    assertTrue(structure.get("components").asInt() >= 1, info.toString());
    assertEquals(structure.get("components").asInt(), structure.get("diagonalBlocksCertified").asInt(), "a certified model has certified blocks");
    assertEquals(6, structure.get("sweepRank").asInt(), "6 states are too few for low-rank sweeps");

    CommandLine lowRank = CommandLine.run("compress", "--model", model.toString(), "--input", data.toString(), "--label-col", "label",
        "--max-states", "8", "--rank", "2", "--epochs", "5", "--output", dir.resolve("low-rank").toString(), "--master", "local[2]");
    assertEquals(0, lowRank.exit(), lowRank.err());
    JsonNode r = Jobs.JSON.readTree(lowRank.out().strip());
    System.out.println("compress to rank 2: " + r);
    assertTrue(r.get("rankAfter").asInt() <= 2, r.toString());
    assertTrue(r.get("accuracyAfter").asDouble() >= r.get("accuracyBefore").asDouble() - 0.05, r.toString());

    SparkSession spark = SparkSession.builder().master("local[2]").getOrCreate();
    Dataset<Row> frame = new VectorAssembler().setInputCols(new String[] {"x1", "x2", "x3"}).setOutputCol("features")
        .transform(spark.read().option("header", "true").option("inferSchema", "true").csv(data.toString()))
        .withColumn("label", org.apache.spark.sql.functions.col("label").cast("double"));
    var mlp = new MultilayerPerceptronClassifier().setLayers(new int[] {3, 10, 3}).setMaxIter(60).setSeed(3L).fit(frame);
    Path converted = dir.resolve("mlp");
    MlpConversion.convert(mlp).write().save(converted.toString());
    spark.stop();
    CommandLine fromMlp = CommandLine.run("compress", "--model", converted.toString(), "--input", data.toString(), "--label-col", "label",
        "--tolerance", "0.05", "--epochs", "2", "--output", dir.resolve("mlp-small").toString(), "--master", "local[2]");
    assertEquals(0, fromMlp.exit(), fromMlp.err());
    JsonNode m = Jobs.JSON.readTree(fromMlp.out().strip());
    System.out.println("compress MLP: " + m);
    assertTrue(m.get("statesAfter").asInt() < 10, m.toString());
    assertTrue(m.get("accuracyAfter").asDouble() >= m.get("accuracyBefore").asDouble() - 0.05, m.toString());
  }
}
