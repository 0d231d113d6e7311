"""The states cache under ``media/states``: trained once, reused, keyed by config.

Scenes call :func:`states_for`; torch is imported only when states must be
trained, so a scene whose states are cached starts fast.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np

from model.config import TrainConfig, preset
from model.paths import cache_dir
from model.states import (
    SCHEMA_VERSION,
    States,
    StatesError,
    load_states,
    recompute_trace,
    save_states,
)

# cache_dir is re-exported: it is defined in model.paths, which the data sets share.
__all__ = ["cache_dir", "compact", "states_for", "states_path"]


def states_path(config: TrainConfig) -> Path:
    """The cache file of ``config`` (named by :meth:`TrainConfig.cache_name`)."""
    return cache_dir() / config.cache_name()


def states_for(config: TrainConfig | str, progress: bool = True, **changes) -> States:
    """Load a preset's (or config's) states, training and caching them if missing.

    A cached file that fails validation is moved aside (``NAME.bad.npz``, kept
    for a look) and trained again, with a one-line notice naming both files.
    """
    if isinstance(config, str):
        config = preset(config, **changes)
    elif changes:
        config = config.replace(**changes)
    path = states_path(config)
    if path.is_file():
        try:
            states = load_states(path)
            return compact(states) if states.version < SCHEMA_VERSION else states
        except StatesError as err:
            aside = path.with_name(f"{path.stem}.bad.npz")
            os.replace(path, aside)
            reason = str(err).removeprefix(f"{path}: ").split(";")[0]
            print(f"notice: cached states {path} were bad ({reason}); moved to {aside.name} "
                  "and training them again", file=sys.stderr)  # fmt: skip
    from model.train import train_and_export

    if progress:
        print(f"training {config.name} (seed {config.seed}) into {path}", file=sys.stderr)
    train_and_export(config, path, progress=progress)
    return load_states(path)


def compact(states: States) -> States:
    """Rewrite an older-schema cached file in the current schema, if nothing changes.

    The stored trace is compared, bit for bit, with the one the current
    loader would recompute; only if they are equal is the file rewritten
    (atomically) and reloaded, so every value a scene reads stays the same.
    Otherwise (a file written by another numpy, say) it is left as it is.
    """
    arrays = states.arrays
    if not np.array_equal(recompute_trace(arrays, states.activations), arrays["trace"]):
        return states
    before = states.path.stat().st_size
    keep = {k: v for k, v in arrays.items() if k not in ("version", "meta", "trace")}
    save_states(states.path, keep, states.meta)
    after = states.path.stat().st_size
    sizes = f"{before / 1e6:.1f} MB -> {after / 1e6:.1f} MB"
    print(f"notice: rewrote cached states {states.path.name} in schema {SCHEMA_VERSION} "
          f"({sizes}, same values)", file=sys.stderr)  # fmt: skip
    return load_states(states.path)
