"""Where a scene's states come from: one declaration, read by the scene and the batch renderer.

A scene declares ``states_sources = (Preset("spirals2d"),)`` once. ``construct()``
loads through it (:meth:`StatesSource.load`), and the batch renderer reads the
same tuple to train missing states once, to hash the files into the up-to-date
stamp and to send the sources to a worker. Three kinds:

- :class:`Preset`: a training preset with changes, trained into the cache on first use;
- :class:`StatesFile`: a states file on disk (your own export);
- :class:`EnvStatesFile`: the file named by an environment variable (``$STATES``),
  so ``STATES=my.npz manim scenes/custom.py Stretching`` works.

Sources are small frozen values: they compare, hash and round-trip through JSON
(:func:`source_to_json`, :func:`source_from_json`), so they can travel to a
worker process or another machine.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from model.states import States, StatesError, load_states

__all__ = [
    "EnvStatesFile",
    "Preset",
    "StatesFile",
    "StatesSource",
    "source_from_json",
    "source_to_json",
]


class StatesSource:
    """Something a scene can show: it names one states file and loads it."""

    def path(self) -> Path:
        """The states file this source reads (it may not exist yet)."""
        raise NotImplementedError

    def load(self, progress: bool = True) -> States:
        """Load the states, training them first if the source can and they are missing."""
        raise NotImplementedError

    def is_ready(self) -> bool:
        """True if :meth:`load` would not need to train."""
        return self.path().is_file()

    def describe(self) -> str:
        """A short human name for messages (``spirals2d``, ``my.npz``)."""
        raise NotImplementedError


@dataclass(frozen=True)
class Preset(StatesSource):
    """A training preset (``model.config.PRESETS``) with changes, cached under media/states.

    ``Preset("packing", classes=7, activation="relu")``.
    """

    name: str
    changes: tuple[tuple[str, object], ...] = field(default=())

    def __init__(self, name: str, changes: Mapping[str, object] | None = None, **more) -> None:
        merged = dict(changes or {}) | more
        object.__setattr__(self, "name", str(name))
        object.__setattr__(self, "changes", tuple(sorted(merged.items())))

    def config(self):
        """The :class:`model.config.TrainConfig` this preset trains with."""
        from model.config import preset

        return preset(self.name, **dict(self.changes))

    def path(self) -> Path:
        from model.cache import states_path

        return states_path(self.config())

    def load(self, progress: bool = True) -> States:
        from model.cache import states_for

        return states_for(self.config(), progress=progress)

    def describe(self) -> str:
        extra = ", ".join(f"{k}={v}" for k, v in self.changes)
        return f"{self.name} ({extra})" if extra else self.name


@dataclass(frozen=True)
class StatesFile(StatesSource):
    """A states file on disk, shown as it is (never trained here)."""

    file: Path

    def __init__(self, file: str | os.PathLike) -> None:
        object.__setattr__(self, "file", Path(file).expanduser().resolve())

    def path(self) -> Path:
        return self.file

    def load(self, progress: bool = True) -> States:
        return load_states(self.file)

    def describe(self) -> str:
        return self.file.name


@dataclass(frozen=True)
class EnvStatesFile(StatesSource):
    """The states file named by an environment variable, read when the scene loads."""

    variable: str = "STATES"
    example: str = "STATES=media/custom/moons/states.npz manim -ql scenes/custom.py Stretching"

    def resolve(self) -> StatesFile:
        """The :class:`StatesFile` the variable names; one-line :class:`StatesError` if unset."""
        name = os.environ.get(self.variable, "").strip()
        if not name:
            raise StatesError(f"set {self.variable} to a states file, e.g. {self.example}")
        return StatesFile(name)

    def path(self) -> Path:
        return self.resolve().path()

    def load(self, progress: bool = True) -> States:
        return self.resolve().load(progress)

    def describe(self) -> str:
        return f"${self.variable}"


def source_to_json(source: StatesSource) -> dict:
    """A JSON-ready dict that :func:`source_from_json` turns back into ``source``."""
    if isinstance(source, Preset):
        return {"kind": "preset", "name": source.name, "changes": dict(source.changes)}
    if isinstance(source, StatesFile):
        return {"kind": "file", "file": str(source.file)}
    if isinstance(source, EnvStatesFile):
        return {"kind": "env", "variable": source.variable}
    raise TypeError(f"not a states source: {source!r}")


def source_from_json(data: Mapping) -> StatesSource:
    """The inverse of :func:`source_to_json`."""
    kind = data.get("kind")
    if kind == "preset":
        return Preset(data["name"], data.get("changes") or {})
    if kind == "file":
        return StatesFile(data["file"])
    if kind == "env":
        return EnvStatesFile(data.get("variable", "STATES"))
    raise ValueError(f"unknown states source kind {kind!r}")
