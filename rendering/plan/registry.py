"""The scene registry: find the scenes in story files, with what the renderer needs to know."""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import inspect
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from types import ModuleType

from model.paths import REPO_ROOT
from model.sources import StatesSource, source_from_json
from rendering.errors import RenderError, display, one_line, system_library_hint

__all__ = [
    "REPO_ROOT",
    "SCENES_DIR",
    "STORY_ORDER",
    "SceneEntry",
    "discover",
    "load_scene_module",
    "scene_class",
    "scene_files",
    "scene_path",
    "select",
]

SCENES_DIR = REPO_ROOT / "scenes"
STORY_ORDER = ("primer", "spirals", "disks", "manifolds", "mnist", "packing", "custom")


@dataclass(frozen=True)
class SceneEntry:
    """One renderable scene found in a scene file.

    ``sources`` are the states the scene class declares (``states_sources``);
    ``overrides``, when given, replace them for this render (a user's states
    file): the worker then renders ``cls.with_states(*overrides)``. ``order`` is
    the class's place among its file's scenes, as written.
    """

    name: str
    story: str
    title: str
    description: str
    path: Path
    order: int
    gallery: bool = True
    sources: tuple[StatesSource, ...] = ()
    poster_time: float | None = None
    overrides: tuple[StatesSource, ...] = ()

    @property
    def states_sources(self) -> tuple[StatesSource, ...]:
        """The states this render shows: the overrides if any, else the declared ones."""
        return self.overrides or self.sources

    def with_states(self, *sources: StatesSource) -> SceneEntry:
        """The same scene, showing ``sources`` instead of its declared states."""
        return replace(self, overrides=tuple(sources))


def _module_name(path: Path) -> str:
    path = path.resolve()
    if path.parent == SCENES_DIR:
        return f"scenes.{path.stem}"
    digest = hashlib.sha1(str(path).encode()).hexdigest()[:8]
    return f"_bendspace_scenes_{path.stem}_{digest}"


def load_scene_module(path: Path) -> ModuleType:
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


def scene_path(spec: dict) -> Path:
    """The story file a task spec names: the client's path, or the same file in this
    checkout (a worker with its checkout elsewhere)."""
    path = Path(spec["path"])
    if not path.is_file() and spec.get("relative"):
        path = REPO_ROOT / spec["relative"]
    return path


def scene_class(spec: dict) -> type:
    """The scene class a spec names, showing the spec's overriding states if it has any."""
    scene_cls = getattr(load_scene_module(scene_path(spec)), spec["name"])
    sources = [source_from_json(data) for data in spec.get("overrides") or ()]
    return scene_cls.with_states(*sources) if sources else scene_cls


def _title(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", name)


def _scene_classes(module: ModuleType) -> list[type]:
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


def _declared_sources(cls: type) -> tuple[StatesSource, ...]:
    return tuple(getattr(cls, "states_sources", ()) or ())


def _entry(cls: type, path: Path, story: str, order: int) -> SceneEntry:
    doc = inspect.getdoc(cls) or ""
    poster = getattr(cls, "poster_time", None)
    return SceneEntry(
        name=cls.__name__,
        story=story,
        title=str(cls.__dict__.get("title") or _title(cls.__name__)),
        description=doc.splitlines()[0].strip() if doc else "",
        path=path.resolve(),
        order=order,
        gallery=bool(getattr(cls, "gallery", True)),
        sources=_declared_sources(cls),
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

    Raises
    ------
    RenderError
        If a file fails because a system library is missing (every file would).
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
            broken[path] = one_line(err)
            continue
        except (Exception, SystemExit) as err:  # a file that calls sys.exit() is broken too
            broken[path] = one_line(err)
            continue
        story = path.stem
        # A module's names are in the order its statements ran: its classes as written.
        classes = _scene_classes(module)
        entries += [_entry(cls, path, story, order) for order, cls in enumerate(classes)]

    def order(entry: SceneEntry):
        story = STORY_ORDER.index(entry.story) if entry.story in STORY_ORDER else len(STORY_ORDER)
        return (story, entry.story, str(entry.path), entry.order)

    return sorted(entries, key=order), broken


def select(
    entries: Sequence[SceneEntry],
    scenes: Sequence[str] = (),
    stories: Sequence[str] = (),
    broken: dict[Path, str] | None = None,
) -> list[SceneEntry]:
    """The entries named by ``scenes`` and ``stories``; with neither, the default gallery.

    Raises
    ------
    RenderError
        For an unknown scene or story (listing the valid ones), or a story whose file
        does not import.
    """
    broken = broken or {}
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
                raise RenderError(f"story {story!r} ({display(path)}) does not import: {reason}")
        chosen |= {e.name: e for e in entries if e.story == story}
    return list(chosen.values())


def _names(names: Iterable[str]) -> str:
    return ", ".join(names) or "none (scenes/*.py defines no scenes yet)"


def _broken_note(broken: dict[Path, str]) -> str:
    if not broken:
        return ""
    return " (not importable: " + "; ".join(f"{display(p)}: {r}" for p, r in broken.items()) + ")"
