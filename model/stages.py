"""The one numpy function that applies a layer's stage to an array of points.

Exported traces, the grids drawn by the scenes and the tests all go through
:func:`apply_stage`, so a picture can never disagree with the network.
This module imports numpy only (scipy lazily, for GELU).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

__all__ = [
    "ACTIVATIONS",
    "STAGE_KINDS",
    "activation_function",
    "apply_stage",
    "forward_stages",
    "logits",
    "stage_plan",
]

#: Stage kinds in the order a layer applies them (``input`` is the data itself).
STAGE_KINDS: tuple[str, ...] = ("input", "linear", "bias", "activation")


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def _elu(x: np.ndarray) -> np.ndarray:
    return np.where(x > 0, x, np.expm1(np.minimum(x, 0.0)))


def _gelu(x: np.ndarray) -> np.ndarray:
    from scipy.special import erf

    return 0.5 * x * (1.0 + erf(x / np.sqrt(2.0)))


def _gelu_tanh(x: np.ndarray) -> np.ndarray:
    # torch's GELU(approximate="tanh")
    return 0.5 * x * (1.0 + np.tanh(np.sqrt(2.0 / np.pi) * (x + 0.044715 * x**3)))


def _unit_disk(x: np.ndarray) -> np.ndarray:
    # tanh(|x|) x/|x|: maps R^n into the open unit ball, 0 at 0, continuous there
    # because tanh(r)/r -> 1 as r -> 0.
    norm = np.linalg.norm(x, axis=-1, keepdims=True)
    safe = np.where(norm > 0, norm, 1.0)
    scale = np.where(norm > 1e-8, np.tanh(norm) / safe, 1.0 - norm**2 / 3.0)
    return x * scale


ACTIVATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "identity": lambda x: x,
    "tanh": np.tanh,
    "relu": lambda x: np.maximum(x, 0.0),
    "sigmoid": _sigmoid,
    "elu": _elu,
    "gelu": _gelu,
    "gelu_tanh": _gelu_tanh,
    "unit_disk": _unit_disk,
}


def activation_function(name: str) -> Callable[[np.ndarray], np.ndarray]:
    """Return the numpy function for an activation name.

    ``leaky_relu`` takes its negative slope after a colon (``leaky_relu:0.2``);
    plain ``leaky_relu`` uses torch's default slope of 0.01. ``elu:ALPHA`` is
    ELU with another ``alpha`` than 1.
    """
    if name.startswith("leaky_relu"):
        slope = float(name.split(":", 1)[1]) if ":" in name else 0.01
        return lambda x: np.where(x >= 0, x, slope * x)
    if name.startswith("elu:"):
        alpha = float(name.split(":", 1)[1])
        return lambda x: np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0)))
    try:
        return ACTIVATIONS[name]
    except KeyError:
        known = ", ".join([*ACTIVATIONS, "leaky_relu[:slope]", "elu:alpha"])
        raise ValueError(f"unknown activation {name!r}; use one of {known}") from None


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
