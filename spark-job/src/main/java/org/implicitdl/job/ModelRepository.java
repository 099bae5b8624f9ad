package org.implicitdl.job;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Versioned model directories, safe for scheduled retraining: each run writes
 * {@code root/versions/<id>/} (model, metrics, history, config, report) and a completion marker
 * last; the {@code root/LATEST} pointer names the published version and is replaced only after
 * the marker exists (write to a temporary file, then rename). A failed or killed run leaves
 * LATEST, and the model it names, untouched.
 */
final class ModelRepository {
  static final String COMPLETE = "_COMPLETE";
  private final Path root;
  private final FileSystem fs;

  ModelRepository(String root, Configuration conf) throws IOException {
    this.root = new Path(root);
    this.fs = this.root.getFileSystem(conf);
  }

  /** A new, unused version directory. */
  Path newVersion() throws IOException {
    String id = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS"));
    Path dir = new Path(root, "versions/" + id);
    if (fs.exists(dir)) {
      throw new IOException("version directory already exists: " + dir);
    }
    fs.mkdirs(dir);
    return dir;
  }

  void writeText(Path file, String text) throws IOException {
    try (FSDataOutputStream out = fs.create(file, true)) {
      out.write(text.getBytes(StandardCharsets.UTF_8));
    }
  }

  String readText(Path file) throws IOException {
    try (var in = fs.open(file)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** Writes the completion marker: the version is whole. */
  void markComplete(Path version) throws IOException {
    writeText(new Path(version, COMPLETE), "complete\n");
  }

  /** The published version, or null when none is. */
  Path latest() throws IOException {
    Path pointer = new Path(root, "LATEST");
    if (!fs.exists(pointer)) {
      return null;
    }
    Path version = new Path(root, "versions/" + readText(pointer).trim());
    if (!fs.exists(new Path(version, COMPLETE))) {
      throw new IOException("LATEST names " + version + ", which has no completion marker");
    }
    return version;
  }

  /** Points LATEST at a complete version (temporary file, then rename over the old pointer). */
  void publish(Path version) throws IOException {
    if (!fs.exists(new Path(version, COMPLETE))) {
      throw new IOException("refusing to publish " + version + ": no completion marker");
    }
    Path tmp = new Path(root, "LATEST.tmp-" + version.getName());
    writeText(tmp, version.getName() + "\n");
    Path pointer = new Path(root, "LATEST");
    if (!fs.rename(tmp, pointer)) {
      fs.delete(pointer, false);
      if (!fs.rename(tmp, pointer)) {
        throw new IOException("could not move LATEST to " + version);
      }
    }
  }

  /** The Spark ML model directory for a --model argument: LATEST's model, or DIR itself when it is a model. */
  static String resolveModel(String dir, Configuration conf) throws IOException {
    ModelRepository repo = new ModelRepository(dir, conf);
    Path latest = repo.latest();
    if (latest != null) {
      return new Path(latest, "model").toString();
    }
    if (repo.fs.exists(new Path(dir, "metadata"))) {
      return dir;
    }
    throw new java.io.FileNotFoundException("no model at " + dir + " (no LATEST pointer and no model metadata)");
  }
}
