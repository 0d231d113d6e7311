"""Training + export time for every preset, against a baseline run in the same command.

The baseline is the bare training loop (no snapshots, no export) of the same
preset, so the ratio shows what snapshotting and the states export cost on
top of the training itself. Aims (issue 2): every 2-D preset under 20 s and
mnist under 60 s on 2 cores.

The Adam rows time the bare training of a few presets with torch's fused Adam
step (what ``model.train`` uses) against its per-tensor ``foreach`` step, each
best of three taken in turns, in the same command.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from unittest import mock

from model.config import PRESETS
from model.train import export_states, load_dataset, train

__all__ = ["run"]

AIMS = {"mnist": 60.0, "templates": 60.0}


def _bare_training(config, data) -> float:
    start = time.perf_counter()
    train(config.replace(snapshots=2), data, progress=False)
    return time.perf_counter() - start


def _adam_row(name: str) -> dict:
    """Bare training of ``name`` with the fused Adam step against the foreach one."""
    import torch

    config = PRESETS[name]
    data = load_dataset(config)
    adam = torch.optim.Adam

    def foreach(params, **options):
        options.pop("fused", None)
        return adam(params, **options, foreach=True)

    fused, per_tensor = [], []
    for _ in range(3):  # taken in turns: the machine's speed drifts
        fused.append(_bare_training(config, data))
        with mock.patch.object(torch.optim, "Adam", foreach):
            per_tensor.append(_bare_training(config, data))
    fused, per_tensor = min(fused), min(per_tensor)
    return {
        "benchmark": f"bare training {name}, Adam fused step vs foreach",
        "seconds": round(fused, 2),
        "baseline": f"foreach {per_tensor:.2f} s",
        "ratio": round(per_tensor / fused, 2),
        "aim": "faster",
        "ok": fused < per_tensor,
    }


def run() -> list[dict]:
    rows = [_adam_row(name) for name in ("spirals2d", "packing", "mnist")]
    with tempfile.TemporaryDirectory() as tmp:
        for name, config in PRESETS.items():
            data = load_dataset(config)
            baseline = _bare_training(config, data)
            start = time.perf_counter()
            result = train(config, data, progress=False)
            export_states(result, data, Path(tmp) / f"{name}.npz")
            total = time.perf_counter() - start
            aim = AIMS.get(name, 20.0)
            rows.append(
                {
                    "benchmark": f"train+export {name}",
                    "seconds": round(total, 2),
                    "baseline": f"bare training {baseline:.2f} s",
                    "ratio": round(total / baseline, 2),
                    "aim": f"< {aim:.0f} s",
                    "ok": total < aim,
                }
            )
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
