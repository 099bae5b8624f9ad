package org.implicitdl.spark;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;

/**
 * Files the jobs write on any Hadoop file system, and those a killed process must never leave half-replaced (the
 * trainer state, the LATEST pointer): a new file is written aside and moved over the old one in one step.
 */
public final class AtomicFiles {
  private AtomicFiles() {}

  /**
   * The local file system without its .crc side files: a checksummed file is two files, and a
   * process killed between renaming the one and the other leaves a checksum error behind.
   */
  public static FileSystem withoutChecksums(FileSystem fs) {
    return fs instanceof LocalFileSystem local ? local.getRawFileSystem() : fs;
  }

  /**
   * A new file at {@code file} (replacing one there), its directory made if missing. On the local file system it is
   * opened by Java itself: Hadoop's local {@code create} sets the file's mode by starting a {@code chmod} process
   * for every file where the native Hadoop library is absent (as in a plain Spark download), which cost more than
   * the small files written at every epoch (the trainer state) took to write. The mode is the same either way (the
   * process's umask). Elsewhere (HDFS, object stores) the file system's own create.
   */
  public static OutputStream create(FileSystem fs, Path file) throws IOException {
    if (fs instanceof RawLocalFileSystem) {
      java.nio.file.Path local = java.nio.file.Path.of(fs.makeQualified(file).toUri());
      Files.createDirectories(local.getParent());
      return new BufferedOutputStream(Files.newOutputStream(local));
    }
    return fs.create(file, true);
  }

  /** Moves {@code from} over {@code to} in one step: rename(2) locally, rename with OVERWRITE elsewhere (atomic on HDFS). */
  public static void replace(FileSystem fs, Path from, Path to) throws IOException {
    if (fs instanceof RawLocalFileSystem) {
      java.nio.file.Path target = java.nio.file.Path.of(fs.makeQualified(to).toUri());
      Files.move(java.nio.file.Path.of(fs.makeQualified(from).toUri()), target,
          StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      // a checksum left by an older, checksummed write would no longer match
      Files.deleteIfExists(target.resolveSibling("." + target.getFileName() + ".crc"));
    } else {
      FileContext.getFileContext(fs.getUri(), fs.getConf()).rename(from, to, Options.Rename.OVERWRITE);
    }
  }
}
