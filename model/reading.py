"""Reading a user's file safely: regular files only, size caps, ``.npz`` checked first.

The states loader (:mod:`model.states`) and the data loader
(:mod:`model.points`) both read through here. A device (``/dev/zero``), a
FIFO or a folder is refused without blocking or reading; a file over its cap
is refused from its size alone. Of an ``.npz`` archive (:func:`open_npz`),
every member's name and ``.npy`` header (dtype, shape, total bytes against a
budget, and the directory's size against the header's) are checked before any
data is decompressed, so the caller can refuse a member from its header
against its own schema; then :meth:`NpzMembers.read` decompresses a member
straight into its array, a bounded read at a time. Every zip, zlib, numpy or
OS problem becomes the caller's own one-line error (``fail(what)`` builds it).
numpy only.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import lzma
import math
import os
import stat
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

__all__ = [
    "CHUNK_BYTES",
    "READ_BYTES",
    "Header",
    "NpzMembers",
    "open_npz",
    "open_regular",
    "read_lines",
    "read_npy",
]

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


@contextlib.contextmanager
def _translated(fail: Callable[[str], Exception]) -> Iterator[None]:
    """Every zip, zlib, lzma, numpy or OS problem inside as ``fail(what)``."""
    try:
        yield
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


@dataclass(frozen=True)
class Header:
    """One ``.npy`` member's header: the array it holds, known before any of it is read."""

    dtype: np.dtype
    shape: tuple[int, ...]
    fortran: bool

    @property
    def nbytes(self) -> int:
        return math.prod(self.shape) * self.dtype.itemsize


#: numpy's own cap on an ``.npy`` header (``max_header_size``); ours are about 128 bytes.
MAX_HEADER_BYTES = 10_000
#: Compressed bytes zipfile reads at least for any read (its ``MIN_READ_SIZE`` is 4 KiB):
#: LZMA gives zipfile no output cap, and 4 KiB of a member of zeros is tens of MB.
_MIN_COMPRESSED_READ = 64


def _open_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> zipfile.ZipExtFile:
    handle = archive.open(info)
    handle.MIN_READ_SIZE = _MIN_COMPRESSED_READ  # small reads decompress little
    return handle


def _read_header(handle: BinaryIO, name: str) -> Header:
    """The member's ``.npy`` header, its length checked before it is read."""
    version = np.lib.format.read_magic(handle)
    if version not in ((1, 0), (2, 0), (3, 0)):
        raise ValueError(f"unsupported .npy version {version}")
    length_bytes = handle.read(2 if version == (1, 0) else 4)
    if int.from_bytes(length_bytes, "little") > MAX_HEADER_BYTES:
        raise _Refused(f"member {name!r} has a header over {MAX_HEADER_BYTES:,} bytes")
    preamble = io.BytesIO(length_bytes + handle.read(int.from_bytes(length_bytes, "little")))
    read = {(1, 0): np.lib.format.read_array_header_1_0}.get(
        version, np.lib.format.read_array_header_2_0
    )
    try:
        shape, fortran, dtype = read(preamble)
    except Exception as err:  # numpy's parser lets through what ast and tokenize raise
        problem = type(err).__name__
        raise ValueError(f"the .npy header of {name!r} cannot be parsed ({problem})") from None
    if (
        dtype.kind not in NUMBER_AND_TEXT_KINDS
        or dtype.hasobject
        or dtype.fields is not None
        or dtype.itemsize == 0
    ):
        raise _Refused(f"member {name!r} has dtype {dtype}, not a plain number array")
    if any(n < 0 for n in shape):
        raise _Refused(f"member {name!r} has a negative size in its shape {shape}")
    return Header(dtype, tuple(int(n) for n in shape), bool(fortran))


#: The most bytes asked of a member at once: zipfile decompresses one compressed read of
#: this size at a time, so it bounds the buffer beside the arrays (64 KiB: the MNIST
#: states' peak is their arrays and the LZMA dictionary; 1 MiB added 9 MB to it).
READ_BYTES = 2**16
#: A strided array is filled through a buffer of at most this size.
CHUNK_BYTES = 2**20


def _read_into(handle: BinaryIO, raw: np.ndarray, name: str) -> None:
    """Fill the contiguous array ``raw`` from ``handle``, at most :data:`READ_BYTES` a read."""
    view = memoryview(raw.reshape(-1).view(np.uint8))
    filled = 0
    while filled < len(view):
        got = handle.readinto(view[filled : filled + READ_BYTES])
        if not got:
            raise _Refused(f"member {name!r} holds less data than its header says")
        filled += got


def _fill(handle: BinaryIO, target: np.ndarray, name: str) -> None:
    """Fill ``target`` (any strides) with the data that follows, which is in its C order.

    A contiguous target is read into directly; a strided one a slab of its last
    axes at a time through a buffer of at most :data:`CHUNK_BYTES` (a row longer
    than that in pieces).
    """
    itemsize, shape = target.dtype.itemsize, target.shape
    lead = 0
    if not target.flags.c_contiguous:  # the fewest leading axes whose slabs fit a chunk
        fits = [k for k in range(target.ndim) if math.prod(shape[k:]) * itemsize <= CHUNK_BYTES]
        lead = fits[0] if fits else target.ndim - 1
    step = max(1, CHUNK_BYTES // itemsize)
    for index in np.ndindex(*shape[:lead]):
        slab = target[(*index, Ellipsis)]
        if slab.flags.c_contiguous:
            _read_into(handle, slab, name)
            continue
        pieces = (
            [slab]
            if slab.nbytes <= CHUNK_BYTES
            else [slab[start : start + step] for start in range(0, len(slab), step)]
        )
        for piece in pieces:
            buffer = np.empty(piece.shape, piece.dtype)
            _read_into(handle, buffer, name)
            piece[...] = buffer


class NpzMembers:
    """An open ``.npz`` archive whose wanted members' headers are read and checked.

    :attr:`headers` says what every member holds before any data is decompressed,
    so the caller can refuse a member from its header; :meth:`read` then reads
    one straight into its array.
    """

    def __init__(
        self,
        archive: zipfile.ZipFile,
        *,
        budget: int,
        fail: Callable[[str], Exception],
        wanted: Callable[[str], bool],
        strict: bool,
    ) -> None:
        self._archive, self._fail = archive, fail
        self._infos: dict[str, zipfile.ZipInfo] = {}
        self.headers: dict[str, Header] = {}
        total = 0
        with _translated(fail):
            for info in archive.infolist():
                key = info.filename[:-4] if info.filename.endswith(".npy") else None
                if key is None or not wanted(key):
                    if strict:
                        raise _Refused(f"unexpected member {info.filename!r} in the archive")
                    continue
                if key in self._infos:
                    raise _Refused(f"member {info.filename!r} appears twice")
                if info.file_size > budget + 2**16:  # the directory's own size, before opening
                    raise _Refused(f"member {info.filename!r} is over the size budget")
                with _open_member(archive, info) as handle:
                    header = _read_header(handle, info.filename)
                    data_bytes = info.file_size - handle.tell()
                total += header.nbytes
                if total > budget:
                    raise _Refused(
                        f"member {info.filename!r} declares {header.nbytes:,} bytes, "
                        "over the size budget"
                    )
                if data_bytes != header.nbytes:
                    raise _Refused(
                        f"member {info.filename!r} holds a different amount of data than its "
                        "header says"
                    )
                self._infos[key], self.headers[key] = info, header

    def read(self, key: str, into: np.ndarray | None = None) -> np.ndarray:
        """Member ``key``'s array, decompressed straight into it a chunk at a time.

        ``into``: the array to fill (the header's shape and dtype, any strides),
        for a caller that wants the values laid out its own way; by default a
        new one.
        """
        header, info = self.headers[key], self._infos[key]
        if into is not None and (into.shape != header.shape or into.dtype != header.dtype):
            raise TypeError(f"cannot read {key!r} ({header}) into {into.shape} {into.dtype}")
        with _translated(self._fail), _open_member(self._archive, info) as handle:
            # the array before the decompressor's dictionary: 1.6 MiB less peak for MNIST's
            order = "F" if header.fortran else "C"
            array = np.empty(header.shape, header.dtype, order=order) if into is None else into
            if _read_header(handle, info.filename) != header:
                raise _Refused(f"member {info.filename!r} changed while it was read")
            _fill(handle, array.T if header.fortran else array, info.filename)
            if handle.read(1):
                raise _Refused(f"member {info.filename!r} holds more data than its header says")
        return array


@contextlib.contextmanager
def open_npz(
    path: Path,
    *,
    max_file_bytes: int,
    budget: int,
    fail: Callable[[str], Exception],
    wanted: Callable[[str], bool],
    strict: bool,
    what: str = ".npz file",
) -> Iterator[NpzMembers]:
    """An ``.npz`` archive's members whose names ``wanted(key)`` accepts, headers read first.

    ``strict``: a member not wanted (or not ``.npy``) is an error; otherwise it
    is skipped unread. ``budget`` caps the bytes of all wanted arrays together,
    from their headers. Every problem raises ``fail(what)``, which must return
    the caller's one-line exception.
    """
    with open_regular(path, max_file_bytes, fail, what) as handle:
        if handle.read(4) != b"PK\x03\x04":  # every .npz is a zip archive
            raise fail("not an .npz file (it is not a zip archive)")
        handle.seek(0)
        with _translated(fail):
            archive = zipfile.ZipFile(handle)
        with archive:
            yield NpzMembers(archive, budget=budget, fail=fail, wanted=wanted, strict=strict)


def read_npy(
    path: Path, *, budget: int, fail: Callable[[str], Exception], what: str = ".npy file"
) -> np.ndarray:
    """The array of an ``.npy`` file, its header checked (dtype, shape, size) before any data.

    No pickles, no records: plain numbers and text only, at most ``budget``
    bytes, and exactly the data the header declares.
    """
    limit = budget + MAX_HEADER_BYTES + 16
    with open_regular(path, limit, fail, what) as handle, _translated(fail):
        header = _read_header(handle, path.name)
        if header.nbytes > budget:
            raise _Refused(f"declares {header.nbytes:,} bytes of data, over the size budget")
        if os.fstat(handle.fileno()).st_size - handle.tell() != header.nbytes:
            raise _Refused("holds a different amount of data than its header says")
        order = "F" if header.fortran else "C"
        array = np.empty(header.shape, header.dtype, order=order)
        _fill(handle, array.T if header.fortran else array, path.name)
    return array
