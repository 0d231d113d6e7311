"""The tasks a render worker runs: plan a scene, render a chunk, finish (and train states).

Every task is a plain function of JSON-ready arguments, so the same tasks run
in the local process pool (:mod:`rendering.run.executors`) and on a Dask cluster.
A spec (:func:`job_spec`) says which scene, theme, options and folders; a
chunk says which plays and frames. Local tasks write into the scene's work
folder; :func:`chunk_bytes_task` (Dask) returns the chunk's files as bytes for
the client to write. The states task is :mod:`rendering.run.training`'s.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import queue
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from model.sources import source_to_json
from rendering.plan.options import ALPHA_FORMATS, RenderOptions
from rendering.plan.registry import REPO_ROOT, SceneEntry, scene_class, scene_path
from rendering.plan.stamps import (
    DEFAULT_QUALITY,
    index_stamp,
    output_folder,
    quality_name,
    read_stamp,
    source_files,
    write_text_atomic,
)
from rendering.run.training import train_task  # a task too: the pool submits it by this name

__all__ = [
    "checked_plan_task",
    "checkout_digest",
    "chunk_bytes_task",
    "chunk_task",
    "finish_task",
    "init_worker",
    "job_spec",
    "plan_task",
    "prepare_worker",
    "train_task",
    "warm_up",
    "whole_task",
]

_PROGRESS: queue.Queue | None = None  # set in pool workers: (key, chunk, frames done)


def init_worker(progress_queue=None) -> None:
    """Pool initialiser: report progress into ``progress_queue``, stop with the batch."""
    global _PROGRESS
    from rendering.run.process import die_with_parent, worker_signals

    _PROGRESS = progress_queue
    die_with_parent()
    worker_signals()
    prepare_worker()


def prepare_worker() -> int:
    """A worker, before its first task (local pool or Dask): import manim once, and keep
    the states files it loads (scenes of a batch share them: each is read once)."""
    import manim  # noqa: F401

    from model.states import keep_loaded

    keep_loaded()
    _keep_frames_on_the_heap()
    return os.getpid()


# glibc's mallopt parameters (malloc.h), and the values set: a frame of 1080p RGBA is 8 MB.
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_TRIM_THRESHOLD, _MMAP_THRESHOLD = 256 << 20, 32 << 20


@functools.cache
def _keep_frames_on_the_heap() -> bool:
    """Let glibc reuse freed frames instead of mapping fresh zeroed pages for each one.

    glibc adapts its mmap threshold to large blocks that are freed, unless one of
    its thresholds was set: Dask's nanny sets ``MALLOC_TRIM_THRESHOLD_`` in every
    worker, after which each frame-sized array is a new mmap, and its pages fault
    in again (a chunk took 25% longer). Fixed thresholds above a frame's size put
    the reuse back. Once per process. Returns whether they were set (only glibc has
    ``mallopt``).
    """
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    return bool(
        mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD) and mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD)
    )


def warm_up() -> int:
    """A no-op task: submitted once per worker so that every worker starts (and imports) now."""
    return os.getpid()


#: Every module a chunk may run: a worker whose copy of any of them differs refuses the chunk.
CHECKOUT_PACKAGES = ("model", "scenes", "rendering")
#: The libraries that decide a chunk's pixels and bytes, by version.
CHECKOUT_LIBRARIES = ("manim", "av", "numpy")


@functools.cache
def _library_versions() -> bytes:
    from importlib.metadata import PackageNotFoundError, version

    found = []
    for name in CHECKOUT_LIBRARIES:
        try:
            found.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            found.append(f"{name} -")
    return "\0".join(found).encode()


@functools.lru_cache(maxsize=1024)
def _file_digest(path: Path, mtime_ns: int, size: int) -> bytes:
    return hashlib.sha256(path.read_bytes()).digest()


def _portable_name(path: Path) -> bytes:
    """A file's name as every checkout spells it: relative to the project, else its base name."""
    try:
        return path.relative_to(REPO_ROOT).as_posix().encode()
    except ValueError:
        return path.name.encode()


def checkout_digest(path: Path, states: Sequence[Path]) -> str:
    """Hash of the code a chunk of the scene at ``path`` runs, and of its states' bytes.

    The code: the scene file and its local imports, every module of
    :data:`CHECKOUT_PACKAGES` (the renderer too) and the versions of
    :data:`CHECKOUT_LIBRARIES`. Names are relative, so checkouts in different
    folders agree.
    """
    digest = hashlib.sha256(_library_versions())
    files = set(source_files(path))
    for package in CHECKOUT_PACKAGES:
        files.update(file.resolve() for file in (REPO_ROOT / package).rglob("*.py"))
    entries = []  # sorted by name and content: two files outside the project may share a name
    for file in files:
        stat = file.stat()
        entries.append(
            _portable_name(file) + b"\0" + _file_digest(file, stat.st_mtime_ns, stat.st_size)
        )
    for entry in sorted(entries):
        digest.update(entry)
    for file in states:
        digest.update(Path(file).name.encode() + b"\0")
        if Path(file).is_file():
            digest.update(hashlib.sha256(Path(file).read_bytes()).digest())
    return digest.hexdigest()[:16]


def _states_paths(entry_sources) -> list[Path]:
    paths = []
    for source in entry_sources:
        try:
            paths.append(source.path())
        except Exception:  # e.g. $STATES unset: the render itself will say so
            continue
    return paths


def job_spec(
    entry: SceneEntry,
    theme: str,
    out: Path,
    formats: Sequence[str],
    options: RenderOptions,
    digest: str,
    work: Path,
) -> dict:
    """Everything a task needs to render ``entry`` in ``theme`` under ``out`` (JSON-ready).

    ``work`` is the scene's work folder, made by :func:`model.files.work_folder`.
    """
    folder = output_folder(out, theme, options)
    path = Path(entry.path).resolve()
    try:
        relative = str(path.relative_to(REPO_ROOT))
    except ValueError:
        relative = None
    return {
        "name": entry.name,
        "path": str(path),
        "relative": relative,  # where a worker with another checkout finds the scene
        "checkout": checkout_digest(path, _states_paths(entry.states_sources)),
        "story": entry.story,
        "title": entry.title,
        "description": entry.description,
        "theme": theme,
        "folder": str(folder),
        "work": str(work),
        "formats": list(formats),
        "out": str(out),
        "quality": quality_name(options),
        "options": asdict(options),
        "hash": digest,
        "poster_time": entry.poster_time,
        "overrides": [source_to_json(source) for source in entry.overrides],
    }


def _prepare(spec: dict) -> tuple[type, RenderOptions]:
    from rendering.outputs.encode import set_encoder_threads

    os.environ["BENDSPACE_THEME"] = spec["theme"]  # scenes read it when they set up
    os.environ["BENDSPACE_VOICE"] = spec["options"].get("voice", "")  # and it when they speak
    set_encoder_threads(spec.get("encoder_threads", 0))
    return scene_class(spec), RenderOptions(**spec["options"])


def plan_task(spec: dict) -> tuple[list[int], str, list[bool]]:
    """The frames each ``play`` of the scene writes, its background and which plays are
    still (animations skipped)."""
    from rendering.draw.scene import plan_scene

    scene_cls, options = _prepare(spec)
    work = Path(spec["work"])  # the client's: on another machine, a private folder instead
    still: list[bool] = []
    lines: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="plan-", dir=work if work.is_dir() else None) as tmp:
        frames, background = plan_scene(scene_cls, options, Path(tmp), still, lines)
    if work.is_dir():  # the finish reads the lines from here (else it plans them again)
        write_text_atomic(work / NARRATION_FILE, json.dumps({"frames": frames, "lines": lines}))
    return frames, background, still


NARRATION_FILE = "narration.json"


def _narration(spec: dict, scene_cls: type, options: RenderOptions, n_frames: int) -> list[dict]:
    """The scene's spoken lines with their start times: from its plan, or planned again."""
    from rendering.draw.scene import plan_scene
    from scenes.lib.narration import Narrated

    if not issubclass(scene_cls, Narrated):
        return []
    work = Path(spec["work"])
    try:
        saved = json.loads((work / NARRATION_FILE).read_text())
        if sum(saved["frames"]) == n_frames:
            return saved["lines"]
    except (OSError, ValueError, KeyError, TypeError):
        pass
    lines: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="narration-", dir=work) as tmp:
        plan_scene(scene_cls, options, Path(tmp), None, lines)
    return lines


def checked_plan_task(spec: dict) -> tuple[list[int], str, list[bool]]:
    """Dask: :func:`plan_task` once this worker's checkout is found to be the client's."""
    _check_checkout(spec)
    return plan_task(spec)


def _progress(spec: dict, index: int):
    """``progress(done, final=False)``: chunk ``index``'s frames done, to the batch's queue.

    At most four messages a second, and the final count always.
    """
    key, last = (spec["name"], spec["theme"]), [0.0]

    def progress(done: int, final: bool = False) -> None:
        now = time.monotonic()
        if _PROGRESS is not None and (final or now - last[0] > 0.25):
            last[0] = now
            _PROGRESS.put((key, index, done))

    return progress


def chunk_task(spec: dict, chunk: dict, work: str | None = None) -> int:
    """Render one chunk into the work folder (``work`` overrides the spec's); returns its frames.

    ``chunk``: ``index``, ``plays`` (start, end), ``first`` (its first frame),
    ``frames`` (the scene's frame count) and ``poster`` (the poster's index).
    """
    from rendering.draw.chunk import render_chunk

    scene_cls, options = _prepare(spec)
    progress = _progress(spec, chunk["index"])
    count = render_chunk(
        scene_cls,
        tuple(chunk["plays"]),
        chunk["first"],
        chunk["frames"],
        chunk.get("formats", spec["formats"]),
        options,
        chunk["poster"],
        Path(work or spec["work"]),
        chunk["index"],
        progress,
    )
    progress(count, final=True)
    expected = chunk.get("expected")
    if expected is not None and count != expected:
        raise RuntimeError(f"chunk {chunk['index']} wrote {count} frames, the plan said {expected}")
    return count


def open_chunk_task(spec: dict, work: str | None = None, messages=None) -> dict:
    """Chunk 0 of a scene whose plan runs beside it (:mod:`rendering.draw.chunk`).

    ``work`` overrides the spec's folder; ``messages`` carry the plan and the cut
    (default: files in the spec's work folder).
    """
    from rendering.draw.chunk import render_open_chunk

    scene_cls, options = _prepare(spec)
    progress = _progress(spec, 0)
    result = render_open_chunk(
        scene_cls, spec["formats"], options, Path(work or spec["work"]), progress,
        messages=messages,
    )  # fmt: skip
    progress(result["count"], final=True)
    return result


def whole_task(spec: dict, work: str | None = None) -> dict:
    """A scene in one chunk, with no plan (:func:`rendering.draw.chunk.render_whole`)."""
    from rendering.draw.chunk import render_whole

    scene_cls, options = _prepare(spec)
    progress = _progress(spec, 0)
    result = render_whole(
        scene_cls, spec["formats"], options, Path(work or spec["work"]), spec["poster_time"],
        progress,
    )  # fmt: skip
    progress(result["count"], final=True)
    return result


def _check_checkout(spec: dict) -> None:
    states = _states_paths(getattr(scene_class(spec), "states_sources", ()))
    found = checkout_digest(scene_path(spec), states)
    if found != spec["checkout"]:
        raise RuntimeError(
            f"this worker's checkout differs from the client's for {spec['name']} (project "
            "code, scene sources, manim/av/numpy versions or states files): update the "
            "worker's checkout, venv and media/states"
        )


def chunk_bytes_task(spec: dict, chunk: dict | None, messages=None) -> dict:
    """Dask: check the checkout, render one chunk in a private folder, return its files' bytes.

    ``chunk`` None is the open chunk 0, cut by ``messages``
    (:class:`rendering.run.executors.DaskMessages`); ``{"whole": True}`` the whole
    scene with no plan (:func:`whole_task`). Returns ``files`` (name to
    bytes) and ``result`` (the chunk task's).
    """
    os.environ["BENDSPACE_THEME"] = spec["theme"]
    _keep_frames_on_the_heap()  # again: a worker the nanny restarted was not prepared
    _check_checkout(spec)
    with tempfile.TemporaryDirectory(prefix="bendspace-chunk-") as tmp:
        if chunk is None:
            result = open_chunk_task(spec, work=tmp, messages=messages)
        elif chunk.get("whole"):
            result = whole_task(spec, work=tmp)
        else:
            result = chunk_task(spec, chunk, work=tmp)
        files = {p.name: p.read_bytes() for p in Path(tmp).iterdir() if p.is_file()}
        return {"files": files, "result": result}


def finish_task(
    spec: dict, n_chunks: int, n_frames: int, poster: int, background: str, seconds: float
) -> dict:
    """Join the chunks into the final files, add transparent formats, write the stamp."""
    from rendering.draw.chunk import render_alpha
    from rendering.outputs.segments import finish_outputs
    from rendering.outputs.sound import sound_track

    scene_cls, options = _prepare(spec)
    work, folder = Path(spec["work"]), Path(spec["folder"])
    start = time.perf_counter()
    alpha = None
    if any(fmt in ALPHA_FORMATS for fmt in spec["formats"]):
        alpha = render_alpha(scene_cls, spec["formats"], options, work)
    lines = _narration(spec, scene_cls, options, n_frames)
    sound = sound_track(lines, n_frames / options.fps) if lines else None
    outputs = finish_outputs(
        work, n_chunks, n_frames, folder, spec["name"], spec["formats"], options, alpha, sound
    )
    result = {
        "outputs": outputs,
        "frames": n_frames,
        "duration": n_frames / options.fps,
        "poster_frame": poster,
        "background": background,
        "chunks": n_chunks,
    }
    if sound is not None:
        result["narration"] = lines
        result["loudness"] = [round(sound.lufs, 2), round(sound.true_peak, 2)]
        result["subtitles"] = {
            kind: f"{spec['name']}.{kind}"
            for kind in ("srt", "vtt")
            if (folder / f"{spec['name']}.{kind}").is_file()
        }
    return _write_stamp(spec, result, seconds + time.perf_counter() - start)


def _write_stamp(spec: dict, result: dict, seconds: float) -> dict:
    folder = Path(spec["folder"])
    old = read_stamp(folder / f"{spec['name']}.json") or {}
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
        "quality": spec["quality"],
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
        "chunks": result.get("chunks", 1),  # processes the scene was drawn in
        "plays": spec.get("plays", []),  # frames per play: the next render's chunk plan
        "still": spec.get("still", []),  # which plays are still (cheaper): the same
    }
    for key in ("narration", "subtitles", "loudness"):  # a narrated scene's sound
        if key in result:
            stamp[key] = result[key]
    write_text_atomic(folder / f"{spec['name']}.json", json.dumps(stamp, indent=1))
    if spec["quality"] != DEFAULT_QUALITY:
        index_stamp(Path(spec["out"]), stamp)
    return stamp
