"""Run every benchmark module (``bench/bench_*.py``) and print one table.

``python -m bench`` runs them all; ``python -m bench spirals train`` only the
modules whose name contains one of the words. Each module exposes
``run() -> list[dict]``; a row's usual keys are ``benchmark``, ``seconds``,
``baseline``, ``ratio``, ``aim`` and ``ok`` (other keys are shown too).
"""

from __future__ import annotations

import importlib
import sys
import time
import traceback
from pathlib import Path

__all__ = ["discover", "main"]

HERE = Path(__file__).resolve().parent
COLUMNS = ("benchmark", "seconds", "baseline", "ratio", "aim", "ok")


def discover(words: list[str]) -> list[str]:
    """Module names ``bench.bench_*`` in file order, filtered by ``words`` if given."""
    names = sorted(p.stem for p in HERE.glob("bench_*.py"))
    if words:
        names = [n for n in names if any(w in n for w in words)]
    return [f"bench.{n}" for n in names]


def _table(rows: list[dict]) -> None:
    keys = list(COLUMNS) + sorted({k for r in rows for k in r} - set(COLUMNS))
    keys = [k for k in keys if any(k in r for r in rows)]
    cells = [[str(r.get(k, "")) for k in keys] for r in rows]
    widths = [max(len(k), *(len(c[i]) for c in cells)) for i, k in enumerate(keys)]
    print("  ".join(k.ljust(w) for k, w in zip(keys, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for c in cells:
        print("  ".join(v.ljust(w) for v, w in zip(c, widths, strict=True)))


def main(argv: list[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    modules = discover(words)
    if not modules:
        print(f"no benchmark module matches {' '.join(words)!r} in {HERE}", file=sys.stderr)
        return 2
    rows: list[dict] = []
    failed = False
    for name in modules:
        start = time.perf_counter()
        print(f"running {name} ...", file=sys.stderr, flush=True)
        try:
            module = importlib.import_module(name)
            for row in module.run():
                rows.append({"module": name.removeprefix("bench."), **row})
        except Exception as err:  # one broken benchmark must not hide the others
            failed = True
            traceback.print_exc()
            rows.append({"module": name.removeprefix("bench."), "benchmark": f"FAILED: {err}"})
        print(f"  {name} took {time.perf_counter() - start:.1f} s", file=sys.stderr)
    _table(rows)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
