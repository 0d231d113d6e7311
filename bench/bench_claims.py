"""The packing study's claims, re-measured on this machine (``packing-table --check``).

The claims are the sentences of ``docs/packing-study.md``.

Slow the first time (18 cells x 5 seeds of training, cached afterwards under
``media/states/packing-study``); ``python -m bench claims`` runs only this.
A row per claim: ``ok`` is whether it holds over the seeds measured here.
"""

from __future__ import annotations

import time

from model.packing_study import CLAIMS, failed_claims, jobs_default, run_study

__all__ = ["run"]


def run() -> list[dict]:
    start = time.perf_counter()
    cells = run_study(seeds=5, jobs=jobs_default(), progress=False)
    seconds = round(time.perf_counter() - start, 2)
    failed = {claim.name for claim in failed_claims(cells)}
    return [
        {
            "benchmark": f"claim {claim.name}",
            "seconds": seconds,
            "aim": "holds over 5 seeds",
            "ok": claim.name not in failed,
        }
        for claim in CLAIMS
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
