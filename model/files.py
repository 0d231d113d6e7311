"""Writing files safely: temporary names that carry the writer's pid, atomic renames, stale cleanup.

Every file the project writes goes through :func:`write_atomic` (or is named
by :func:`temporary_name` and renamed by its writer): a crash or Ctrl-C leaves
the final path as it was. A temporary is hidden and ends in ``.tmp-PID``, so
a later run can tell which ones were left by a process that no longer lives
(killed with ``kill -9``, say) and remove them with
:func:`clean_stale_temporaries`.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
from collections.abc import Callable
from pathlib import Path

__all__ = [
    "TMP_RE",
    "clean_stale_temporaries",
    "interrupt_on_sigterm",
    "pid_alive",
    "temporary_name",
    "write_atomic",
    "write_text_atomic",
]

TMP_RE = re.compile(r"\.tmp-(\d+)(?:\.\w+)?$")  # .NAME.tmp-PID, optionally with a suffix


def temporary_name(final: Path, suffix: str = "") -> Path:
    """A hidden name beside ``final`` that carries this process's id (for stale cleanup).

    ``suffix`` keeps a file type for writers that go by the extension (``.npz``).
    """
    final = Path(final)
    return final.with_name(f".{final.name}.tmp-{os.getpid()}{suffix}")


def pid_alive(pid: int) -> bool:
    """True if process ``pid`` exists and is not a zombie."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    with contextlib.suppress(OSError, IndexError):  # a killed process nobody reaped is a zombie
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        return state not in ("Z", "X")
    return True


def clean_stale_temporaries(folder: Path, recursive: bool = True) -> list[Path]:
    """Remove temporary files and folders in ``folder`` left by processes no longer alive."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    removed = []
    candidates = folder.rglob(".*") if recursive else folder.glob(".*")
    for path in list(candidates):
        match = TMP_RE.search(path.name)
        if match and not pid_alive(int(match.group(1))):
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def write_atomic(path: str | os.PathLike, write: Callable[[Path], object]) -> Path:
    """Call ``write(tmp_path)`` and rename the result onto ``path``.

    A crash, Ctrl-C or SIGTERM (see :func:`interrupt_on_sigterm`) in the middle
    leaves ``path`` as it was and removes the temporary; after ``kill -9`` the
    next write into the same folder removes it.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    clean_stale_temporaries(path.parent, recursive=False)
    tmp = temporary_name(path, path.suffix)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def interrupt_on_sigterm() -> None:
    """Treat SIGTERM like Ctrl-C, so ``finally`` blocks and :func:`write_atomic` clean up."""

    def handler(signum, frame):
        raise KeyboardInterrupt

    with contextlib.suppress(ValueError):  # only the main thread may set handlers
        signal.signal(signal.SIGTERM, handler)


def write_text_atomic(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` to ``path`` through :func:`write_atomic`."""
    return write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
