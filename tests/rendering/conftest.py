"""Fixtures of the rendering tests: the tiny scenes, and one draft render of them."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from render_harness import FIXTURES, run_render


@pytest.fixture(scope="session")
def scene_dir(tmp_path_factory) -> Path:
    """A private copy of the tiny scenes (tests that edit them copy it again)."""
    folder = tmp_path_factory.mktemp("scenes")
    for name in ("tiny_scenes.py", "tiny_palette.py"):
        shutil.copy(FIXTURES / name, folder / name)
    return folder


@pytest.fixture(scope="session")
def draft(scene_dir, tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """One draft render of TinyMove to MP4, WebM, GIF and PNG (about 5 s)."""
    out = tmp_path_factory.mktemp("media") / "gallery"
    result = run_render(
        "--file", str(scene_dir / "tiny_scenes.py"), "--scene", "TinyMove",
        "--quality", "draft", "--out", str(out), "--jobs", "1",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return out, result
