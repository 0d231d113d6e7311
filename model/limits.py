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

__all__ = [
    "MAX_EPOCHS",
    "MAX_LAYERS",
    "MAX_POINTS",
    "MAX_SEED",
    "MAX_SNAPSHOTS",
    "MAX_WIDTH",
    "LimitError",
    "check_lr",
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


class LimitError(ValueError):
    """A request outside the bounds; the message is one line naming the option."""


def check_lr(lr: float | None, option: str = "--lr") -> None:
    """A learning rate must be a finite number in (0, 10]."""
    if lr is not None and not (math.isfinite(lr) and 0 < lr <= MAX_LR):
        raise LimitError(
            f"{option} {lr}: give a finite learning rate above 0 and at most {MAX_LR:g}"
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
