"""The activation registry: every activation name the project knows, in one place.

(Contract placeholder: the registry proper is being built. ``CHOICES`` is the
tuple a command line offers for ``--activation``.)
"""

from __future__ import annotations

__all__ = ["CHOICES"]

CHOICES: tuple[str, ...] = ("tanh", "relu", "leaky_relu", "sigmoid", "elu", "gelu", "unit_disk")
