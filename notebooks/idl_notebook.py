"""Helpers the notebooks share: run the `idl` jobs, read what they write, and pick the data size.

The notebooks drive ImplicitDL the way a user does — through `spark-job/bin/idl` — and read the
JSON and CSV files the jobs write. `IDL_NOTEBOOK_SCALE=small` (set by `notebooks/run --small`, used
by CI) shrinks every data set and trial count so that all notebooks run in a few minutes.
"""
import gzip
import json
import os
import shutil
import struct
import subprocess
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SMALL = os.environ.get("IDL_NOTEBOOK_SCALE", "full") == "small"
WORK = ROOT / "runs" / "notebooks" / "work"


def work(name):
    """A fresh working folder for one notebook under runs/notebooks/work/."""
    d = WORK / name
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    return d


def idl(*args):
    """Runs `idl <args>` from the repository root; returns its standard output (a failure raises with the job's last lines)."""
    cmd = [str(ROOT / "spark-job" / "bin" / "idl"), *[str(a) for a in args]]
    p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if p.returncode != 0:
        tail = "\n".join((p.stdout + p.stderr).strip().splitlines()[-15:])
        raise RuntimeError(f"idl {' '.join(map(str, args))} exited {p.returncode}:\n{tail}")
    return p.stdout


def idl_json(*args):
    """The last JSON object a job printed on its standard output."""
    lines = [l for l in idl(*args).splitlines() if l.startswith("{")]
    return json.loads(lines[-1])


def latest_version(model_dir):
    """The published version folder a model repository's LATEST points at."""
    model_dir = Path(model_dir)
    version = (model_dir / "LATEST").read_text().strip()
    return model_dir / "versions" / version


def read_idx(images_gz, labels_gz, limit=None):
    """Images (rows × 784, in [0, 1]) and labels from the IDX files shipped under data/fashion-mnist."""
    with gzip.open(images_gz, "rb") as f:
        _, n, rows, cols = struct.unpack(">IIII", f.read(16))
        n = n if limit is None else min(n, limit)
        images = np.frombuffer(f.read(n * rows * cols), dtype=np.uint8).reshape(n, rows * cols) / 255.0
    with gzip.open(labels_gz, "rb") as f:
        f.read(8)
        labels = np.frombuffer(f.read(n), dtype=np.uint8)
    return images, labels


FASHION = ROOT / "data" / "fashion-mnist"
CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


def fashion(split, limit=None):
    prefix = "train" if split == "train" else "t10k"
    return read_idx(FASHION / f"{prefix}-images-idx3-ubyte.gz", FASHION / f"{prefix}-labels-idx1-ubyte.gz", limit)


def write_csv(path, features, labels, label_col="label"):
    """A CSV with columns f0…f{p-1} and the label column last."""
    header = ",".join([f"f{j}" for j in range(features.shape[1])] + [label_col])
    data = np.column_stack([features, labels])
    np.savetxt(path, data, delimiter=",", header=header, comments="", fmt="%.6g")
    return path


def write_idx(folder, name, images, labels):
    """Images (rows × 784 in [0, 1]) and labels as an IDX pair `name-images-idx3-ubyte.gz`, `name-labels-idx1-ubyte.gz`."""
    folder = Path(folder)
    pixels = np.clip(np.rint(np.asarray(images) * 255), 0, 255).astype(np.uint8)
    side = int(round(pixels.shape[1] ** 0.5))
    images_path = folder / f"{name}-images-idx3-ubyte.gz"
    with gzip.open(images_path, "wb") as f:
        f.write(struct.pack(">IIII", 2051, pixels.shape[0], side, side))
        f.write(pixels.tobytes())
    with gzip.open(folder / f"{name}-labels-idx1-ubyte.gz", "wb") as f:
        f.write(struct.pack(">II", 2049, len(labels)))
        f.write(np.asarray(labels, dtype=np.uint8).tobytes())
    return images_path
