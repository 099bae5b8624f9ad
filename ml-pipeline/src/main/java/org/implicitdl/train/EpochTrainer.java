package org.implicitdl.train;

import java.util.List;
import java.util.function.Consumer;
import org.implicitdl.model.ImplicitModel;

/**
 * What both trainers are: epochs over a {@link BlockStore} from a start to a trained model, with
 * settings {@code S} as configured (each run starts from them: a trainer can be reused) and the
 * hooks every epoch reports to — a record listener, a model listener, the held-out curve and the
 * checkpoint a killed run resumes from.
 *
 * @param <S> the trainer's settings
 * @param <T> the trainer itself (its hooks return it)
 */
public abstract class EpochTrainer<S extends TrainerSettings, T extends EpochTrainer<S, T>> {
  /** What a run returns: the model, its epochs' history and the record that describes the model returned. */
  public interface Result {
    ImplicitModel model();

    List<EpochRecord> history();

    EpochRecord finalRecord();
  }

  protected final BlockStore store;
  /** The settings as given; a run works on its own copy. */
  protected final S configured;
  protected final int inputs;
  protected final int outputs;
  protected final Consumer<EpochRecord> listener;
  protected Consumer<ImplicitModel> modelListener = m -> { };
  protected HeldOutScore heldOut = HeldOutScore.none();
  protected EpochCheckpoint checkpoint = EpochCheckpoint.none();

  /**
   * @param store the blocks, whose U carry the bias row (p + 1 rows) and whose Y has q rows
   * @param inputs p, the number of raw features
   * @param outputs q
   * @param listener each epoch's record as it is made (null: none)
   */
  protected EpochTrainer(BlockStore store, S settings, int inputs, int outputs, Consumer<EpochRecord> listener) {
    if (inputs < 1 || outputs < 1) {
      throw new IllegalArgumentException("need at least one feature and one output, got p=" + inputs + ", q=" + outputs);
    }
    this.store = store;
    this.configured = settings;
    this.inputs = inputs;
    this.outputs = outputs;
    this.listener = listener == null ? r -> { } : listener;
  }

  /** Trains from {@code initial} (a warm start) or, when null, from the trainer's seeded start. */
  public abstract Result train(ImplicitModel initial);

  /** Saves the run's state after each epoch there, and resumes from a state found there. */
  public T checkpointing(EpochCheckpoint at) {
    this.checkpoint = at;
    return self();
  }

  /** Scores every epoch's model on held-out rows (the validation curve); it selects nothing. */
  public T watching(HeldOutScore score) {
    this.heldOut = score;
    return self();
  }

  /**
   * Also hands each epoch's model to {@code l} (e.g. a test that follows the iterates): the one the epoch is judged by,
   * which for a gradient run that averages its iterates is the average ({@link IterateAverage}).
   */
  public T onEpochModel(Consumer<ImplicitModel> l) {
    this.modelListener = l;
    return self();
  }

  @SuppressWarnings("unchecked")
  private T self() {
    return (T) this;
  }
}
