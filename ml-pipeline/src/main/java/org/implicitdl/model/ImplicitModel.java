package org.implicitdl.model;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Optional;
import org.implicitdl.linalg.Blas;
import org.implicitdl.linalg.Inputs;
import org.implicitdl.linalg.LowRank;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.solve.Activation;
import org.implicitdl.solve.Certificate;
import org.implicitdl.solve.FixedPointResult;
import org.implicitdl.solve.FixedPointSolver;
import org.implicitdl.solve.SolverSettings;
import org.implicitdl.solve.StateComponents;
import org.implicitdl.solve.WellPosedness;

/**
 * An immutable implicit model (paper eq. 1): ŷ = Cx + Du with x = φ(Ax + Bu).
 *
 * <p>A ∈ R^{n×n}, B ∈ R^{n×p'}, C ∈ R^{q×n}, D ∈ R^{q×p'}. With {@code inputBias}, the input is
 * u = (features, 1) as in the paper, so p' = p + 1 and the last columns of B and D are the bias
 * terms; callers pass the p raw features only. Construction checks shapes and finiteness;
 * matrices are copied in and out.
 */
public final class ImplicitModel implements Serializable {
  private static final long serialVersionUID = 1L;
  private final Matrix a;
  private final Matrix b;
  private final Matrix c;
  private final Matrix d;
  private final Activation activation;
  private final boolean inputBias;
  private volatile Certificate certificate;
  private transient volatile StateComponents components;
  private transient volatile Optional<LowRank> lowRank;

  /**
   * The model whose every weight is zero, with an input bias column: with C = 0 and D = 0 it predicts ŷ = 0 whatever its
   * states. What a fit's shape is read from where no model exists yet (a linear start, a baseline's readout).
   */
  public static ImplicitModel zero(int hidden, int inputs, int outputs, Activation activation) {
    return new ImplicitModel(Matrix.zeros(hidden, hidden), Matrix.zeros(hidden, inputs + 1), Matrix.zeros(outputs, hidden),
        Matrix.zeros(outputs, inputs + 1), activation, true);
  }

  public ImplicitModel(Matrix a, Matrix b, Matrix c, Matrix d, Activation activation, boolean inputBias) {
    this(a, b, c, d, activation, inputBias, true);
  }

  /** With {@code copy} false the matrices are adopted as they are: only for ones nobody else holds (fresh slices, new iterates). */
  private ImplicitModel(Matrix a, Matrix b, Matrix c, Matrix d, Activation activation, boolean inputBias, boolean copy) {
    this(checked(a, b, c, d, activation, inputBias, copy), activation, inputBias);
  }

  /** Adopts A, B, C, D as given, checked by {@link #checked} or as a {@link #stepped} step wrote them: the one place a model's fields are set. */
  private ImplicitModel(Matrix[] abcd, Activation activation, boolean inputBias) {
    this.a = abcd[0];
    this.b = abcd[1];
    this.c = abcd[2];
    this.d = abcd[3];
    this.activation = activation;
    this.inputBias = inputBias;
  }

  /** The checks every model's matrices pass (shapes, finite entries, a bias column, an activation), then copied if asked. */
  private static Matrix[] checked(Matrix a, Matrix b, Matrix c, Matrix d, Activation activation, boolean inputBias, boolean copy) {
    int n = a.rows();
    int q = c.rows();
    Matrix[] given = {a, b, c, d};
    int[][] shapes = {{n, n}, {n, b.cols()}, {q, n}, {q, b.cols()}};
    for (int k = 0; k < 4; k++) {
      given[k].requireShape(NAMES[k], shapes[k][0], shapes[k][1]).requireFinite(NAMES[k]);
    }
    if (inputBias && b.cols() < 1) {
      throw new IllegalArgumentException("with inputBias, B needs a bias column; got B " + b.shape());
    }
    if (activation == null) {
      throw new IllegalArgumentException("activation must be given");
    }
    return copy ? new Matrix[] {a.copy(), b.copy(), c.copy(), d.copy()} : new Matrix[] {a, b, c, d};
  }

  /** Hidden dimension n (number of states). */
  public int hiddenDim() {
    return a.rows();
  }

  /** Number of raw input features p (without the bias entry). */
  public int inputDim() {
    return b.cols() - (inputBias ? 1 : 0);
  }

  /** Number of outputs q. */
  public int outputDim() {
    return c.rows();
  }

  public Activation activation() {
    return activation;
  }

  public boolean inputBias() {
    return inputBias;
  }

  public Matrix a() {
    return a.copy();
  }

  public Matrix b() {
    return b.copy();
  }

  public Matrix c() {
    return c.copy();
  }

  public Matrix d() {
    return d.copy();
  }

  /** The well-posedness certificate of A (computed once). */
  public Certificate certificate() {
    Certificate cert = certificate;
    if (cert == null) {
      cert = WellPosedness.certify(a, activation);
      certificate = cert;
    }
    return cert;
  }

  /** The drive Z = B·u (+ bias column) for a block of raw inputs U (p×m). */
  public Matrix drive(Inputs u) {
    return affine(b, u, a.rows());
  }

  /**
   * The drive Z = B·U' for augmented inputs U' (the bias row last, as training blocks hold them), from the model's own
   * B: no copy of B, which at p = 10⁵ inputs would cost more than the product itself.
   */
  public Matrix augmentedDrive(Inputs uAug) {
    return uAug.leftProduct(b);
  }

  /** The readout Ŷ = C·X + D·U' for augmented inputs U' (bias row last), from the model's own C and D. */
  public Matrix augmentedReadout(Matrix x, Inputs uAug) {
    Matrix y = uAug.leftProduct(d);
    Blas.gemm(1.0, c, false, x, false, 1.0, y);
    return y;
  }

  /** The readout Ŷ = C·X + D·u (+ bias) for states X (n×m) and raw inputs U (p×m). */
  public Matrix readout(Matrix x, Inputs u) {
    Matrix y = affine(d, u, c.rows());
    Blas.gemm(1.0, c, false, x, false, 1.0, y);
    return y;
  }

  /**
   * Solves X = φ(AX + BU) for a block of inputs with the solver A's structure calls for
   * ({@link FixedPointSolver#forStructure}).
   */
  public FixedPointResult solveStates(Inputs u, SolverSettings settings) {
    return solveStates(u, FixedPointSolver.forStructure(certificate(), components(), lowRankFactors(), settings), null);
  }

  /**
   * A = L Rᵀ when A has low rank (paper §6.3; {@link LowRank#discover}: rank r
   * with 4r &lt; n, exact to 1e-12 relative), else null; found once, so every model — trained with a
   * rank limit, compressed, converted or loaded — gets O(nr) sweeps without a stored form.
   */
  public LowRank lowRankFactors() {
    Optional<LowRank> f = lowRank;
    if (f == null) {
      f = Optional.ofNullable(LowRank.discover(a));
      lowRank = f;
    }
    return f.orElse(null);
  }

  /** rank(A) as found by {@link #lowRankFactors} (n when A is not low-rank in that sense). */
  public int sweepRank() {
    LowRank f = lowRankFactors();
    return f == null ? hiddenDim() : f.rank();
  }

  /** The strongly connected components of A's sparsity graph (computed once). */
  public StateComponents components() {
    StateComponents c = components;
    if (c == null) {
      c = StateComponents.of(a);
      components = c;
    }
    return c;
  }

  /** Solves X = φ(AX + BU) with a given solver and optional warm start. */
  public FixedPointResult solveStates(Inputs u, FixedPointSolver solver, Matrix start) {
    return solver.solve(a, drive(u), activation, certificate(), start);
  }

  /** Predictions Ŷ (q×m) for raw inputs U (p×m); throws if the fixed point did not converge. */
  public Matrix predict(Matrix u) {
    FixedPointResult states = solveStates(u, SolverSettings.DEFAULT);
    if (!states.converged()) {
      throw new ArithmeticException("fixed point did not converge: residual " + states.residual()
          + " after " + states.iterations() + " iterations (" + certificate() + ")");
    }
    return readout(states.states(), u);
  }

  /** Prediction ŷ for one raw input u. */
  public double[] predict(double[] u) {
    return predict(Matrix.column(u)).data();
  }

  /** The same hidden features (A, B, φ) with the readout (C, D) at zero. */
  public ImplicitModel withZeroReadout() {
    return with(a, b, Matrix.zeros(c.rows(), c.cols()), Matrix.zeros(d.rows(), d.cols()));
  }

  /**
   * A copy with new matrices and the same activation and bias convention. Where A is this model's (entry for entry), the
   * copy keeps what was already worked out from A and φ alone — the certificate, the state components, the low-rank
   * factors — rather than working it out again: a readout step, a temperature or a linear path makes a model per round
   * around one A, and certifying each again cost more than the rounds (an LU of the n×n matrix each time).
   */
  public ImplicitModel with(Matrix newA, Matrix newB, Matrix newC, Matrix newD) {
    return new ImplicitModel(newA, newB, newC, newD, activation, inputBias).sharingWhatAFixes(this);
  }

  /** This new model with {@code other}'s certificate, components and low-rank factors (whichever it has) when their A and φ are the same. */
  private ImplicitModel sharingWhatAFixes(ImplicitModel other) {
    if (other.activation == activation && other.a.rows() == a.rows() && Arrays.equals(other.a.data(), a.data())) {
      certificate = other.certificate;
      components = other.components;
      lowRank = other.lowRank;
    }
    return this;
  }

  /** A copy whose [A B] is {@code ab}, split after its n state columns. */
  public ImplicitModel withAB(Matrix ab) {
    int n = hiddenDim();
    return with(ab.columnSlice(0, n), ab.columnSlice(n, ab.cols()), c, d);
  }

  /** A copy whose [A B] is {@code ab} and [C D] is {@code cd}, each split after its n state columns (one copy, one check). */
  public ImplicitModel withWeights(Matrix ab, Matrix cd) {
    int n = hiddenDim();
    return new ImplicitModel(ab.columnSlice(0, n), ab.columnSlice(n, ab.cols()), cd.columnSlice(0, n), cd.columnSlice(n, cd.cols()),
        activation, inputBias, false);
  }

  /**
   * (1 − w)·this + w·{@code other}, matrix by matrix, in one pass and one set of new matrices (an iterate average's update,
   * each optimizer step, written as a {@link #stepped} step); same shapes, activation and bias convention required.
   */
  public ImplicitModel interpolated(ImplicitModel other, double w) {
    if (other.activation != activation || other.inputBias != inputBias) {
      throw new IllegalArgumentException("cannot interpolate " + this + " and " + other);
    }
    Matrix[] mine = {a, b, c, d};
    Matrix[] others = {other.a, other.b, other.c, other.d};
    for (int k = 0; k < 4; k++) {
      others[k].requireShape("the other model's " + NAMES[k], mine[k].rows(), mine[k].cols());
    }
    return stepped((k, current, next) -> {
      double[] ys = others[k].data();
      long marks = 0;
      for (int i = 0; i < next.length; i++) {
        next[i] = current[i] + w * (ys[i] - current[i]);
        marks |= Matrix.finiteMark(next[i]);
      }
      return !Matrix.marksNonFinite(marks);
    });
  }

  /**
   * An optimizer's next iterate, written by {@code rule} from this model's matrices where they are: no copy of the current
   * weights (on wide data the copy is a large share of an Adam step's memory traffic), and the finiteness check is the rule's (see
   * {@link Step}), so a rule that can mark it while writing needs no pass of its own.
   */
  public ImplicitModel stepped(Step rule) {
    Matrix[] current = {a, b, c, d};
    Matrix[] next = new Matrix[4];
    for (int k = 0; k < 4; k++) {
      double[] written = new double[current[k].data().length];
      Matrix m = new Matrix(current[k].rows(), current[k].cols(), written);
      next[k] = rule.write(k, current[k].data(), written) ? m : m.requireFinite(NAMES[k]);
    }
    return new ImplicitModel(next, activation, inputBias);
  }

  /** The matrices' names in {@link Step}'s order, as the checks of {@link #checked} name them. */
  private static final String[] NAMES = {"A", "B", "C", "D"};

  /** How an optimizer writes its next iterate ({@link #stepped}): matrix by matrix, A, B, C, D (indices 0 to 3). */
  @FunctionalInterface
  public interface Step {
    /**
     * Writes every entry of {@code next} from {@code current} (the model's own array: read, never written) and says
     * whether every entry written is finite ({@link Matrix#allFinite}, or {@link Matrix#finiteMark}s ORed in the writing
     * pass); when it says no, the matrix is checked and refused naming the entry.
     */
    boolean write(int matrix, double[] current, double[] next);
  }

  /** A copy whose [C D] is {@code cd}, split after its n state columns. */
  public ImplicitModel withCD(Matrix cd) {
    int n = hiddenDim();
    return with(a, b, cd.columnSlice(0, n), cd.columnSlice(n, cd.cols()));
  }

  private Matrix affine(Matrix weights, Inputs u, int rows) {
    int p = inputDim();
    if (u.rows() != p) {
      throw new IllegalArgumentException("input block U must be " + p + "x" + u.cols() + ", got " + u.rows() + "x" + u.cols());
    }
    int m = u.cols();
    Matrix out = Matrix.zeros(rows, m);
    // the first p columns of the weights (the bias column, if any, comes after them)
    u.multiplyLeftInto(weights.data(), rows, out.data());
    if (inputBias) {
      double[] od = out.data();
      int biasOffset = p * rows;
      for (int j = 0; j < m; j++) {
        for (int i = 0; i < rows; i++) {
          od[i + j * rows] += weights.data()[biasOffset + i];
        }
      }
    }
    return out;
  }

  @Override
  public String toString() {
    return "ImplicitModel(n=" + hiddenDim() + ", p=" + inputDim() + ", q=" + outputDim() + ", " + activation.id()
        + (inputBias ? ", bias" : "") + ")";
  }
}
