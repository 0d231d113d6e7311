"""The activation registry: every activation the project knows, in one table.

Each :class:`Activation` row says how the activation is computed in numpy (the
stages, grids and traces of :mod:`model.stages`), which torch module the
trainer builds for it (:mod:`model.train`) and how a user's torch module is
recognised as it (:mod:`model.custom`). Every command line offers
:data:`CHOICES` for ``--activation``.

A name may carry a parameter after a colon: ``leaky_relu:0.2`` is a leaky ReLU
of negative slope 0.2 (plain ``leaky_relu`` has torch's default 0.01) and
``elu:0.5`` an ELU with ``alpha`` 0.5.

This module imports numpy only (scipy lazily, for GELU): scenes import
:mod:`model.stages`, which reads this table, and must not pull in torch. The
torch classes are named by ``"module:Class"`` strings and imported on first use.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from torch import nn

__all__ = [
    "CHOICES",
    "NAMES",
    "REGISTRY",
    "Activation",
    "canonical_name",
    "is_known",
    "lookup",
    "name_of_module",
    "numpy_function",
    "torch_module",
    "torch_nn_classes",
    "unknown_message",
]


def _identity(x: np.ndarray) -> np.ndarray:
    return x


def _relu(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0.0)


def _leaky_relu(x: np.ndarray, slope: float) -> np.ndarray:
    return np.where(x >= 0, x, slope * x)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def _elu(x: np.ndarray, alpha: float) -> np.ndarray:
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0)))


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


@dataclass(frozen=True)
class Activation:
    """One activation: its numpy function, its torch module and how that module is recognised.

    ``numpy`` is ``f(x)``, or ``f(x, value)`` when the activation takes a
    parameter. ``torch_class`` is ``"module:Class"``; the module is built with
    ``torch_kwargs`` plus ``{param: value}``, and a torch module is recognised
    as this activation when it is an instance of that class whose
    ``torch_kwargs`` attributes match.
    """

    name: str
    numpy: Callable[..., np.ndarray]
    torch_class: str
    torch_kwargs: tuple[tuple[str, Any], ...] = ()
    param: str | None = None  # the torch argument (and attribute) a ":value" sets
    default: float | None = None  # its value when the name has no ":value"
    # A recognised module names its parameter even at the default: states files
    # written so far say "leaky_relu:0.01" but plain "elu".
    spell_default: bool = False
    offered: bool = True  # one of the CHOICES a command line offers

    @property
    def spelling(self) -> str:
        """How the name is written in a message: ``leaky_relu[:negative_slope]`` for a parameter."""
        return f"{self.name}[:{self.param}]" if self.param else self.name


#: The table, in the order command lines offer the names.
REGISTRY: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation("tanh", np.tanh, "torch.nn:Tanh"),
        Activation("relu", _relu, "torch.nn:ReLU"),
        Activation(
            "leaky_relu",
            _leaky_relu,
            "torch.nn:LeakyReLU",
            param="negative_slope",
            default=0.01,
            spell_default=True,
        ),
        Activation("sigmoid", _sigmoid, "torch.nn:Sigmoid"),
        Activation("elu", _elu, "torch.nn:ELU", param="alpha", default=1.0),
        Activation("gelu", _gelu, "torch.nn:GELU", (("approximate", "none"),)),
        Activation(
            "gelu_tanh", _gelu_tanh, "torch.nn:GELU", (("approximate", "tanh"),), offered=False
        ),
        Activation("unit_disk", _unit_disk, "model.modules:UnitDisk"),
        Activation("identity", _identity, "torch.nn:Identity", offered=False),
    )
}

#: Every activation name (without parameters).
NAMES: tuple[str, ...] = tuple(REGISTRY)

#: The names a command line offers for ``--activation``.
CHOICES: tuple[str, ...] = tuple(a.name for a in REGISTRY.values() if a.offered)


def unknown_message(name: str) -> str:
    """The one-line error for a name that is not in the registry."""
    known = ", ".join(a.spelling for a in REGISTRY.values())
    return f"unknown activation {name!r}; use one of {known}"


def _parse(name: str) -> tuple[Activation, float | None]:
    """The registry row and the parameter value (``None`` without a parameter)."""
    base, colon, text = name.partition(":")
    entry = REGISTRY.get(base)
    if entry is None or (colon and entry.param is None):
        raise ValueError(unknown_message(name))
    if entry.param is None:
        return entry, None
    if not colon:
        return entry, entry.default
    try:
        value = float(text)
    except ValueError:
        raise ValueError(
            f"activation {name!r}: {text!r} is not a number; write {base}:{entry.param.upper()}"
            f" (for example {base}:{entry.default})"
        ) from None
    if not np.isfinite(value):
        raise ValueError(f"activation {name!r}: the {entry.param} must be a finite number")
    return entry, value


def lookup(name: str) -> Activation:
    """The registry row of ``name`` (``leaky_relu:0.2`` -> the ``leaky_relu`` row).

    Raises
    ------
    ValueError
        One line naming the unknown activation and listing the known ones.
    """
    return _parse(name)[0]


def is_known(name: str) -> bool:
    """True if ``name`` (with its parameter, if any) names an activation of the registry."""
    try:
        _parse(name)
    except ValueError:
        return False
    return True


def canonical_name(name: str) -> str:
    """The name as a recognised torch module spells it (``leaky_relu`` -> ``leaky_relu:0.01``)."""
    entry, value = _parse(name)
    if value is None or (value == entry.default and not entry.spell_default):
        return entry.name
    return f"{entry.name}:{float(value)!r}"


def numpy_function(name: str) -> Callable[[np.ndarray], np.ndarray]:
    """The numpy function of ``name``, applied elementwise (row-wise for ``unit_disk``)."""
    entry, value = _parse(name)
    if value is None:
        return entry.numpy
    return lambda x: entry.numpy(x, value)


def _torch_class(entry: Activation) -> type:
    module, _, cls = entry.torch_class.partition(":")
    return getattr(importlib.import_module(module), cls)


def torch_module(name: str) -> nn.Module:
    """A new torch module computing ``name`` (imports torch)."""
    entry, value = _parse(name)
    kwargs = dict(entry.torch_kwargs)
    if entry.param is not None:
        kwargs[entry.param] = value
    return _torch_class(entry)(**kwargs)


def name_of_module(module: nn.Module) -> str | None:
    """The registry name of a torch activation module, or ``None`` if it is none of them."""
    for entry in REGISTRY.values():
        if not isinstance(module, _torch_class(entry)):
            continue
        if any(getattr(module, key, None) != value for key, value in entry.torch_kwargs):
            continue
        if entry.param is None:
            return entry.name
        return canonical_name(f"{entry.name}:{float(getattr(module, entry.param))!r}")
    return None


def torch_nn_classes() -> list[str]:
    """The ``torch.nn`` classes the registry recognises, once each, in table order."""
    classes = (a.torch_class.partition(":") for a in REGISTRY.values())
    return list(dict.fromkeys(cls for module, _, cls in classes if module == "torch.nn"))


def growth(name: str) -> tuple[float, float] | None:
    """``(k, c)`` with ``|f(x)| <= k * |x| + c`` for every coordinate (``|x|``: the
    largest coordinate's size), or None if the registry has no such bound for ``name``.

    The states loader uses it to know that a network's trace stays finite
    without computing it (:func:`model.states.trace_bound`).
    """
    entry, value = _parse(name)
    bounded = {"tanh": (0.0, 1.0), "sigmoid": (0.0, 1.0), "unit_disk": (0.0, 1.0)}
    linear = {"relu", "identity", "gelu", "gelu_tanh"}
    if entry.name in bounded:
        return bounded[entry.name]
    if entry.name in linear:
        return 1.0, 0.0
    if entry.name == "leaky_relu":
        return max(1.0, abs(float(value if value is not None else entry.default))), 0.0
    if entry.name == "elu":
        return 1.0, abs(float(value if value is not None else entry.default))
    return None
