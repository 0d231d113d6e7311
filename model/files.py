"""Writing files safely: our own temporaries, atomic renames, stale cleanup.

Every file the project writes goes through :func:`write_atomic` (or is given a
temporary by :func:`temporary_name` and renamed by its writer): a crash or
Ctrl-C leaves the final path as it was. A temporary is created exclusively
(``O_EXCL``, never through a symbolic link) under a name no one can guess
beforehand: ``.bendspace-PID-RANDOM-NAME``. The marker (the prefix, the pid and
the random part) tells our temporaries from anyone else's, and the pid tells a
later run which ones were left by a process that no longer lives (killed with
``kill -9``, say): :func:`clean_stale_temporaries` removes those and nothing
else. A work folder (:func:`work_folder`) carries the same name and a marker
file inside, without which it is never removed.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import shutil
import signal
import tempfile
from collections.abc import Callable
from pathlib import Path

__all__ = [
    "TEMP_PREFIX",
    "TEMP_RE",
    "WORK_MARKER",
    "clean_stale_temporaries",
    "interrupt_on_sigterm",
    "is_own_temporary",
    "pid_alive",
    "remove_temporary",
    "temporary_name",
    "work_folder",
    "write_atomic",
    "write_text_atomic",
]

TEMP_PREFIX = ".bendspace-"
#: ``.bendspace-PID-RANDOM-`` then the end of the final name (which keeps its extension);
#: RANDOM is :mod:`tempfile`'s eight characters.
TEMP_RE = re.compile(r"^\.bendspace-(\d+)-[a-z0-9_]{8}-")
WORK_MARKER = ".bendspace-work"  # inside a work folder; its text is the folder's name
_TAIL = 40  # characters of the final name kept in a temporary's (4 bytes each at most)


@functools.cache
def _file_mode() -> int:
    """The mode a plain ``open()`` gives a new file (0666 less the umask): mkstemp gives 0600."""
    with contextlib.suppress(OSError, ValueError, StopIteration):
        status = Path("/proc/self/status").read_text().splitlines()
        umask = next(line for line in status if line.startswith("Umask:")).split()[1]
        return 0o666 & ~int(umask, 8)
    umask = os.umask(0o022)  # no /proc: read it by setting it back at once
    os.umask(umask)
    return 0o666 & ~umask


def _affixes(final: Path) -> tuple[str, str]:
    return f"{TEMP_PREFIX}{os.getpid()}-", f"-{final.name[-_TAIL:]}"


def temporary_name(final: str | os.PathLike) -> Path:
    """A new, empty temporary file beside ``final``, ours alone; returns its path.

    Created with ``O_CREAT | O_EXCL | O_NOFOLLOW`` (:func:`tempfile.mkstemp`)
    under a random name: a file or symbolic link planted at any name fails the
    creation instead of being written through. The name ends with ``final``'s
    (so writers that go by the extension, like ``np.savez``, keep it) and the
    file has the mode a plain ``open()`` would give it. The folder must exist.
    """
    final = Path(final)
    prefix, suffix = _affixes(final)
    handle, name = tempfile.mkstemp(suffix=suffix, prefix=prefix, dir=final.parent)
    try:
        os.fchmod(handle, _file_mode())
    finally:
        os.close(handle)
    return Path(name)


def work_folder(parent: str | os.PathLike, name: str) -> Path:
    """A new private folder in ``parent`` for ``name``'s temporary files, with our marker inside.

    Made by :func:`tempfile.mkdtemp` (exclusive, mode 0700, a random name), so a
    folder or link planted beforehand is never used; :func:`remove_temporary`
    and :func:`clean_stale_temporaries` remove it only while the marker is there.
    """
    prefix, suffix = _affixes(Path(parent) / f"{name}.work")
    folder = Path(tempfile.mkdtemp(suffix=suffix, prefix=prefix, dir=parent))
    fd = os.open(folder / WORK_MARKER, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as marker:
        marker.write(folder.name)
    return folder


def is_own_temporary(path: str | os.PathLike) -> int | None:
    """The writer's pid if ``path`` is one of our temporaries, else None.

    Ours: the marker in the name, and either a regular file or a folder (not
    a link) holding the marker file that names it.
    """
    path = Path(path)
    match = TEMP_RE.match(path.name)
    if not match:
        return None
    try:
        if path.is_symlink():
            return None
        if path.is_dir():
            marker = path / WORK_MARKER
            if marker.is_symlink() or marker.read_text(encoding="utf-8") != path.name:
                return None
        elif not path.is_file():
            return None
    except (OSError, UnicodeDecodeError):
        return None
    return int(match.group(1))


def remove_temporary(path: str | os.PathLike) -> bool:
    """Remove one of our temporaries (file or marked work folder); True if it was removed.

    Anything else at ``path`` (a link, a folder without the marker) is left.
    """
    path = Path(path)
    if is_own_temporary(path) is None:
        return False
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
    return not os.path.lexists(path)


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


def clean_stale_temporaries(
    folder: str | os.PathLike, recursive: bool = True, abandoned: int | None = None
) -> list[Path]:
    """Remove our temporaries in ``folder`` whose writer no longer lives; the paths removed.

    Only names with our marker count (:func:`is_own_temporary`): someone
    else's ``.bashrc.tmp-31000`` stays. Links to folders are not followed.
    ``abandoned``: a live pid whose temporaries are stale too (a batch's own,
    once its workers are stopped).
    """
    removed = []
    for root, dirs, files in os.walk(folder):  # nothing when folder is not a folder
        for name in [*dirs, *files]:
            path = Path(root) / name
            pid = is_own_temporary(path) if name.startswith(TEMP_PREFIX) else None
            stale = pid is not None and (pid == abandoned or not pid_alive(pid))
            if stale and remove_temporary(path):
                removed.append(path)
        dirs[:] = [name for name in dirs if recursive and not TEMP_RE.match(name)]
    return removed


def write_atomic(path: str | os.PathLike, write: Callable[[Path], object]) -> Path:
    """Call ``write(tmp_path)`` and rename the result onto ``path``.

    The temporary is :func:`temporary_name`'s; the rename replaces whatever is
    at ``path`` (a link itself, never the file it points to). A crash, Ctrl-C
    or SIGTERM (see :func:`interrupt_on_sigterm`) in the middle leaves ``path``
    as it was and removes the temporary; after ``kill -9`` the next write into
    the same folder removes it.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    clean_stale_temporaries(path.parent, recursive=False)
    tmp = temporary_name(path)
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
