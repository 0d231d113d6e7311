"""A run exported from the playground page: read, checked, and written as a states file.

The page's "export run" (``window.bendspace.exportRun()``) saves one JSON file:
the points, their labels and class names, the network (widths, activation, lr,
seed) and every snapshot's weights, loss and accuracy. :func:`read_page_run`
checks all of it, each problem one line naming the key; :func:`write_page_states`
writes the states file of exactly that run with :func:`model.train.export_states`,
without training, so ``render.py custom --from-page`` renders what the reader saw.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from model.activations import is_known
from model.limits import MAX_LAYERS, MAX_SNAPSHOTS, MAX_WIDTH, LimitError, check_run_size
from model.points import MAX_CLASSES, MIN_POINTS, CustomError, Points
from model.reading import open_regular

__all__ = [
    "FORMAT",
    "MAX_RUN_BYTES",
    "MAX_RUN_POINTS",
    "PageRun",
    "read_page_run",
    "write_page_states",
]

FORMAT = "bendspace-playground-run"  # the export's "format" field; "version" is 1
MAX_RUN_BYTES = 64 * 2**20  # 400 snapshots of a 12-layer net are far below this
MAX_RUN_POINTS = 20_000  # the page holds at most 2,000
TRACED_POINTS = 2000  # as render.py custom traces


@dataclass
class PageRun:
    """A checked export: the points and every snapshot of the network trained on them."""

    points: Points
    widths: list[int]  # input, hidden..., classes
    activation: str
    lr: float
    seed: int
    steps: list[int]
    weights: list[list[np.ndarray]]  # per snapshot, per layer: (out, in) float64
    biases: list[list[np.ndarray]]
    loss: list[float]
    accuracy: list[float]
    data: dict = field(default_factory=dict)  # the page's description of the points

    @property
    def hidden(self) -> list[int]:
        return self.widths[1:-1]


class _Check:
    """Raise one line: ``FILE: KEY: problem; export the run again from the playground``."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, key: str, what: str) -> CustomError:
        where = f"{key}: " if key else ""
        return CustomError(f"{self.path}: {where}{what}")

    def of(self, value: object, kind: type | tuple, key: str, what: str):
        if isinstance(value, bool) or not isinstance(value, kind):
            raise self.fail(key, f"must be {what}")
        return value

    def number(self, value: object, key: str) -> float:
        self.of(value, (int, float), key, "a number")
        if not math.isfinite(value):
            raise self.fail(key, "must be a finite number")
        return float(value)

    def array(self, value: object, shape: tuple[int, ...], key: str) -> np.ndarray:
        """Nested lists of finite numbers of exactly ``shape``."""
        self.of(value, list, key, f"a list of {shape[0]}")
        if len(value) != shape[0]:
            raise self.fail(key, f"has {len(value)} entries, the network needs {shape[0]}")
        if len(shape) > 1:
            return np.stack([self.array(v, shape[1:], f"{key}[{i}]") for i, v in enumerate(value)])
        return np.array([self.number(v, f"{key}[{i}]") for i, v in enumerate(value)])


def _no_constants(name: str) -> float:
    raise ValueError(f"{name} is not a number JSON allows")


def read_page_run(path: str | Path) -> PageRun:
    """Read and check an exported run.

    Raises
    ------
    CustomError
        One line: the file, the key and what is wrong with it.
    """
    path = Path(path)
    check = _Check(path)
    doc = _read_json(path, check)
    points = _read_points(doc, check, path.name)
    widths, activation, lr, seed = _read_network(doc, check, points.n_classes)
    steps, weights, biases, loss, accuracy = _read_snapshots(doc, check, widths)
    try:
        check_run_size(widths, len(points.y), steps[-1], len(steps), TRACED_POINTS)
    except LimitError as err:
        raise check.fail("", str(err).split(";")[0]) from None
    described = doc.get("data") if isinstance(doc.get("data"), dict) else {}
    data = {  # what the page says of its points, kept in the meta: short plain values only
        key: value[:60] if isinstance(value, str) else value
        for key, value in described.items()
        if key in ("source", "noise", "count", "seed", "edited")
        and isinstance(value, (str, int, float, bool, type(None)))
        and not (isinstance(value, float) and not math.isfinite(value))
    }
    return PageRun(
        points, widths, activation, lr, seed, steps, weights, biases, loss, accuracy, data
    )


def _read_json(path: Path, check: _Check) -> dict:
    with open_regular(path, MAX_RUN_BYTES, lambda what: check.fail("", what), "JSON file") as f:
        raw = f.read()
    try:
        doc = json.loads(raw.decode("utf-8"), parse_constant=_no_constants)
    except (UnicodeDecodeError, ValueError) as err:
        raise check.fail("", f"not a JSON file ({str(err).splitlines()[0][:120]})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise check.fail("", f"not a run exported from the playground (no format {FORMAT!r})")
    if doc.get("version") != 1:
        raise check.fail("version", f"is {doc.get('version')!r}; this program reads version 1")
    return doc


def _read_points(doc: dict, check: _Check, source: str) -> Points:
    names = check.of(doc.get("classNames"), list, "classNames", "a list of class names")
    if not 2 <= len(names) <= MAX_CLASSES:
        raise check.fail("classNames", f"has {len(names)} names; give 2 to {MAX_CLASSES} classes")
    names = [check.of(n, str, f"classNames[{k}]", "text") for k, n in enumerate(names)]
    points = check.of(doc.get("points"), list, "points", "a list of [x, y] points")
    if not MIN_POINTS <= len(points) <= MAX_RUN_POINTS:
        raise check.fail("points", f"has {len(points)}; give {MIN_POINTS} to {MAX_RUN_POINTS:,}")
    x = check.array(points, (len(points), 2), "points")
    labels = check.of(doc.get("labels"), list, "labels", "a list of class numbers")
    if len(labels) != len(points):
        raise check.fail("labels", f"has {len(labels)} labels for {len(points)} points")
    for i, label in enumerate(labels):
        if isinstance(label, bool) or not isinstance(label, int) or not 0 <= label < len(names):
            raise check.fail(f"labels[{i}]", f"is {label!r}, not a class in 0..{len(names) - 1}")
    return Points(x.astype(np.float32), np.array(labels, dtype=np.int64), names, source=source)


def _read_network(doc: dict, check: _Check, classes: int) -> tuple[list[int], str, float, int]:
    net = check.of(doc.get("network"), dict, "network", "an object")
    widths = check.of(net.get("widths"), list, "network.widths", "a list of layer widths")
    for i, w in enumerate(widths):
        check.of(w, int, f"network.widths[{i}]", "a whole number")
    if len(widths) < 2 or widths[0] != 2 or widths[-1] != classes:
        raise check.fail(
            "network.widths", f"is {widths}; it starts with 2 inputs and ends with {classes} scores"
        )
    hidden = widths[1:-1]
    if len(hidden) > MAX_LAYERS or any(not 1 <= w <= MAX_WIDTH for w in hidden):
        raise check.fail(
            "network.widths", f"give at most {MAX_LAYERS} hidden layers of 1 to {MAX_WIDTH}"
        )
    activation = check.of(net.get("activation"), str, "network.activation", "an activation name")
    if not is_known(activation):
        raise check.fail("network.activation", f"{activation[:40]!r} is not in the registry")
    lr = check.number(net.get("lr"), "network.lr")
    seed = check.of(net.get("seed"), int, "network.seed", "a whole number")
    return widths, activation, lr, seed


def _read_snapshots(doc: dict, check: _Check, widths: list[int]):
    snaps = check.of(doc.get("snapshots"), list, "snapshots", "a list of snapshots")
    if not 1 <= len(snaps) <= MAX_SNAPSHOTS:
        raise check.fail("snapshots", f"has {len(snaps)}; give 1 to {MAX_SNAPSHOTS}")
    layers = range(len(widths) - 1)
    steps, weights, biases, loss, accuracy = [], [], [], [], []
    for s, snap in enumerate(snaps):
        key = f"snapshots[{s}]"
        check.of(snap, dict, key, "an object")
        step = check.of(snap.get("step"), int, f"{key}.step", "a whole number")
        if step < 0 or (steps and step <= steps[-1]):
            raise check.fail(f"{key}.step", f"is {step}; steps must increase from 0 or more")
        steps.append(step)
        w = check.of(snap.get("W"), list, f"{key}.W", "a list of weight matrices")
        b = check.of(snap.get("b"), list, f"{key}.b", "a list of bias vectors")
        if len(w) != len(layers) or len(b) != len(layers):
            raise check.fail(key, f"needs {len(layers)} weight matrices and bias vectors")
        weights.append(
            [check.array(w[i], (widths[i + 1], widths[i]), f"{key}.W[{i}]") for i in layers]
        )
        biases.append([check.array(b[i], (widths[i + 1],), f"{key}.b[{i}]") for i in layers])
        loss.append(check.number(snap.get("loss"), f"{key}.loss"))
        accuracy.append(check.number(snap.get("accuracy"), f"{key}.accuracy"))
        if not 0 <= accuracy[-1] <= 1:
            raise check.fail(f"{key}.accuracy", "must lie in 0..1")
    return steps, weights, biases, loss, accuracy


def write_page_states(run: PageRun, path: str | Path) -> Path:
    """Write the states file of ``run`` (every snapshot as exported; nothing trained)."""
    from model.config import custom_config
    from model.train import Snapshot, TrainResult, export_states

    config = custom_config(
        name="page", dataset="playground", epochs=run.steps[-1], lr=run.lr, seed=run.seed,
        snapshots=len(run.steps), sample_points=TRACED_POINTS, classes=run.points.n_classes,
        hidden=tuple(run.hidden), activation=run.activation,
    )  # fmt: skip

    def float32(arrays: list[np.ndarray]) -> list[np.ndarray]:  # the states file's precision
        return [a.astype(np.float32) for a in arrays]

    snapshots = [
        Snapshot(step, float32(ws), float32(bs), loss, accuracy)
        for step, ws, bs, loss, accuracy in zip(
            run.steps, run.weights, run.biases, run.loss, run.accuracy, strict=True
        )
    ]
    result = TrainResult(config, model=None, snapshots=snapshots)
    meta = {
        "label_names": list(run.points.label_names),
        "custom": {
            "model": f"{'-'.join(map(str, run.widths))} {run.activation} MLP, from the playground",
            "trained_here": False,
            "from_page": run.data,
            **run.points.meta(),
        },
    }
    activations = [run.activation] * len(run.hidden) + ["identity"]
    return export_states(result, run.points.dataset(), path, activations, extra_meta=meta)
