"""Up-to-date stamps: the hash of a scene's sources, states and options; temporary files.

A JSON stamp beside a scene's outputs records the hash its outputs were made
with; a scene whose hash and outputs are all there is skipped. Qualities live
side by side: the default quality (720p30) in ``OUT/<theme>/``, any other in
``OUT/<theme>/<quality>/`` (``draft``, ``1080p60``, or ``WxHpFPS`` for custom
sizes), each folder with its own stamps. ``OUT/<theme>/<Scene>.json`` is also
what the gallery page reads: when a scene has no default-quality render, it is
an index stamp whose outputs point into the quality folder
(``draft/Scene.mp4``); :func:`find_stamps` lists every real stamp.

Every file is written under a temporary name carrying the writer's process id
and renamed into place, so a stale temporary (its writer gone) can be found
and removed.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import json
import math
from collections.abc import Callable, Sequence
from pathlib import Path

from model.files import clean_stale_temporaries, temporary_name, write_text_atomic
from rendering.plan.options import FORMATS, QUALITIES, RenderOptions
from rendering.plan.registry import REPO_ROOT, SceneEntry

__all__ = [
    "DEFAULT_QUALITY",
    "clean_stale_temporaries",
    "find_stamps",
    "index_stamp",
    "job_hash",
    "load_stamp",
    "output_folder",
    "quality_name",
    "read_stamp",
    "source_files",
    "stamp_path",
    "stamp_problem",
    "temporary_name",
    "up_to_date",
    "write_text_atomic",
]

PROJECT_PACKAGES = ("scenes", "model")  # their sources count in a scene's hash
DEFAULT_QUALITY = "720p30"  # its files sit right in OUT/<theme>/, as the README documents
NARRATION_MODULE = (REPO_ROOT / "scenes" / "lib" / "narration.py").resolve()
MAX_STAMP_BYTES = 1_000_000  # a stamp is about 1 kB (its plays list grows with the scene)


def _local_imports(path: Path) -> list[Path]:
    """Project files that ``path`` imports (``scenes.*``, ``model.*``, siblings), for the hash."""
    try:
        stat = path.stat()
    except OSError:
        return []
    return list(_imports_of(path, stat.st_mtime_ns, stat.st_size))


@functools.lru_cache(maxsize=1024)
def _imports_of(path: Path, mtime_ns: int, size: int) -> tuple[Path, ...]:
    """:func:`_local_imports` of one version of a file (a batch asks for each file per scene)."""
    try:
        tree = ast.parse(path.read_text())
    except (OSError, SyntaxError):
        return ()
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
    return tuple(found)


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


def job_hash(entry: SceneEntry, theme: str, options: RenderOptions) -> str:
    """Hash of the scene's source (with its local imports), its states' bytes and the options.

    The states are those the render shows (``entry.states_sources``): a scene
    rendered from a user's states file is out of date when that file changes.
    """
    digest = hashlib.sha256()
    digest.update(json.dumps([entry.name, theme, options.key()], sort_keys=True).encode())
    sources = source_files(entry.path)
    for path in sources:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    if NARRATION_MODULE in sources:  # the voice's clips set how long its blocks last
        from scenes.lib.voice import voice_key

        digest.update(b"voice\0" + voice_key(options.voice).encode())
    for source in entry.states_sources:
        try:
            path = source.path()
        except Exception:  # e.g. $STATES unset: the render itself will say so
            digest.update(source.describe().encode() + b"\0")
            continue
        digest.update(path.name.encode() + b"\0")
        if path.is_file():
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]


def quality_name(options: RenderOptions) -> str:
    """The quality's folder name: a preset's name (``draft``), else ``WIDTHxHEIGHTpFPS``."""
    size = (options.width, options.height, options.fps)
    for name, preset in QUALITIES.items():
        if preset == size:
            return name
    return f"{options.width}x{options.height}p{options.fps}"


def output_folder(out: Path, theme: str, options: RenderOptions | None = None) -> Path:
    """Where a scene's files of ``theme`` at this quality go: ``OUT/<theme>[/<quality>]``."""
    folder = Path(out) / theme
    if options is None or quality_name(options) == DEFAULT_QUALITY:
        return folder
    return folder / quality_name(options)


def stamp_path(out: Path, theme: str, name: str, options: RenderOptions | None = None) -> Path:
    """Where the stamp of scene ``name`` in ``theme`` (at this quality) lives under ``out``."""
    return output_folder(out, theme, options) / f"{name}.json"


def index_stamp(out: Path, stamp: dict) -> None:
    """Point ``OUT/<theme>/<Scene>.json`` at a non-default quality's files, for the gallery.

    A default-quality stamp already there is kept: the gallery shows 720p30
    when it has it, else the quality rendered last.
    """
    folder = Path(out) / stamp["theme"]
    path = folder / f"{stamp['scene']}.json"
    old = read_stamp(path)
    default = (
        old and not old.get("index") and old.get("quality", DEFAULT_QUALITY) == DEFAULT_QUALITY
    )
    if default and all((folder / file).is_file() for file in old.get("outputs", {}).values()):
        return
    quality = stamp["quality"]
    outputs = {fmt: f"{quality}/{file}" for fmt, file in stamp["outputs"].items()}
    moved = {"outputs": outputs, "index": True}
    if stamp.get("subtitles"):
        moved["subtitles"] = {
            kind: f"{quality}/{file}" for kind, file in stamp["subtitles"].items()
        }
    write_text_atomic(path, json.dumps(stamp | moved, indent=1))


def find_stamps(out: Path) -> list[tuple[dict, Path]]:
    """Every real stamp under ``out`` with the folder its outputs are in (index stamps left out)."""
    found = []
    for path in sorted(Path(out).glob("*/*.json")) + sorted(Path(out).glob("*/*/*.json")):
        stamp = read_stamp(path)
        if stamp and not stamp.get("index"):
            found.append((stamp, path.parent))
    return found


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return (_is_int(value) or isinstance(value, float)) and math.isfinite(value) and value >= 0


def _is_output(value: object) -> bool:
    """A file beside the stamp or one quality folder down (an index stamp's), nothing else."""
    if not isinstance(value, str) or "\\" in value or "\0" in value:
        return False
    parts = value.split("/")
    return 1 <= len(parts) <= 2 and all(part not in ("", ".", "..") for part in parts)


def _is_folder_name(value: object) -> bool:
    return _is_output(value) and "/" not in value


# A stamp's keys and what each must be: the gallery writes them into HTML and Markdown,
# the batch does arithmetic on them, so a stamp whose fields are not these is not ours.
_REQUIRED: dict[str, Callable[[object], bool]] = {
    "scene": lambda v: isinstance(v, str) and v.isidentifier(),
    "story": lambda v: isinstance(v, str),
    "title": lambda v: isinstance(v, str),
    "description": lambda v: isinstance(v, str),
    "theme": _is_folder_name,
    "width": lambda v: _is_int(v) and v > 0,
    "height": lambda v: _is_int(v) and v > 0,
    "fps": lambda v: _is_int(v) and v > 0,
    "duration": _is_number,
    "outputs": lambda v: (
        isinstance(v, dict) and all(fmt in FORMATS and _is_output(file) for fmt, file in v.items())
    ),
}
_OPTIONAL: dict[str, Callable[[object], bool]] = {
    "hash": lambda v: isinstance(v, str),
    "quality": _is_folder_name,
    "gif_fps": _is_number,
    "frames": lambda v: _is_int(v) and v >= 0,
    "poster_frame": lambda v: _is_int(v) and v >= 0,
    "background": lambda v: isinstance(v, str),
    "render_seconds": _is_number,
    "chunks": lambda v: _is_int(v) and v >= 0,
    "plays": lambda v: isinstance(v, list) and all(_is_int(n) and n >= 0 for n in v),
    "still": lambda v: isinstance(v, list) and all(isinstance(b, bool) for b in v),
    "index": lambda v: isinstance(v, bool),
    "narration": lambda v: isinstance(v, list) and all(_is_line(line) for line in v),
    "subtitles": lambda v: (
        isinstance(v, dict) and all(k in ("srt", "vtt") and _is_output(f) for k, f in v.items())
    ),
    "loudness": lambda v: isinstance(v, list) and all(isinstance(x, (int, float)) for x in v),
}


def _is_line(line: object) -> bool:
    """A narration line as the stamp keeps it: id, text, clip, start and length."""
    return (
        isinstance(line, dict)
        and all(isinstance(line.get(k), str) for k in ("id", "text", "clip"))
        and all(_is_number(line.get(k)) for k in ("start", "seconds"))
    )


def stamp_problem(stamp: object, path: Path) -> str | None:
    """Why ``stamp`` (read from ``path``) is not a stamp this program wrote, or None if it is."""
    if not isinstance(stamp, dict):
        return "not a JSON object"
    for key, check in _REQUIRED.items():
        if key not in stamp:
            return f"no {key!r}"
        if not check(stamp[key]):
            return f"{key!r} is not what a stamp holds there"
    for key, check in _OPTIONAL.items():
        if key in stamp and not check(stamp[key]):
            return f"{key!r} is not what a stamp holds there"
    if stamp["scene"] != Path(path).stem:
        return f"its scene {stamp['scene']!r} is not its file's name"
    folder = Path(path).parent  # OUT/<theme>/ or OUT/<theme>/<quality>/
    quality_folder = stamp.get("quality") == folder.name and stamp["theme"] == folder.parent.name
    if stamp["theme"] != folder.name and not quality_folder:
        return f"its theme {stamp['theme']!r} is not its folder's"
    return None


def load_stamp(path: Path) -> tuple[dict | None, str | None]:
    """``(stamp, None)``; ``(None, None)`` if there is no file; ``(None, why)`` if the file
    is unreadable, not JSON or not a stamp this program wrote (:func:`stamp_problem`)."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_STAMP_BYTES + 1)
        text = data.decode("utf-8")
    except FileNotFoundError:
        return None, None
    except UnicodeDecodeError:
        return None, "not UTF-8 text"
    except OSError as err:  # a folder, no permission, a loop of links
        return None, f"unreadable ({err.strerror or type(err).__name__})"
    if len(data) > MAX_STAMP_BYTES:
        return None, f"over {MAX_STAMP_BYTES // 1000} kB, too large for a stamp"
    try:
        stamp = json.loads(text)
    except (ValueError, RecursionError) as err:
        return None, f"not JSON ({type(err).__name__})"
    problem = stamp_problem(stamp, path)
    return (None, problem) if problem else (stamp, None)


def read_stamp(path: Path) -> dict | None:
    """The stamp at ``path``, or None if it is missing, unreadable or not one of ours."""
    return load_stamp(path)[0]


def up_to_date(stamp: dict | None, digest: str, formats: Sequence[str], folder: Path) -> bool:
    """True if the stamp has this hash and every wanted output exists."""
    if not stamp or stamp.get("hash") != digest:
        return False
    outputs = stamp.get("outputs", {})
    return all(fmt in outputs and (folder / outputs[fmt]).is_file() for fmt in formats)
