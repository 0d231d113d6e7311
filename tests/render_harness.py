"""Helpers the rendering tests share: run ``render.py`` as a user would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

__all__ = ["FIXTURES", "ROOT", "assert_chunks_draw_whole", "run_render"]

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


def assert_chunks_draw_whole(scene_cls: type, options, work: Path, n_chunks: int) -> list:
    """Draw ``scene_cls`` whole, then cut into ``n_chunks`` chunks (here, one after another);
    assert every frame is the same to the bit. Returns the whole render's frames."""
    import numpy as np

    from rendering.draw.scene import plan_scene, scene_frames
    from rendering.plan.cuts import split_chunks

    counts, _ = plan_scene(scene_cls, options, work)
    whole = list(scene_frames(scene_cls, options, work))
    chunked = []
    for plays in split_chunks(counts, n_chunks):
        chunked += list(scene_frames(scene_cls, options, work, plays))
    assert len(chunked) == len(whole) == sum(counts)
    differ = [k for k, (a, b) in enumerate(zip(whole, chunked, strict=True))
              if not np.array_equal(a, b)]  # fmt: skip
    assert not differ, f"frames {differ} of {len(whole)} differ"
    return whole
