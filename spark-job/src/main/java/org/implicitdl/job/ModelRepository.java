package org.implicitdl.job;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.implicitdl.spark.AtomicFiles;

/**
 * Versioned model directories, safe for scheduled retraining and for runs at the same time: each
 * run writes {@code root/versions/<id>/} (an id no other run can take: time and a random suffix)
 * with model, metrics, history, config, report, and a completion marker last; a version without
 * the marker is unfinished (running, or killed) and is never published. The {@code root/LATEST}
 * pointer names the published version. Publishing is a compare-and-set under a lock file created
 * exclusively ({@code LATEST.lock}): it succeeds only while LATEST still names the version the
 * run started from, then replaces the pointer atomically (rename with overwrite). The lock is
 * atomic on HDFS, local and other file systems whose create-if-absent is (not on plain S3).
 */
final class ModelRepository {
  static final String COMPLETE = "_COMPLETE";
  static final String LOCK = "LATEST.lock";
  /** A lock older than this is taken to be left by a killed publisher (publishing holds it for milliseconds). */
  static final long STALE_LOCK_MILLIS = 10 * 60 * 1000L;
  private static final SecureRandom RANDOM = new SecureRandom();
  private final Path root;
  private final FileSystem fs;

  ModelRepository(String root, Configuration conf) throws IOException {
    this.root = new Path(root);
    this.fs = AtomicFiles.withoutChecksums(this.root.getFileSystem(conf));
  }

  /** A new version directory with an id no other run takes (time, then 6 random hex digits). */
  Path newVersion() throws IOException {
    for (int attempt = 0; attempt < 5; attempt++) {
      String id = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS")) + "-"
          + String.format("%06x", RANDOM.nextInt(1 << 24));
      Path dir = new Path(root, "versions/" + id);
      if (!fs.exists(dir)) {
        fs.mkdirs(dir);
        return dir;
      }
    }
    throw new IOException("could not find an unused version id under " + new Path(root, "versions"));
  }

  /** Ids of the version directories, oldest first, split by whether they are complete. */
  record Versions(List<String> complete, List<String> unfinished) {}

  Versions versions() throws IOException {
    List<String> complete = new ArrayList<>();
    List<String> unfinished = new ArrayList<>();
    Path dir = new Path(root, "versions");
    if (fs.exists(dir)) {
      FileStatus[] all = fs.listStatus(dir);
      Arrays.sort(all, Comparator.comparing(f -> f.getPath().getName()));
      for (FileStatus f : all) {
        if (f.isDirectory()) {
          (fs.exists(new Path(f.getPath(), COMPLETE)) ? complete : unfinished).add(f.getPath().getName());
        }
      }
    }
    return new Versions(complete, unfinished);
  }

  /** The newest time anything under {@code dir} was written, in epoch milliseconds. */
  long lastModified(Path dir) throws IOException {
    long newest = fs.getFileStatus(dir).getModificationTime();
    var files = fs.listFiles(dir, true);
    while (files.hasNext()) {
      newest = Math.max(newest, files.next().getModificationTime());
    }
    return newest;
  }

  /** The newest unfinished version that saved a trainer state (a run to resume), or null. */
  Path resumable() throws IOException {
    List<String> unfinished = versions().unfinished();
    for (int k = unfinished.size() - 1; k >= 0; k--) {
      Path v = version(unfinished.get(k));
      if (fs.exists(new Path(v, "state/state"))) {
        return v;
      }
    }
    return null;
  }

  /**
   * Removes version directory {@code v} of a run that failed, unless it completed (a model refused
   * publication stays to be inspected) or saved a trainer state ({@code idl train --resume} goes on from it);
   * then the versions directory and the model directory too where that leaves them empty.
   */
  void discardFailed(Path v) throws IOException {
    if (!fs.exists(new Path(v, COMPLETE)) && !fs.exists(new Path(v, "state/state"))) {
      fs.delete(v, true);
      // a failed first run leaves no empty model directory behind either: only what it made, and only while empty
      removeIfEmpty(new Path(root, "versions"));
      removeIfEmpty(root);
    }
  }

  /** Deletes {@code dir} if it exists and holds nothing (another run's new version makes it non-empty: then it stays). */
  private void removeIfEmpty(Path dir) {
    try {
      if (fs.exists(dir) && fs.listStatus(dir).length == 0) {
        fs.delete(dir, false);
      }
    } catch (IOException e) {
      // not empty after all (a concurrent run wrote into it), or not ours to remove: it stays
    }
  }

  Path version(String id) {
    return new Path(root, "versions/" + id);
  }

  void delete(Path dir) throws IOException {
    fs.delete(dir, true);
  }

  void writeText(Path file, String text) throws IOException {
    try (OutputStream out = AtomicFiles.create(fs, file)) {
      out.write(text.getBytes(StandardCharsets.UTF_8));
    }
  }

  boolean exists(Path file) throws IOException {
    return fs.exists(file);
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

  /**
   * Points LATEST at a complete version if LATEST still names {@code expected} (null: no
   * published version), under the lock. Otherwise the version stays unpublished, and this throws
   * {@link Failures.NotPublished} with {@link Failures#LOST_RACE}.
   */
  void publish(Path version, Path expected) throws IOException {
    if (!fs.exists(new Path(version, COMPLETE))) {
      throw new IOException("refusing to publish " + version + ": no completion marker");
    }
    Path lock = new Path(root, LOCK);
    acquire(lock, version.getName());
    try {
      Path now = latest();
      String nowName = now == null ? null : now.getName();
      String expectedName = expected == null ? null : expected.getName();
      if (!Objects.equals(nowName, expectedName)) {
        throw new Failures.NotPublished(Failures.LOST_RACE, "not published: LATEST moved from " + (expectedName == null ? "none" : expectedName)
            + " to " + nowName + " while this run trained; its model stays in " + version);
      }
      Path tmp = new Path(root, "LATEST.tmp-" + version.getName());
      writeText(tmp, version.getName() + "\n");
      AtomicFiles.replace(fs, tmp, new Path(root, "LATEST"));
    } finally {
      fs.delete(lock, false);
    }
  }

  /** Creates the lock file exclusively, waiting up to a minute for another publisher; a stale lock is broken once. */
  private void acquire(Path lock, String owner) throws IOException {
    long deadline = System.currentTimeMillis() + 60_000;
    boolean brokeStale = false;
    while (true) {
      if (createExclusively(lock, owner + "\n")) {
        return;
      }
      FileStatus held;
      try {
        held = fs.getFileStatus(lock);
      } catch (FileNotFoundException gone) {
        continue;
      }
      if (!brokeStale && System.currentTimeMillis() - held.getModificationTime() > STALE_LOCK_MILLIS) {
        fs.delete(lock, false);
        brokeStale = true;
        continue;
      }
      if (System.currentTimeMillis() > deadline) {
        throw new IOException("could not publish: " + lock + " is held by another run (delete it if no run is publishing)");
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while waiting for " + lock);
      }
    }
  }

  /** Create-if-absent: O_EXCL on the local file system (Hadoop's local create checks, then creates), create(overwrite=false) elsewhere. */
  private boolean createExclusively(Path file, String text) throws IOException {
    if (fs instanceof RawLocalFileSystem) {
      try {
        Files.writeString(java.nio.file.Path.of(fs.makeQualified(file).toUri()), text, StandardOpenOption.CREATE_NEW,
            StandardOpenOption.WRITE);
        return true;
      } catch (java.nio.file.FileAlreadyExistsException e) {
        return false;
      }
    }
    try (FSDataOutputStream out = fs.create(file, false)) {
      out.write(text.getBytes(StandardCharsets.UTF_8));
      return true;
    } catch (org.apache.hadoop.fs.FileAlreadyExistsException e) {
      return false;
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
    throw new FileNotFoundException("no model at " + dir + " (no LATEST pointer and no model metadata)");
  }
}
