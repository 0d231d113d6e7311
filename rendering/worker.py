"""The worker: render one scene in one theme in its own process, encode it, write its stamp.

Started by the batch as ``python -m rendering.worker SPEC_JSON``; it reports
on stdout, one JSON event a line: ``frames`` (progress), ``stage``, ``error``
(one line) and ``done`` (with the stamp). See :func:`job_spec` for the spec.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

import numpy as np

from model.sources import source_from_json, source_to_json
from rendering.encode import encode_outputs
from rendering.messages import one_line, system_library_hint
from rendering.options import ALPHA_FORMATS, RenderOptions
from rendering.process import die_with_parent, interrupt_on_sigterm
from rendering.registry import SceneEntry, load_scene_module
from rendering.stamps import read_stamp, stamp_path, write_text_atomic

__all__ = ["job_spec", "main", "render_master", "run_job", "scene_class"]


def job_spec(
    entry: SceneEntry,
    theme: str,
    folder: Path,
    formats: Sequence[str],
    options: RenderOptions,
    digest: str,
) -> dict:
    """Everything a worker needs to render ``entry`` in ``theme`` into ``folder`` (JSON-ready)."""
    return {
        "name": entry.name,
        "path": str(entry.path),
        "story": entry.story,
        "title": entry.title,
        "description": entry.description,
        "theme": theme,
        "folder": str(folder),
        "formats": list(formats),
        "options": asdict(options),
        "hash": digest,
        "poster_time": entry.poster_time,
        "overrides": [source_to_json(source) for source in entry.overrides],
    }


def _emit(event: str, **data) -> None:
    sys.__stdout__.write(json.dumps({"event": event, **data}) + "\n")
    sys.__stdout__.flush()


def scene_class(spec: dict) -> type:
    """The scene class a spec names, showing the spec's overriding states if it has any."""
    scene_cls = getattr(load_scene_module(Path(spec["path"])), spec["name"])
    sources = [source_from_json(data) for data in spec.get("overrides") or ()]
    return scene_cls.with_states(*sources) if sources else scene_cls


def render_master(scene_cls: type, work: Path, transparent: bool) -> tuple[Path, np.ndarray]:
    """Render the scene once to a lossless QuickTime master; returns it and the background RGB.

    Opaque masters are RLE-coded RGB frames exactly as manim drew them; a
    transparent master (only made when an alpha format is asked for) keeps
    manim's alpha channel.
    """
    from manim import ManimColor, config

    config.media_dir = str(work / ("alpha" if transparent else "opaque"))
    config.format = "mov"
    config.transparent = transparent
    config.video_codec = "qtrle"
    config.pixel_format = "argb" if transparent else "rgb24"
    scene = scene_cls()
    scene.render()
    master = Path(scene.renderer.file_writer.movie_file_path)
    background = np.array(ManimColor(scene.camera.background_color).to_int_rgb(), np.float32)
    return master, background


def run_job(spec: dict) -> dict:
    """Render one scene to a lossless master and encode the outputs (worker side)."""
    os.environ["BENDSPACE_THEME"] = spec["theme"]
    options = RenderOptions(**spec["options"])
    folder = Path(spec["folder"])
    work = folder / f".work-{spec['name']}.tmp-{os.getpid()}"
    work.mkdir(parents=True, exist_ok=True)
    try:
        from manim import config
        from manim.scene.scene_file_writer import SceneFileWriter

        config.pixel_width, config.pixel_height = options.width, options.height
        config.frame_rate = options.fps
        config.disable_caching = True
        config.verbosity = "WARNING"
        config.progress_bar = "none"
        config.write_to_movie = True
        config.save_last_frame = False

        counted = {"frames": 0, "last": 0.0}
        original_write = SceneFileWriter.write_frame

        def counting_write(self, pixels, *, repeat: int = 1):
            counted["frames"] += repeat
            now = time.monotonic()
            if now - counted["last"] > 0.25:
                counted["last"] = now
                _emit("frames", n=counted["frames"], seconds=counted["frames"] / options.fps)
            return original_write(self, pixels, repeat=repeat)

        SceneFileWriter.write_frame = counting_write
        scene_cls = scene_class(spec)
        _emit("stage", name="rendering")
        master, background = render_master(scene_cls, work, transparent=False)
        alpha_master = None
        if any(fmt in ALPHA_FORMATS for fmt in spec["formats"]):
            _emit("stage", name="rendering with alpha")
            counted["frames"] = 0
            alpha_master, _ = render_master(scene_cls, work, transparent=True)
        result = encode_outputs(
            master,
            folder,
            spec["name"],
            spec["formats"],
            options,
            background,
            spec.get("poster_time"),
            report=lambda stage: _emit("stage", name=stage),
            alpha_master=alpha_master,
        )
        return result | {"background": "#" + "".join(f"{int(c):02x}" for c in background)}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _write_stamp(spec: dict, result: dict, seconds: float) -> dict:
    folder = Path(spec["folder"])
    old = read_stamp(stamp_path(folder.parent, spec["theme"], spec["name"])) or {}
    outputs = dict(result["outputs"])
    if old.get("hash") == spec["hash"]:  # same pixels: keep formats rendered earlier
        outputs = {
            fmt: file for fmt, file in old.get("outputs", {}).items() if (folder / file).is_file()
        } | outputs
    stamp = {
        "hash": spec["hash"],
        "scene": spec["name"],
        "story": spec["story"],
        "title": spec["title"],
        "description": spec["description"],
        "theme": spec["theme"],
        "width": spec["options"]["width"],
        "height": spec["options"]["height"],
        "fps": spec["options"]["fps"],
        "gif_fps": spec["options"]["gif_fps"],
        "frames": result["frames"],
        "duration": result["duration"],
        "poster_frame": result["poster_frame"],
        "background": result["background"],
        "outputs": outputs,
        "render_seconds": round(seconds, 2),
    }
    write_text_atomic(folder / f"{spec['name']}.json", json.dumps(stamp, indent=1))
    return stamp


def main(spec_json: str) -> int:
    """Run the job ``spec_json`` describes; returns the process exit code."""
    die_with_parent()
    interrupt_on_sigterm()
    spec = json.loads(spec_json)
    start = time.perf_counter()
    try:
        result = run_job(spec)
    except KeyboardInterrupt:
        return 130
    except BaseException as err:
        hint = system_library_hint(err) if isinstance(err, (ImportError, OSError)) else None
        _emit("error", reason=hint or one_line(err))
        import traceback

        traceback.print_exc()
        return 1
    stamp = _write_stamp(spec, result, time.perf_counter() - start)
    _emit("done", stamp=stamp)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
