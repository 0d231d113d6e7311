"""A run as the playground page exports it, made here: the page-run tests share it."""

from __future__ import annotations

import numpy as np

from model.page_run import FORMAT

__all__ = ["exported_run"]


def exported_run(widths=(2, 3, 2), snapshots=3, points=40, seed=0) -> dict:
    """A run as the page's exportRun() writes it (random weights, two classes)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (points, 2))
    snaps = []
    for s in range(snapshots):
        W = [rng.normal(size=(widths[i + 1], widths[i])).tolist() for i in range(len(widths) - 1)]
        b = [rng.normal(size=widths[i + 1]).tolist() for i in range(len(widths) - 1)]
        snaps.append(
            {"step": 10 * s, "loss": 0.7 - 0.1 * s, "accuracy": 0.5 + 0.1 * s, "W": W, "b": b}
        )
    return {
        "format": FORMAT, "version": 1,
        "points": x.tolist(), "labels": (x[:, 0] * x[:, 1] > 0).astype(int).tolist(),
        "classNames": ["same signs", "opposite signs"],
        "network": {"widths": list(widths), "activation": "tanh", "lr": 0.03, "seed": 2},
        "data": {"source": "xor", "noise": 0.05, "count": points, "seed": 0, "edited": False},
        "steps": 10 * (snapshots - 1), "snapshots": snaps,
    }  # fmt: skip
