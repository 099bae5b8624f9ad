package org.implicitdl.solve;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.implicitdl.linalg.Matrix;

/**
 * The strongly connected components of A's sparsity graph (paper §6.2: state i reads state j when
 * A_ij ≠ 0), in an order where every component comes after all components it reads. Permuting the
 * states by this order makes A block upper-triangular (after reversing), so x = φ(Ax + z) can be
 * solved component by component: a component's drive is then fixed by the ones already solved.
 * Tarjan's algorithm (iterative), which emits a component only after every component it reaches.
 */
public final class StateComponents {
  private final List<int[]> components;

  private StateComponents(List<int[]> components) {
    this.components = components;
  }

  public static StateComponents of(Matrix a) {
    int n = a.rows();
    List<List<Integer>> reads = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      List<Integer> row = new ArrayList<>();
      for (int j = 0; j < n; j++) {
        if (a.get(i, j) != 0.0) {
          row.add(j);
        }
      }
      reads.add(row);
    }
    int[] index = new int[n];
    int[] low = new int[n];
    boolean[] onStack = new boolean[n];
    Arrays.fill(index, -1);
    int[] stack = new int[n];
    int top = 0;
    int counter = 0;
    List<int[]> out = new ArrayList<>();
    int[] callNode = new int[n];
    int[] callEdge = new int[n];
    for (int root = 0; root < n; root++) {
      if (index[root] >= 0) {
        continue;
      }
      int depth = 0;
      callNode[0] = root;
      callEdge[0] = 0;
      index[root] = low[root] = counter++;
      stack[top++] = root;
      onStack[root] = true;
      while (depth >= 0) {
        int v = callNode[depth];
        List<Integer> edges = reads.get(v);
        if (callEdge[depth] < edges.size()) {
          int w = edges.get(callEdge[depth]++);
          if (index[w] < 0) {
            index[w] = low[w] = counter++;
            stack[top++] = w;
            onStack[w] = true;
            depth++;
            callNode[depth] = w;
            callEdge[depth] = 0;
          } else if (onStack[w]) {
            low[v] = Math.min(low[v], index[w]);
          }
        } else {
          if (low[v] == index[v]) {
            List<Integer> comp = new ArrayList<>();
            int w;
            do {
              w = stack[--top];
              onStack[w] = false;
              comp.add(w);
            } while (w != v);
            out.add(comp.stream().mapToInt(Integer::intValue).sorted().toArray());
          }
          depth--;
          if (depth >= 0) {
            int parent = callNode[depth];
            low[parent] = Math.min(low[parent], low[v]);
          }
        }
      }
    }
    return new StateComponents(out);
  }

  /** The components, each after every component it reads. */
  public List<int[]> inSolveOrder() {
    return components;
  }

  public int count() {
    return components.size();
  }

  public int largest() {
    return components.stream().mapToInt(c -> c.length).max().orElse(0);
  }

  /**
   * The certificate of each component's diagonal block A_CC, in solve order (paper §6.2): A is
   * block upper-triangular in this order, so x = φ(Ax + z) is well-posed when every diagonal
   * block is — and λ_pf(|A|) is the largest of the blocks' λ_pf(|A_CC|), which is why the
   * Perron–Frobenius certificate of the whole A holds exactly when every block's does.
   */
  public List<Certificate> diagonalCertificates(Matrix a, Activation activation) {
    List<Certificate> out = new ArrayList<>();
    for (int[] comp : components) {
      out.add(WellPosedness.certify(diagonalBlock(a, comp), activation));
    }
    return out;
  }

  /** A_CC: the entries of A among the states of one component, in its order. */
  static Matrix diagonalBlock(Matrix a, int[] comp) {
    Matrix own = Matrix.zeros(comp.length, comp.length);
    for (int r = 0; r < comp.length; r++) {
      for (int c = 0; c < comp.length; c++) {
        own.set(r, c, a.get(comp[r], comp[c]));
      }
    }
    return own;
  }

  /** Whether solving by components beats one Picard iteration on all states: more than one component. */
  public boolean worthIt() {
    return components.size() > 1;
  }
}
