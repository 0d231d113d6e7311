"""The states file: a versioned ``.npz`` schema written by ``model`` and read by ``scenes``.

This module imports numpy only, so that scenes start fast.

Schema, version 2. Symbols: ``S`` snapshots, ``L`` layers, ``T`` stages,
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
W{l}                (4, S, w[l+1], w[l]) uint8   layer ``l``'s float32 weights (torch layout)
                                                 as four byte planes (see below)
b{l}                (4, S, w[l+1])      uint8    layer ``l``'s float32 bias, as byte planes
stage_layer         (T,)                int      layer of each stage (-1 for the input)
stage_kind          (T,)                int      index into ``STAGE_KINDS``
stage_dim           (T,)                int      true width of each stage's output
inputs              (P, w[0])           float32  the sample points themselves
labels              (P,)                int      their classes, 0..K-1
predictions         (S, P)              int      predicted class at each snapshot
final_probs         (P, K)              float    softmax output of the last snapshot
heldout_accuracy    (S,)                float    optional: accuracy on held-out data
grid_pred           (S, G, G)           int      optional (2-D input): predicted class on a
                                                 grid, row ``i`` is y, column ``j`` is x
grid_extent         (4,)                float    with grid_pred: xmin, xmax, ymin, ymax
proj_center{t}      (stage_dim[t],)     float64  for stages wider than 3: PCA centre
proj_basis{t}       (stage_dim[t], 3)   float64  ...and basis, so ``(x - c) @ B`` is shown
==================  ==================  =======  ==========================================

What a scene draws, ``states["trace"]`` ``(S, T, P, 3)`` float32 (the sample
points after every stage; widths up to 3 as they are, zero padded, wider ones
through the projection above), is not stored: the loader recomputes it from
the inputs, weights and projections with :func:`model.stages.shown_stages`,
the function the exporter used, so it is the exporter's trace bit for bit.
That and the two encodings below make a file about a quarter of version 1's,
without changing a value a scene reads:

- a float32 array's *byte planes* are its values' first bytes, then their
  second bytes, and so on (``(4, *shape)`` uint8, little-endian): the sign
  and exponent bytes of trained weights repeat, and compress well together;
- members are compressed with LZMA (Python's ``zipfile`` and ``np.load``
  read them).

Version 1 files (the trace stored as a ``trace`` member, ``W``/``b`` as plain
float arrays, deflate) are still read.

The loader checks every member's header against this table (:data:`_SCHEMA`,
its form in code) before it decompresses the member: the small members that
give the sizes (``version``, ``meta``, ``widths``, the stage tables) are read
first, so a member of the wrong kind, dtype or shape costs nothing to refuse.
"""

from __future__ import annotations

import collections
import json
import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from model.files import write_atomic
from model.reading import Header, NpzMembers, open_npz
from model.stages import (
    STAGE_KINDS,
    activation_function,
    apply_stage,
    stage_plan,
)
from model.text import display_name, name_problem
from model.trace import (
    SAFE_TRACE_BOUND,
    LazyTrace,
    projections_of,
    recompute_trace,
    trace_bound,
    trace_cost,
)

__all__ = [
    "READ_VERSIONS",
    "SCHEMA_VERSION",
    "LazyTrace",
    "States",
    "StatesError",
    "keep_loaded",
    "load_states",
    "projections_of",
    "recompute_trace",
    "save_states",
    "trace_bound",
    "trace_cost",
    "write_atomic",
]

SCHEMA_VERSION = 2
READ_VERSIONS = (1, 2)  # the versions this program reads


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

    @property
    def version(self) -> int:
        """The schema version of the file read (the arrays are the same for every version)."""
        return int(self.arrays["version"])

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


MAX_STATES_BYTES = 256 * 2**20  # uncompressed arrays of one file; the largest preset is ~60 MB
MAX_TRACE_BYTES = MAX_STATES_BYTES  # the recomputed trace, as version 1 stored it
# Recomputing the trace of a file costs S x P x (the network's weights) multiply-adds:
# 6e9 for the MNIST preset (about 0.7 s); this bound is a minute or so on one core.
MAX_TRACE_MULADDS = 2e11
MAX_META_BYTES = 4 * 2**20  # the JSON meta string
_MESSAGE_CHARS = 300  # a problem's description is cut to this length

#: The schema table above, as the loader checks it: key, shape (sizes named by the
#: table's symbols), dtype (the kinds accepted, or the one type read) and the versions
#: that store the key so. ``{l}`` and ``{t}`` in a key stand for a layer's and a
#: stage's number. Every member's header is checked against its row, and refused,
#: before a byte of its data is decompressed.
_SCHEMA: list[tuple[str, tuple, str | type, tuple[int, ...]]] = [
    ("version", (), "iu", (1, 2)),
    ("meta", (), "U", (1, 2)),
    ("widths", ("L+1",), "iu", (1, 2)),
    ("steps", ("S",), "iu", (1, 2)),
    ("loss", ("S",), "f", (1, 2)),
    ("accuracy", ("S",), "f", (1, 2)),
    ("W{l}", (4, "S", "w[l+1]", "w[l]"), np.uint8, (2,)),
    ("b{l}", (4, "S", "w[l+1]"), np.uint8, (2,)),
    ("W{l}", ("S", "w[l+1]", "w[l]"), "f", (1,)),
    ("b{l}", ("S", "w[l+1]"), "f", (1,)),
    ("stage_layer", ("T",), "iu", (1, 2)),
    ("stage_kind", ("T",), "iu", (1, 2)),
    ("stage_dim", ("T",), "iu", (1, 2)),
    ("inputs", ("P", "w[0]"), np.float32, (2,)),
    ("inputs", ("P", "w[0]"), "f", (1,)),
    ("labels", ("P",), "iu", (1, 2)),
    ("predictions", ("S", "P"), "iu", (1, 2)),
    ("final_probs", ("P", "K"), "f", (1, 2)),
    ("heldout_accuracy", ("S",), "f", (1, 2)),
    ("grid_pred", ("S", "G", "G"), "iu", (1, 2)),
    ("grid_extent", (4,), "f", (1, 2)),
    ("proj_center{t}", ("stage_dim[t]",), "f", (1, 2)),
    ("proj_basis{t}", ("stage_dim[t]", 3), "f", (1, 2)),
    ("trace", ("S", "T", "P", 3), "f", (1,)),
]  # fmt: skip
_ROWS = {v: {key: (shape, dtype) for key, shape, dtype, versions in _SCHEMA if v in versions}
         for v in READ_VERSIONS}  # fmt: skip
_OPTIONAL_KEYS = {"heldout_accuracy", "grid_pred", "grid_extent", "trace"}  # trace: version 1
_FIXED_KEYS = {key for key, *_ in _SCHEMA if "{" not in key} - _OPTIONAL_KEYS
#: ``W``, ``b``, ``proj_center``, ``proj_basis``: their keys, one per layer or stage.
_TEMPLATES = {key.split("{")[0]: key for key, *_ in _SCHEMA if "{" in key}
_KEY_RE = re.compile(f"(?P<name>{'|'.join(_TEMPLATES)})(?P<number>\\d{{1,4}})")
_META_TYPES: dict[str, tuple[type, ...]] = {  # optional meta keys the readers use, and their types
    "name": (str,),
    "seed": (int,),
    "label_names": (list,),
    "final_heldout_accuracy": (int, float, type(None)),
    "final_loss": (int, float),
    "dead": (dict,),
    "config": (dict,),
    "versions": (dict,),
}


def _fail(path: Path, what: str) -> StatesError:
    what = " ".join(str(what).split())  # one line, whatever the file contained
    if len(what) > _MESSAGE_CHARS:
        what = what[: _MESSAGE_CHARS - 3] + "..."
    return StatesError(
        f"{path}: {what}; delete it and re-create it with `python -m model train PRESET`"
    )


def _read_meta(path: Path, text: np.ndarray) -> dict:
    try:
        meta = json.loads(str(text))
    except (ValueError, RecursionError) as err:
        raise _fail(path, f"key 'meta' is not valid JSON ({type(err).__name__})") from None
    if not isinstance(meta, dict):
        raise _fail(path, "key 'meta' is not a JSON object")
    final = meta.get("final_accuracy")
    if isinstance(final, bool) or not isinstance(final, (int, float)) or not 0 <= final <= 1:
        raise _fail(path, "meta 'final_accuracy' must be a number from 0 to 1")
    for key, types in _META_TYPES.items():
        if key in meta and (isinstance(meta[key], bool) or not isinstance(meta[key], types)):
            raise _fail(path, f"meta {key!r} has the wrong type")
    names = meta.get("label_names")
    if names is not None and not all(isinstance(n, (str, int, float)) for n in names):
        raise _fail(path, "meta 'label_names' must list names")
    for name in names or ():
        if problem := name_problem(name):
            raise _fail(path, f"meta 'label_names' has a name that {problem}: {display_name(name)}")
    return meta


def _check_activations(path: Path, acts: object, n_layers: int) -> list[str]:
    if not isinstance(acts, list) or len(acts) != n_layers:
        raise _fail(path, f"meta 'activations' must list {n_layers} activation names")
    for name in acts:
        try:
            activation_function(name) if isinstance(name, str) else None
        except ValueError:
            name = None
        if not isinstance(name, str):
            raise _fail(path, "meta 'activations' names an unknown activation")
    return acts


def _check_range(path: Path, key: str, arr: np.ndarray, low: int, high: int) -> None:
    if arr.size and (int(arr.min()) < low or int(arr.max()) > high):
        raise _fail(path, f"key {key!r} must lie in {low}..{high}")


_KEPT: collections.OrderedDict | None = None  # file identity -> States, see keep_loaded()
_KEPT_ENTRIES = 0


def keep_loaded(entries: int = 32) -> None:
    """From now on, keep the last ``entries`` files loaded in this process.

    A render worker draws scene after scene, several showing the same states
    (and a scene's plan and chunks may land on one worker): each file is then
    read, decompressed and checked once. A file is known again by its path,
    inode, size and modification time, so a rewritten file is loaded anew. The
    States are shared: their arrays are read-only.
    """
    global _KEPT, _KEPT_ENTRIES
    _KEPT, _KEPT_ENTRIES = collections.OrderedDict(), int(entries)


def load_states(path: str | os.PathLike) -> States:
    """Load and validate a states file; any problem raises one-line :class:`StatesError`.

    Once :func:`keep_loaded` was called, a file loaded before and unchanged since
    is not read again.
    """
    path = Path(path)
    if _KEPT is None:
        return _load_states(path)
    try:
        info = path.stat()
        key = (str(path.resolve()), info.st_ino, info.st_size, info.st_mtime_ns)
    except OSError:
        return _load_states(path)  # says what is wrong with it
    if key in _KEPT:
        _KEPT.move_to_end(key)
        return _KEPT[key]
    states = _KEPT[key] = _load_states(path)
    while len(_KEPT) > _KEPT_ENTRIES:
        _KEPT.popitem(last=False)
    return states


def _check_header(path: Path, version: int, key: str, header: Header, sizes: dict) -> None:
    """Refuse member ``key`` from its header if its row of :data:`_SCHEMA` refuses its array.

    ``sizes`` gives the symbols of the shapes (``S``, ``w[3]``, ``stage_dim[2]``...).
    """
    match = _KEY_RE.fullmatch(key)
    shape, dtype = _ROWS[version][_TEMPLATES[match["name"]] if match else key]
    if isinstance(dtype, str) and header.dtype.kind not in dtype:
        raise _fail(path, f"key {key!r} has dtype {header.dtype}, expected kind {dtype!r}")
    if not isinstance(dtype, str) and header.dtype != np.dtype(dtype):
        raise _fail(path, f"key {key!r} has dtype {header.dtype}, expected {np.dtype(dtype)}")
    number = int(match["number"]) if match else 0  # the layer or stage
    expected = tuple(size if isinstance(size, int) else sizes[_symbol(size, number)]
                     for size in shape)  # fmt: skip
    if header.shape != expected:
        raise _fail(path, f"key {key!r} has shape {header.shape}, expected {expected}")


def _symbol(size: str, number: int) -> str:
    """A shape's symbol for one layer or stage: ``w[l+1]`` of ``W2`` is ``w[3]``."""
    return re.sub(r"\[[lt](\+1)?\]", lambda m: f"[{number + bool(m[1])}]", size)


def _read_sizes(path: Path, members: NpzMembers) -> tuple[dict, dict, list[str], dict[str, int]]:
    """Read the small members that set the sizes, each refused from its header first.

    ``version``, ``meta``, ``widths`` and the stage tables are read; ``steps``
    and ``labels`` give ``S`` and ``P`` from their headers. Returns the arrays
    read, the meta, the activations and the sizes of every symbol of the
    schema, so the header of every other member can be checked in full.
    """
    headers = members.headers
    missing = sorted(_FIXED_KEYS - headers.keys())
    if missing:
        raise _fail(path, f"missing key(s) {', '.join(missing)}")
    if headers["version"].shape != () or headers["version"].dtype.kind not in "iu":
        raise _fail(path, "key 'version' is not an integer")
    version_array = members.read("version")
    version = int(version_array)
    if version not in READ_VERSIONS:
        readable = " and ".join(map(str, READ_VERSIONS))
        raise _fail(path, f"schema version {version}, this program reads {readable}")
    if version == 1 and "trace" not in headers:
        raise _fail(path, "missing key 'trace' (a version 1 file stores it)")
    if version >= 2 and "trace" in headers:
        raise _fail(path, "unexpected key 'trace' (version 2 recomputes it)")

    meta_header = headers["meta"]
    if meta_header.dtype.kind != "U" or meta_header.shape != ():
        raise _fail(path, "key 'meta' is not a JSON string")
    if meta_header.dtype.itemsize > MAX_META_BYTES:
        raise _fail(path, "key 'meta' is too long")
    meta_text = members.read("meta")
    meta = _read_meta(path, meta_text)

    widths_header = headers["widths"]
    if (
        len(widths_header.shape) != 1
        or widths_header.dtype.kind not in "iu"
        or widths_header.shape[0] < 2
    ):
        raise _fail(path, "key 'widths' must list at least two positive widths")
    n_layers = widths_header.shape[0] - 1
    for layer in range(n_layers):  # before reading the widths: at most one per W member
        for key in (f"W{layer}", f"b{layer}"):
            if key not in headers:
                raise _fail(path, f"missing key {key!r}")
    widths = members.read("widths")
    if widths.min() < 1:
        raise _fail(path, "key 'widths' must list at least two positive widths")
    for key in ("steps", "stage_kind", "labels"):  # they give S, T and P
        if len(headers[key].shape) != 1 or headers[key].shape[0] < 1:
            raise _fail(path, f"key {key!r} must be a non-empty list")
    acts = _check_activations(path, meta.get("activations"), n_layers)
    plan = stage_plan(acts)

    w = [int(x) for x in widths]
    sizes = {"L+1": n_layers + 1, "K": w[-1], "S": headers["steps"].shape[0], "T": len(plan)}
    sizes |= {"P": headers["labels"].shape[0]} | {f"w[{i}]": width for i, width in enumerate(w)}
    grid = headers.get("grid_pred")
    sizes["G"] = max(grid.shape[-1], 1) if grid is not None and len(grid.shape) == 3 else 1
    arrays = {"version": version_array, "meta": meta_text, "widths": widths}
    for key in ("stage_layer", "stage_kind", "stage_dim"):
        _check_header(path, version, key, headers[key], sizes)
        arrays[key] = members.read(key)
    # The stage tables must be the plan of these layers and widths, so every
    # stage can be applied and labelled.
    stages = list(zip(arrays["stage_layer"].tolist(), arrays["stage_kind"].tolist(), strict=True))
    if stages != [(layer, STAGE_KINDS.index(kind)) for layer, kind in plan]:
        raise _fail(path, "keys 'stage_layer'/'stage_kind' do not match the layers' stage plan")
    dims = [w[0]] + [w[layer + 1] for layer, _ in plan[1:]]
    if arrays["stage_dim"].tolist() != dims:
        raise _fail(path, "key 'stage_dim' does not match 'widths'")
    sizes |= {f"stage_dim[{t}]": dim for t, dim in enumerate(dims)}
    return arrays, meta, acts, sizes


def _expected_keys(path: Path, version: int, headers: dict, n_layers: int, dims: list) -> set:
    """The members this file must hold (and may: the optional ones it has)."""
    if ("grid_pred" in headers) != ("grid_extent" in headers):
        raise _fail(path, "keys 'grid_pred' and 'grid_extent' come together")
    expected = set(_FIXED_KEYS) | (_OPTIONAL_KEYS & headers.keys())
    for template in _TEMPLATES.values():
        numbers = range(n_layers) if "{l}" in template else [t for t, d in enumerate(dims) if d > 3]
        expected |= {template.format(l=number, t=number) for number in numbers}
    missing = sorted(expected - headers.keys())
    if missing:
        raise _fail(path, f"missing key {missing[0]!r}")
    extra = sorted(headers.keys() - expected)
    if extra:
        raise _fail(path, f"unexpected key(s) {', '.join(extra)}")
    return expected


def _float_planes(shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """A new float32 array and its byte planes ``(4, *shape)`` uint8, a view of it: a weight
    member read into the planes is decoded in place, never held twice."""
    values = np.empty(shape, dtype="<f4")
    planes = np.moveaxis(values.view(np.uint8).reshape(*shape, 4), -1, 0)
    return values, planes


def _all_finite(arr: np.ndarray) -> bool:
    """No NaN or infinity in ``arr``, checked a slice at a time (no array-sized mask)."""
    flat = arr.reshape(-1, order="A")  # a view of a C or Fortran array
    step = 2**18
    return all(np.isfinite(flat[i : i + step]).all() for i in range(0, flat.size, step))


def _load_states(path: Path) -> States:
    """Load and validate a states file; any problem raises one-line :class:`StatesError`.

    Every member's header is checked against :data:`_SCHEMA` (kind, dtype,
    shape from the widths, stage plan and snapshot count, read first from the
    small members) and the size budget before its data is decompressed, and
    each member is read straight into its array: a hostile file costs little
    more than a header, a valid one its arrays. Then the values are checked
    (finite numbers, increasing steps, class indices), so whatever loads can
    be drawn.
    """
    path = Path(path)
    if not path.exists():
        raise StatesError(f"{path}: no such states file; create it with `python -m model train`")
    with open_npz(
        path,
        max_file_bytes=MAX_STATES_BYTES + 2**20,
        budget=MAX_STATES_BYTES,
        fail=lambda what: _fail(path, what),
        wanted=lambda key: key in _FIXED_KEYS or key in _OPTIONAL_KEYS or _KEY_RE.fullmatch(key),
        strict=True,
        what="states file",
    ) as members:
        arrays, meta, acts, sizes = _read_sizes(path, members)
        version, n_layers = int(arrays["version"]), len(acts)
        dims = [sizes[f"stage_dim[{t}]"] for t in range(sizes["T"])]
        expected = _expected_keys(path, version, members.headers, n_layers, dims)
        for key in sorted(expected):
            _check_header(path, version, key, members.headers[key], sizes)
        if version >= 2:
            _check_trace_cost(path, sizes)
        # the largest first: each is read while the fewest others are held
        for key in sorted(expected - arrays.keys(), key=lambda k: -members.headers[k].nbytes):
            if version >= 2 and _KEY_RE.fullmatch(key) and key[0] in "Wb":
                arrays[key], planes = _float_planes(members.headers[key].shape[1:])
                members.read(key, into=planes)
            else:
                arrays[key] = members.read(key)

    for key, arr in arrays.items():
        if arr.dtype.kind == "f" and not _all_finite(arr):
            raise _fail(path, f"key {key!r} contains NaN or infinite values")
    if np.any(np.diff(arrays["steps"]) <= 0):
        raise _fail(path, "key 'steps' must be increasing")
    for key in ("labels", "predictions", "grid_pred"):
        if key in arrays:
            _check_range(path, key, arrays[key], 0, sizes["K"] - 1)
    extent = arrays.get("grid_extent")
    if extent is not None and not (extent[0] < extent[1] and extent[2] < extent[3]):
        raise _fail(path, "key 'grid_extent' must be xmin < xmax, ymin < ymax")
    if version >= 2:
        arrays["trace"] = _recompute_trace(path, arrays, acts)
    for arr in arrays.values():
        if isinstance(arr, np.ndarray):  # a LazyTrace keeps its computed values read-only
            arr.setflags(write=False)
    return States(path=path, arrays=arrays, meta=meta)


def _check_trace_cost(path: Path, sizes: dict[str, int]) -> None:
    """Refuse a version 2 file whose trace would be too big or too slow to recompute."""
    n_snap, n_stage, n_points = sizes["S"], sizes["T"], sizes["P"]
    nbytes = n_snap * n_stage * n_points * 3 * 4
    if nbytes > MAX_TRACE_BYTES:
        raise _fail(path, f"its trace would take {nbytes:,} bytes, over the size budget")
    widths = [sizes[f"w[{i}]"] for i in range(sizes["L+1"])]
    cost = trace_cost(widths, n_snap, n_points)
    if cost > MAX_TRACE_MULADDS:
        raise _fail(path, f"its trace would take {cost:.1e} multiply-adds, over the "
                    f"{MAX_TRACE_MULADDS:.0e} limit")  # fmt: skip


def _recompute_trace(path: Path, arrays: dict[str, np.ndarray], acts: list[str]) -> np.ndarray:
    """The ``(S, T, P, 3)`` float32 trace of a version 2 file (see the module's notes)."""
    if trace_bound(arrays, acts) <= SAFE_TRACE_BOUND:
        return LazyTrace(arrays, acts)  # provably finite: each snapshot computed when read
    trace = recompute_trace(arrays, acts)
    if not np.all(np.isfinite(trace)):
        raise _fail(path, "its weights overflow: the trace has NaN or infinite values")
    return trace


def _to_planes(arr: np.ndarray) -> np.ndarray:
    """A float32 array as its four little-endian byte planes, ``(4, *shape)`` uint8."""
    values = np.ascontiguousarray(arr, dtype="<f4")
    return np.ascontiguousarray(np.moveaxis(values.view(np.uint8).reshape(*values.shape, 4), -1, 0))


def save_states(
    path: str | os.PathLike,
    arrays: dict[str, np.ndarray],
    meta: dict,
    version: int = SCHEMA_VERSION,
) -> Path:
    """Write a states file atomically (``arrays`` without ``version``/``meta``).

    Version 2 (the default) leaves out ``trace`` (the loader recomputes it;
    any ``trace`` given is ignored) and stores ``W``/``b`` as byte planes.
    Version 1, the old layout, is for tests and for tools that want it.
    """
    if version not in READ_VERSIONS:
        raise ValueError(f"cannot write schema version {version}; use one of {READ_VERSIONS}")
    payload = dict(arrays)
    if version >= 2:
        payload.pop("trace", None)
        for key in payload:
            if _KEY_RE.fullmatch(key) and key[0] in "Wb":
                payload[key] = _to_planes(payload[key])
        payload["inputs"] = np.asarray(payload["inputs"], dtype=np.float32)
    payload["version"] = np.array(version, dtype=np.int64)
    payload["meta"] = np.array(json.dumps(meta, sort_keys=True))

    def write(tmp: Path) -> None:
        if version == 1:
            with open(tmp, "wb") as handle:
                np.savez_compressed(handle, **payload)
            return
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_LZMA) as archive:
            for key, value in payload.items():
                with archive.open(f"{key}.npy", "w", force_zip64=True) as member:
                    np.lib.format.write_array(member, np.asanyarray(value), allow_pickle=False)

    return write_atomic(path, write)
