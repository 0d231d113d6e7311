"""Bounds on what a user may ask to train, checked before any work starts.

Derived from memory and time on a 2-core machine with a few GB to spare: the
states file keeps every layer's weights at every snapshot and every traced
point after every stage, so its size grows as snapshots x (weights + stages x
points). With these bounds the largest request stays under the states
loader's budget (:data:`model.states.MAX_STATES_BYTES`).
"""

from __future__ import annotations

import math
import os
from pathlib import Path

from model.states import MAX_TRACE_MULADDS, trace_cost

__all__ = [
    "MAX_EPOCHS",
    "MAX_LAYERS",
    "MAX_POINTS",
    "MAX_SEED",
    "MAX_SNAPSHOTS",
    "MAX_STATES_ESTIMATE",
    "MAX_TRAIN_BYTES",
    "MAX_TRAIN_FLOPS",
    "MAX_WIDTH",
    "LimitError",
    "check_lr",
    "check_run_size",
    "check_writable",
    "check_writable_folder",
]

MAX_WIDTH = 1024  # neurons in one hidden layer
MAX_LAYERS = 12  # hidden layers
MAX_EPOCHS = 200_000
MAX_SNAPSHOTS = 400
MAX_POINTS = 200_000  # data points read from a user's file
MAX_SEED = 2**32 - 1  # numpy's and torch's seeds both take this range
MAX_LR = 10.0
#: The states file of a run, estimated before training (the loader's budget is 256 MB).
MAX_STATES_ESTIMATE = 200 * 2**20
#: Full-batch training holds every layer's output and gradient for every point.
MAX_TRAIN_BYTES = 2**30
#: About an hour of full-batch Adam on two cores (6 flops per weight, point and step).
MAX_TRAIN_FLOPS = 5e13


class LimitError(ValueError):
    """A request outside the bounds; the message is one line naming the option."""


def check_lr(lr: float | None, option: str = "--lr") -> None:
    """A learning rate must be a finite number in (0, 10]."""
    if lr is not None and not (math.isfinite(lr) and 0 < lr <= MAX_LR):
        raise LimitError(
            f"{option} {lr}: give a finite learning rate above 0 and at most {MAX_LR:g}"
        )


def check_run_size(
    widths: list[int],
    points: int,
    epochs: int,
    snapshots: int,
    sample_points: int,
    grid: int = 96,
) -> None:
    """Refuse a network, data set and schedule that together exceed memory or time.

    Each bound above can hold alone while their product does not: 12 layers of
    1,024 on 200,000 points need about 30 GB to train full-batch. ``widths``
    are the layer widths, input first.
    """
    layers = len(widths) - 1
    params = sum(widths[i] * widths[i + 1] + widths[i + 1] for i in range(layers))
    traced = min(points, sample_points)
    per_snapshot = 4 * params + 12 * traced * (1 + 3 * layers) + 8 * traced + grid * grid
    states = snapshots * per_snapshot
    if states > MAX_STATES_ESTIMATE:
        raise LimitError(
            f"the states file would take about {states / 2**20:,.0f} MB ({snapshots} snapshots "
            f"of {params:,} weights and {traced:,} traced points), over "
            f"{MAX_STATES_ESTIMATE / 2**20:,.0f} MB; lower --snapshots, --points or the widths"
        )
    cost = trace_cost(widths, snapshots, traced)
    if cost > MAX_TRACE_MULADDS:
        raise LimitError(
            f"loading the states would recompute {snapshots} snapshots of {traced:,} traced "
            f"points through {params:,} weights, about {cost:.1e} multiply-adds, over "
            f"{MAX_TRACE_MULADDS:.0e}; lower --snapshots, --points or the widths"
        )
    memory = 16 * points * sum(widths[1:]) + 16 * params
    if memory > MAX_TRAIN_BYTES:
        raise LimitError(
            f"training {points:,} points through {'-'.join(map(str, widths))} full-batch would "
            f"take about {memory / 2**20:,.0f} MB, over {MAX_TRAIN_BYTES / 2**20:,.0f} MB; "
            "use narrower layers or fewer points"
        )
    flops = 6 * points * params * epochs
    if flops > MAX_TRAIN_FLOPS:
        raise LimitError(
            f"{epochs:,} epochs of {points:,} points through {params:,} weights is about "
            f"{flops:.1e} operations, over an hour on two cores; lower --epochs or the widths"
        )


def check_writable(path: Path, option: str = "--out") -> None:
    """Fail now, not after training, if ``path`` cannot be written."""
    path = Path(path)
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if path.is_dir():
        raise LimitError(f"{option} {path}: is a folder; give a file name")
    _probe(folder, f"{option} {path}")
    if path.exists() and not os.access(path, os.W_OK):
        raise LimitError(f"{option} {path}: the file is not writable")


def check_writable_folder(folder: Path, option: str = "--out") -> None:
    """Fail now, not after rendering, if files cannot be written into ``folder``."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise LimitError(f"{option} {folder}: is a file; give a folder")
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    _probe(existing, f"{option} {folder}")


def _probe(folder: Path, what: str) -> None:
    probe = folder / f".write-probe.tmp-{os.getpid()}"
    try:  # os.access says yes to root even on /proc: try for real
        probe.touch()
        probe.unlink()
    except OSError:
        raise LimitError(f"{what}: cannot write into {folder}; choose another place") from None
