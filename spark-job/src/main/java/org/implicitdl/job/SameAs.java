package org.implicitdl.job;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.spark.ModelStorage;

/**
 * {@code idl train --same-as VERSION_DIR}: a published version's training re-run on exactly its
 * data and settings — its config.json under the command line's flags, a Delta input pinned to
 * the recorded table version, plain files accepted only while their content fingerprint is the
 * recorded one — and the new model compared entry by entry with the original.
 */
final class SameAs {
  private final Path dir;
  private final String configText;
  private final Provenance recorded;

  private SameAs(Path dir, String configText, Provenance recorded) {
    this.dir = dir;
    this.configText = configText;
    this.recorded = recorded;
  }

  static SameAs read(String versionDir) throws IOException {
    Path dir = new Path(versionDir);
    FileSystem fs = dir.getFileSystem(new Configuration());
    Path config = new Path(dir, "config.json");
    Path provenance = new Path(dir, Provenance.FILE);
    if (!fs.exists(config) || !fs.exists(provenance)) {
      throw new FileNotFoundException(versionDir + ": not a published version with its provenance (config.json and "
          + Provenance.FILE + " expected; pass a versions/ID directory of a model)");
    }
    return new SameAs(dir, read(fs, config), Provenance.fromJson(Jobs.JSON.readTree(read(fs, provenance))));
  }

  private static String read(FileSystem fs, Path file) throws IOException {
    try (InputStream in = fs.open(file)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** The recorded configuration under the command line's flags, a Delta input pinned to the recorded version. */
  JobConfig config(String[] args) {
    List<String> pinned = new ArrayList<>(Arrays.asList(args));
    if (recorded.tableVersion() >= 0) {
      pinned.addAll(List.of("--version", Long.toString(recorded.tableVersion())));
    }
    return JobConfig.parse(pinned.toArray(new String[0]), Set.of(), JobConfig.saved(configText));
  }

  /** Refuses data whose content is not what the version was trained on. */
  void requireSameData(Provenance now) {
    if (!now.fingerprint().equals(recorded.fingerprint())) {
      throw new IllegalArgumentException(now.path() + " changed since " + dir.getName() + " was trained: " + now.rows() + " rows now, "
          + recorded.rows() + " then, content fingerprint " + now.fingerprint() + " vs " + recorded.fingerprint());
    }
  }

  /** One line: the largest difference between the new model's matrices and the original's. */
  String comparedWith(ImplicitModel retrained) {
    ImplicitModel original = ModelStorage.readImplicitModel(new Path(dir, "model").toString(), SparkSession.active());
    Matrix[] a = {original.a(), original.b(), original.c(), original.d()};
    Matrix[] b = {retrained.a(), retrained.b(), retrained.c(), retrained.d()};
    double largest = 0;
    for (int k = 0; k < a.length; k++) {
      if (a[k].rows() != b[k].rows() || a[k].cols() != b[k].cols()) {
        return "same-as " + dir.getName() + ": the new model has other dimensions (" + retrained + " vs " + original + ")";
      }
      for (int i = 0; i < a[k].data().length; i++) {
        largest = Math.max(largest, Math.abs(a[k].data()[i] - b[k].data()[i]));
      }
    }
    return String.format(Locale.ROOT, "same-as %s: largest difference from its A, B, C, D: %.3g", dir.getName(), largest);
  }
}
