"""The one numpy function that applies a layer's stage to an array of points.

Exported traces, the grids drawn by the scenes and the tests all go through
:func:`apply_stage`, so a picture can never disagree with the network.
This module imports numpy only (scipy lazily, for GELU); the activations
come from the registry in :mod:`model.activations`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from model.activations import numpy_function

__all__ = [
    "STAGE_KINDS",
    "activation_function",
    "apply_stage",
    "forward_stages",
    "logits",
    "shown_stages",
    "stage_plan",
]

#: Stage kinds in the order a layer applies them (``input`` is the data itself).
STAGE_KINDS: tuple[str, ...] = ("input", "linear", "bias", "activation")


#: The numpy function of an activation name (the registry's, under the name
#: scenes and tests have always used).
activation_function = numpy_function


def apply_stage(
    points: np.ndarray,
    kind: str,
    weight: np.ndarray | None = None,
    bias: np.ndarray | None = None,
    activation: str = "identity",
) -> np.ndarray:
    """Apply one stage of a layer to points of shape ``(..., d_in)``.

    ``linear`` is ``x -> W x`` (``weight`` is ``(d_out, d_in)`` as in torch),
    ``bias`` is ``x -> x + b`` and ``activation`` applies ``activation``
    elementwise (or row-wise, for ``unit_disk``).
    """
    x = np.asarray(points, dtype=np.float64)
    if kind == "linear":
        return x @ np.asarray(weight, dtype=np.float64).T
    if kind == "bias":
        return x + np.asarray(bias, dtype=np.float64)
    if kind == "activation":
        return activation_function(activation)(x)
    if kind == "input":
        return x
    raise ValueError(f"unknown stage kind {kind!r}; use one of {STAGE_KINDS}")


def stage_plan(activations: Sequence[str]) -> list[tuple[int, str]]:
    """The ``(layer, kind)`` of every stage, starting with ``(-1, "input")``.

    A layer whose activation is ``identity`` (the output layer) has no
    activation stage.
    """
    plan: list[tuple[int, str]] = [(-1, "input")]
    for layer, act in enumerate(activations):
        plan += [(layer, "linear"), (layer, "bias")]
        if act != "identity":
            plan.append((layer, "activation"))
    return plan


def forward_stages(
    points: np.ndarray,
    weights: Sequence[np.ndarray],
    biases: Sequence[np.ndarray],
    activations: Sequence[str],
) -> list[np.ndarray]:
    """Every stage's output for ``points``, in the order of :func:`stage_plan`."""
    outputs = [np.asarray(points, dtype=np.float64)]
    for layer, kind in stage_plan(activations)[1:]:
        outputs.append(
            apply_stage(outputs[-1], kind, weights[layer], biases[layer], activations[layer])
        )
    return outputs


def logits(
    points: np.ndarray,
    weights: Sequence[np.ndarray],
    biases: Sequence[np.ndarray],
    activations: Sequence[str],
) -> np.ndarray:
    """The network's output for ``points`` (the last stage)."""
    return forward_stages(points, weights, biases, activations)[-1]


def shown_stages(
    outputs: Sequence[np.ndarray], projections: dict[int, tuple[np.ndarray, np.ndarray]]
) -> np.ndarray:
    """One snapshot's trace ``(T, P, 3)`` float32: the 3-D points a scene draws per stage.

    ``outputs`` are :func:`forward_stages`'s. A stage with a projection
    ``(center, basis)`` is shown as ``(x - center) @ basis``; the others as they
    are, zero padded to 3 axes. The exporter and the states loader both call
    this, so a trace recomputed from a states file equals, bit for bit, the
    one computed when it was written (on the same numpy).
    """
    shown = np.zeros((len(outputs), len(outputs[0]), 3), dtype=np.float32)
    for t, x in enumerate(outputs):
        if t in projections:
            center, basis = projections[t]
            shown[t] = (x - center) @ basis
        else:
            shown[t, :, : min(x.shape[-1], 3)] = x[:, :3]
    return shown
