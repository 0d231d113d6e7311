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
from collections.abc import Sequence
from pathlib import Path

from model.files import clean_stale_temporaries, temporary_name, write_text_atomic
from rendering.plan.options import QUALITIES, RenderOptions
from rendering.plan.registry import REPO_ROOT, SceneEntry

__all__ = [
    "DEFAULT_QUALITY",
    "clean_stale_temporaries",
    "find_stamps",
    "index_stamp",
    "job_hash",
    "output_folder",
    "quality_name",
    "read_stamp",
    "source_files",
    "stamp_path",
    "temporary_name",
    "up_to_date",
    "write_text_atomic",
]

PROJECT_PACKAGES = ("scenes", "model")  # their sources count in a scene's hash
DEFAULT_QUALITY = "720p30"  # its files sit right in OUT/<theme>/, as the README documents


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
    for path in source_files(entry.path):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
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
    write_text_atomic(path, json.dumps(stamp | {"outputs": outputs, "index": True}, indent=1))


def find_stamps(out: Path) -> list[tuple[dict, Path]]:
    """Every real stamp under ``out`` with the folder its outputs are in (index stamps left out)."""
    found = []
    for path in sorted(Path(out).glob("*/*.json")) + sorted(Path(out).glob("*/*/*.json")):
        stamp = read_stamp(path)
        if stamp and not stamp.get("index"):
            found.append((stamp, path.parent))
    return found


def read_stamp(path: Path) -> dict | None:
    """The stamp at ``path``, or None if it is missing or unreadable."""
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
