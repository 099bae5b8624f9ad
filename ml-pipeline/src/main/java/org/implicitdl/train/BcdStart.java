package org.implicitdl.train;

import java.util.Random;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.solve.WellPosedness;

/** Where block-coordinate descent starts (a seeded model or a checked warm start) and the penalty 𝒫 of its objective (10). */
final class BcdStart {
  private BcdStart() {}

  /**
   * A = 0, B Gaussian (scale initScale/√p, seeded), C = D = 0, φ from the settings; the (C, D)-step sets the readout.
   * Under a layer pattern, B feeds the first layer only and A's blocks are Gaussian ({@link LayerMask#gaussianBlocks}).
   */
  static ImplicitModel initial(BcdSettings settings, int inputs, int outputs) {
    int n = settings.hiddenDim();
    Random r = new Random(settings.seed());
    Matrix b = Matrix.zeros(n, inputs + 1);
    double scale = settings.initScale() / Math.sqrt(inputs);
    for (int j = 0; j < inputs; j++) {
      for (int i = 0; i < n; i++) {
        b.set(i, j, scale * r.nextGaussian());
      }
    }
    Matrix a = Matrix.zeros(n, n);
    LayerMask layers = settings.shape().layers();
    if (layers != null) {
      // layers past the first are read only through A: a zero A would leave them (and the readout) without any signal
      Matrix pattern = settings.shape().hiddenPattern(inputs);
      LayerMask.restrict(b, pattern.columnSlice(n, n + inputs + 1));
      a = layers.gaussianBlocks(settings.initScale(), r);
      if (settings.structure() == Architecture.Structure.INF_NORM) {
        a = WellPosedness.projectInfNorm(a, settings.kappa());
      }
    }
    return new ImplicitModel(a, b, Matrix.zeros(outputs, n), Matrix.zeros(outputs, inputs + 1), settings.activation(), true);
  }

  /** A warm start checked against the problem's shapes and activation, projected onto the constraint and the layer pattern. */
  static ImplicitModel checked(ImplicitModel m, BcdSettings settings, int inputs, int outputs) {
    if (m.hiddenDim() != settings.hiddenDim() || m.inputDim() != inputs || m.outputDim() != outputs || !m.inputBias()) {
      throw new IllegalArgumentException("initial model " + m + " does not match the training problem (n=" + settings.hiddenDim()
          + ", p=" + inputs + ", q=" + outputs + ", with input bias)");
    }
    if (m.activation() != settings.activation()) {
      throw new IllegalArgumentException("initial model has activation " + m.activation().id() + ", the training problem "
          + settings.activation().id());
    }
    Matrix a = m.a();
    if (settings.structure() == Architecture.Structure.INF_NORM && WellPosedness.infNorm(a) > settings.kappa()) {
      a = WellPosedness.projectInfNorm(a, settings.kappa());
    }
    int n = settings.hiddenDim();
    Matrix ab = LayerMask.restrict(Matrix.hstack(a, m.b()), settings.shape().hiddenPattern(inputs));
    Matrix cd = LayerMask.restrict(Matrix.hstack(m.c(), m.d()), settings.shape().readoutPattern(inputs, outputs));
    return m.with(ab.columnSlice(0, n), ab.columnSlice(n, ab.cols()), cd.columnSlice(0, n), cd.columnSlice(n, cd.cols()));
  }

  /** 𝒫(A, B, C, D) exactly as the steps minimize it (ridge on A, B weighted by λ_i; on C, D but the intercept, {@link Prox#withRidge}). */
  static double penalty(ImplicitModel model, BcdSettings settings, int inputs) {
    int n = settings.hiddenDim();
    Matrix ab = Matrix.hstack(model.a(), model.b());
    Matrix cd = Matrix.hstack(model.c(), model.d());
    double p = new Prox(n, inputs, 0.0, settings.l1(), settings.groupLasso(), null, Double.NaN)
        .withStateGroups(settings.statePenalty(), settings.statePenalty()).value(ab)
        + Prox.unconstrained(n, inputs, settings.l1(), settings.groupLasso()).withStateGroups(0, settings.statePenalty())
            .withRidge(settings.ridge()).value(cd);
    for (int i = 0; i < n; i++) {
      double row = 0;
      for (int j = 0; j < ab.cols(); j++) {
        row += ab.get(i, j) * ab.get(i, j);
      }
      p += settings.lambdaOf(i) * 0.5 * settings.ridge() * row;
    }
    return p;
  }
}
