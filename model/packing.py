"""The packing study's measurements: where the 2-neuron layer puts each class.

numpy and scipy only (states come through :func:`model.cache.states_for`). The
multi-seed study and the claims built on these figures (``docs/packing-study.md``)
are in :mod:`model.packing_study`.
The angles are measured about the origin of the hidden plane: the centre of
tanh's square and of the unit disk, the corner of ReLU's quadrant.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from model.states import States, write_atomic

__all__ = [
    "ACTIVATIONS",
    "CLASSES",
    "TABLE_BEGIN",
    "TABLE_END",
    "PackingRow",
    "class_angles",
    "hidden_layer",
    "hidden_stage",
    "measure",
    "min_gap",
    "symmetric_gap",
    "table_markdown",
    "write_block",
    "write_table",
]

CLASSES = tuple(range(2, 8))
#: The activations the study compares (a subset of :data:`model.activations.NAMES`).
ACTIVATIONS = ("tanh", "relu", "unit_disk")
TABLE_BEGIN = "<!-- packing-table:begin -->"
TABLE_END = "<!-- packing-table:end -->"


def hidden_stage(states: States) -> int:
    """Stage index of the last hidden layer's activation (the 2-neuron layer)."""
    return states.stage_index(states.n_layers - 2, "activation")


def hidden_layer(
    states: States, snapshot: int = -1, points: np.ndarray | None = None
) -> np.ndarray:
    """(P, 2) outputs of the 2-neuron layer for ``points`` (default: the traced inputs)."""
    x = states["inputs"] if points is None else np.asarray(points, dtype=np.float64)
    h = x
    for t in range(1, hidden_stage(states) + 1):
        h = states.apply(h, t, snapshot)
    return np.asarray(h)


def class_angles(
    hidden: np.ndarray, labels: np.ndarray, classes: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per class: circular mean and spread (degrees) of the points' angle, and the radius.

    Points at the origin have no angle and are left out; a class whose points are
    all there gets NaN for both angle figures. Returns ``(mean, std, radius)`` with
    the mean in [0, 360) and ``radius`` the norm of the class centroid.
    """
    from scipy.stats import circmean, circstd  # here: scipy.stats takes a second to import

    mean = np.full(classes, np.nan)
    std = np.full(classes, np.nan)
    radius = np.zeros(classes)
    for c in range(classes):
        h = hidden[labels == c]
        radius[c] = float(np.linalg.norm(h.mean(0))) if len(h) else 0.0
        r = np.linalg.norm(h, axis=1)
        ang = np.arctan2(h[r > 1e-9, 1], h[r > 1e-9, 0])
        if len(ang):
            mean[c] = np.degrees(circmean(ang, high=np.pi, low=-np.pi)) % 360.0
            std[c] = np.degrees(circstd(ang, high=np.pi, low=-np.pi))
    return mean, std, radius


def min_gap(angles_deg: np.ndarray) -> float:
    """Smallest angle (degrees) between any two of ``angles_deg`` around the circle."""
    a = np.sort(np.asarray(angles_deg, dtype=float) % 360.0)
    if len(a) < 2 or np.isnan(a).any():
        return float("nan")
    gaps = np.diff(np.concatenate([a, [a[0] + 360.0]]))
    return float(gaps.min())


def symmetric_gap(classes: int, activation: str) -> float:
    """The smallest centroid angle of a symmetric packing in the activation's range.

    The full circle (360/k) for tanh's square and the unit disk; for ReLU's
    quadrant, k directions spread over 90 degrees with both axes used (90/(k-1)).
    """
    if activation.startswith("relu"):
        return 90.0 / (classes - 1)
    return 360.0 / classes


def _placement(centroids: np.ndarray, activation: str) -> str:
    """A short description of where the class centroids sit."""
    k = len(centroids)
    if activation == "tanh":
        corner = int((np.abs(centroids) > 0.8).all(1).sum())
        edge = int(((np.abs(centroids) > 0.8).any(1)).sum()) - corner
        return f"{corner}/{k} in corners, {edge} on edges"
    if activation.startswith("relu"):
        r = np.linalg.norm(centroids, axis=1)
        origin = int((r < 0.05).sum())
        on_axis = int(((centroids.min(1) < 0.05 * np.maximum(r, 1e-9)) & (r >= 0.05)).sum())
        return f"{origin} at 0, {on_axis} on an axis, {k - origin - on_axis} inside"
    r = np.linalg.norm(centroids, axis=1)
    return f"centroid radius {r.min():.2f}-{r.max():.2f}"


@dataclass
class PackingRow:
    """One trained network of the study, measured."""

    classes: int
    activation: str
    accuracy: float
    min_angle: float  # degrees between the closest class directions
    symmetric: float  # the same for a symmetric packing
    spread: float  # mean circular std of the classes (degrees)
    placement: str
    died: list  # [{"seed", "layers", "accuracy"}] runs that died before the used one
    trained_seed: int
    still_dead: bool

    def dead_text(self) -> str:
        if not self.died:
            return "no"
        first = self.died[0]
        text = f"yes at seed {first['seed']} ({first['accuracy']:.1%})"
        if len(self.died) > 1:
            text += f" and {len(self.died) - 1} more"
        if self.still_dead:
            return text + "; still dead after restarts"
        return text + f"; restarted: seed {self.trained_seed}"


def measure(states: States) -> PackingRow:
    """Accuracy, class-direction angles and dead-layer record of one packing run."""
    meta = states.meta
    k = states.n_classes
    act = states.activations[0]
    h = hidden_layer(states)
    labels = states["labels"]
    mean, std, _ = class_angles(h, labels, k)
    centroids = np.stack([h[labels == c].mean(0) for c in range(k)])
    dead = meta.get("dead") or {}
    return PackingRow(
        classes=k,
        activation=act,
        accuracy=float(meta["final_accuracy"]),
        min_angle=min_gap(mean),
        symmetric=symmetric_gap(k, act),
        spread=float(np.nanmean(std)) if not np.isnan(std).all() else float("nan"),
        placement=_placement(centroids, act),
        died=list(dead.get("died", [])),
        trained_seed=int(dead.get("trained_seed", meta.get("seed", 0))),
        still_dead=bool(dead.get("still_dead", False)),
    )


def _fmt(x: float, spec: str) -> str:
    return "-" if np.isnan(x) else format(x, spec)


def table_markdown(rows: list[PackingRow]) -> str:
    """The rows as a Markdown table, with a one-line legend."""
    head = (
        "| k | activation | accuracy | smallest centroid angle | symmetric | "
        "class spread (circstd) | placement | dead 2-neuron layer |\n"
        "|---|---|---|---|---|---|---|---|\n"
    )
    body = "".join(
        f"| {r.classes} | {r.activation} | {r.accuracy:.1%} | {_fmt(r.min_angle, '.1f')}° | "
        f"{r.symmetric:.1f}° | {_fmt(r.spread, '.1f')}° | {r.placement} | {r.dead_text()} |\n"
        for r in rows
    )
    from model.config import PRESETS

    cfg = PRESETS["packing"]
    widths = "-".join(str(w) for w in (2, *cfg.hidden))
    legend = (
        f"\nNetwork {widths}-k, Adam {cfg.lr:g}, {cfg.epochs:,} full-batch steps, "
        f"{cfg.data_args['points_per_class']} points per class. "
        "Angles are the scipy `circmean` of each class's hidden vectors about the origin; "
        "'symmetric' is 360/k (square, disk) or 90/(k-1) (ReLU quadrant). A dead layer "
        "(output constant over all points) is trained again from the next seed; the "
        "accuracy of the dead run is shown. '-': a class sits at the origin, so has no angle.\n"
    )
    return head + body + legend


def write_table(path: str | Path, rows: list[PackingRow]) -> Path:
    """Write :func:`table_markdown` of ``rows`` with :func:`write_block`."""
    return write_block(path, table_markdown(rows))


def write_block(path: str | Path, markdown: str) -> Path:
    """Write ``markdown`` between :data:`TABLE_BEGIN` / :data:`TABLE_END` markers, atomically.

    When ``path`` already holds the markers (docs/packing-study.md does), only the block
    between them is replaced and the rest of the file is kept.
    """
    block = f"{TABLE_BEGIN}\n{markdown}{TABLE_END}"
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = block + "\n"
    if path.is_file():
        old = path.read_text(encoding="utf-8")
        start, end = old.find(TABLE_BEGIN), old.find(TABLE_END)
        if 0 <= start < end:
            text = old[:start] + block + old[end + len(TABLE_END) :]
    return write_atomic(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
