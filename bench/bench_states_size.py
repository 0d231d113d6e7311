"""Size of the default gallery's states cache: every states file its scenes declare.

Trains what is missing (slow the first time; the cache is shared with
``render.py``). Aim (issue 14): under 60 MB. One row per preset family and a
total, so a change of dtype or compression shows where the bytes are.
"""

from __future__ import annotations

import tempfile
import time
from collections import defaultdict
from pathlib import Path

from model.sources import Preset
from model.states import save_states

__all__ = ["gallery_states", "run"]

AIM_MB = 60.0


def gallery_states() -> list:
    """The distinct states sources of the default gallery's scenes (``render.py``'s list)."""
    from rendering.plan.registry import discover, scene_files, select

    entries, _ = discover(scene_files())
    sources = []
    for entry in select(entries):
        for source in entry.states_sources:
            if isinstance(source, Preset) and source not in sources:
                sources.append(source)
    return sources


def _version_1_size(states) -> int:
    """The bytes the same states take in schema version 1 (trace stored, deflate)."""
    arrays = {k: v for k, v in states.arrays.items() if k not in ("version", "meta")}
    with tempfile.TemporaryDirectory() as tmp:
        return save_states(Path(tmp) / "v1.npz", arrays, states.meta, version=1).stat().st_size


def run() -> list[dict]:
    start = time.perf_counter()
    sizes: dict[str, list[int]] = defaultdict(list)
    old = 0
    for source in gallery_states():
        states = source.load(progress=False)
        sizes[source.describe().split(" ")[0]].append(source.path().stat().st_size)
        old += _version_1_size(states)
    seconds = round(time.perf_counter() - start, 2)
    rows = [
        {"benchmark": f"states {name} ({len(v)} files)", "MB": round(sum(v) / 1e6, 1)}
        for name, v in sizes.items()
    ]
    total = sum(sum(v) for v in sizes.values()) / 1e6
    rows.append(
        {
            "benchmark": "states of the default gallery",
            "seconds": seconds,
            "MB": round(total, 1),
            "baseline": f"schema version 1: {old / 1e6:.1f} MB",
            "aim": f"< {AIM_MB:.0f} MB",
            "ok": total < AIM_MB,
        }
    )
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
