"""Render the gallery in batch: MP4, WebM, GIF, poster PNG and transparent video, in parallel.

``python render.py`` renders every gallery scene found in ``scenes/*.py``;
``--scene``/``--story`` pick a part and ``--list`` shows them all. Each scene is
rendered by manim in a worker process to a lossless master (QuickTime RLE;
a second, transparent render only when ``mov`` or ``alpha-webm`` is asked
for); the videos and the poster are encoded from the master with
PyAV and the GIF from the MP4 (ffmpeg's palettegen/paletteuse), each written
under a temporary name and renamed into place. A JSON stamp beside the outputs
records the hash of the scene's source, its states and the options, so an
up-to-date scene is skipped. ``media/gallery.html`` and ``media/gallery.md``
are rebuilt from the stamps after every run. See ``--help`` for the options.
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import html
import importlib
import importlib.util
import inspect
import itertools
import json
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import ClassVar

import click
import numpy as np

__all__ = [
    "FORMATS",
    "QUALITIES",
    "Job",
    "RenderError",
    "RenderOptions",
    "SceneEntry",
    "clean_stale_temporaries",
    "collect_stamps",
    "discover",
    "encode_outputs",
    "gif_fps_for",
    "gif_info",
    "gif_psnr",
    "gif_size",
    "job_hash",
    "load_scene_module",
    "main",
    "mp4_has_faststart",
    "poster_frame",
    "print_table",
    "psnr",
    "read_stamp",
    "run_batch",
    "run_job",
    "scene_files",
    "source_files",
    "system_library_hint",
    "temporary_name",
    "train_states",
    "up_to_date",
    "video_frame_at",
    "video_info",
    "write_gallery",
    "write_gif",
]

REPO_ROOT = Path(__file__).resolve().parent
SCENES_DIR = REPO_ROOT / "scenes"
DEFAULT_OUT = REPO_ROOT / "media" / "gallery"
PIPELINE_VERSION = 1  # bump when an encoder setting changes what the files contain

# name -> (width, height, fps); the same sizes as manim's -ql/-qm/-qh/-qp/-qk
QUALITIES: dict[str, tuple[int, int, int]] = {
    "draft": (854, 480, 15),
    "720p30": (1280, 720, 30),
    "1080p60": (1920, 1080, 60),
    "1440p60": (2560, 1440, 60),
    "4k": (3840, 2160, 60),
}
# name -> (file suffix, what it is)
FORMATS: dict[str, tuple[str, str]] = {
    "mp4": (".mp4", "H.264 MP4 with its index at the front (streams on the web)"),
    "webm": (".webm", "VP9 WebM"),
    "gif": (".gif", "GIF, one pal8 palette, loops forever"),
    "png": (".png", "poster frame"),
    "mov": (".mov", "transparent ProRes 4444 for video editors"),
    "alpha-webm": (".alpha.webm", "transparent VP9 WebM"),
}
DEFAULT_FORMATS = ("mp4", "webm", "gif", "png")
ALPHA_FORMATS = frozenset({"mov", "alpha-webm"})  # these need a second, transparent render
PROJECT_PACKAGES = ("scenes", "model")  # their sources count in a scene's hash
STORY_ORDER = ("primer", "spirals", "disks", "mnist", "packing", "custom")
THEMES = ("dark", "light")
DEFAULT_GIF_FPS = 12.5  # 8 centiseconds a frame
GIF_DITHER = "bayer:bayer_scale=5"  # ordered: no banding on gradients, compresses well
GIF_STEADY = 3  # colour levels of flicker the GIF ignores in still areas (see _GifFrames)
TMP_RE = re.compile(r"\.tmp-(\d+)$")  # temporaries carry the id of the process writing them

APT_HINTS = {  # a fragment of a missing library's file name -> the Debian install line
    "cairo": "apt-get install -y libcairo2-dev libpango1.0-dev pkg-config",
    "pango": "apt-get install -y libcairo2-dev libpango1.0-dev pkg-config",
    "glib": "apt-get install -y libglib2.0-0",
    "ffi": "apt-get install -y libffi8",
}


class RenderError(Exception):
    """A user-facing problem: one line, no traceback."""


# ---------------------------------------------------------------------------
# Scene registry
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SceneEntry:
    """One renderable scene found in a scene file."""

    name: str
    story: str
    title: str
    description: str
    path: Path
    line: int
    gallery: bool = True
    states: tuple[tuple[str, tuple[tuple[str, object], ...]], ...] = ()
    poster_time: float | None = None


def _module_name(path: Path) -> str:
    path = path.resolve()
    if path.parent == SCENES_DIR:
        return f"scenes.{path.stem}"
    digest = hashlib.sha1(str(path).encode()).hexdigest()[:8]
    return f"_bendspace_scenes_{path.stem}_{digest}"


def load_scene_module(path: Path):
    """Import a scene file (``scenes/x.py`` as ``scenes.x``, any other file by path)."""
    name = _module_name(path)
    if name in sys.modules:
        return sys.modules[name]
    if name.startswith("scenes."):
        if str(REPO_ROOT) not in sys.path:
            sys.path.insert(0, str(REPO_ROOT))
        return importlib.import_module(name)
    # Sibling modules of a scene file outside the project import as top-level names.
    if str(path.parent) not in sys.path:
        sys.path.insert(0, str(path.parent))
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def _title(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", name)


def _scene_classes(module) -> list[type]:
    from manim import Scene

    found = []
    for name, cls in vars(module).items():
        if (
            inspect.isclass(cls)
            and issubclass(cls, Scene)
            and cls.__module__ == module.__name__
            and not name.startswith("_")
            and not cls.__dict__.get("abstract", False)
        ):
            found.append(cls)
    return found


def _entry(cls: type, path: Path, story: str) -> SceneEntry:
    doc = inspect.getdoc(cls) or ""
    states = []
    for item in getattr(cls, "states_presets", ()) or ():
        preset_name, changes = (item, {}) if isinstance(item, str) else item
        states.append((str(preset_name), tuple(sorted(dict(changes).items()))))
    poster = getattr(cls, "poster_time", None)
    return SceneEntry(
        name=cls.__name__,
        story=story,
        title=str(cls.__dict__.get("title") or _title(cls.__name__)),
        description=doc.splitlines()[0].strip() if doc else "",
        path=path.resolve(),
        line=inspect.getsourcelines(cls)[1],
        gallery=bool(getattr(cls, "gallery", True)),
        states=tuple(states),
        poster_time=None if poster is None else float(poster),
    )


def scene_files(extra: Sequence[Path] = ()) -> list[Path]:
    """The story files in ``scenes/`` (skipping ``_*.py``) plus any extra files."""
    files = sorted(p for p in SCENES_DIR.glob("*.py") if not p.name.startswith("_"))
    return files + [Path(p).resolve() for p in extra]


def discover(files: Iterable[Path]) -> tuple[list[SceneEntry], dict[Path, str]]:
    """Import scene files and list their scenes in gallery order.

    Returns
    -------
    (entries, broken)
        The scenes found, and ``{file: one-line reason}`` for files that failed to import.
    """
    entries: list[SceneEntry] = []
    broken: dict[Path, str] = {}
    for path in files:
        path = Path(path).resolve()
        try:
            module = load_scene_module(path)
        except (ImportError, OSError) as err:
            if system_library_hint(err):
                raise RenderError(system_library_hint(err)) from err
            broken[path] = _one_line(err)
            continue
        except Exception as err:
            broken[path] = _one_line(err)
            continue
        story = path.stem
        entries += [_entry(cls, path, story) for cls in _scene_classes(module)]

    def order(entry: SceneEntry):
        story = STORY_ORDER.index(entry.story) if entry.story in STORY_ORDER else len(STORY_ORDER)
        return (story, entry.story, str(entry.path), entry.line)

    return sorted(entries, key=order), broken


def system_library_hint(err: BaseException) -> str | None:
    """For an import error caused by a missing shared library, the line that says how to fix it."""
    text = str(err)
    match = re.search(r"([\w.+-]+\.so[\w.]*): cannot open shared object file", text)
    if not match and "no library called" not in text:
        return None
    lib = match.group(1) if match else text.split("no library called")[-1].strip(" \"'")
    for fragment, command in APT_HINTS.items():
        if fragment in lib.lower():
            return f"missing system library {lib}: install it with `{command}`"
    return f"missing system library {lib}: install the package that provides it (apt-file search)"


def _one_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return f"{type(err).__name__}: {text[0] if text else ''}".rstrip(": ")


# ---------------------------------------------------------------------------
# Options, hashing, up-to-date checks
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RenderOptions:
    """What decides the pixels of every output (formats excluded: they only add files)."""

    width: int
    height: int
    fps: int
    gif_width: int = 640
    gif_fps: float = DEFAULT_GIF_FPS
    poster_at: float | None = None  # overrides the scenes' own poster_time

    def key(self) -> dict:
        return asdict(self) | {"pipeline": PIPELINE_VERSION}


def gif_fps_for(video_fps: float, wanted: float | None = None) -> float:
    """The GIF frame rate: a whole number of centiseconds per frame.

    By default 12.5 fps (8 cs), or the video's rate rounded down to such a value
    when it is lower: GIF size grows with every frame, and the GIF is the
    fallback for the video, not the main course.

    Raises
    ------
    RenderError
        If ``wanted`` is not 100 divided by a whole number.
    """
    if wanted is not None:
        delay = 100.0 / wanted if wanted > 0 else 0.5
        if abs(delay - round(delay)) > 1e-9 or round(delay) < 1:
            raise RenderError(
                f"--gif-fps {wanted:g}: GIF frame delays are whole centiseconds; "
                "use 10, 12.5, 20, 25 or 50"
            )
        return float(wanted)
    if video_fps >= DEFAULT_GIF_FPS:
        return DEFAULT_GIF_FPS
    return 100.0 / float(np.ceil(100.0 / video_fps - 1e-9))


def _local_imports(path: Path) -> list[Path]:
    """Project files that ``path`` imports (``scenes.*``, ``model.*``, siblings), for the hash."""
    try:
        tree = ast.parse(path.read_text())
    except (OSError, SyntaxError):
        return []
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                names += [f".{base}" if base else f".{alias.name}" for alias in node.names]
                if base:
                    names.append(f".{base}")
            else:
                names.append(base)
                names += [f"{base}.{alias.name}" for alias in node.names]
    found = []
    for name in names:
        parts = name.lstrip(".").split(".")
        if not parts[0]:
            continue
        if name.startswith("."):
            base = path.parent
        elif parts[0] in PROJECT_PACKAGES:
            base = REPO_ROOT
        else:  # a sibling of a scene file outside the project
            base = path.parent
        module = base.joinpath(*parts)
        for candidate in (module.with_suffix(".py"), module / "__init__.py"):
            if candidate.is_file() and candidate.resolve() != path.resolve():
                found.append(candidate.resolve())
    return found


def source_files(path: Path) -> list[Path]:
    """``path`` and every local module it imports, transitively, in a stable order."""
    seen: dict[Path, None] = {}
    todo = [Path(path).resolve()]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen[current] = None
        todo += _local_imports(current)
    return sorted(seen)


def _states_paths(entry: SceneEntry) -> list[Path]:
    from model.cache import states_path
    from model.config import preset

    return [states_path(preset(name, **dict(changes))) for name, changes in entry.states]


def job_hash(entry: SceneEntry, theme: str, options: RenderOptions) -> str:
    """Hash of the scene's source (with its local imports), its states' bytes and the options."""
    digest = hashlib.sha256()
    digest.update(json.dumps([entry.name, theme, options.key()], sort_keys=True).encode())
    for path in source_files(entry.path):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    for path in _states_paths(entry):
        digest.update(path.name.encode() + b"\0")
        if path.is_file():
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]


def _stamp_path(out: Path, theme: str, name: str) -> Path:
    return out / theme / f"{name}.json"


def read_stamp(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def up_to_date(stamp: dict | None, digest: str, formats: Sequence[str], folder: Path) -> bool:
    """True if the stamp has this hash and every wanted output exists."""
    if not stamp or stamp.get("hash") != digest:
        return False
    outputs = stamp.get("outputs", {})
    return all(fmt in outputs and (folder / outputs[fmt]).is_file() for fmt in formats)


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    with contextlib.suppress(OSError):  # a killed worker nobody reaped yet is a zombie
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        return state not in ("Z", "X")
    return True


def clean_stale_temporaries(out: Path) -> list[Path]:
    """Remove temporary files and work folders left by runs that are no longer alive."""
    removed = []
    if not out.is_dir():
        return removed
    for path in list(out.rglob(".*")):
        match = TMP_RE.search(path.name)
        if match and not _pid_alive(int(match.group(1))):
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def temporary_name(final: Path) -> Path:
    """A hidden name beside ``final`` that carries this process's id (for stale cleanup)."""
    return final.with_name(f".{final.name}.tmp-{os.getpid()}")


# ---------------------------------------------------------------------------
# Encoding (runs in the worker process)
# ---------------------------------------------------------------------------


def _unmix_background(rgba: np.ndarray, background: np.ndarray) -> np.ndarray:
    """Straight-alpha colours from manim's transparent frames.

    manim's transparent frames carry the colours blended over the background
    colour (with the coverage as alpha); a video editor expects the colours
    alone, so the background is taken out again: ``c = (rgb - (1 - a) bg) / a``.
    """
    alpha = rgba[..., 3:4].astype(np.float32) / 255.0
    rgb = rgba[..., :3].astype(np.float32) - (1.0 - alpha) * background
    rgb = np.where(alpha > 0, rgb / np.maximum(alpha, 1e-6), 0.0)
    out = np.empty_like(rgba)
    out[..., :3] = np.clip(rgb + 0.5, 0, 255).astype(np.uint8)
    out[..., 3] = rgba[..., 3]
    return out


# Constant quality; speed 4 with row threads keeps VP9 near the cost of H.264.
VP9_OPTIONS = {"crf": "32", "b": "0", "row-mt": "1", "deadline": "good", "cpu-used": "4"}


class _VideoSink:
    """One encoded video file fed frame by frame."""

    # format -> (container, codec, pix_fmt, codec options, alpha)
    SETTINGS: ClassVar[dict[str, tuple]] = {
        "mp4": ("mp4", "libx264", "yuv420p", {"crf": "20", "preset": "medium"}, False),
        "webm": ("webm", "libvpx-vp9", "yuv420p", VP9_OPTIONS, False),
        "mov": ("mov", "prores_ks", "yuva444p10le", {"profile": "4444", "alpha_bits": "8"}, True),
        "alpha-webm": ("webm", "libvpx-vp9", "yuva420p", VP9_OPTIONS, True),
    }

    def __init__(self, fmt: str, path: Path, width: int, height: int, fps: int) -> None:
        import av

        container, codec, pix_fmt, options, self.alpha = self.SETTINGS[fmt]
        container_options = {"movflags": "+faststart"} if fmt == "mp4" else {}
        self.out = av.open(str(path), "w", format=container, options=container_options)
        self.stream = self.out.add_stream(codec, rate=Fraction(fps), options=options)
        self.stream.width, self.stream.height, self.stream.pix_fmt = width, height, pix_fmt
        # BT.709, limited range, tagged: what players assume for HD video.
        context = self.stream.codec_context
        context.colorspace, context.color_primaries, context.color_trc = 1, 1, 1
        context.color_range = 1
        self.pix_fmt = pix_fmt
        self.index = 0

    def add(self, opaque: np.ndarray, straight: np.ndarray | None) -> None:
        import av
        from av.video.reformatter import Interpolation

        if self.alpha:
            frame = av.VideoFrame.from_ndarray(straight, format="rgba")
        else:
            frame = av.VideoFrame.from_ndarray(opaque, format="rgb24")
        frame = frame.reformat(
            format=self.pix_fmt,
            dst_colorspace="ITU709",
            dst_color_range="MPEG",
            dst_color_trc=1,
            dst_color_primaries=1,
            interpolation=Interpolation.BICUBIC | Interpolation.ACCURATE_RND,
        )
        frame.pts = self.index
        self.index += 1
        self.out.mux(self.stream.encode(frame))

    def close(self) -> None:
        self.out.mux(self.stream.encode())
        self.out.close()


def gif_size(width: int, height: int, gif_width: int) -> tuple[int, int]:
    """The GIF's size: ``gif_width`` wide (never wider than the video), even, same aspect."""
    gif_w = min(gif_width, width) // 2 * 2
    return gif_w, round(height * gif_w / width / 2) * 2


def _gif_graph(size: tuple[int, int], palette: object | None):
    """A filter graph: palettegen (without a palette) or paletteuse (with one)."""
    import av

    graph = av.filter.Graph()
    width, height = size
    src = graph.add_buffer(width=width, height=height, format="rgb24", time_base=Fraction(1, 100))
    if palette is None:
        stage = graph.add("palettegen", "max_colors=256:stats_mode=full")
        src.link_to(stage)
        pal_src = None
    else:
        pal_src = graph.add_buffer(
            width=16, height=16, format=palette.format.name, time_base=Fraction(1, 100)
        )
        stage = graph.add("paletteuse", f"dither={GIF_DITHER}:diff_mode=rectangle")
        src.link_to(stage, 0, 0)
        pal_src.link_to(stage, 0, 1)
    sink = graph.add("buffersink")
    stage.link_to(sink)
    graph.configure()
    return graph, src, pal_src, sink


def _pull_all(sink) -> list:
    import av

    frames = []
    while True:
        try:
            frames.append(sink.pull())
        except (av.error.BlockingIOError, av.error.EOFError):
            return frames


def write_gif(frames: Iterable[np.ndarray], path: Path, fps: float) -> None:
    """Encode a GIF from RGB frames of its final size (an iterable that can be walked twice).

    Two passes: ``palettegen`` over every frame makes one palette, ``paletteuse``
    maps the frames to it; the stream stays ``pal8`` so the palette is kept
    (one global palette, no local ones), and the file loops forever.
    """
    import av

    delay = round(100.0 / fps)
    size = None
    # Pass 1: the palette.
    for k, rgb in enumerate(frames):
        if size is None:
            size = (rgb.shape[1], rgb.shape[0])
            _graph, src, _, sink = _gif_graph(size, None)
        frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
        frame.pts = k * delay
        src.push(frame)
    src.push(None)
    palette = _pull_all(sink)[-1]
    # Pass 2: map every frame to it.
    _graph, src, pal_src, sink = _gif_graph(size, palette)
    pal_src.push(palette)
    pal_src.push(None)
    out = av.open(str(path), "w", format="gif", options={"loop": "0"})
    stream = out.add_stream("gif", rate=Fraction(100, delay))
    stream.width, stream.height, stream.pix_fmt = *size, "pal8"
    stream.codec_context.time_base = Fraction(1, 100)

    def mux(pulled: list) -> None:
        for frame in pulled:
            frame.time_base = Fraction(1, 100)
            out.mux(stream.encode(frame))

    for k, rgb in enumerate(frames):
        frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
        frame.pts = k * delay
        src.push(frame)
        mux(_pull_all(sink))
    src.push(None)
    mux(_pull_all(sink))
    out.mux(stream.encode())
    out.close()


def video_frame_at(seconds: Fraction, fps: Fraction | int, n_frames: int) -> int:
    """The video frame on screen at a time (nearest frame start, exact arithmetic)."""
    return min(n_frames - 1, int(Fraction(seconds) * Fraction(fps) + Fraction(1, 2)))


class _GifFrames:
    """A video's frames at the GIF's rate and size, steadied; iterable more than once.

    Steadying: a pixel that moved by at most ``GIF_STEADY`` levels since the
    previous GIF frame keeps its previous value. The video encoder's faint
    flicker in still areas then stops costing bytes (the GIF encoder stores
    unchanged pixels as transparent), for an error of at most that many levels.
    """

    def __init__(self, video: Path, n_frames: int, fps: int, gif_fps: float, size) -> None:
        self.video, self.size = video, size
        delay = Fraction(round(100 / gif_fps), 100)
        n_gif = max(1, int(Fraction(n_frames, fps) / delay))
        self.sources = [video_frame_at(k * delay, fps, n_frames) for k in range(n_gif)]

    def _scaled(self) -> Iterator[np.ndarray]:
        import av

        wanted = iter(self.sources)
        target = next(wanted, None)
        with av.open(str(self.video)) as container:
            for index, frame in enumerate(container.decode(video=0)):
                if target == index:
                    scaled = frame.reformat(*self.size, "rgb24", interpolation="LANCZOS")
                    rgb = scaled.to_ndarray()
                while target == index:  # a frame shown twice when the GIF rate is higher
                    yield rgb
                    target = next(wanted, None)
                if target is None:
                    return

    def __iter__(self) -> Iterator[np.ndarray]:
        shown = None
        for rgb in self._scaled():
            if shown is not None:
                still = np.abs(rgb.astype(np.int16) - shown).max(axis=-1) <= GIF_STEADY
                rgb = np.where(still[..., None], shown, rgb)
            shown = rgb
            yield rgb


def _master_frames(master: Path) -> Iterator[np.ndarray]:
    import av

    with av.open(str(master)) as container:
        for frame in container.decode(video=0):
            yield frame.to_ndarray(format="rgba")


def _master_frame_count(master: Path) -> int:
    import av

    with av.open(str(master)) as container:
        count = container.streams.video[0].frames
    return count or sum(1 for _ in _master_frames(master))


def poster_frame(n_frames: int, fps: float, seconds: float | None) -> int:
    """Index of the poster frame: at ``seconds`` (negative: from the end), else 2/3 of the way."""
    if seconds is None:
        index = n_frames * 2 // 3
    elif seconds >= 0:
        index = round(seconds * fps)
    else:
        index = n_frames - 1 + round(seconds * fps)
    return int(min(max(index, 0), n_frames - 1))


def encode_outputs(
    master: Path,
    folder: Path,
    name: str,
    formats: Sequence[str],
    options: RenderOptions,
    background: np.ndarray,
    poster_time: float | None,
    report=lambda stage: None,
    alpha_master: Path | None = None,
) -> dict:
    """Encode every requested format from the master; each is written to a temp name and renamed.

    The opaque videos and the poster come from the lossless opaque master, the
    transparent ones from ``alpha_master`` (the same scene rendered with a
    transparent background), the GIF from the MP4.

    Returns
    -------
    dict
        ``{"outputs": {format: file name}, "frames": n, "duration": seconds}``.
    """
    n_frames = _master_frame_count(master)
    fps = options.fps
    poster = options.poster_at if options.poster_at is not None else poster_time
    poster_index = poster_frame(n_frames, fps, poster)
    finals = {fmt: folder / f"{name}{FORMATS[fmt][0]}" for fmt in formats}
    temps = {fmt: temporary_name(path) for fmt, path in finals.items()}
    try:
        report("encoding " + ", ".join(f for f in formats if f not in ("gif", "png")))
        # The GIF is made from the MP4 (so it matches the video people see): an MP4 is
        # encoded beside the master when only the GIF was asked for.
        videos = {fmt: temps[fmt] for fmt in formats if fmt in _VideoSink.SETTINGS}
        if "gif" in formats and "mp4" not in videos:
            videos["mp4"] = master.with_name("for-gif.mp4")
        sinks = [
            _VideoSink(fmt, path, options.width, options.height, fps)
            for fmt, path in videos.items()
        ]
        need_alpha = any(sink.alpha for sink in sinks)
        if need_alpha and alpha_master is None:
            raise ValueError("a transparent format needs a transparent master")
        alphas = _master_frames(alpha_master) if need_alpha else itertools.repeat(None)
        for index, (rgba, alpha_rgba) in enumerate(
            zip(_master_frames(master), alphas, strict=False)
        ):
            opaque = np.ascontiguousarray(rgba[..., :3])
            straight = None if alpha_rgba is None else _unmix_background(alpha_rgba, background)
            for sink in sinks:
                sink.add(opaque, straight)
            if index == poster_index and "png" in formats:
                from PIL import Image

                Image.fromarray(opaque).save(temps["png"], format="PNG", optimize=True)
        for sink in sinks:
            sink.close()
        if "gif" in formats:
            report("encoding gif")
            size = gif_size(options.width, options.height, options.gif_width)
            gif_frames = _GifFrames(videos["mp4"], n_frames, fps, options.gif_fps, size)
            write_gif(gif_frames, temps["gif"], options.gif_fps)
        for fmt in formats:
            os.replace(temps[fmt], finals[fmt])
    finally:
        for path in temps.values():
            path.unlink(missing_ok=True)
    return {
        "outputs": {fmt: path.name for fmt, path in finals.items()},
        "frames": n_frames,
        "duration": n_frames / fps,
        "poster_frame": poster_index,
    }


# ---------------------------------------------------------------------------
# The worker: one scene, one theme, in its own process
# ---------------------------------------------------------------------------


def _emit(event: str, **data) -> None:
    sys.__stdout__.write(json.dumps({"event": event, **data}) + "\n")
    sys.__stdout__.flush()


def _die_with_parent() -> None:
    """Ask Linux to stop this worker when the batch process dies (best effort)."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _render_master(scene_cls: type, work: Path, transparent: bool) -> tuple[Path, np.ndarray]:
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
        module = load_scene_module(Path(spec["path"]))
        scene_cls = getattr(module, spec["name"])
        _emit("stage", name="rendering")
        master, background = _render_master(scene_cls, work, transparent=False)
        alpha_master = None
        if any(fmt in ALPHA_FORMATS for fmt in spec["formats"]):
            _emit("stage", name="rendering with alpha")
            counted["frames"] = 0
            alpha_master, _ = _render_master(scene_cls, work, transparent=True)
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


def _interrupt_on_sigterm() -> None:
    """Treat SIGTERM like Ctrl-C, so ``finally`` blocks remove temporary files."""

    def handler(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)


def _worker_main(spec_json: str) -> int:
    _die_with_parent()
    _interrupt_on_sigterm()
    spec = json.loads(spec_json)
    start = time.perf_counter()
    try:
        result = run_job(spec)
    except KeyboardInterrupt:
        return 130
    except BaseException as err:
        hint = system_library_hint(err) if isinstance(err, (ImportError, OSError)) else None
        _emit("error", reason=hint or _one_line(err))
        import traceback

        traceback.print_exc()
        return 1
    folder = Path(spec["folder"])
    old = read_stamp(_stamp_path(folder.parent, spec["theme"], spec["name"])) or {}
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
        "render_seconds": round(time.perf_counter() - start, 2),
    }
    _write_text_atomic(folder / f"{spec['name']}.json", json.dumps(stamp, indent=1))
    _emit("done", stamp=stamp)
    return 0


def _write_text_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_name(path)
    try:
        tmp.write_text(text)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


# ---------------------------------------------------------------------------
# The batch: train once, dispatch workers, report
# ---------------------------------------------------------------------------


@dataclass
class Job:
    """One scene in one theme, and what became of it."""

    entry: SceneEntry
    theme: str
    digest: str = ""
    status: str = "pending"  # pending | skipped | done | failed
    reason: str = ""
    stamp: dict = field(default_factory=dict)
    seconds: float = 0.0
    stage: str = "waiting"
    progress: float = 0.0  # animation seconds rendered so far
    process: subprocess.Popen | None = None

    @property
    def label(self) -> str:
        return f"{self.entry.name} ({self.theme})"


def train_states(jobs: list[Job], console) -> None:
    """Train every distinct missing states file once, before any render starts."""
    from model.cache import states_for, states_path
    from model.config import preset

    needed: dict[tuple, list[Job]] = {}
    for job in jobs:
        for name, changes in job.entry.states:
            needed.setdefault((name, changes), []).append(job)
    for (name, changes), users in needed.items():
        try:
            config = preset(name, **dict(changes))
            if states_path(config).is_file():
                continue
            console.print(f"training states {config.cache_name()} (once, for {len(users)} jobs)")
            states_for(config, progress=False)
        except Exception as err:
            for job in users:
                job.status, job.reason = "failed", f"states {name}: {_one_line(err)}"


def _run_worker(job: Job, spec: dict, log_dir: Path) -> None:
    start = time.perf_counter()
    stderr_path = log_dir / f".{job.entry.name}-{job.theme}.log.tmp-{os.getpid()}"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", json.dumps(spec)]
    env = os.environ | {"BENDSPACE_THEME": job.theme, "PYTHONUNBUFFERED": "1"}
    with open(stderr_path, "w+") as stderr:
        job.process = subprocess.Popen(
            cmd, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=stderr, text=True
        )
        reason = ""
        for line in job.process.stdout:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if event["event"] == "frames":
                job.progress = event["seconds"]
            elif event["event"] == "stage":
                job.stage = event["name"]
            elif event["event"] == "error":
                reason = event["reason"]
            elif event["event"] == "done":
                job.stamp = event["stamp"]
        code = job.process.wait()
        if code == 0 and job.stamp:
            job.status = "done"
        else:
            stderr.seek(0)
            tail = [ln.strip() for ln in stderr.read().splitlines() if ln.strip()]
            if not reason and code < 0:
                reason = f"killed by signal {-code}"
            job.status, job.reason = "failed", reason or (tail[-1] if tail else f"exit {code}")
    stderr_path.unlink(missing_ok=True)
    job.seconds = time.perf_counter() - start


def run_batch(
    jobs: list[Job], out: Path, formats: Sequence[str], options: RenderOptions, n_jobs: int, console
) -> None:
    """Run the pending jobs, ``n_jobs`` worker processes at a time, with a progress display."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    pending = [job for job in jobs if job.status == "pending"]
    if not pending:
        return
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[count]}"),
        TimeElapsedColumn(),
        console=console,
        disable=not console.is_terminal,
        transient=True,
    )
    queue = list(pending)
    running: dict[threading.Thread, tuple[Job, int]] = {}
    with progress:
        overall = progress.add_task("all scenes", total=len(pending), count=f"0/{len(pending)}")
        try:
            while queue or running:
                while queue and len(running) < n_jobs:
                    job = queue.pop(0)
                    folder = out / job.theme
                    folder.mkdir(parents=True, exist_ok=True)
                    spec = {
                        "name": job.entry.name,
                        "path": str(job.entry.path),
                        "story": job.entry.story,
                        "title": job.entry.title,
                        "description": job.entry.description,
                        "theme": job.theme,
                        "folder": str(folder),
                        "formats": list(formats),
                        "options": asdict(options),
                        "hash": job.digest,
                        "poster_time": job.entry.poster_time,
                    }
                    thread = threading.Thread(target=_run_worker, args=(job, spec, folder))
                    thread.start()
                    running[thread] = (job, progress.add_task(job.label, total=None, count=""))
                time.sleep(0.1)
                for thread, (job, task) in list(running.items()):
                    progress.update(
                        task,
                        description=f"{job.label}: {job.stage} ({job.progress:.1f} s of animation)",
                    )
                    if not thread.is_alive():
                        thread.join()
                        del running[thread]
                        progress.remove_task(task)
                        progress.advance(overall)
                        finished = len(pending) - len(queue) - len(running)
                        progress.update(overall, count=f"{finished}/{len(pending)}")
                        if not console.is_terminal:
                            what = "done" if job.status == "done" else f"FAILED: {job.reason}"
                            console.print(f"{job.label}: {what} ({job.seconds:.1f} s)")
        except KeyboardInterrupt:
            for job, _ in running.values():
                if job.process and job.process.poll() is None:
                    job.process.terminate()
            for thread, (job, _) in running.items():
                thread.join()
                job.status, job.reason = "interrupted", ""
            clean_stale_temporaries(out)
            raise


def _size(n: float) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return ""


def print_table(jobs: list[Job], out: Path, console) -> None:
    """The closing table: scene, files, sizes, duration, time taken, status."""
    from rich.table import Table

    table = Table(title=f"bendspace render -> {_display(out)}")
    for column in ("scene", "theme", "files", "duration", "time", "status"):
        table.add_column(column)
    for job in jobs:
        stamp = job.stamp or {}
        files = []
        for fmt, file in stamp.get("outputs", {}).items():
            path = out / job.theme / file
            if path.is_file():
                files.append(f"{fmt} {_size(path.stat().st_size)}")
        status = {
            "done": "rendered",
            "skipped": "up to date",
            "interrupted": "interrupted",
            "pending": "not started",
        }.get(job.status, "")
        if job.status == "failed":
            status = f"FAILED: {job.reason}"
        duration = f"{stamp['duration']:.1f} s" if "duration" in stamp else ""
        taken = f"{job.seconds:.1f} s" if job.status == "done" else ""
        table.add_row(job.entry.name, job.theme, ", ".join(files), duration, taken, status)
    console.print(table)


def _display(path: Path) -> str:
    with contextlib.suppress(ValueError):
        return str(path.resolve().relative_to(Path.cwd()))
    return str(path)


# ---------------------------------------------------------------------------
# The gallery page
# ---------------------------------------------------------------------------

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>bendspace gallery</title>
<style>
body {{ font: 16px/1.5 system-ui, sans-serif; margin: 0 auto; max-width: 1100px;
       padding: 1.5rem; background: #f4f4f1; color: #1d1d1f; }}
h1 {{ margin-bottom: .2rem; }} h2 {{ margin-top: 2.5rem; }}
.grid {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(480px, 1fr));
        gap: 1.5rem; }}
figure {{ margin: 0; background: #fff; border-radius: 10px; padding: .8rem;
         box-shadow: 0 1px 4px #0002; }}
video, figure > img {{ width: 100%; height: auto; border-radius: 6px; display: block; }}
figcaption h3 {{ margin: .6rem 0 .1rem; font-size: 1.05rem; }}
.meta {{ color: #666; font-size: .85rem; }}
details {{ margin-top: .4rem; }}
pre {{ background: #f0f0ec; padding: .5rem; overflow-x: auto; font-size: .78rem;
      white-space: pre-wrap; word-break: break-all; }}
button {{ font-size: .75rem; }}
</style>
</head>
<body>
<h1>bendspace gallery</h1>
<p>What small trained networks do to their data, layer by layer. Every animation is a
looping video with a GIF fallback; open "embed" for a snippet to paste into HTML or
Markdown.</p>
{sections}
<script>
// Each figure records how its video is doing (data-state, data-ready-state), and a video
// the browser cannot play is swapped for its GIF.
for (const video of document.querySelectorAll("video")) {{
  const figure = video.closest("figure");
  const note = (state) => {{
    figure.dataset.state = state;
    figure.dataset.readyState = video.readyState;
  }};
  video.addEventListener("playing", () => note("playing"));
  video.addEventListener("timeupdate", () => note(video.paused ? "paused" : "playing"));
  const sources = video.querySelectorAll("source");
  const last = sources[sources.length - 1];
  (last || video).addEventListener("error", () => {{
    note("error");
    const gif = video.querySelector("img");
    if (gif) video.replaceWith(gif);
  }});
}}
for (const button of document.querySelectorAll("button[data-copy]")) {{
  button.addEventListener("click", () => {{
    const text = document.getElementById(button.dataset.copy).textContent;
    navigator.clipboard.writeText(text).then(() => (button.textContent = "copied"));
  }});
}}
</script>
</body>
</html>
"""


def _card(stamp: dict, prefix: str, index: int) -> str:
    out = stamp["outputs"]
    src = {fmt: f"{prefix}/{file}" for fmt, file in out.items()}
    esc = html.escape
    sources = "".join(
        f'<source src="{esc(src[fmt])}" type="video/{kind}">'
        for fmt, kind in (("webm", "webm"), ("mp4", "mp4"))
        if fmt in src
    )
    fallback = f'<img src="{esc(src["gif"])}" alt="{esc(stamp["title"])}">' if "gif" in src else ""
    poster = f' poster="{esc(src["png"])}"' if "png" in src else ""
    size = f'width="{stamp["width"]}" height="{stamp["height"]}"'
    if sources:
        media = f"<video autoplay muted loop playsinline {size}{poster}>{sources}{fallback}</video>"
    else:
        media = fallback
    snippet_html = media.replace("><", ">\n  <").replace("\n  </video>", "\n</video>")
    gif = src.get("gif") or src.get("png", "")
    snippet_md = f"![{stamp['title']}]({gif})"
    if "mp4" in src:
        snippet_md += f"\n\n[{stamp['title']} (MP4)]({src['mp4']})"
    meta = (
        f"{stamp['story']} &middot; {stamp['theme']} &middot; {stamp['duration']:.1f} s "
        f"&middot; {stamp['width']}&times;{stamp['height']} at {stamp['fps']} fps"
    )
    return f"""<figure id="{esc(stamp["scene"])}-{esc(stamp["theme"])}">
{media}
<figcaption><h3>{esc(stamp["title"])}</h3>{esc(stamp["description"])}
<div class="meta">{meta}</div></figcaption>
<details><summary>embed</summary>
<p>HTML <button data-copy="html-{index}">copy</button></p>
<pre id="html-{index}">{esc(snippet_html)}</pre>
<p>Markdown <button data-copy="md-{index}">copy</button></p>
<pre id="md-{index}">{esc(snippet_md)}</pre>
</details>
</figure>"""


def _story_title(story: str) -> str:
    return story.replace("_", " ").capitalize()


def collect_stamps(out: Path, order: Sequence[SceneEntry] = ()) -> list[dict]:
    """Every finished output set under ``out`` (one stamp per scene and theme), gallery order."""
    rank = {entry.name: i for i, entry in enumerate(order)}
    stamps = []
    for theme_dir in sorted(p for p in out.iterdir() if p.is_dir() and not p.name.startswith(".")):
        for path in sorted(theme_dir.glob("*.json")):
            stamp = read_stamp(path)
            if stamp and all((theme_dir / f).is_file() for f in stamp.get("outputs", {}).values()):
                stamps.append(stamp)
    theme_rank = {theme: i for i, theme in enumerate(THEMES)}
    return sorted(
        stamps,
        key=lambda s: (theme_rank.get(s["theme"], 9), rank.get(s["scene"], len(rank)), s["scene"]),
    )


def write_gallery(out: Path, order: Sequence[SceneEntry] = ()) -> tuple[Path, Path]:
    """Write ``gallery.html`` and ``gallery.md`` beside the ``out`` folder, from its stamps."""
    stamps = collect_stamps(out, order) if out.is_dir() else []
    page_dir = out.parent
    prefix = os.path.relpath(out, page_dir)
    sections, md = [], ["# bendspace gallery", ""]
    groups: dict[tuple[str, str], list[dict]] = {}
    for stamp in stamps:
        groups.setdefault((stamp["theme"], stamp["story"]), []).append(stamp)
    index = 0
    for (theme, story), members in groups.items():
        cards = []
        for stamp in members:
            cards.append(_card(stamp, f"{prefix}/{theme}", index))
            index += 1
        sections.append(
            f'<h2>{html.escape(_story_title(story))} ({theme} theme)</h2>\n<div class="grid">\n'
            + "\n".join(cards)
            + "\n</div>"
        )
        md += [f"## {_story_title(story)} ({theme} theme)", ""]
        for stamp in members:
            src = {fmt: f"{prefix}/{theme}/{file}" for fmt, file in stamp["outputs"].items()}
            md += [f"### {stamp['title']}", "", stamp["description"], ""]
            if "gif" in src:
                md += [f"![{stamp['title']}]({src['gif']})", ""]
            links = [f"[{fmt.upper()}]({src[fmt]})" for fmt in ("mp4", "webm", "mov") if fmt in src]
            if links:
                md += [" · ".join(links), ""]
    if not stamps:
        sections.append("<p>Nothing rendered yet: run <code>python render.py</code>.</p>")
        md.append("Nothing rendered yet: run `python render.py`.")
    page = page_dir / "gallery.html"
    _write_text_atomic(page, _PAGE.format(sections="\n".join(sections)))
    markdown = page_dir / "gallery.md"
    _write_text_atomic(markdown, "\n".join(md).rstrip() + "\n")
    return page, markdown


# ---------------------------------------------------------------------------
# Measurements shared by the tests and the benchmark
# ---------------------------------------------------------------------------


def mp4_has_faststart(path: Path) -> bool:
    """True if the MP4's ``moov`` box (its index) comes before ``mdat`` (the media)."""
    with open(path, "rb") as handle:
        while header := handle.read(8):
            if len(header) < 8:
                return False
            size, kind = struct.unpack(">I4s", header)
            if size == 1:
                size = struct.unpack(">Q", handle.read(8))[0] - 8
            if kind == b"moov":
                return True
            if kind == b"mdat":
                return False
            handle.seek(size - 8, 1)
    return False


def video_info(path: Path) -> dict:
    """Codec, size, frame rate and frame count of a video file (by decoding it)."""
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = sum(1 for _ in container.decode(video=0))
        return {
            "codec": stream.codec_context.name,
            "pix_fmt": stream.codec_context.pix_fmt,
            "width": stream.codec_context.width,
            "height": stream.codec_context.height,
            "fps": float(stream.average_rate or stream.guessed_rate),
            "frames": frames,
        }


def gif_info(path: Path) -> dict:
    """Parse a GIF's blocks: size, frame delays (centiseconds), loop count, palettes."""
    data = Path(path).read_bytes()
    if data[:6] not in (b"GIF87a", b"GIF89a"):
        raise ValueError(f"{path}: not a GIF")
    width, height, flags = struct.unpack("<HHB", data[6:11])
    pos = 13 + (3 * 2 ** ((flags & 7) + 1) if flags & 0x80 else 0)
    info = {
        "width": width,
        "height": height,
        "global_palette": bool(flags & 0x80),
        "local_palettes": 0,
        "delays": [],
        "loop": None,
        "frames": 0,
    }

    def skip_sub_blocks(pos: int) -> int:
        while data[pos]:
            pos += data[pos] + 1
        return pos + 1

    while pos < len(data):
        kind = data[pos]
        if kind == 0x3B:  # trailer
            break
        if kind == 0x21:  # extension
            label = data[pos + 1]
            if label == 0xF9:
                info["delays"].append(struct.unpack("<H", data[pos + 4 : pos + 6])[0])
            elif label == 0xFF and data[pos + 3 : pos + 14] == b"NETSCAPE2.0":
                info["loop"] = struct.unpack("<H", data[pos + 16 : pos + 18])[0]
            pos = skip_sub_blocks(pos + 2)
        elif kind == 0x2C:  # image
            local = data[pos + 9]
            pos += 10
            if local & 0x80:
                info["local_palettes"] += 1
                pos += 3 * 2 ** ((local & 7) + 1)
            info["frames"] += 1
            pos = skip_sub_blocks(pos + 1)
        else:
            raise ValueError(f"{path}: unexpected GIF block 0x{kind:02x} at byte {pos}")
    return info


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """Peak signal-to-noise ratio of two uint8 images, in dB (inf if identical)."""
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)


def gif_psnr(gif: Path, video: Path) -> float:
    """PSNR of a GIF against the video frames shown at the same times, at the GIF's size.

    The video frames are scaled down with a Lanczos filter, like the GIF
    pipeline's; the mean squared error is pooled over every GIF frame.
    """
    import av

    errors = []
    with av.open(str(video)) as source, av.open(str(gif)) as shown_file:
        stream = source.streams.video[0]
        fps, n_video = stream.average_rate, stream.frames or 10**9
        video_frames = enumerate(source.decode(stream))
        index, current = next(video_frames)
        for frame in shown_file.decode(video=0):
            shown = frame.to_ndarray(format="rgb24")
            wanted = video_frame_at(frame.pts * frame.time_base, fps, n_video)
            while index < wanted:
                index, current = next(video_frames, (wanted, current))
            height, width = shown.shape[:2]
            ref = current.reformat(width, height, "rgb24", interpolation="LANCZOS").to_ndarray()
            errors.append(np.mean((shown.astype(np.float64) - ref) ** 2))
    mse = float(np.mean(errors))
    return float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)


# ---------------------------------------------------------------------------
# The command line
# ---------------------------------------------------------------------------


def _cores() -> int:
    """Cores this process may use (the affinity mask, not the machine's total)."""
    with contextlib.suppress(AttributeError):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _split_formats(values: Sequence[str]) -> list[str]:
    formats = [f.strip() for value in values for f in value.split(",") if f.strip()]
    for fmt in formats:
        if fmt not in FORMATS:
            raise RenderError(f"unknown format {fmt!r}; valid formats: {', '.join(FORMATS)}")
    return list(dict.fromkeys(formats))


def _select(
    entries: list[SceneEntry],
    scenes: Sequence[str],
    stories: Sequence[str],
    broken: dict[Path, str],
) -> list[SceneEntry]:
    if not scenes and not stories:
        return [entry for entry in entries if entry.gallery]
    by_name = {entry.name: entry for entry in entries}
    story_names = sorted({entry.story for entry in entries} | {p.stem for p in broken})
    chosen: dict[str, SceneEntry] = {}
    for name in scenes:
        if name not in by_name:
            raise RenderError(
                f"unknown scene {name!r}; valid scenes: {_names(by_name)}" + _broken_note(broken)
            )
        chosen[name] = by_name[name]
    for story in stories:
        if story not in story_names:
            raise RenderError(f"unknown story {story!r}; valid stories: {_names(story_names)}")
        for path, reason in broken.items():
            if path.stem == story:
                raise RenderError(f"story {story!r} ({_display(path)}) does not import: {reason}")
        chosen |= {e.name: e for e in entries if e.story == story}
    return list(chosen.values())


def _names(names: Iterable[str]) -> str:
    return ", ".join(names) or "none (scenes/*.py defines no scenes yet)"


def _broken_note(broken: dict[Path, str]) -> str:
    if not broken:
        return ""
    return " (not importable: " + "; ".join(f"{_display(p)}: {r}" for p, r in broken.items()) + ")"


@click.command(
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog="Examples: render.py --list; render.py --story spirals -q draft; "
    "render.py --scene SpiralsStretching -f mp4,gif,mov --theme both.",
)
@click.option(
    "--scene", "scenes", multiple=True, metavar="NAME", help="Render this scene (repeatable)."
)
@click.option(
    "--story",
    "stories",
    multiple=True,
    metavar="NAME",
    help="Render every scene of a story: primer, spirals, disks, mnist, packing, custom.",
)
@click.option("--list", "list_only", is_flag=True, help="List every scene with its description.")
@click.option(
    "--file",
    "files",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also take scenes from this file (repeatable).",
)
@click.option(
    "--quality",
    "-q",
    type=click.Choice(list(QUALITIES)),
    default="720p30",
    show_default=True,
    help="Size and frame rate, as manim's presets.",
)
@click.option("--fps", type=click.IntRange(1, 120), help="Override the preset's frame rate.")
@click.option(
    "--width",
    type=click.IntRange(64, 7680),
    help="Override the preset's width in pixels (height follows at 16:9).",
)
@click.option(
    "--format",
    "-f",
    "format_values",
    multiple=True,
    metavar="LIST",
    help=f"Comma-separated outputs: {', '.join(FORMATS)} [default: {','.join(DEFAULT_FORMATS)}].",
)
@click.option(
    "--theme",
    type=click.Choice([*THEMES, "both"]),
    default="dark",
    show_default=True,
    help="Colour theme (scenes read BENDSPACE_THEME); outputs go to OUT/<theme>/.",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(1, 64),
    default=_cores(),
    show_default="number of cores",
    help="Scenes rendered at the same time.",
)
@click.option("--force", is_flag=True, help="Render even if the outputs are up to date.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_OUT,
    show_default="media/gallery",
    help="Output folder; the gallery pages go beside it.",
)
@click.option(
    "--gif-width",
    type=click.IntRange(120, 1920),
    default=640,
    show_default=True,
    help="GIF width in pixels (480 to 640 suits a blog).",
)
@click.option(
    "--gif-fps",
    type=float,
    help="GIF frame rate, 100/n: 10, 12.5, 20, 25 [default: 12.5, or the video's rate if lower].",
)
@click.option(
    "--poster-at",
    type=float,
    metavar="SECONDS",
    help="Poster frame time for every scene (negative: from the end) "
    "[default: the scene's poster_time, else 2/3 of the way].",
)
@click.option("--worker", hidden=True)
def cli(
    scenes,
    stories,
    list_only,
    files,
    quality,
    fps,
    width,
    format_values,
    theme,
    jobs,
    force,
    out,
    gif_width,
    gif_fps,
    poster_at,
    worker,
) -> None:
    """Render bendspace scenes to MP4, WebM, GIF, poster PNG and transparent video."""
    if worker:
        sys.exit(_worker_main(worker))
    from rich.console import Console

    console = Console(stderr=True, width=None if sys.stderr.isatty() else 150)
    try:
        for path in files:
            if not path.is_file():
                raise RenderError(f"scene file {path} not found; give the path of a .py file")
        os.environ.setdefault("BENDSPACE_THEME", "dark" if theme == "both" else theme)
        entries, broken = discover(scene_files(files))
        if list_only:
            _print_list(entries, broken)
            return
        selected = _select(entries, scenes, stories, broken)
        if not selected:
            raise RenderError("no scenes to render: scenes/*.py defines none yet (see --list)")
        formats = _split_formats(format_values) or list(DEFAULT_FORMATS)
        w, h, rate = QUALITIES[quality]
        if width:
            w, h = width // 2 * 2, round(width * 9 / 16 / 2) * 2
        rate = fps or rate
        options = RenderOptions(w, h, rate, gif_width, gif_fps_for(rate, gif_fps), poster_at)
    except RenderError as err:
        console.print(f"[red]error:[/red] {err}", highlight=False, soft_wrap=True)
        sys.exit(2)

    out = out.resolve()
    _interrupt_on_sigterm()
    clean_stale_temporaries(out)
    themes = list(THEMES) if theme == "both" else [theme]
    jobs_list = [Job(entry, t) for t in themes for entry in selected]
    interrupted = False
    try:
        train_states(jobs_list, console)
        for job in jobs_list:
            if job.status == "failed":
                continue
            job.digest = job_hash(job.entry, job.theme, options)
            stamp = read_stamp(_stamp_path(out, job.theme, job.entry.name))
            if not force and up_to_date(stamp, job.digest, formats, out / job.theme):
                job.status, job.stamp = "skipped", stamp
        run_batch(jobs_list, out, formats, options, jobs, console)
    except KeyboardInterrupt:
        interrupted = True
    page, markdown = write_gallery(out, entries)
    print_table(jobs_list, out, console)
    failed = [job for job in jobs_list if job.status == "failed"]
    if broken and not scenes and not stories:
        for path, reason in broken.items():
            console.print(f"[red]not importable:[/red] {_display(path)}: {reason}", highlight=False)
    console.print(f"gallery: {_display(page)}, {_display(markdown)}")
    if interrupted:
        console.print("interrupted: no partial files were left; run again to finish the batch")
        sys.exit(130)
    if failed or (broken and not scenes and not stories):
        sys.exit(1)


def _print_list(entries: list[SceneEntry], broken: dict[Path, str]) -> None:
    width = max((len(entry.name) for entry in entries), default=10)
    story_width = max((len(entry.story) for entry in entries), default=8)
    for entry in entries:
        extra = "" if entry.gallery else "  [not in the default gallery]"
        print(f"{entry.story:<{story_width}}  {entry.name:<{width}}  {entry.description}{extra}")
    for path, reason in broken.items():
        print(f"{path.stem:<{story_width}}  (does not import: {reason})")
    if not entries and not broken:
        print("no scenes found in scenes/*.py")


def main(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point (``bendspace-render``).

    ``render.py custom ...`` hands over to :mod:`model.custom_cli` (train, export
    and render the user's own network and data).
    """
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "custom":
        from model.custom_cli import main as custom_main

        sys.exit(custom_main(args[1:], prog_name="render.py custom"))
    cli.main(args=args, prog_name="render.py")


if __name__ == "__main__":
    main()
