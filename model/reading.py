"""Reading a user's file safely: regular files only, size caps, ``.npz`` checked first.

The states loader (:mod:`model.states`) and the data loader
(:mod:`model.points`) both read through here. A device (``/dev/zero``), a
FIFO or a folder is refused without blocking or reading; a file over its cap
is refused from its size alone. An ``.npz`` archive is checked member by
member: names, then each ``.npy`` header (dtype, shape, total bytes) against a
budget, and only then is the data decompressed, with a capped read. Every
zip, zlib, numpy or OS problem becomes the caller's own one-line error
(``fail(what)`` builds it). numpy only.
"""

from __future__ import annotations

import contextlib
import itertools
import lzma
import os
import stat
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

import numpy as np

__all__ = ["open_regular", "read_lines", "read_npz"]

#: Plain numbers and unicode text: no objects, records, bytes or dates.
NUMBER_AND_TEXT_KINDS = "biufU"


@contextlib.contextmanager
def open_regular(
    path: Path, max_bytes: int, fail: Callable[[str], Exception], what: str = "file"
) -> Iterator[BinaryIO]:
    """Open ``path`` for binary reading if it is a regular file of at most ``max_bytes``.

    Opened non-blocking, so a FIFO does not hang; checked with ``fstat`` on the
    open handle, so the file cannot be swapped between the check and the read.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise fail(f"no such file; give the path of a {what}") from None
    except IsADirectoryError:
        raise fail(f"is a folder; give the path of a {what}") from None
    except OSError as err:
        raise fail(f"cannot be read ({err.strerror or type(err).__name__})") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise fail(f"is a folder; give the path of a {what}")
        if not stat.S_ISREG(info.st_mode):
            raise fail(f"is not a regular file (a device, pipe or socket); give a {what}")
        if info.st_size > max_bytes:
            raise fail(f"is {info.st_size:,} bytes, over the {max_bytes:,}-byte limit for a {what}")
        os.set_blocking(fd, True)
        handle = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    with handle:
        yield handle


def read_lines(
    path: Path,
    max_bytes: int,
    fail: Callable[[str], Exception],
    what: str,
    max_line_bytes: int,
) -> Iterator[tuple[int, str]]:
    """``(line number, text)`` of every line of a regular UTF-8 file, streamed.

    Nothing but the current line is held: a file of at most ``max_bytes`` and
    lines of at most ``max_line_bytes`` (without the line end, which is
    dropped). A BOM is dropped.
    """
    total = 0
    with open_regular(path, max_bytes, fail, what) as handle:
        for number in itertools.count(1):
            try:
                raw = handle.readline(max_line_bytes + 3)
            except OSError as err:
                raise fail(f"cannot be read ({err.strerror or type(err).__name__})") from None
            if not raw:
                return
            total += len(raw)
            if total > max_bytes:  # it grew while we read
                raise fail(f"is over the {max_bytes:,}-byte limit for a {what}")
            line = raw.rstrip(b"\r\n")
            if len(line) > max_line_bytes:
                raise fail(
                    f"line {number} is longer than {max_line_bytes:,} bytes, more than a "
                    f"{what} row needs"
                )
            try:
                text = line.decode("utf-8")
            except UnicodeDecodeError:
                raise fail(f"line {number} is not UTF-8 text; save the file as a {what}") from None
            yield number, text.removeprefix("\ufeff") if number == 1 else text


class _Refused(Exception):
    """A problem found inside the archive, turned into the caller's error at the end."""


def _read_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int
) -> tuple[np.ndarray, int]:
    """One ``.npy`` member, its header checked before any data is decompressed."""
    name = info.filename
    with archive.open(info) as handle:
        version = np.lib.format.read_magic(handle)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(handle)
        elif version in ((2, 0), (3, 0)):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(handle)
        else:
            raise ValueError(f"unsupported .npy version {version}")
        if dtype.kind not in NUMBER_AND_TEXT_KINDS or dtype.hasobject or dtype.fields is not None:
            raise _Refused(f"member {name!r} has dtype {dtype}, not a plain number array")
        count = int(np.prod(shape, dtype=object))
        nbytes = count * dtype.itemsize
        if nbytes > budget:
            raise _Refused(f"member {name!r} declares {nbytes:,} bytes, over the size budget")
        data = handle.read(nbytes)
        if len(data) != nbytes or handle.read(1):
            raise _Refused(f"member {name!r} holds a different amount of data than its header says")
    array = np.frombuffer(data, dtype=dtype, count=count)
    return array.reshape(shape, order="F" if fortran else "C"), nbytes


def read_npz(
    path: Path,
    *,
    max_file_bytes: int,
    budget: int,
    fail: Callable[[str], Exception],
    wanted: Callable[[str], bool],
    strict: bool,
    what: str = ".npz file",
) -> dict[str, np.ndarray]:
    """The arrays of an ``.npz`` archive whose names ``wanted(key)`` accepts, read with care.

    ``strict``: a member not wanted (or not ``.npy``) is an error; otherwise it
    is skipped unread. ``budget`` caps the bytes of all arrays read together.
    Arrays come back read-only (views of the bytes read). Every problem raises
    ``fail(what)``, which must return the caller's one-line exception.
    """
    arrays: dict[str, np.ndarray] = {}
    with open_regular(path, max_file_bytes, fail, what) as handle:
        if handle.read(4) != b"PK\x03\x04":  # every .npz is a zip archive
            raise fail("not an .npz file (it is not a zip archive)")
        handle.seek(0)
        try:
            with zipfile.ZipFile(handle) as archive:
                for info in archive.infolist():
                    key = info.filename[:-4] if info.filename.endswith(".npy") else None
                    if key is None or not wanted(key):
                        if strict:
                            raise _Refused(f"unexpected member {info.filename!r} in the archive")
                        continue
                    if key in arrays:
                        raise _Refused(f"member {info.filename!r} appears twice")
                    if info.file_size > budget + 256:  # the directory's own size, before reading
                        raise _Refused(f"member {info.filename!r} is over the size budget")
                    arrays[key], used = _read_member(archive, info, budget)
                    budget -= used
        except _Refused as err:
            raise fail(str(err)) from None
        except (
            OSError,
            EOFError,
            ValueError,
            zipfile.BadZipFile,
            zlib.error,
            lzma.LZMAError,
            KeyError,
        ) as err:
            raise fail(f"unreadable, truncated or corrupt ({type(err).__name__}: {err})") from None
        except (NotImplementedError, RuntimeError, OverflowError, MemoryError) as err:
            raise fail(f"cannot be read ({type(err).__name__}: {err})") from None
    return arrays
