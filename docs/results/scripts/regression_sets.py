#!/usr/bin/env python3
"""Unseen regression sets for checking `idl train`'s defaults (docs/results/README.md, "Features in any units", 2026-12-08).

Usage: regression_sets.py OUTDIR          writes OUTDIR/<set>/train.csv and test.csv (label column "target", 2,000 test rows)
       regression_sets.py --linear DIR..  prints least squares' test rmse (fitted on all training rows), the linear reference

numpy only. The sets: r1_lognormal (a log-normal target in the ten thousands, 1,500 rows, 8 inputs in mixed units),
r2_periodic (600 rows, 5 inputs), r3_sparse50 (50 inputs of which 5 act, 800 rows, target in millions), r4_nearlinear
(300 rows, 12 inputs near 50 +- 100, noise of sd 1), r5_bump (a smooth bump, 1,200 rows, 3 inputs).
"""
import numpy as np, os, sys

NTEST = 2000


def save(d, X, y):
    os.makedirs(d, exist_ok=True)
    m = len(y)
    cols = [f"x{i}" for i in range(X.shape[1])]
    for part, sl in (("train", slice(0, m - NTEST)), ("test", slice(m - NTEST, m))):
        with open(f"{d}/{part}.csv", "w") as f:
            f.write(",".join(cols + ["target"]) + "\n")
            for xi, yi in zip(X[sl], y[sl]):
                f.write(",".join(repr(float(v)) for v in xi) + "," + repr(float(yi)) + "\n")


def generate(root):
    r = np.random.default_rng(9107)
    m = 1500 + NTEST; X = r.normal(size=(m, 8))
    y = np.exp(0.8 * X[:, 0] + 0.5 * np.sin(2 * X[:, 1]) + 0.3 * X[:, 2] * X[:, 3] + 0.3 * r.normal(size=m)) * 1e4
    save(f"{root}/r1_lognormal", X * np.array([1, 1e3, 1e-2, 5, 1, 1, 1e4, 1]), y)
    m = 600 + NTEST; X = r.uniform(-2, 2, size=(m, 5)); y = np.sin(3 * X[:, 0]) * X[:, 1] + 0.5 * X[:, 2] + 0.2 * r.normal(size=m)
    save(f"{root}/r2_periodic", X, y)
    m = 800 + NTEST; X = r.normal(size=(m, 50))
    y = (2 * X[:, 0] + np.maximum(X[:, 1] + X[:, 2], 0) * 3 - np.abs(X[:, 3]) + X[:, 4] ** 2 + r.normal(size=m)) * 1e6
    save(f"{root}/r3_sparse50", X, y)
    m = 300 + NTEST; X = r.normal(size=(m, 12)); w = r.normal(size=12); y = X @ w + 0.3 * np.tanh(X[:, 0] * X[:, 1]) + r.normal(size=m)
    save(f"{root}/r4_nearlinear", X * 100 + 50, y)
    m = 1200 + NTEST; X = r.uniform(0, 1, size=(m, 3))
    y = np.exp(-((X[:, 0] - .5) ** 2 + (X[:, 1] - .3) ** 2) * 8) + X[:, 2] * 0.3 + 0.02 * r.normal(size=m)
    save(f"{root}/r5_bump", X, y)


def linear(dirs):
    for d in dirs:
        tr = np.genfromtxt(d + "/train.csv", delimiter=",", skip_header=1)
        te = np.genfromtxt(d + "/test.csv", delimiter=",", skip_header=1)
        a = np.c_[tr[:, :-1], np.ones(len(tr))]
        b = np.c_[te[:, :-1], np.ones(len(te))]
        w = np.linalg.lstsq(a, tr[:, -1], rcond=None)[0]
        print(os.path.basename(d.rstrip("/")), "least squares test rmse %.5g" % np.sqrt(np.mean((b @ w - te[:, -1]) ** 2)))


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--linear":
        linear(sys.argv[2:])
    elif len(sys.argv) == 2:
        generate(sys.argv[1])
    else:
        sys.exit(__doc__)
