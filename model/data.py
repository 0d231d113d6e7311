"""Data sets: k-class spirals (two generators), disk and ring, and real MNIST digits.

All generators are pure numpy and deterministic for a given seed.
"""

from __future__ import annotations

import gzip
import hashlib
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from model.files import write_atomic
from model.paths import cache_dir

__all__ = [
    "MNIST_DIR",
    "MNIST_TEST_MD5",
    "MNIST_TRAIN_GZ_MD5",
    "Dataset",
    "disks",
    "load_mnist",
    "mnist_split",
    "spirals",
    "spirals_even",
]

MNIST_DIR = Path(__file__).parent / "data" / "mnist"

# md5 of the decompressed files (the shipped test set) and of the gzip files
# of the 60,000-image training set, as published with the data set.
MNIST_TEST_MD5 = {
    "t10k-images-idx3-ubyte.gz": "2646ac647ad5339dbf082846283269ea",
    "t10k-labels-idx1-ubyte.gz": "27ae3e4e09519cfbb04c329615203637",
}
MNIST_TRAIN_GZ_MD5 = {
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
}
MNIST_MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)


@dataclass
class Dataset:
    """Training points and labels, and optionally a held-out part."""

    x: np.ndarray  # (N, D) float32
    y: np.ndarray  # (N,) int64
    x_heldout: np.ndarray | None = None
    y_heldout: np.ndarray | None = None

    @property
    def n_classes(self) -> int:
        return int(self.y.max()) + 1


def spirals(
    classes: int = 2,
    points_per_class: int = 300,
    noise: float = 0.2,
    turns: float = 2 / np.pi,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """The CS231n spiral generator: arm ``j`` sweeps angles from ``4j``.

    Radius grows linearly from 0 to 1; each arm covers ``turns`` revolutions
    (``2/pi`` is CS231n's 4 radians) with Gaussian angular ``noise``.
    Returns points ``(classes * points_per_class, 2)`` and labels.
    """
    rng = np.random.default_rng(seed)
    n = points_per_class
    xs, ys = [], []
    for j in range(classes):
        r = np.linspace(0.0, 1.0, n)
        t = np.linspace(4.0 * j, 4.0 * j + 2 * np.pi * turns, n) + noise * rng.standard_normal(n)
        xs.append(np.column_stack([r * np.sin(t), r * np.cos(t)]))
        ys.append(np.full(n, j))
    return np.concatenate(xs).astype(np.float32), np.concatenate(ys).astype(np.int64)


def spirals_even(
    classes: int = 4,
    points_per_class: int = 200,
    noise: float = 0.17,
    turns: float = 4.0,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """The packing study's generator: ``classes`` arms evenly spaced in angle.

    Arm ``k`` sweeps ``2 pi k / K`` to ``2 pi (k + turns) / K`` while the radius
    grows from 2 to 20 (scaled here to 0.1 .. 1), with uniform angular noise
    that widens outwards.
    """
    rng = np.random.default_rng(seed)
    n, k_all = points_per_class, classes
    xs, ys = [], []
    for k in range(k_all):
        r = np.linspace(2.0, 20.0, n) / 20.0
        t = np.linspace(2 * np.pi * k / k_all, 2 * np.pi * (k + turns) / k_all, n)
        t = t + noise * rng.uniform(-1.0, 1.0, n) * np.linspace(1.0, 1.5, n)
        xs.append(np.column_stack([r * np.cos(t), r * np.sin(t)]))
        ys.append(np.full(n, k))
    return np.concatenate(xs).astype(np.float32), np.concatenate(ys).astype(np.int64)


def disks(
    points_per_class: int = 300,
    inner_radius: float = 0.5,
    ring: tuple[float, float] = (0.75, 1.25),
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """An inner disk (class 0) inside a ring (class 1), uniform in area."""
    rng = np.random.default_rng(seed)
    n = points_per_class
    r_in = inner_radius * np.sqrt(rng.uniform(0, 1, n))
    lo, hi = ring
    r_out = np.sqrt(rng.uniform(lo**2, hi**2, n))
    r = np.concatenate([r_in, r_out])
    t = rng.uniform(0, 2 * np.pi, 2 * n)
    x = np.column_stack([r * np.cos(t), r * np.sin(t)])
    y = np.repeat([0, 1], n)
    return x.astype(np.float32), y.astype(np.int64)


def _read_idx(raw: bytes, magic: int, name: str) -> np.ndarray:
    ndim = magic & 0xFF
    header = np.frombuffer(raw[: 4 + 4 * ndim], dtype=">i4")
    if int(header[0]) != magic:
        raise ValueError(f"{name}: not an IDX file with magic {magic}")
    dims = [int(d) for d in header[1:]]
    data = np.frombuffer(raw[4 + 4 * ndim :], dtype=np.uint8)
    if data.size != int(np.prod(dims)):
        raise ValueError(f"{name}: truncated IDX file ({data.size} of {np.prod(dims)} bytes)")
    return data.reshape(dims)


def _load_idx_pair(folder: Path, images: str, labels: str) -> tuple[np.ndarray, np.ndarray]:
    x = _read_idx(gzip.decompress((folder / images).read_bytes()), 2051, images)
    y = _read_idx(gzip.decompress((folder / labels).read_bytes()), 2049, labels)
    return x, y


def _download_training_set(cache: Path) -> bool:
    """Fetch the 60,000 training digits into ``cache``; False when offline."""
    cache.mkdir(parents=True, exist_ok=True)
    for name, md5 in MNIST_TRAIN_GZ_MD5.items():
        target = cache / name
        if target.is_file() and hashlib.md5(target.read_bytes()).hexdigest() == md5:
            continue
        for mirror in MNIST_MIRRORS:
            try:
                with urllib.request.urlopen(mirror + name, timeout=10) as response:
                    blob = response.read()
            except (urllib.error.URLError, OSError, TimeoutError):
                continue
            if hashlib.md5(blob).hexdigest() != md5:
                continue
            write_atomic(target, lambda tmp, blob=blob: tmp.write_bytes(blob))
            break
        else:
            return False
    return True


def load_mnist(full: bool = False, cache: Path | None = None) -> dict[str, np.ndarray]:
    """Real MNIST digits as ``uint8`` images ``(N, 28, 28)`` and labels.

    By default the 10,000-digit test set shipped with the project. With
    ``full=True`` the 60,000-digit training set is downloaded (checksums
    verified) into ``cache`` (default: ``mnist`` in the states cache,
    :func:`model.paths.cache_dir`) and returned as ``train_x``/``train_y`` too;
    offline that falls back to the shipped digits with a one-line notice.
    """
    x, y = _load_idx_pair(MNIST_DIR, *MNIST_TEST_MD5)
    out = {"x": x, "y": y}
    if full:
        cache = cache or cache_dir() / "mnist"
        if _download_training_set(cache):
            tx, ty = _load_idx_pair(cache, *MNIST_TRAIN_GZ_MD5)
            out.update(train_x=tx, train_y=ty)
        else:
            print(
                "notice: the full MNIST training set could not be downloaded (offline?); "
                "using the 10,000 shipped digits",
                file=sys.stderr,
            )
    return out


def mnist_split(heldout: int = 2000, full: bool = False, split_seed: int = 12345) -> Dataset:
    """A fixed split of the shipped digits: ``heldout`` for accuracy, the rest to train.

    Pixels are scaled to 0..1 and flattened to 784 values. With ``full`` and a
    reachable network, the 60,000 training digits are added to the training part.
    """
    data = load_mnist(full=full)
    order = np.random.default_rng(split_seed).permutation(len(data["y"]))
    x = data["x"].reshape(len(data["y"]), -1).astype(np.float32) / 255.0
    y = data["y"].astype(np.int64)
    held, train = order[:heldout], order[heldout:]
    x_train, y_train = x[train], y[train]
    if "train_x" in data:
        x_train = np.concatenate([data["train_x"].reshape(-1, 784) / np.float32(255), x_train])
        y_train = np.concatenate([data["train_y"].astype(np.int64), y_train])
    return Dataset(x_train, y_train, x[held], y[held])
