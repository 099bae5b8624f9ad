package org.implicitdl.job;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.param.Param;
import org.apache.spark.sql.SparkSession;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.robust.IntervalAnalysis;
import org.implicitdl.solve.Certificate;
import org.implicitdl.spark.ImplicitClassificationModel;
import org.implicitdl.spark.ModelInfo;

/** {@code idl inspect}: a model's dimensions, certificate, structure, sparsity, features, provenance and history as JSON. */
final class InspectCommand extends JobCommand.WithSpark {
  InspectCommand() {
    super("inspect", "describe a model: --model DIR (dimensions, certificate, sparsity, features, history)", "idl inspect --model DIR");
  }

  @Override
  int execute(JobConfig cfg, SparkSession spark) throws Exception {
    String dir = cfg.required("model", "--model");
    Model<?> model = Jobs.loadModel(spark, dir);
    ImplicitModel m = ((ModelInfo) model).implicitModel();
    ObjectNode o = Jobs.JSON.createObjectNode();
    o.put("type", model.getClass().getSimpleName());
    o.put("hiddenDim", m.hiddenDim());
    o.put("inputDim", m.inputDim());
    o.put("outputDim", m.outputDim());
    o.put("activation", m.activation().id());
    o.put("inputBias", m.inputBias());
    ObjectNode cert = o.putObject("wellPosedness");
    cert.put("condition", m.certificate().condition().name());
    cert.put("contraction", m.certificate().contraction());
    cert.put("infNorm", m.certificate().infNorm());
    cert.put("perronFrobeniusBound", m.certificate().perronFrobenius());
    o.put("sparsity", ((ModelInfo) model).sparsity());
    // the structure fixed-point solves exploit (paper §6.2–6.3): components of A's graph, each
    // diagonal block's own certificate, and the rank of A the sweeps use (n when A is not low-rank)
    ObjectNode structure = o.putObject("structure");
    structure.put("components", m.components().count());
    structure.put("largestComponent", m.components().largest());
    structure.put("diagonalBlocksCertified", m.components().diagonalCertificates(m.a(), m.activation()).stream()
        .filter(Certificate::isWellPosed).count());
    structure.put("sweepRank", m.sweepRank());
    if (m.certificate().isWellPosed()) {
      o.put("hiddenDimAfterExactPruning", ((ModelInfo) model).exactlyPruned().hiddenDim());
      o.set("sensitivity", sensitivity(m, ((ModelInfo) model).featureNames().names()));
    }
    ModelInfo info = (ModelInfo) model;
    int[] selected = info.selectedFeatures();
    o.put("selectedFeatureCount", selected.length);
    ArrayNode sel = o.putArray("selectedFeatures");
    Arrays.stream(selected).forEach(sel::add);
    ArrayNode selNames = o.putArray("selectedFeatureNames");
    Arrays.stream(info.selectedFeatureNames()).forEach(selNames::add);
    o.put("featureNamesSource", info.featureNames().source());
    if (model instanceof ImplicitClassificationModel c && c.classNames().length > 0) {
      ArrayNode classes = o.putArray("classNames");
      Arrays.stream(c.classNames()).forEach(classes::add);
    }
    o.set("params", params(model));
    ModelRepository repo = new ModelRepository(dir, spark.sparkContext().hadoopConfiguration());
    ModelRepository.Versions versions = repo.versions();
    if (!versions.complete().isEmpty() || !versions.unfinished().isEmpty()) {
      ObjectNode v = o.putObject("versions");
      Path latest = repo.latest();
      v.put("published", latest == null ? null : latest.getName());
      v.set("complete", Jobs.JSON.valueToTree(versions.complete()));
      v.set("unfinished", Jobs.JSON.valueToTree(versions.unfinished()));
    }
    String modelPath = ModelRepository.resolveModel(dir, spark.sparkContext().hadoopConfiguration());
    Path provenance = new Path(new Path(modelPath).getParent(), Provenance.FILE);
    if (provenance.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(provenance)) {
      o.set("provenance", Jobs.JSON.readTree(repo.readText(provenance)));
    }
    Path history = new Path(new Path(modelPath).getParent(), "history.json");
    if (history.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(history)) {
      o.set("history", Jobs.JSON.readTree(repo.readText(history)));
    }
    System.out.println(Jobs.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(o));
    return 0;
  }

  /**
   * The sensitivity matrix |C|(I − |A|)⁻¹|B| + |D| (paper §5) summed over the outputs: the worst-case
   * change of all outputs per unit change of each input, by feature name, largest first.
   */
  static ObjectNode sensitivity(ImplicitModel m, String[] names) {
    double[] totals = new IntervalAnalysis(m).sensitivityTotals();
    Integer[] order = new Integer[totals.length];
    for (int k = 0; k < order.length; k++) {
      order[k] = k;
    }
    Arrays.sort(order, (x, y) -> Double.compare(totals[y], totals[x]));
    ObjectNode o = Jobs.JSON.createObjectNode();
    o.put("meaning", "per input: sum over outputs of the worst-case |change of the raw output| per unit change of the input");
    ObjectNode perInput = o.putObject("perInputTotals");
    for (int k : order) {
      perInput.put(names[k], totals[k]);
    }
    return o;
  }

  /** Every param the model has a value for (the ones it was trained with, too), as Jobs.JSON values. */
  static ObjectNode params(Model<?> model) {
    ObjectNode o = Jobs.JSON.createObjectNode();
    for (Param<?> p : model.params()) {
      if (model.isDefined(p)) {
        o.set(p.name(), Jobs.JSON.valueToTree(model.getOrDefault(p)));
      }
    }
    return o;
  }

}
