package org.implicitdl.train;

import org.implicitdl.linalg.Blas;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.solve.Activation;
import org.implicitdl.model.ImplicitModel;

/**
 * The per-block work of block-coordinate descent on problem (10) (paper §4), for ReLU:
 * the P- and X-steps (separable over columns, done where the block lives) and the sufficient
 * statistics the driver needs for the (C, D)- and (A, B)-steps. Inputs U carry the bias row
 * (u' = (u, 1)), so B and D include the bias column. Every function is a pure function of the
 * block and the payload, so a block computes the same numbers wherever it lives.
 */
public final class LocalSteps {
  private LocalSteps() {}

  /** Statistics that never change during training: U'U'ᵀ, YU'ᵀ and the total weight. */
  public static BcdStatistics.Constants constants(BcdPayload payload, TrainingBlock block) {
    Matrix u = block.u().dense();
    Matrix uw = weighted(u, block.w());
    return new BcdStatistics.Constants(gram(uw, u), gram(block.y(), uw), block.weightSum());
  }

  /** The constants of first-order steps (wide inputs): YU'ᵀ and the total weight, without the (p + 1)² U'U'ᵀ. */
  public static BcdStatistics.Constants readoutConstants(BcdPayload payload, TrainingBlock block) {
    return new BcdStatistics.Constants(null, block.u().productWithTranspose(weighted(block.y(), block.w())), block.weightSum());
  }

  /** (C, D)-step statistics with S = [P; U']: PPᵀ, PU'ᵀ, YPᵀ. */
  public static BcdStatistics.Readout cdStatistics(BcdPayload payload, TrainingBlock block) {
    Matrix pw = weighted(block.p(), block.w());
    return new BcdStatistics.Readout(gram(pw, block.p()), block.u().productWithTranspose(pw), gram(block.y(), pw));
  }

  /**
   * {@link #cdStatistics} and, in the same pass, {@link #cdGradient} at the payload's (C, D): the
   * data pass of the first majorize–minimize round.
   */
  public static Mergeable.Both<BcdStatistics.Readout, BcdStatistics.ReadoutGradient> cdStatisticsAndGradient(BcdPayload payload,
      TrainingBlock block) {
    return new Mergeable.Both<>(cdStatistics(payload, block), cdGradient(payload, block));
  }

  /**
   * Cross-entropy (C, D)-step gradient (softmax(CP + DU') − Y)·[P; U']ᵀ, split as the P part
   * (q×n) and the U' part (q×p'), plus the loss.
   */
  public static BcdStatistics.ReadoutGradient cdGradient(BcdPayload payload, TrainingBlock block) {
    ImplicitModel m = payload.model();
    Matrix yHat = m.augmentedReadout(block.p(), block.u());
    Loss loss = payload.settings().loss();
    Matrix g = weighted(loss.gradient(block.y(), yHat), block.w());
    return new BcdStatistics.ReadoutGradient(gram(g, block.p()), block.u().productWithTranspose(g), loss.total(block.y(), yHat, block.w()));
  }

  /** The P-step then the X-step on one block (projected gradient, fixed global steps). */
  public static TrainingBlock.States pxStep(BcdPayload payload, TrainingBlock block) {
    ImplicitModel m = payload.model();
    BcdSettings st = payload.settings();
    Matrix a = m.a();
    Matrix bu = m.augmentedDrive(block.u());
    Matrix p = pStep(payload, block, a, bu, m.c(), block.u().leftProduct(m.d()));
    Matrix x = xStep(st, block.x(), p, a, bu, payload.etaX());
    return new TrainingBlock.States(x, p);
  }

  /**
   * min_P L(Y, CP + DU') + Σ_i ((λ_i + μ)/2)‖p_i − p0_i‖² + λ_i G(p_i), p0 = (λ∘(AX + BU') + μX)/(λ + μ),
   * where G = F − ½p² is the non-quadratic part of the divergence ({@link Activation#proxRemainder}: for
   * ReLU the constraint P ≥ 0): proximal gradient steps with the fixed global step.
   */
  static Matrix pStep(BcdPayload payload, TrainingBlock block, Matrix a, Matrix bu, Matrix c, Matrix du) {
    BcdSettings st = payload.settings();
    int n = a.rows();
    double mu = st.mu();
    double[] lambda = st.lambdaVector();
    double[] gamma = new double[n];
    for (int i = 0; i < n; i++) {
      gamma[i] = lambda[i] + mu;
    }
    Matrix z = bu.copy();
    Blas.gemm(1.0, a, false, block.x(), false, 1.0, z);
    double[] p0 = z.data();
    double[] xd = block.x().data();
    for (int k = 0; k < p0.length; k += n) {
      for (int i = 0; i < n; i++) {
        p0[k + i] = (lambda[i] * p0[k + i] + mu * xd[k + i]) / gamma[i];
      }
    }
    Matrix p = block.p().copy();
    double[] pd = p.data();
    double eta = payload.etaP();
    Loss loss = st.loss();
    Activation phi = st.activation();
    double[] threshold = new double[n];
    for (int i = 0; i < n; i++) {
      threshold[i] = eta * lambda[i];
    }
    Matrix grad = Matrix.zeros(n, p.cols());
    double[] gd = grad.data();
    for (int it = 0; it < st.inner().pxIterations(); it++) {
      Matrix yHat = du.copy();
      Blas.gemm(1.0, c, false, p, false, 1.0, yHat);
      Blas.gemm(1.0, c, true, loss.gradient(block.y(), yHat), false, 0.0, grad);
      for (int k = 0; k < pd.length; k += n) {
        for (int i = 0; i < n; i++) {
          double g = gd[k + i] + gamma[i] * (pd[k + i] - p0[k + i]);
          pd[k + i] = phi.proxRemainder(pd[k + i] - eta * g, threshold[i]);
        }
      }
    }
    return p;
  }

  /** min_X Σ_i λ_i f_φ(p_i, (AX + BU')_i) + (μ/2)‖X − P‖², gradient Aᵀ(λ∘(φ(Z) − P)) + μ(X − P). */
  static Matrix xStep(BcdSettings st, Matrix start, Matrix p, Matrix a, Matrix bu, double eta) {
    int n = a.rows();
    double mu = st.mu();
    double[] lambda = st.lambdaVector();
    Activation phi = st.activation();
    Matrix x = start.copy();
    double[] xd = x.data();
    double[] pd = p.data();
    Matrix grad = Matrix.zeros(n, x.cols());
    double[] gd = grad.data();
    Matrix r = Matrix.zeros(n, x.cols());
    double[] rd = r.data();
    for (int it = 0; it < st.inner().pxIterations(); it++) {
      System.arraycopy(bu.data(), 0, rd, 0, rd.length);
      Blas.gemm(1.0, a, false, x, false, 1.0, r);
      for (int k = 0; k < rd.length; k += n) {
        for (int i = 0; i < n; i++) {
          double zi = rd[k + i];
          rd[k + i] = lambda[i] * (phi.apply(zi) - pd[k + i]);
        }
      }
      Blas.gemm(1.0, a, true, r, false, 0.0, grad);
      for (int k = 0; k < xd.length; k++) {
        xd[k] -= eta * (gd[k] + mu * (xd[k] - pd[k]));
      }
    }
    return x;
  }

  /**
   * (A, B)-step statistics with S = [X; U'] and T = P + Z0 − φ(Z0), Z0 = AX + BU' (for ReLU
   * P + min(Z0, 0)): the Gram part ({@link #abGram}) and the moments ({@link #abTargets}) in one pass.
   */
  public static Mergeable.Both<BcdStatistics.StateGram, BcdStatistics.Targets> abStatistics(BcdPayload payload, TrainingBlock block) {
    return new Mergeable.Both<>(abGram(payload, block), abTargets(payload, block));
  }

  /** The (A, B) majorizer's Gram part XXᵀ, XU'ᵀ: fixed while X is, so once per (A, B)-step. */
  public static BcdStatistics.StateGram abGram(BcdPayload payload, TrainingBlock block) {
    Matrix xw = weighted(block.x(), block.w());
    return new BcdStatistics.StateGram(gram(xw, block.x()), block.u().productWithTranspose(xw));
  }

  /**
   * The (A, B) majorizer's moments at the payload's (A, B): TXᵀ, TU'ᵀ, T = P + Z0 − φ(Z0), Z0 = AX + BU'
   * (f_φ(p, z) ≤ f_φ(p, z0) + (φ(z0) − p)(z − z0) + ½(z − z0)², as φ' ≤ 1);
   * with a robust radius, at the worst-case drive AX + BU' + |B|r1ᵀ instead (eq. 18).
   */
  public static BcdStatistics.Targets abTargets(BcdPayload payload, TrainingBlock block) {
    ImplicitModel m = payload.model();
    Matrix t = m.augmentedDrive(block.u());
    Blas.gemm(1.0, m.a(), false, block.x(), false, 1.0, t);
    if (payload.robustRadius() != null) {
      addWorstCaseDrive(t, m.b(), payload.robustRadius());
    }
    double[] td = t.data();
    double[] pd = block.p().data();
    Activation phi = payload.settings().activation();
    for (int k = 0; k < td.length; k++) {
      td[k] = pd[k] + td[k] - phi.apply(td[k]);
    }
    Matrix tw = weighted(t, block.w());
    return new BcdStatistics.Targets(gram(tw, block.x()), block.u().productWithTranspose(tw));
  }

  /**
   * Z + |B|r1ᵀ: the largest drive any input in the box u ± r can give (paper eq. 18), r over the p
   * features (the bias column of B is not perturbed).
   */
  static void addWorstCaseDrive(Matrix z, Matrix b, double[] radius) {
    int n = z.rows();
    double[] shift = new double[n];
    for (int f = 0; f < radius.length; f++) {
      for (int i = 0; i < n; i++) {
        shift[i] += Math.abs(b.get(i, f)) * radius[f];
      }
    }
    double[] zd = z.data();
    for (int k = 0; k < zd.length; k++) {
      zd[k] += shift[k % n];
    }
  }

  /** The parts of objective (10) on this block: L(Y, CP + DU'), Σλ_i f(P_i, Z_i), (μ/2)‖X − P‖². */
  public static BcdStatistics.Objective objective(BcdPayload payload, TrainingBlock block) {
    ImplicitModel m = payload.model();
    BcdSettings st = payload.settings();
    int n = m.hiddenDim();
    Matrix z = m.augmentedDrive(block.u());
    Blas.gemm(1.0, m.a(), false, block.x(), false, 1.0, z);
    double divergence = 0;
    double coupling = 0;
    double[] zd = z.data();
    double[] pd = block.p().data();
    double[] xd = block.x().data();
    double[] wd = block.w().data();
    for (int k = 0; k < zd.length; k++) {
      double weight = wd[k / n];
      divergence += weight * st.lambdaOf(k % n) * st.activation().divergence(pd[k], zd[k]);
      double diff = xd[k] - pd[k];
      coupling += weight * 0.5 * st.mu() * diff * diff;
    }
    double loss = st.loss().total(block.y(), m.augmentedReadout(block.p(), block.u()), block.w());
    return new BcdStatistics.Objective(loss, divergence, coupling);
  }

  /** An epoch's report in one pass: the real rule's metrics and objective (10)'s parts. */
  public static Mergeable.Both<RuleMetrics, BcdStatistics.Objective> report(BcdPayload payload, TrainingBlock block) {
    return new Mergeable.Both<>(realRule(payload, block), objective(payload, block));
  }

  /** The real rule's metrics on this block (see {@link RealRule}). */
  public static RuleMetrics realRule(BcdPayload payload, TrainingBlock block) {
    ImplicitModel m = payload.model();
    return RealRule.metrics(m, m.certificate(), block.u(), block.y(), block.w(), payload.settings().loss(), payload.settings().fixedPoint());
  }

  /** Replaces P by the real rule's fixed-point states (for the final readout refit). */
  public static TrainingBlock.States withTrueStates(BcdPayload payload, TrainingBlock block) {
    ImplicitModel m = payload.model();
    return new TrainingBlock.States(block.x(), RealRule.states(m, m.certificate(), block.u(), payload.settings().fixedPoint()).states());
  }

  /** Initial states: the fixed point of the initial model, X = P = x*. */
  public static TrainingBlock.States initialStates(BcdPayload payload, TrainingBlock block) {
    ImplicitModel m = payload.model();
    Matrix states = RealRule.states(m, m.certificate(), block.u(), payload.settings().fixedPoint()).states();
    return new TrainingBlock.States(states, states.copy());
  }

  /** X·diag(w): columns scaled by their weights; X itself when every weight is 1 (read only). */
  static Matrix weighted(Matrix x, Matrix w) {
    if (java.util.Arrays.stream(w.data()).allMatch(v -> v == 1.0)) {
      return x;
    }
    Matrix out = x.copy();
    double[] d = out.data();
    double[] wd = w.data();
    int rows = x.rows();
    for (int j = 0; j < x.cols(); j++) {
      if (wd[j] != 1.0) {
        for (int i = 0; i < rows; i++) {
          d[j * rows + i] *= wd[j];
        }
      }
    }
    return out;
  }

  /** X·Yᵀ. */
  static Matrix gram(Matrix x, Matrix y) {
    return Blas.multiply(x, false, y, true);
  }

  public static int argmax(Matrix m, int col) {
    return m.argmaxInColumn(col);
  }

  /** Σ_j w_j ‖y_j − ŷ_j‖². */
  static double squaredError(Matrix y, Matrix yHat, Matrix w) {
    double s = 0;
    int q = y.rows();
    for (int k = 0; k < y.data().length; k++) {
      double r = y.data()[k] - yHat.data()[k];
      s += w.data()[k / q] * r * r;
    }
    return s;
  }

  /** Σ_j w_j [argmax ŷ_j = argmax y_j]. */
  static double correct(Matrix y, Matrix yHat, Matrix w) {
    double hits = 0;
    for (int j = 0; j < y.cols(); j++) {
      hits += argmax(y, j) == argmax(yHat, j) ? w.data()[j] : 0;
    }
    return hits;
  }
}
