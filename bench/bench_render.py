"""render.py against naive baselines: manim's own GIF, and one render process at a time.

Two measurements:

- GIF quality and size: the same scene as a GIF from render.py (one ``pal8``
  palette from the video) and from manim's ``--format gif`` (fixed ``rgb8``
  palette), both 640x360 at 20 fps, scored by PSNR against render.py's MP4
  frames. Also the default GIF (720p30 video, 640 px at 12.5 fps) against the
  aims of issue 7: at least 38 dB, at most 3 MB per 10 s.
- Batch wall time: a draft-quality gallery with ``--jobs 1`` and ``--jobs 2``
  (states trained beforehand, so only rendering is timed). By default the
  ``spirals`` story; set ``BENCH_RENDER_STORY`` (``all`` for the whole default
  gallery) to change it; ``BENCH_RENDER_GIF_SCENE`` picks the GIF scene (default:
  the first one).

Run with ``python -m bench`` (all benchmarks) or ``python -m bench.bench_render``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import rendering

__all__ = ["run"]

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "tiny_scenes.py"
GIF_PSNR_AIM = 38.0  # dB against the video's frames
GIF_MB_PER_10S_AIM = 3.0  # at 640 px wide


def _render(*args: str) -> float:
    """Run render.py; return its wall time in seconds (raises if it fails)."""
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, str(ROOT / "render.py"), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        tail = (result.stderr.strip().splitlines() or ["?"])[-1]
        raise RuntimeError(f"render.py {' '.join(args)} failed: {tail}")
    return time.perf_counter() - start


def _gallery_scenes() -> tuple[list[rendering.SceneEntry], list[str]]:
    """The scenes to time, and the render.py arguments that pick them."""
    entries, broken = rendering.discover(rendering.scene_files())
    story = os.environ.get("BENCH_RENDER_STORY", "spirals")
    if story == "all":
        return rendering.select(entries, broken=broken), []
    chosen = [entry for entry in entries if entry.story == story and entry.gallery]
    if chosen:
        return chosen, ["--story", story]
    # No story scenes yet: the test fixture stands in, so the benchmark still runs.
    fixture, _ = rendering.discover([FIXTURE])
    fixture = [entry for entry in fixture if entry.name in ("TinyMove", "TinySlow")]
    return fixture, ["--file", str(FIXTURE), "--scene", "TinyMove", "--scene", "TinySlow"]


def _prepare_states(entries: list[rendering.SceneEntry]) -> None:
    from rich.console import Console

    rendering.train_states([rendering.Job(entry, "dark") for entry in entries], Console(quiet=True))


def _scene_args(entry: rendering.SceneEntry) -> list[str]:
    on_file = [] if entry.path.parent == rendering.SCENES_DIR else ["--file", str(entry.path)]
    return [*on_file, "--scene", entry.name]


def _manim_gif(entry: rendering.SceneEntry, folder: Path) -> Path:
    """The scene as manim's own ``--format gif``, 640x360 at 20 fps."""
    env = os.environ | {"BENDSPACE_THEME": "dark"}
    command = [
        sys.executable, "-m", "manim", "render", str(entry.path), entry.name,
        "--format", "gif", "-r", "640,360", "--fps", "20", "--media_dir", str(folder),
        "--disable_caching", "-v", "WARNING", "--progress_bar", "none",
    ]  # fmt: skip
    if entry.path.parent != rendering.SCENES_DIR:  # scene files outside scenes/ import siblings
        env["PYTHONPATH"] = os.pathsep.join([str(entry.path.parent), env.get("PYTHONPATH", "")])
    subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True)
    return next(folder.rglob(f"{entry.name}*.gif"))


def _gif_rows(entry: rendering.SceneEntry, tmp: Path) -> list[dict]:
    rows = []
    # render.py vs manim at the same size and rate.
    ours_dir = tmp / "ours20" / "gallery"
    args = ["--width", "640", "--fps", "20", "--gif-fps", "20", "-f", "mp4,gif", "-j", "1"]
    _render(*_scene_args(entry), *args, "--out", str(ours_dir))
    video, ours = ours_dir / "dark" / f"{entry.name}.mp4", ours_dir / "dark" / f"{entry.name}.gif"
    theirs = _manim_gif(entry, tmp / "manim")
    duration = rendering.video_info(video)["frames"] / 20
    db_ours, db_theirs = rendering.gif_psnr(ours, video), rendering.gif_psnr(theirs, video)
    mb_ours, mb_theirs = ours.stat().st_size / 1e6, theirs.stat().st_size / 1e6
    rows.append(
        {
            "benchmark": f"GIF PSNR vs video, 640x360 20 fps ({entry.name})",
            "value": f"{db_ours:.1f} dB",
            "baseline": f"manim --format gif {db_theirs:.1f} dB",
            "ratio": round(float(db_ours - db_theirs), 1),  # dB gained
            "aim": f">= {GIF_PSNR_AIM:.0f} dB",
            "ok": bool(db_ours >= GIF_PSNR_AIM),
        }
    )
    rows.append(
        {
            "benchmark": f"GIF size, 640x360 20 fps, {duration:.1f} s ({entry.name})",
            "value": f"{mb_ours:.2f} MB",
            "baseline": f"manim --format gif {mb_theirs:.2f} MB",
            "ratio": round(mb_ours / mb_theirs, 2),
            "aim": "smaller than manim's",
            "ok": mb_ours < mb_theirs,
        }
    )
    # The default GIF: from the 720p30 video, 640 px at 12.5 fps.
    default_dir = tmp / "default" / "gallery"
    _render(*_scene_args(entry), "-f", "mp4,gif", "-j", "1", "--out", str(default_dir))
    video = default_dir / "dark" / f"{entry.name}.mp4"
    gif = default_dir / "dark" / f"{entry.name}.gif"
    info = rendering.video_info(video)
    per_10s = gif.stat().st_size / 1e6 * 10 / (info["frames"] / info["fps"])
    db = rendering.gif_psnr(gif, video)
    rows.append(
        {
            "benchmark": f"default GIF 640 px 12.5 fps ({entry.name})",
            "value": f"{db:.1f} dB, {per_10s:.2f} MB per 10 s",
            "baseline": f"aims {GIF_PSNR_AIM:.0f} dB, {GIF_MB_PER_10S_AIM:.0f} MB per 10 s",
            "ratio": round(per_10s / GIF_MB_PER_10S_AIM, 2),
            "aim": f">= {GIF_PSNR_AIM:.0f} dB and <= {GIF_MB_PER_10S_AIM:.0f} MB/10 s",
            "ok": bool(db >= GIF_PSNR_AIM and per_10s <= GIF_MB_PER_10S_AIM),
        }
    )
    return rows


def _jobs_rows(entries: list[rendering.SceneEntry], select: list[str], tmp: Path) -> list[dict]:
    base = [*select, "--quality", "draft", "--force"]
    one = _render(*base, "--jobs", "1", "--out", str(tmp / "j1" / "gallery"))
    two = _render(*base, "--jobs", "2", "--out", str(tmp / "j2" / "gallery"))
    names = ", ".join(entry.name for entry in entries)
    return [
        {
            "benchmark": f"draft gallery, --jobs 2 ({len(entries)} scenes: {names})",
            "seconds": round(two, 1),
            "baseline": f"--jobs 1 {one:.1f} s",
            "ratio": round(two / one, 2),
            "aim": "< 0.75 (2 cores)",
            "ok": two / one < 0.75,
        }
    ]


def run() -> list[dict]:
    """Both benchmarks; one row per measurement."""
    entries, select = _gallery_scenes()
    _prepare_states(entries)
    wanted = os.environ.get("BENCH_RENDER_GIF_SCENE")
    gif_scene = next((e for e in entries if e.name == wanted), entries[0])
    with tempfile.TemporaryDirectory() as tmp:
        rows = _gif_rows(gif_scene, Path(tmp))
        rows += _jobs_rows(entries, select, Path(tmp))
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
