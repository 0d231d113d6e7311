"""The messages between the batch and an open chunk 0: the plan told, the cut said.

Chunk 0 of a scene starts beside the scene's plan (:mod:`rendering.draw.chunk`).
The batch tells it the plan (:meth:`Messages.tell_plan`); the chunk reads it
(:meth:`Messages.plan`), chooses where it stops and says so
(:meth:`Messages.tell_cut`), which the batch reads (:meth:`Messages.cut`) to cut
the rest. Two implementations: files in the scene's work folder for the local
pool (:class:`FileMessages`), the scheduler's metadata on a Dask cluster
(:class:`rendering.run.executors.DaskMessages`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Protocol

from model.files import write_text_atomic

__all__ = ["CUT_FILE", "PLAN_FILE", "FileMessages", "Messages"]


class Messages(Protocol):
    """The plan and the cut of one scene's open chunk, each a JSON-ready dict or None."""

    def tell_plan(self, message: dict) -> None:
        """The batch: frames per play, poster frame, chunk count, still plays (or ``failed``)."""

    def plan(self) -> dict | None:
        """The chunk: the plan once told, else None."""

    def tell_cut(self, cut: dict) -> None:
        """The chunk: ``end`` (the play it stops before) and ``poster_missed``."""

    def cut(self) -> dict | None:
        """The batch: the cut once said, else None."""


PLAN_FILE, CUT_FILE = "plan.json", "cut.json"  # the open chunk's messages, in the work folder


class FileMessages:
    """:class:`Messages` as files in the scene's work folder, which the local pool's
    processes share (written whole, then renamed)."""

    def __init__(self, work: Path) -> None:
        self.work = Path(work)

    def _read(self, name: str) -> dict | None:
        path = self.work / name
        return json.loads(path.read_text()) if path.is_file() else None

    def _write(self, name: str, message: dict) -> None:
        self.work.mkdir(parents=True, exist_ok=True)
        write_text_atomic(self.work / name, json.dumps(message))

    def tell_plan(self, message: dict) -> None:
        self._write(PLAN_FILE, message)

    def plan(self) -> dict | None:
        return self._read(PLAN_FILE)

    def tell_cut(self, cut: dict) -> None:
        self._write(CUT_FILE, cut)

    def cut(self) -> dict | None:
        return self._read(CUT_FILE)
