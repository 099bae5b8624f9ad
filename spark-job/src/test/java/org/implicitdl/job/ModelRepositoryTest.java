package org.implicitdl.job;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Publishing under concurrency: unique version ids, exactly one winner per race, LATEST always complete. */
class ModelRepositoryTest {
  @TempDir
  java.nio.file.Path tmp;

  @Test
  void concurrentPublishesFromTheSameStartHaveExactlyOneWinner() throws Exception {
    ModelRepository repo = new ModelRepository(tmp.resolve("root").toString(), new Configuration());
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      for (int round = 0; round < 15; round++) {
        org.apache.hadoop.fs.Path start = repo.latest();
        List<org.apache.hadoop.fs.Path> versions = new ArrayList<>();
        for (int k = 0; k < 4; k++) {
          org.apache.hadoop.fs.Path v = repo.newVersion();
          repo.markComplete(v);
          versions.add(v);
        }
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Integer>> outcomes = new ArrayList<>();
        for (org.apache.hadoop.fs.Path v : versions) {
          outcomes.add(pool.submit(() -> {
            go.await();
            try {
              repo.publish(v, start);
              return 0;
            } catch (Failures.NotPublished e) {
              assertTrue(e.getMessage().startsWith("not published: LATEST moved from"), e.getMessage());
              return e.exitCode;
            }
          }));
        }
        go.countDown();
        int winners = 0;
        for (Future<Integer> f : outcomes) {
          int code = f.get();
          assertTrue(code == 0 || code == Failures.LOST_RACE, "exit " + code);
          winners += code == 0 ? 1 : 0;
        }
        assertEquals(1, winners, "round " + round);
        org.apache.hadoop.fs.Path latest = repo.latest();
        assertTrue(versions.stream().anyMatch(v -> v.getName().equals(latest.getName())), "LATEST names one of this round's versions");
        assertFalse(Files.exists(tmp.resolve("root").resolve(ModelRepository.LOCK)), "lock released");
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void versionIdsNeverCollideAndUnfinishedVersionsAreListedAndNeverPublished() throws Exception {
    ModelRepository repo = new ModelRepository(tmp.resolve("root").toString(), new Configuration());
    Set<String> ids = new HashSet<>();
    for (int k = 0; k < 200; k++) {
      assertTrue(ids.add(repo.newVersion().getName()), "unique id");
    }
    org.apache.hadoop.fs.Path done = repo.newVersion();
    repo.markComplete(done);
    ModelRepository.Versions v = repo.versions();
    assertEquals(List.of(done.getName()), v.complete());
    assertEquals(200, v.unfinished().size());
    org.apache.hadoop.fs.Path unfinished = repo.version(v.unfinished().get(0));
    assertThrows(java.io.IOException.class, () -> repo.publish(unfinished, null));
    repo.publish(done, null);
    assertEquals(done.getName(), repo.latest().getName());
  }

  @Test
  void aStaleLockLeftByAKilledPublisherIsBroken() throws Exception {
    ModelRepository repo = new ModelRepository(tmp.resolve("root").toString(), new Configuration());
    org.apache.hadoop.fs.Path v = repo.newVersion();
    repo.markComplete(v);
    java.nio.file.Path lock = tmp.resolve("root").resolve(ModelRepository.LOCK);
    Files.writeString(lock, "killed\n");
    Files.setLastModifiedTime(lock, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() - ModelRepository.STALE_LOCK_MILLIS - 1000));
    repo.publish(v, null);
    assertEquals(v.getName(), repo.latest().getName());
  }
}
