package org.implicitdl.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
  @TempDir
  java.nio.file.Path tmp;

  @Test
  void aLocalFileIsCreatedInItsNewDirectoryReplacedWholeAndGivenTheModeHadoopGivesIt() throws Exception {
    FileSystem fs = AtomicFiles.withoutChecksums(FileSystem.getLocal(new Configuration()));
    Path file = new Path(tmp.resolve("state-dir/nested/state.tmp").toUri());
    try (OutputStream out = AtomicFiles.create(fs, file)) {
      out.write("a longer first text".getBytes(StandardCharsets.UTF_8));
    }
    try (OutputStream out = AtomicFiles.create(fs, file)) {
      out.write("second".getBytes(StandardCharsets.UTF_8));
    }
    java.nio.file.Path written = tmp.resolve("state-dir/nested/state.tmp");
    assertEquals("second", Files.readString(written), "the second create replaces the first file's bytes, none left over");

    Path byHadoop = new Path(tmp.resolve("by-hadoop").toUri());
    fs.create(byHadoop, true).close();
    assertEquals(PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve("by-hadoop"))),
        PosixFilePermissions.toString(Files.getPosixFilePermissions(written)), "the same mode as Hadoop's own create");

    Path state = new Path(tmp.resolve("state-dir/nested/state").toUri());
    AtomicFiles.replace(fs, file, state);
    assertEquals("second", Files.readString(tmp.resolve("state-dir/nested/state")));
    assertFalse(Files.exists(written), "moved, not copied");
  }
}
