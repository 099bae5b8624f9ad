package org.implicitdl.solve;

import java.util.Arrays;

/**
 * Anderson mixing (type II, Walker &amp; Ni 2011) for each column of an {@link ActiveColumns}
 * iteration on its own: after a sweep g = T(x), the next iterate is g − ΔG·γ with γ the
 * least-squares fit min ‖f − ΔF·γ‖₂ of the residual f = g − x by the last {@link #DEPTH} residual
 * differences ΔF (ΔG the matching differences of g). Near a fixed point of the real rule the map
 * is linear on the active set of φ, where this is a Krylov method: where Picard contracts by
 * about ‖A‖ per sweep (slowly, once training drives ‖A‖∞ to κ), the mixed iterates converge in
 * a fraction of the sweeps.
 *
 * <p>It changes the iterates, never the stopping test: a column still leaves when the step of a
 * plain sweep from its current iterate meets the certified bound κ/(1−κ)·‖T(x) − x‖, which holds
 * for any x, so the certificate's guarantee is unchanged. A column whose residual grows (at φ's
 * kinks) drops its history and takes the plain sweep. Each column's history is its own, so a
 * column's result still does not depend on which other columns share its block.
 *
 * <p>Per column and sweep the work is one fused pass (residual, differences, the new row of the
 * small Gram matrix) and one mixing pass, about (2·depth + 3)·n multiply-adds against the 2n²
 * flops of the sweep itself; the right-hand side ΔFᵀf is carried by a recurrence, not recomputed.
 */
final class ColumnAnderson {
  /**
   * Residual differences kept per column: 3 gains as much as 5 on trained models, at less work per
   * sweep. The fused pass of {@link #mix} is written for exactly three slots.
   */
  static final int DEPTH = 3;
  private static final double REGULARISATION = 1e-12;
  /** Histories up to this many doubles are kept per thread for the next solve (no allocation per solve). */
  private static final long REUSE_DOUBLES = 1L << 21;
  private static final ThreadLocal<ColumnAnderson> SPARE = new ThreadLocal<>();

  private final int n;
  private final int capacity;
  private final double[] fPrevious;
  private final double[] gPrevious;
  private final double[][] dF;
  private final double[][] dG;
  /** Per column: differences stored (−1: no previous sweep yet), next ring slot, last residual ‖f‖₂². */
  private final int[] stored;
  private final int[] head;
  private final double[] lastNorm;
  /** Per column: the Gram matrix of its ΔF slots (DEPTH×DEPTH) and ΔF_s·f for its current residual f. */
  private final double[] gramOf;
  private final double[] rhsOf;
  private final double[] gram = new double[DEPTH * DEPTH];
  private final double[] gamma = new double[DEPTH];
  private final double[] row = new double[DEPTH];
  private boolean inUse;

  private ColumnAnderson(int n, int capacity) {
    this.n = n;
    this.capacity = capacity;
    this.fPrevious = new double[n * capacity];
    this.gPrevious = new double[n * capacity];
    this.dF = new double[DEPTH][n * capacity];
    this.dG = new double[DEPTH][n * capacity];
    this.stored = new int[capacity];
    this.head = new int[capacity];
    this.lastNorm = new double[capacity];
    this.gramOf = new double[capacity * DEPTH * DEPTH];
    this.rhsOf = new double[capacity * DEPTH];
  }

  /** Empty histories for {@code columns} columns of {@code n} rows: this thread's spare when it fits. */
  static ColumnAnderson forColumns(int n, int columns) {
    ColumnAnderson spare = SPARE.get();
    boolean fits = spare != null && !spare.inUse && spare.n == n && spare.capacity >= columns;
    ColumnAnderson mixer = fits ? spare : new ColumnAnderson(n, columns);
    if (!fits && (spare == null || !spare.inUse) && (2L + 2L * DEPTH) * n * columns <= REUSE_DOUBLES) {
      SPARE.set(mixer);
    }
    mixer.inUse = true;
    Arrays.fill(mixer.stored, 0, columns, -1);
    return mixer;
  }

  /** The solve is over: this thread's next solve may take these buffers. */
  void release() {
    inUse = false;
  }

  /**
   * Column {@code j}: {@code x} its iterate, {@code g} the sweep's T(x) at the same offset; g is
   * replaced by the mixed next iterate.
   */
  void mix(int j, double[] x, double[] g) {
    int off = j * n;
    int had = stored[j];
    int slot = had < 0 ? 0 : head[j];
    int k = Math.max(had, 0);
    double[] dfSlot = dF[slot];
    double[] dgSlot = dG[slot];
    double[] others0 = dF[(slot + 1) % DEPTH];
    double[] others1 = dF[(slot + 2) % DEPTH];
    // one pass: f = g − x, ‖f‖², ΔF_new = f − f_prev, ΔG_new = g − g_prev, ΔF_new·ΔF_s, ΔF_new·f_prev
    double norm = 0;
    double self = 0;
    double withPrevious = 0;
    double o0 = 0;
    double o1 = 0;
    for (int i = off; i < off + n; i++) {
      double r = g[i] - x[i];
      norm += r * r;
      double fp = fPrevious[i];
      double df = r - fp;
      dfSlot[i] = df;
      dgSlot[i] = g[i] - gPrevious[i];
      self += df * df;
      withPrevious += df * fp;
      o0 += df * others0[i];
      o1 += df * others1[i];
      fPrevious[i] = r;
      gPrevious[i] = g[i];
    }
    boolean grew = had >= 0 && norm > lastNorm[j];
    lastNorm[j] = norm;
    if (had < 0 || grew) {
      // no usable history: the plain sweep, and this residual starts a new one
      stored[j] = 0;
      head[j] = 0;
      return;
    }
    int count = Math.min(k + 1, DEPTH);
    stored[j] = count;
    head[j] = (slot + 1) % DEPTH;
    int g0 = j * DEPTH * DEPTH;
    int h0 = j * DEPTH;
    row[slot] = self;
    row[(slot + 1) % DEPTH] = o0;
    row[(slot + 2) % DEPTH] = o1;
    // the slots in use: 0..count-1 (filled in order after a reset, all of them once full)
    for (int t = 0; t < count; t++) {
      if (t != slot) {
        gramOf[g0 + slot * DEPTH + t] = row[t];
        gramOf[g0 + t * DEPTH + slot] = row[t];
        // ΔF_t·f_new = ΔF_t·(f_prev + ΔF_new)
        rhsOf[h0 + t] += row[t];
      }
    }
    gramOf[g0 + slot * DEPTH + slot] = self;
    rhsOf[h0 + slot] = withPrevious + self;
    double trace = 0;
    for (int a = 0; a < count; a++) {
      for (int b = 0; b < count; b++) {
        gram[a * count + b] = gramOf[g0 + a * DEPTH + b];
      }
      trace += gram[a * count + a];
      gamma[a] = rhsOf[h0 + a];
    }
    if (!(trace > 0) || !solve(count, trace * REGULARISATION)) {
      stored[j] = 0;
      head[j] = 0;
      return;
    }
    for (int a = 0; a < count; a++) {
      double c = gamma[a];
      double[] dg = dG[a];
      for (int i = off; i < off + n; i++) {
        g[i] -= c * dg[i];
      }
    }
  }

  /** Moves column {@code from}'s history to {@code to} (the packing of {@link ActiveColumns}). */
  void move(int from, int to) {
    int a = from * n;
    int b = to * n;
    System.arraycopy(fPrevious, a, fPrevious, b, n);
    System.arraycopy(gPrevious, a, gPrevious, b, n);
    for (int s = 0; s < DEPTH; s++) {
      System.arraycopy(dF[s], a, dF[s], b, n);
      System.arraycopy(dG[s], a, dG[s], b, n);
    }
    System.arraycopy(gramOf, from * DEPTH * DEPTH, gramOf, to * DEPTH * DEPTH, DEPTH * DEPTH);
    System.arraycopy(rhsOf, from * DEPTH, rhsOf, to * DEPTH, DEPTH);
    stored[to] = stored[from];
    head[to] = head[from];
    lastNorm[to] = lastNorm[from];
  }

  /**
   * gram·γ = rhs (in gamma) for the leading k×k block plus ridge·I, by Cholesky; false when not
   * positive. Written out rather than {@link org.implicitdl.linalg.Blas.Cholesky}: k ≤ 3, once per
   * column and sweep on the solve's hot path, where a factor object and LAPACK calls would cost
   * more than the arithmetic.
   */
  private boolean solve(int k, double ridge) {
    for (int a = 0; a < k; a++) {
      gram[a * k + a] += ridge;
    }
    for (int a = 0; a < k; a++) {
      for (int b = 0; b <= a; b++) {
        double s = gram[a * k + b];
        for (int c = 0; c < b; c++) {
          s -= gram[a * k + c] * gram[b * k + c];
        }
        if (a == b) {
          if (!(s > 0)) {
            return false;
          }
          gram[a * k + a] = Math.sqrt(s);
        } else {
          gram[a * k + b] = s / gram[b * k + b];
        }
      }
    }
    for (int a = 0; a < k; a++) {
      double s = gamma[a];
      for (int c = 0; c < a; c++) {
        s -= gram[a * k + c] * gamma[c];
      }
      gamma[a] = s / gram[a * k + a];
    }
    for (int a = k - 1; a >= 0; a--) {
      double s = gamma[a];
      for (int c = a + 1; c < k; c++) {
        s -= gram[c * k + a] * gamma[c];
      }
      gamma[a] = s / gram[a * k + a];
    }
    return true;
  }
}
