"""Training + export time for every preset, against a baseline run in the same command.

The baseline is the bare training loop (no snapshots, no export) of the same
preset, so the ratio shows what snapshotting and the states export cost on
top of the training itself. Aims (issue 2): every 2-D preset under 20 s and
mnist under 60 s on 2 cores.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from model.config import PRESETS
from model.train import export_states, load_dataset, train

__all__ = ["run"]

AIMS = {"mnist": 60.0, "templates": 60.0}


def _bare_training(config, data) -> float:
    start = time.perf_counter()
    train(config.replace(snapshots=2), data, progress=False)
    return time.perf_counter() - start


def run() -> list[dict]:
    rows = []
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
