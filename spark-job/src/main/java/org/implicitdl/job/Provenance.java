package org.implicitdl.job;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.StructField;

/**
 * What made a published model: the input (format, path, the Delta table version or the files with
 * their sizes and modification times), its schema, the rows and a content fingerprint, the job
 * configuration, the code version and the seed. Written as provenance.json into the version
 * directory, shown by {@code idl inspect} under "provenance", and read back by
 * {@code idl train --same-as} and {@code idl retrain}.
 *
 * <p>The fingerprint is a multiset hash: each row's 64-bit xxHash of its features, label (and
 * weight) is split into two 32-bit halves whose sums, with the XOR of the hashes and the count,
 * make the fingerprint — the same rows give the same fingerprint whatever their order and
 * partitioning, and a changed, added or removed row changes it (up to 64-bit hash collisions).
 */
record Provenance(String format, String path, long tableVersion, List<FileEntry> files, List<String> schema, long rows,
    String fingerprint, JsonNode config, String codeVersion, long seed) {

  /** A plain input file as it was when the model was trained. */
  record FileEntry(String path, long size, long modified) {}

  static final String FILE = "provenance.json";

  /** The provenance of training on {@code data} loaded from {@code input} as {@code format}. */
  static Provenance of(SparkSession spark, JobConfig cfg, String input, String format, DataSources.Loaded data) throws IOException {
    List<FileEntry> files = filesOf(spark.sparkContext().hadoopConfiguration(), input, format, cfg.string("labels"));
    List<String> schema = schemaOf(data);
    Row summary = fingerprintOf(data.frame(), data.labelCol(), cfg.string("weight-col"));
    return new Provenance(format, input, data.tableVersion(), files, schema, summary.getLong(0), fingerprint(summary),
        Jobs.JSON.readTree(cfg.render()), buildVersion(), cfg.longValue("trainer.seed"));
  }

  /** The fingerprint of a frame's features, label and weight (see the class comment). */
  static String fingerprint(Dataset<Row> frame, String labelCol, String weightCol) {
    return fingerprint(fingerprintOf(frame, labelCol, weightCol));
  }

  private static Row fingerprintOf(Dataset<Row> frame, String labelCol, String weightCol) {
    List<Column> parts = new ArrayList<>(List.of(org.apache.spark.ml.functions.vector_to_array(functions.col(DataSources.FEATURES), "float64"),
        functions.col(labelCol)));
    if (!weightCol.isEmpty()) {
      parts.add(functions.col(weightCol));
    }
    Column hash = functions.xxhash64(parts.toArray(new Column[0]));
    Column low = hash.bitwiseAND(functions.lit(0xffffffffL));
    Column high = functions.shiftrightunsigned(hash, 32);
    return frame.select(hash.as("h"), low.as("lo"), high.as("hi"))
        .agg(functions.count(functions.lit(1)), functions.sum("lo"), functions.sum("hi"), functions.bit_xor(functions.col("h"))).head();
  }

  private static String fingerprint(Row r) {
    long count = r.getLong(0);
    long lo = r.isNullAt(1) ? 0 : r.getLong(1);
    long hi = r.isNullAt(2) ? 0 : r.getLong(2);
    long xor = r.isNullAt(3) ? 0 : r.getLong(3);
    return String.format("%016x%016x%016x%08x", lo, hi, xor, count & 0xffffffffL);
  }

  /** The plain files an input reads, sorted by path (none for a Delta table, whose version says it all). */
  static List<FileEntry> filesOf(Configuration conf, String input, String format, String labelsPath) throws IOException {
    List<FileEntry> files = new ArrayList<>();
    if (!format.equals("delta")) {
      list(conf, input, files);
      if (format.equals("idx")) {
        list(conf, labelsPath.isEmpty() ? input.replace("images-idx3", "labels-idx1") : labelsPath, files);
      }
    }
    return files;
  }

  private static void list(Configuration conf, String input, List<FileEntry> out) throws IOException {
    Path root = new Path(input);
    FileSystem fs = root.getFileSystem(conf);
    if (!fs.exists(root)) {
      return;
    }
    RemoteIterator<LocatedFileStatus> it = fs.listFiles(root, true);
    List<FileEntry> found = new ArrayList<>();
    while (it.hasNext()) {
      LocatedFileStatus f = it.next();
      String name = f.getPath().getName();
      if (name.startsWith(".") || name.startsWith("_")) {
        continue;
      }
      found.add(new FileEntry(f.getPath().toString(), f.getLen(), f.getModificationTime()));
    }
    found.sort(Comparator.comparing(FileEntry::path));
    out.addAll(found);
  }

  /** The build's version: the Maven project version the jar was built as. */
  static String buildVersion() {
    try (InputStream in = Provenance.class.getResourceAsStream("/implicitdl-build.properties")) {
      if (in == null) {
        return "unknown";
      }
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version", "unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }

  ObjectNode toJson() {
    ObjectNode o = Jobs.JSON.createObjectNode();
    o.put("format", format);
    o.put("path", path);
    if (tableVersion >= 0) {
      o.put("version", tableVersion);
    }
    if (!files.isEmpty()) {
      ArrayNode list = o.putArray("files");
      for (FileEntry f : files) {
        list.addObject().put("path", f.path()).put("size", f.size()).put("modified", f.modified());
      }
    }
    ArrayNode cols = o.putArray("schema");
    schema.forEach(cols::add);
    o.put("rows", rows);
    o.put("fingerprint", fingerprint);
    o.put("codeVersion", codeVersion);
    o.put("seed", seed);
    o.set("config", config);
    return o;
  }

  static Provenance fromJson(JsonNode o) {
    List<FileEntry> files = new ArrayList<>();
    if (o.has("files")) {
      for (JsonNode f : o.get("files")) {
        files.add(new FileEntry(f.get("path").asText(), f.get("size").asLong(), f.get("modified").asLong()));
      }
    }
    List<String> schema = new ArrayList<>();
    o.get("schema").forEach(c -> schema.add(c.asText()));
    return new Provenance(o.get("format").asText(), o.get("path").asText(), o.has("version") ? o.get("version").asLong() : -1, files, schema,
        o.get("rows").asLong(), o.get("fingerprint").asText(), o.get("config"), o.get("codeVersion").asText(), o.get("seed").asLong());
  }

  /**
   * The difference between this (recorded) schema and {@code now}'s, as "new column 'x' (double)",
   * "missing column 'y'", "column 'z' changed from int to string"; empty when equal.
   */
  public String schemaChange(List<String> now) {
    Map<String, String> before = columns(schema);
    Map<String, String> after = columns(now);
    List<String> changes = new ArrayList<>();
    after.forEach((name, type) -> {
      if (!before.containsKey(name)) {
        changes.add("new column '" + name + "' (" + type + ")");
      } else if (!before.get(name).equals(type)) {
        changes.add("column '" + name + "' changed from " + before.get(name) + " to " + type);
      }
    });
    before.keySet().stream().filter(name -> !after.containsKey(name)).forEach(name -> changes.add("missing column '" + name + "'"));
    return String.join(", ", changes);
  }

  private static Map<String, String> columns(List<String> schema) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String c : schema) {
      int k = c.lastIndexOf(": ");
      out.put(c.substring(0, k), c.substring(k + 2));
    }
    return out;
  }

  /** The schema of a loaded frame as {@link #of} records it. */
  static List<String> schemaOf(DataSources.Loaded data) {
    List<String> schema = new ArrayList<>();
    for (StructField f : data.frame().schema().fields()) {
      if (!f.name().equals(DataSources.FEATURES) || data.featureNames().contains(DataSources.FEATURES) || data.featureNames().isEmpty()) {
        schema.add(f.name() + ": " + f.dataType().simpleString());
      }
    }
    return schema;
  }
}
