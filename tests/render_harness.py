"""Helpers the rendering tests share: run ``render.py`` as a user would, a quiet console."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

__all__ = ["FIXTURES", "ROOT", "Quiet", "run_render"]

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


class Quiet:
    """A console that prints nothing (for the batch functions' ``console`` argument)."""

    is_terminal = False

    def print(self, *args, **kwargs) -> None:
        pass
