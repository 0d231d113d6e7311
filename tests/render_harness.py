"""Helpers the rendering tests share: run ``render.py`` as a user would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

__all__ = ["FIXTURES", "ROOT", "run_render"]

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def run_render(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """``python render.py ARGS`` from the repo root; output captured as text."""
    return subprocess.run(
        [sys.executable, str(ROOT / "render.py"), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
