"""Train small networks and export what every layer does to the data, per snapshot.

Importing ``model`` (or ``model.states``) does not import torch; the
training modules do.
"""

from __future__ import annotations

from model.config import PRESETS, TrainConfig, preset
from model.states import SCHEMA_VERSION, States, StatesError, load_states

__all__ = [
    "PRESETS",
    "SCHEMA_VERSION",
    "States",
    "StatesError",
    "TrainConfig",
    "load_states",
    "preset",
]
