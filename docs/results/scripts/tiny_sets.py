#!/usr/bin/env python3
"""Tiny data sets for checking `idl train`'s defaults (docs/results/README.md, "tiny data", 2026-12-07): 20-120 training
rows, 2,000 test rows each, 6 inputs in mixed units; lin* a linear target in units of 100, nl* a nonlinear one, cls* three
linear classes, bin* two.

Usage: tiny_sets.py OUTDIR        writes OUTDIR/<set>/train.csv and test.csv
       tiny_sets.py --ref DIR...  prints OLS's test rmse (lin*, nl*) or a ridge-1e-2 logistic regression's test accuracy

numpy only.
"""
import numpy as np, os, sys
NT = 2000
def save(d, X, y):
    os.makedirs(d, exist_ok=True); m = len(y) - NT
    for part, sl in (("train", slice(0, m)), ("test", slice(m, None))):
        with open(f"{d}/{part}.csv", "w") as f:
            f.write(",".join([f"f{i}" for i in range(X.shape[1])] + ["label"]) + "\n")
            for xi, yi in zip(X[sl], y[sl]):
                f.write(",".join(repr(float(v)) for v in xi) + "," + str(yi) + "\n")
def gen(root):
    for seed in (41, 42):
        r = np.random.default_rng(seed)
        for m in (20, 30, 50, 80, 120):
            N = m + NT
            units = np.exp(r.normal(size=6) * 2)
            X = r.normal(size=(N, 6))
            w = r.normal(size=6)
            save(f"{root}/lin{m}_{seed}", X * units, (X @ w + 0.3 * r.normal(size=N)) * 100)
            f = np.tanh(X[:, 0] * 1.5) * 2 + X[:, 1] * X[:, 2] + X[:, 3]
            save(f"{root}/nl{m}_{seed}", X * units, f + 0.3 * r.normal(size=N))
            s = X[:, :3] @ np.array([[2, -1, 0], [0, 1.5, -1], [1, 0, 2]]).T + r.gumbel(size=(N, 3))
            save(f"{root}/cls{m}_{seed}", X * units, np.argmax(s, 1))
            s = X[:, 0] * 2 - X[:, 1] + 0.8 * r.logistic(size=N)
            save(f"{root}/bin{m}_{seed}", X * units, (s > 0).astype(int))
def ref(d):
    def load(p):
        a = np.loadtxt(p, delimiter=",", skiprows=1); return a[:, :-1], a[:, -1]
    X, y = load(f"{d}/train.csv"); Xt, yt = load(f"{d}/test.csv")
    mu, sd = X.mean(0), X.std(0) + 1e-12
    Z = np.column_stack([np.ones(len(y)), (X - mu) / sd]); Zt = np.column_stack([np.ones(len(yt)), (Xt - mu) / sd])
    name = os.path.basename(d.rstrip("/"))
    if name.startswith(("lin", "nl")):
        b = np.linalg.lstsq(Z, y, rcond=None)[0]
        print(name, "ols rmse %.4f" % np.sqrt(np.mean((Zt @ b - yt) ** 2)))
    else:
        k = int(max(y.max(), yt.max())) + 1; Y = np.eye(k)[y.astype(int)]; W = np.zeros((Z.shape[1], k))
        lam = 1e-2
        for it in range(3000):
            P = np.exp(Z @ W - (Z @ W).max(1, keepdims=True)); P /= P.sum(1, keepdims=True)
            W -= 0.5 * (Z.T @ (P - Y) / len(y) + lam * W)
        Pt = np.exp(Zt @ W - (Zt @ W).max(1, keepdims=True)); Pt /= Pt.sum(1, keepdims=True)
        print(name, "logreg(1e-2) accuracy %.4f" % np.mean(Pt.argmax(1) == yt))
if sys.argv[1] == "--ref":
    for d in sys.argv[2:]: ref(d)
else:
    gen(sys.argv[1])
