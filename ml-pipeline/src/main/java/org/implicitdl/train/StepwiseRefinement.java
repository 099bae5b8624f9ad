package org.implicitdl.train;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import java.util.function.Function;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.train.FeatureSelectionPath.Point;

/**
 * The stepwise steps after the feature-selection path ({@link FeatureSelectionPath}): a forward entry, then a backward
 * drop. Each tries one input at a time, trained on from the current model, against a control (the same model trained
 * on as long without the change), compared row by row on the validation rows.
 *
 * <p>Forward entry ({@link #enter}): from the point the rule picks, the
 * untried input whose zero column has the largest loss gradient ‖[Γ⁻¹∇B_{:,j}; ∇D_{:,j}]‖₂ (the score test of that
 * column, the KKT check glmnet makes of the inputs its strong rules set aside) is tried: the model trained on with it
 * (its B column starting at the kept columns' size, {@link #withColumn}), against the same model trained on as long
 * without it (the control), compared row by row on the validation rows. It enters when it lowers the validation loss
 * by more than {@value #ENTRY_ERRORS} standard errors of that paired difference (a stricter bar than the path's one: it
 * is asked of input after input); the entry stops after {@value #PATIENCE} inputs refused in a row or at the limit K.
 * Each input entered adds a point.
 *
 * <p>Backward drop ({@link #drop}): from the rule's choice after the entry, the kept input with the smallest column
 * goes when the validation loss without it is no higher than with it.
 *
 * <p>Why the entry: the path's supports are nested, and on a few hundred rows its first point (where the dense fit's scales alone
 * decide) can drop relevant inputs that nothing brings back; at the chosen support's fit the residual still depends on
 * them, so their gradients lead. Why the control: a fit trained on for longer scores better whatever input it gained, so
 * only the difference from the control is the input's.
 */
public final class StepwiseRefinement {
  /** Inputs refused in a row before the entry (or the drop) stops. */
  public static final int PATIENCE = 3;

  /** Standard errors of the paired difference by which an input must lower the validation loss to enter. */
  public static final double ENTRY_ERRORS = 1.5;

  /** Standard errors of the paired difference by which the loss without an input may exceed the loss with it for it to go. */
  public static final double DROP_ERRORS = 0;

  private final BlockStore store;
  /** A path point's settings: the budget each trial gets. */
  private final GradientSettings settings;
  private final int inputs;
  private final int outputs;
  private final Consumer<EpochRecord> listener;
  private final PathScores scores;

  StepwiseRefinement(BlockStore store, GradientSettings settings, int inputs, int outputs, Consumer<EpochRecord> listener, PathScores scores) {
    this.store = store;
    this.settings = settings;
    this.inputs = inputs;
    this.outputs = outputs;
    this.listener = listener;
    this.scores = scores;
  }

  /**
   * Enters inputs from {@code path}'s point {@code from}, appending a point and its model to {@code path} and
   * {@code models} for each; {@code maxInputs} 0: no limit. Returns whether any input entered.
   */
  boolean enter(int from, int maxInputs, List<Point> path, List<ImplicitModel> models) {
    int before = path.size();
    ImplicitModel model = models.get(from);
    ImplicitModel control = null;
    double[] gradients = null;
    boolean[] tried = new boolean[inputs];
    for (int refused = 0; refused < PATIENCE;) {
      int[] support = InputGroups.used(model.b(), model.d(), inputs);
      if (maxInputs > 0 && support.length >= maxInputs) {
        break;
      }
      for (int j : support) {
        tried[j] = true;
      }
      if (control == null) {
        // a new model: its gradients and its control, shared by the inputs tried from it
        gradients = FeatureSelectionPath.columnGradients(store, settings, model, "feature selection: gradient at " + support.length + " inputs");
        control = trainOn(model, support);
      }
      int next = -1;
      for (int j = 0; j < inputs; j++) {
        next = !tried[j] && (next < 0 || gradients[j] > gradients[next]) ? j : next;
      }
      if (next < 0) {
        break;
      }
      tried[next] = true;
      int[] wider = Arrays.copyOf(support, support.length + 1);
      wider[support.length] = next;
      ImplicitModel candidate = trainOn(withColumn(model, support, next), wider);
      if (scores.difference(candidate, control).firstBetterBy(ENTRY_ERRORS)) {
        model = candidate;
        control = null;
        refused = 0;
        path.add(scores.score(path.get(from).weight(), model).asEntered());
        models.add(model);
      } else {
        refused++;
      }
    }
    return path.size() > before;
  }

  /**
   * Backward drop after the entry: from {@code path}'s point {@code from}, the kept input whose column is smallest
   * (‖[Γ B_{:,j}; D_{:,j}]‖₂, as the adaptive scales measure it) is tried out: the model trained on without it, against
   * the model trained on as long with it, compared row by row on the validation rows. It goes when the validation loss
   * without it is no higher ({@value #DROP_ERRORS} standard errors) than with it; {@value #PATIENCE} inputs kept in a row
   * end it. Each input dropped adds a point. Returns whether any input was dropped.
   *
   * <p>Why: the entry adds inputs whose gradient leads, and at a support that already fits well an irrelevant input's
   * gradient can lead the untried ones; with every relevant input in, the irrelevant ones no longer carry any of the fit
   * and their removal costs nothing on the validation rows.
   */
  boolean drop(int from, List<Point> path, List<ImplicitModel> models, Function<ImplicitModel, double[]> norms) {
    int before = path.size();
    ImplicitModel model = models.get(from);
    ImplicitModel control = null;
    double[] size = null;
    boolean[] tried = new boolean[inputs];
    for (int refused = 0; refused < PATIENCE;) {
      int[] support = InputGroups.used(model.b(), model.d(), inputs);
      if (support.length <= 1) {
        break;
      }
      if (control == null) {
        // a new model: its column sizes and its control, shared by the inputs tried from it
        size = norms.apply(model);
        control = trainOn(model, support);
      }
      int next = -1;
      for (int j : support) {
        next = !tried[j] && (next < 0 || size[j] < size[next]) ? j : next;
      }
      if (next < 0) {
        break;
      }
      tried[next] = true;
      int leaving = next;
      int[] narrower = Arrays.stream(support).filter(j -> j != leaving).toArray();
      ImplicitModel candidate = trainOn(model, narrower);
      LossDifference cost = scores.difference(candidate, control);
      if (cost.mean() <= DROP_ERRORS * cost.standardError()) {
        model = candidate;
        control = null;
        refused = 0;
        path.add(scores.score(path.get(from).weight(), model).asDropped());
        models.add(model);
      } else {
        refused++;
      }
    }
    return path.size() > before;
  }

  /**
   * {@code model} with input {@code j}'s B column drawn at the root-mean-square size of the kept columns' entries
   * (Gaussian, seeded by the settings' seed and the input; under a layer pattern only where B may be non-zero), D's
   * column left at zero. Why not zero: with B_{:,j} = 0 no state's activity depends on u_j, so the gradient on the column
   * is first order in u_j, and an input whose effect goes through the states' kinks (even in u_j, or only beside other
   * inputs) has a gradient no larger than noise's there; trained on from zero it stays near zero and its trial says
   * nothing. From a column of the kept ones' size the trial fits what the input can carry.
   */
  private ImplicitModel withColumn(ImplicitModel model, int[] support, int j) {
    Matrix b = model.b().copy();
    double squares = 0;
    for (int k : support) {
      for (int i = 0; i < b.rows(); i++) {
        squares += b.get(i, k) * b.get(i, k);
      }
    }
    double size = support.length == 0 ? settings.initScale() * Math.sqrt(2.0 / inputs) : Math.sqrt(squares / (support.length * b.rows()));
    Random r = new Random(settings.seed() * 1_000_003L + j);
    for (int i = 0; i < b.rows(); i++) {
      b.set(i, j, size * r.nextGaussian());
    }
    if (settings.shape().layers() != null) {
      int n = settings.hiddenDim();
      LayerMask.restrict(b, settings.shape().hiddenPattern(inputs).columnSlice(n, n + inputs + 1));
    }
    return model.with(model.a(), b, model.c(), model.d());
  }

  /**
   * {@code model} trained on with only {@code support}'s inputs, a point's budget, no early stopping: the validation rows
   * judge the entry and the drop, so no epoch is picked on them.
   */
  private ImplicitModel trainOn(ImplicitModel model, int[] support) {
    return new GradientTrainer(store, null, settings.withInputPenalty(InputPenalty.keeping(support, inputs)), inputs, outputs, listener)
        .train(model).model();
  }
}
