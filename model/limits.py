"""Bounds on what a user may ask to train, checked before any work starts.

Derived from memory and time on a 2-core machine with a few GB to spare: the
states file keeps every layer's weights at every snapshot and every traced
point after every stage, so its size grows as snapshots x (weights + stages x
points). With these bounds the largest request stays under the states
loader's budget (:data:`model.states.MAX_STATES_BYTES`).
"""

from __future__ import annotations

import errno
import math
import os
from pathlib import Path

from model.files import temporary_name
from model.states import MAX_TRACE_MULADDS, trace_cost
from model.text import printable

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
    "NAME_MAX",
    "PATH_MAX",
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
NAME_MAX = 255  # bytes in one file name (Linux and macOS file systems)
PATH_MAX = 4096  # bytes in a whole path (Linux)
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
    # the traced inputs themselves, once, and the 3-D views of stages wider than 3 (a
    # float64 centre and basis, 32 bytes a neuron, for about three stages a layer)
    views = 3 * sum(32 * w for w in widths if w > 3)
    states = snapshots * per_snapshot + 4 * traced * widths[0] + views
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
    # the input (float32, and a float64 copy while it is read), then every layer's
    # output and gradient
    memory = 12 * points * widths[0] + 16 * points * sum(widths[1:]) + 16 * params
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
    what = f"{option} {printable(str(path), 600)}"
    existing = _nearest_existing(path, what)
    if existing == path and path.is_dir():
        raise LimitError(f"{what}: is a folder; give a file name")
    _probe(path.parent if existing == path else existing, what)
    if existing == path and not os.access(path, os.W_OK):
        raise LimitError(f"{what}: the file is not writable")


def check_writable_folder(folder: Path, option: str = "--out") -> None:
    """Fail now, not after rendering, if files cannot be written into ``folder``."""
    folder = Path(folder)
    what = f"{option} {printable(str(folder), 600)}"
    existing = _nearest_existing(folder, what)
    if existing == folder and not folder.is_dir():
        raise LimitError(f"{what}: is a file; give a folder")
    _probe(existing, what)


def _nearest_existing(path: Path, what: str) -> Path:
    """``path`` or its nearest ancestor that exists, a folder unless it is ``path`` itself.

    Raises
    ------
    LimitError
        A name too long for the file system, a loop of symbolic links, a link
        to nothing, a file where a folder must be, or a folder that cannot be
        searched: one line each.
    """
    for part in path.parts:
        size = len(os.fsencode(part))
        if size > NAME_MAX:
            raise LimitError(
                f"{what}: the name {printable(part, 40)!r} is {size} bytes long, over the "
                f"{NAME_MAX} a file name may have; choose a shorter one"
            )
    if len(os.fsencode(os.path.abspath(path))) >= PATH_MAX:
        raise LimitError(f"{what}: the path is over {PATH_MAX:,} bytes long; choose a shorter one")
    existing = path
    while True:
        try:
            os.stat(existing)  # follows links, as every writer will
            break
        except (FileNotFoundError, NotADirectoryError):
            if os.path.lexists(existing) and not os.path.isfile(existing):
                raise LimitError(
                    f"{what}: {printable(str(existing), 300)} is a symbolic link to nothing; "
                    "remove it or choose another folder"
                ) from None
            if existing == existing.parent:
                break
            existing = existing.parent
        except OSError as err:
            reason = "a loop of symbolic links" if err.errno == errno.ELOOP else err.strerror
            raise LimitError(
                f"{what}: {printable(str(existing), 300)}: {reason}; choose another folder"
            ) from None
    if existing != path and not existing.is_dir():
        raise LimitError(f"{what}: {printable(str(existing), 300)} is a file, not a folder")
    return existing


def _probe(folder: Path, what: str) -> None:
    try:  # os.access says yes to root even on /proc: try for real, as every writer will
        temporary_name(folder / "write-probe").unlink()
    except OSError:
        raise LimitError(
            f"{what}: cannot write into {printable(str(folder), 300)}; choose another place"
        ) from None
