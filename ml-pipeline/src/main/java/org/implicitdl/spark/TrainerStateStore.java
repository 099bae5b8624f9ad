package org.implicitdl.spark;

import java.io.IOException;
import java.io.InvalidClassException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.util.List;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.train.BlockStore;
import org.implicitdl.train.EpochCheckpoint;
import org.implicitdl.train.EpochRecord;
import org.implicitdl.train.LocalBlockStore;
import org.implicitdl.train.TrainingBlock;

/**
 * The trainer state of a fit in a directory on any Hadoop file system (param
 * {@code trainerStateDir}): after every {@code trainerStateInterval}-th epoch, one file
 * {@code state} (Java serialization, replaced atomically by a rename) holding the solver stage,
 * the model that stage started from, the earlier stages' history and the stage's own trainer
 * state, for a gradient stage that tunes its step size where that search stands (so it resumes at the candidate it
 * was training, from that candidate's own state), and for BCD the blocks with their P- and X-states ({@code blocks-<stage>-<epoch>/}; the
 * ones a resumed fit was restored from stay until it ends, they are its blocks' lineage). A fit whose
 * settings and data match the saved fingerprint resumes from it; a successful fit removes it.
 */
final class TrainerStateStore {
  /** What is saved: enough to re-enter the fit at the stage and epoch where it stopped. */
  record Saved(String fingerprint, int stage, int epoch, ImplicitModel stageInput, List<EpochRecord> earlierHistory, Serializable trainerState,
      String blocksDir, StepSizeSearch.Position search) implements Serializable {
    /** Where the fit resumes, in words: the stage (by its solver's id), the step-size candidate if it was tuning, the epoch. */
    String describe(String stageId) {
      return stageId + " stage" + (search == null ? "" : ", " + search.describe() + ",") + " after epoch " + epoch;
    }
  }

  private final JavaSparkContext sc;
  private final Path dir;
  private final FileSystem fs;
  private final int interval;
  private final String fingerprint;
  private final Saved found;

  private TrainerStateStore(JavaSparkContext sc, Path dir, int interval, String fingerprint) throws IOException {
    this.sc = sc;
    this.dir = dir;
    this.fs = AtomicFiles.withoutChecksums(dir.getFileSystem(sc.hadoopConfiguration()));
    this.interval = interval;
    this.fingerprint = fingerprint;
    this.found = read();
  }

  /** The store under {@code dir}, or null when {@code dir} is empty (no trainer state kept). */
  static TrainerStateStore open(JavaSparkContext sc, String dir, int interval, String fingerprint) {
    if (dir.isEmpty()) {
      return null;
    }
    try {
      return new TrainerStateStore(sc, new Path(dir), interval, fingerprint);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read the trainer state in " + dir + ": " + e.getMessage(), e);
    }
  }

  /** The state a killed fit left, or null. */
  Saved found() {
    return found;
  }

  private Saved read() throws IOException {
    Path file = new Path(dir, "state");
    if (!fs.exists(file)) {
      return null;
    }
    Saved saved;
    try (ObjectInputStream in = new ObjectInputStream(fs.open(file))) {
      saved = (Saved) in.readObject();
    } catch (ClassNotFoundException | ClassCastException | InvalidClassException e) {
      throw new IOException("the trainer state " + file + " was written by another version of ImplicitDL", e);
    }
    if (!saved.fingerprint().equals(fingerprint)) {
      throw new IllegalArgumentException("the trainer state in " + dir + " belongs to a fit with other settings or data; remove it or "
          + "choose another trainerStateDir");
    }
    return saved;
  }

  /** The checkpoint one solver stage uses; {@code resumeHere} when the saved state belongs to this stage. */
  EpochCheckpoint forStage(int stage, ImplicitModel stageInput, List<EpochRecord> earlierHistory, boolean resumeHere) {
    return forStage(stage, stageInput, earlierHistory, resumeHere, null);
  }

  /**
   * The checkpoint of one candidate of a step-size search ({@code search}: where the search stands before it);
   * {@code resumeHere} when the saved state belongs to this candidate.
   */
  EpochCheckpoint forStage(int stage, ImplicitModel stageInput, List<EpochRecord> earlierHistory, boolean resumeHere,
      StepSizeSearch.Position search) {
    return new EpochCheckpoint() {
      @Override
      public Serializable restore(BlockStore store) {
        if (!resumeHere || found == null) {
          return null;
        }
        if (found.blocksDir() != null) {
          JavaRDD<TrainingBlock> saved = sc.objectFile(new Path(dir, found.blocksDir()).toString());
          if (store instanceof LocalBlockStore local) {
            local.replaceBlocks(saved.collect());
          } else {
            ((RddBlockStore) store).replaceBlocks(saved);
          }
        }
        return found.trainerState();
      }

      @Override
      public void save(int epoch, Serializable state, BlockStore blocksWithState) {
        if (epoch % interval != 0) {
          return;
        }
        try {
          String blocks = null;
          if (blocksWithState != null) {
            blocks = "blocks-" + stage + "-" + epoch;
            fs.delete(new Path(dir, blocks), true);
            String path = new Path(dir, blocks).toString();
            if (blocksWithState instanceof LocalBlockStore local) {
              // one partition, in order: restore collects them back in the same order
              sc.parallelize(local.blocks(), 1).saveAsObjectFile(path);
            } else {
              ((RddBlockStore) blocksWithState).blocks().saveAsObjectFile(path);
            }
          }
          write(new Saved(fingerprint, stage, epoch, stageInput, List.copyOf(earlierHistory), state, blocks, search));
          for (FileStatus f : fs.listStatus(dir)) {
            String name = f.getPath().getName();
            boolean restoredFrom = found != null && name.equals(found.blocksDir());
            if (name.startsWith("blocks-") && !name.equals(blocks) && !restoredFrom) {
              fs.delete(f.getPath(), true);
            }
          }
        } catch (IOException e) {
          throw new IllegalStateException("cannot save the trainer state in " + dir + ": " + e.getMessage(), e);
        }
      }
    };
  }

  /**
   * Saves a step-size search between two candidates ({@code next}: before the one it trains next, from its start), so a
   * fit killed before that candidate's first epoch resumes there and not at the candidate just finished.
   */
  void saveSearch(int stage, ImplicitModel stageInput, List<EpochRecord> earlierHistory, StepSizeSearch.Position next) {
    try {
      write(new Saved(fingerprint, stage, 0, stageInput, List.copyOf(earlierHistory), null, null, next));
    } catch (IOException e) {
      throw new IllegalStateException("cannot save the trainer state in " + dir + ": " + e.getMessage(), e);
    }
  }

  private void write(Saved saved) throws IOException {
    Path tmp = new Path(dir, "state.tmp");
    try (ObjectOutputStream out = new ObjectOutputStream(AtomicFiles.create(fs, tmp))) {
      out.writeObject(saved);
    }
    AtomicFiles.replace(fs, tmp, new Path(dir, "state"));
  }

  /** Removes the state: the fit finished. */
  void clear() {
    try {
      fs.delete(dir, true);
    } catch (IOException e) {
      throw new IllegalStateException("cannot remove the trainer state in " + dir + ": " + e.getMessage(), e);
    }
  }
}
