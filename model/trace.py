"""A states file's trace, from its inputs, weights and projections.

Version 2 files store no trace: :func:`recompute_trace` is the exporter's own
computation (:func:`model.stages.shown_stages`), so the values are the
exporter's, bit for bit. :class:`LazyTrace` computes it a snapshot at a time,
when first read, once :func:`trace_bound` shows from the weights alone that no
value can overflow.
"""

from __future__ import annotations

import numpy as np

from model.stages import forward_stages, shown_stages

__all__ = [
    "SAFE_TRACE_BOUND",
    "LazyTrace",
    "projections_of",
    "recompute_trace",
    "trace_bound",
    "trace_cost",
]


def projections_of(arrays: dict[str, np.ndarray]) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """``{stage: (center, basis)}`` of the stages a file shows through a projection."""
    return {
        t: (arrays[f"proj_center{t}"], arrays[f"proj_basis{t}"])
        for t in range(len(arrays["stage_dim"]))
        if f"proj_basis{t}" in arrays
    }


def trace_cost(widths: list[int], snapshots: int, points: int) -> float:
    """Multiply-adds to recompute a trace: every snapshot's points through every layer."""
    weights = sum(widths[i] * widths[i + 1] for i in range(len(widths) - 1))
    return float(snapshots) * points * (weights + 3 * sum(widths))


SAFE_TRACE_BOUND = 1e30  # far below float32's largest (3.4e38): no rounding gets there


def trace_bound(arrays: dict[str, np.ndarray], activations: list[str]) -> float:
    """A bound on the size of every value of the trace, from the weights alone.

    Each layer's output is at most its largest row's absolute sum times its
    input's bound, plus the largest bias; each activation's growth is the
    registry's (:func:`model.activations.growth`); projections are bounded the
    same way. ``inf`` when nothing can be said (non-finite numbers, an
    activation without a known bound).
    """
    from model.activations import growth

    with np.errstate(all="ignore"):
        inputs = arrays["inputs"]  # its largest size, without an array-sized copy
        top_input = max(float(inputs.max(initial=0.0)), -float(inputs.min(initial=0.0)))
        bound = np.full(len(arrays["steps"]), top_input)  # per snapshot
        largest = bound.copy()
        for layer, act in enumerate(activations):
            rows = np.array(  # a snapshot at a time: a copy of one matrix, not of all
                [np.abs(w).sum(axis=1, dtype=np.float64).max() for w in arrays[f"W{layer}"]]
            )
            bias = np.abs(arrays[f"b{layer}"].astype(np.float64)).max(axis=1)
            k_c = growth(act)
            if k_c is None:
                return np.inf
            linear = rows * bound
            bound = k_c[0] * (linear + bias) + k_c[1]
            largest = np.maximum.reduce([largest, linear, linear + bias, bound])
        top = float(largest.max(initial=0.0))
        for center, basis in projections_of(arrays).values():
            spread = float(np.abs(basis.astype(np.float64)).sum(axis=0).max(initial=0.0))
            top = max(top, (top + float(np.abs(center).max(initial=0.0))) * spread)
    return top if np.isfinite(top) else np.inf


class LazyTrace:
    """A version 2 file's trace, each snapshot computed (as :func:`recompute_trace` does,
    bit for bit) the first time it is read: a scene that shows one snapshot pays for one.

    Indexing with a snapshot number (``trace[s]``, ``trace[-1, t]``) computes that
    snapshot; any other index, ``np.asarray`` or ``len`` work on the whole trace.
    Values are read-only, as the loaded arrays are.
    """

    def __init__(self, arrays: dict[str, np.ndarray], activations: list[str]) -> None:
        self.arrays, self.activations = arrays, list(activations)
        self.shape = (len(arrays["steps"]), len(arrays["stage_kind"]), len(arrays["labels"]), 3)
        self.dtype, self.ndim = np.dtype(np.float32), 4
        self.size = int(np.prod(self.shape))
        self.nbytes = self.size * 4
        self.snapshots: dict[int, np.ndarray] = {}
        self.whole: np.ndarray | None = None

    def snapshot(self, s: int) -> np.ndarray:
        """Snapshot ``s``'s ``(T, P, 3)`` trace."""
        s = range(self.shape[0])[s]  # negative numbers as numpy reads them; IndexError past
        if self.whole is not None:
            return self.whole[s]
        if s not in self.snapshots:
            n_layers = len(self.activations)
            with np.errstate(all="ignore"):
                outputs = forward_stages(
                    self.arrays["inputs"],
                    [self.arrays[f"W{layer}"][s] for layer in range(n_layers)],
                    [self.arrays[f"b{layer}"][s] for layer in range(n_layers)],
                    self.activations,
                )
                shown = shown_stages(outputs, projections_of(self.arrays))
            shown.setflags(write=False)
            self.snapshots[s] = shown
        return self.snapshots[s]

    def __getitem__(self, key):
        first, rest = (key[0], key[1:]) if isinstance(key, tuple) and key else (key, ())
        if isinstance(first, (int, np.integer)) and not isinstance(first, bool):
            one = self.snapshot(int(first))
            return one[rest] if rest else one
        return np.asarray(self)[key]

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        if self.whole is None:
            whole = np.empty(self.shape, dtype=np.float32)
            for s in range(self.shape[0]):
                whole[s] = self.snapshot(s)
            whole.setflags(write=False)
            self.whole, self.snapshots = whole, {}
        if dtype is not None and np.dtype(dtype) != self.dtype:
            return self.whole.astype(dtype)
        return self.whole.copy() if copy else self.whole

    def __len__(self) -> int:
        return self.shape[0]


def recompute_trace(arrays: dict[str, np.ndarray], activations: list[str]) -> np.ndarray:
    """The ``(S, T, P, 3)`` float32 trace of a file's inputs, weights and projections.

    The exporter's computation (:func:`model.stages.shown_stages`), so its values
    are the exporter's, bit for bit. Overflow gives non-finite values, no warning.
    """
    n_snap, n_stage = len(arrays["steps"]), len(arrays["stage_kind"])
    projections = projections_of(arrays)
    n_layers = len(activations)
    trace = np.empty((n_snap, n_stage, len(arrays["labels"]), 3), dtype=np.float32)
    with np.errstate(all="ignore"):
        for s in range(n_snap):
            outputs = forward_stages(
                arrays["inputs"],
                [arrays[f"W{layer}"][s] for layer in range(n_layers)],
                [arrays[f"b{layer}"][s] for layer in range(n_layers)],
                activations,
            )
            trace[s] = shown_stages(outputs, projections)
    return trace
