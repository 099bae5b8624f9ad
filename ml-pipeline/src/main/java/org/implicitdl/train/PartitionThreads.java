package org.implicitdl.train;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BiFunction;
import java.util.function.Supplier;

/**
 * Runs a {@link LocalBlockStore}'s independent pieces of work (one per block, or one per
 * partition) side by side on this JVM's cores, as Spark runs one task per core, and hands their
 * results to the caller in order, so the caller's merge is the sequential fold's, bit for bit.
 * At most twice as many pieces as cores are in flight, so a pass holds a few partial statistics
 * at a time, not one per block. Work that itself asks a store for a pass (a nested store) runs
 * that pass on its own thread: no pool thread ever waits for another, so nesting cannot
 * deadlock. A failure is rethrown as the exception the work threw.
 */
final class PartitionThreads {
  private PartitionThreads() {}

  private static final int CORES = Runtime.getRuntime().availableProcessors();
  private static final ThreadLocal<Boolean> IN_POOL = ThreadLocal.withInitial(() -> false);
  private static final java.util.concurrent.atomic.AtomicInteger THREADS = new java.util.concurrent.atomic.AtomicInteger();
  private static final ExecutorService POOL = Executors.newFixedThreadPool(CORES, r -> {
    Thread t = new Thread(() -> {
      IN_POOL.set(true);
      r.run();
    }, "implicitdl-local-store-" + THREADS.incrementAndGet());
    t.setDaemon(true);
    return t;
  });

  /** The pieces' results merged in the order of {@code work} (the first, merged with the second, …). */
  static <S extends Mergeable<S>> S merged(List<Supplier<S>> work) {
    return fold(work, null, (acc, one) -> acc == null ? one : acc.merge(one));
  }

  /** The pieces' results in the order of {@code work}. */
  static <R> List<R> inOrder(List<Supplier<R>> work) {
    return fold(work, new ArrayList<>(work.size()), (all, one) -> {
      all.add(one);
      return all;
    });
  }

  /** {@code step} applied to each piece's result in the order of {@code work}, on this thread, from {@code start}. */
  private static <R, A> A fold(List<Supplier<R>> work, A start, BiFunction<A, R, A> step) {
    A acc = start;
    if (work.size() <= 1 || CORES <= 1 || IN_POOL.get()) {
      for (Supplier<R> w : work) {
        acc = step.apply(acc, w.get());
      }
      return acc;
    }
    Deque<Future<R>> running = new ArrayDeque<>();
    int next = 0;
    try {
      while (next < work.size() || !running.isEmpty()) {
        while (next < work.size() && running.size() < 2 * CORES) {
          running.add(POOL.submit(work.get(next++)::get));
        }
        acc = step.apply(acc, running.removeFirst().get());
      }
      return acc;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while the driver folded its training blocks", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException(String.valueOf(cause.getMessage()), cause);
    } finally {
      running.forEach(f -> f.cancel(true));
    }
  }
}
