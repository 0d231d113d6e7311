"""The states file: a versioned ``.npz`` schema written by ``model`` and read by ``scenes``.

This module imports numpy only, so that scenes start fast.

Schema, version 1. Symbols: ``S`` snapshots, ``L`` layers, ``T`` stages,
``P`` sample points, ``K`` classes, ``G`` grid cells per side, ``w[l]`` the
width of layer ``l`` (``w[0]`` is the input size, ``w[L]`` is ``K``).

==================  ==================  =======  ==========================================
key                 shape               dtype    meaning
==================  ==================  =======  ==========================================
version             ()                  int      :data:`SCHEMA_VERSION`
meta                ()                  str      JSON: config, seed, activations, versions,
                                                 final accuracy (see :attr:`States.meta`)
widths              (L+1,)              int      layer widths, input first
steps               (S,)                int      optimizer step of each snapshot, increasing
loss                (S,)                float    training loss at each snapshot
accuracy            (S,)                float    training accuracy at each snapshot
W{l}                (S, w[l+1], w[l])   float    layer ``l``'s weights (torch layout)
b{l}                (S, w[l+1])         float    layer ``l``'s bias
stage_layer         (T,)                int      layer of each stage (-1 for the input)
stage_kind          (T,)                int      index into ``STAGE_KINDS``
stage_dim           (T,)                int      true width of each stage's output
trace               (S, T, P, 3)        float    sample points after every stage; widths up
                                                 to 3 as they are (zero padded), wider ones
                                                 through the aligned PCA below
inputs              (P, w[0])           float    the sample points themselves
labels              (P,)                int      their classes, 0..K-1
predictions         (S, P)              int      predicted class at each snapshot
final_probs         (P, K)              float    softmax output of the last snapshot
heldout_accuracy    (S,)                float    optional: accuracy on held-out data
grid_pred           (S, G, G)           int      optional (2-D input): predicted class on a
                                                 grid, row ``i`` is y, column ``j`` is x
grid_extent         (4,)                float    with grid_pred: xmin, xmax, ymin, ymax
proj_center{t}      (stage_dim[t],)     float    for stages wider than 3: PCA centre
proj_basis{t}       (stage_dim[t], 3)   float    ...and basis, so ``(x - c) @ B`` is shown
==================  ==================  =======  ==========================================
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from model.stages import STAGE_KINDS, apply_stage

__all__ = ["SCHEMA_VERSION", "States", "StatesError", "load_states", "save_states", "write_atomic"]

SCHEMA_VERSION = 1

_FIXED_KEYS = {
    "version", "meta", "widths", "steps", "loss", "accuracy", "stage_layer", "stage_kind",
    "stage_dim", "trace", "inputs", "labels", "predictions", "final_probs",
}  # fmt: skip
_OPTIONAL_KEYS = {"heldout_accuracy", "grid_pred", "grid_extent"}


class StatesError(ValueError):
    """A states file that cannot be used; the message is one line for the user."""


@dataclass
class States:
    """A loaded, validated states file. Arrays are read-only views of the file."""

    path: Path
    arrays: dict[str, np.ndarray]
    meta: dict = field(default_factory=dict)

    # -- sizes ---------------------------------------------------------------
    @property
    def widths(self) -> list[int]:
        return [int(w) for w in self.arrays["widths"]]

    @property
    def n_layers(self) -> int:
        return len(self.widths) - 1

    @property
    def n_snapshots(self) -> int:
        return len(self.arrays["steps"])

    @property
    def n_classes(self) -> int:
        return self.widths[-1]

    @property
    def activations(self) -> list[str]:
        return list(self.meta["activations"])

    # -- per snapshot --------------------------------------------------------
    def __getitem__(self, key: str) -> np.ndarray:
        return self.arrays[key]

    def weights(self, snapshot: int = -1) -> list[np.ndarray]:
        """Every layer's weight matrix at one snapshot, ``(w[l+1], w[l])`` each."""
        return [self.arrays[f"W{layer}"][snapshot] for layer in range(self.n_layers)]

    def biases(self, snapshot: int = -1) -> list[np.ndarray]:
        return [self.arrays[f"b{layer}"][snapshot] for layer in range(self.n_layers)]

    # -- stages --------------------------------------------------------------
    def stages(self) -> list[tuple[int, str]]:
        """``(layer, kind)`` of every stage of the trace."""
        return [
            (int(layer), STAGE_KINDS[int(kind)])
            for layer, kind in zip(self["stage_layer"], self["stage_kind"], strict=True)
        ]

    def stage_index(self, layer: int, kind: str) -> int:
        return self.stages().index((layer, kind))

    def stage_label(self, stage: int) -> str:
        layer, kind = self.stages()[stage]
        if kind == "input":
            return "input"
        name = "output" if layer == self.n_layers - 1 else f"layer {layer + 1}"
        return f"{name} - {kind}"

    def is_projected(self, stage: int) -> bool:
        return int(self["stage_dim"][stage]) > 3

    def apply(self, points: np.ndarray, stage: int, snapshot: int = -1) -> np.ndarray:
        """Push points in stage ``stage - 1``'s true space through stage ``stage``."""
        layer, kind = self.stages()[stage]
        if kind == "input":
            return np.asarray(points, dtype=np.float64)
        return apply_stage(
            points,
            kind,
            self.arrays[f"W{layer}"][snapshot],
            self.arrays[f"b{layer}"][snapshot],
            self.activations[layer],
        )

    def project(self, points: np.ndarray, stage: int) -> np.ndarray:
        """Map a stage's true-space points to the 3-D coordinates the trace uses."""
        x = np.asarray(points, dtype=np.float64)
        if self.is_projected(stage):
            return (x - self[f"proj_center{stage}"]) @ self[f"proj_basis{stage}"]
        out = np.zeros((*x.shape[:-1], 3))
        out[..., : x.shape[-1]] = x
        return out


def _fail(path: Path, what: str) -> StatesError:
    return StatesError(
        f"{path}: {what}; delete it and re-create it with `python -m model train PRESET`"
    )


def _check_shape(path: Path, key: str, arr: np.ndarray, shape: tuple, kind: str) -> None:
    if arr.dtype.kind not in kind:
        raise _fail(path, f"key {key!r} has dtype {arr.dtype}, expected kind {kind!r}")
    if arr.shape != tuple(shape):
        raise _fail(path, f"key {key!r} has shape {arr.shape}, expected {tuple(shape)}")
    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        raise _fail(path, f"key {key!r} contains NaN or infinite values")


def load_states(path: str | os.PathLike) -> States:
    """Load and validate a states file; any problem raises one-line :class:`StatesError`."""
    path = Path(path)
    if not path.is_file():
        raise StatesError(f"{path}: no such states file; create it with `python -m model train`")
    with open(path, "rb") as handle:
        if handle.read(4) != b"PK\x03\x04":  # every .npz is a zip archive
            raise _fail(path, "not an .npz file (it is not a zip archive)")
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in npz.files}
    except ValueError as err:  # object arrays refuse to load without pickle
        raise _fail(path, f"not a plain-array states file ({err})") from None
    except (OSError, EOFError, zipfile.BadZipFile, KeyError) as err:
        raise _fail(path, f"unreadable or truncated ({type(err).__name__}: {err})") from None

    missing = sorted(_FIXED_KEYS - arrays.keys())
    if missing:
        raise _fail(path, f"missing key(s) {', '.join(missing)}")
    version = arrays["version"]
    if version.shape != () or version.dtype.kind not in "iu":
        raise _fail(path, "key 'version' is not an integer")
    if int(version) != SCHEMA_VERSION:
        raise _fail(path, f"schema version {int(version)}, this program reads {SCHEMA_VERSION}")
    if arrays["meta"].dtype.kind != "U" or arrays["meta"].shape != ():
        raise _fail(path, "key 'meta' is not a JSON string")
    try:
        meta = json.loads(str(arrays["meta"]))
    except json.JSONDecodeError as err:
        raise _fail(path, f"key 'meta' is not valid JSON ({err})") from None

    widths = arrays["widths"]
    if widths.ndim != 1 or widths.dtype.kind not in "iu" or len(widths) < 2 or widths.min() < 1:
        raise _fail(path, "key 'widths' must list at least two positive widths")
    w = [int(x) for x in widths]
    n_layers = len(w) - 1
    n_snap = len(arrays["steps"])
    n_stage = len(arrays["stage_kind"])
    n_points = len(arrays["labels"])
    acts = meta.get("activations")
    if not isinstance(acts, list) or len(acts) != n_layers:
        raise _fail(path, f"meta 'activations' must list {n_layers} activation names")

    expected: dict[str, tuple[tuple, str]] = {
        "steps": ((n_snap,), "iu"),
        "loss": ((n_snap,), "f"),
        "accuracy": ((n_snap,), "f"),
        "stage_layer": ((n_stage,), "iu"),
        "stage_kind": ((n_stage,), "iu"),
        "stage_dim": ((n_stage,), "iu"),
        "trace": ((n_snap, n_stage, n_points, 3), "f"),
        "inputs": ((n_points, w[0]), "f"),
        "labels": ((n_points,), "iu"),
        "predictions": ((n_snap, n_points), "iu"),
        "final_probs": ((n_points, w[-1]), "f"),
    }
    for layer in range(n_layers):
        expected[f"W{layer}"] = ((n_snap, w[layer + 1], w[layer]), "f")
        expected[f"b{layer}"] = ((n_snap, w[layer + 1]), "f")
    if "heldout_accuracy" in arrays:
        expected["heldout_accuracy"] = ((n_snap,), "f")
    if ("grid_pred" in arrays) != ("grid_extent" in arrays):
        raise _fail(path, "keys 'grid_pred' and 'grid_extent' come together")
    if "grid_pred" in arrays:
        g = arrays["grid_pred"].shape[-1] if arrays["grid_pred"].ndim == 3 else -1
        expected["grid_pred"] = ((n_snap, g, g), "iu")
        expected["grid_extent"] = ((4,), "f")
    stage_dim = arrays["stage_dim"]
    for t in range(min(n_stage, len(stage_dim))):
        if int(stage_dim[t]) > 3:
            expected[f"proj_center{t}"] = ((int(stage_dim[t]),), "f")
            expected[f"proj_basis{t}"] = ((int(stage_dim[t]), 3), "f")
    for key, (shape, kind) in expected.items():
        if key not in arrays:
            raise _fail(path, f"missing key {key!r}")
        _check_shape(path, key, arrays[key], shape, kind)

    if n_snap < 1 or np.any(np.diff(arrays["steps"]) <= 0):
        raise _fail(path, "key 'steps' must be non-empty and increasing")
    if arrays["stage_kind"].min(initial=0) < 0 or arrays["stage_kind"].max(initial=0) >= len(
        STAGE_KINDS
    ):
        raise _fail(path, "key 'stage_kind' has an unknown stage kind")
    labels = arrays["labels"]
    if labels.min(initial=0) < 0 or labels.max(initial=0) >= w[-1]:
        raise _fail(path, f"key 'labels' must lie in 0..{w[-1] - 1}")
    for arr in arrays.values():
        arr.setflags(write=False)
    return States(path=path, arrays=arrays, meta=meta)


def write_atomic(path: str | os.PathLike, write) -> Path:
    """Call ``write(tmp_path)`` and rename the result onto ``path``.

    A crash or Ctrl-C in the middle leaves ``path`` as it was: the temporary
    file sits beside it (same file system, so the rename is atomic) and is
    removed on failure.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        prefix=f".{path.stem}.", suffix=f".tmp{path.suffix}", dir=path.parent
    )
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; outputs are ordinary files
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def save_states(path: str | os.PathLike, arrays: dict[str, np.ndarray], meta: dict) -> Path:
    """Write a states file atomically (``arrays`` without ``version``/``meta``)."""
    payload = dict(arrays)
    payload["version"] = np.array(SCHEMA_VERSION, dtype=np.int64)
    payload["meta"] = np.array(json.dumps(meta, sort_keys=True))

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as handle:
            np.savez_compressed(handle, **payload)

    return write_atomic(path, write)
