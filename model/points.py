"""Your labelled points: a CSV file, an ``.npz`` or arrays -> checked coordinates and classes.

Coordinates become float32 ``(N, 2 or 3)``, labels (numbers or text) classes
0..K-1 with their names kept; numeric labels are compared exactly (as
decimals, never through float), so 2**53 and 2**53 + 1 stay two classes. A
label column holds numbers or names, not both. Only regular files are read,
at most :data:`MAX_DATA_BYTES` and :data:`model.limits.MAX_POINTS` points, an
``.npz`` through :func:`model.reading.open_npz` (checked before it allocates,
no pickles). Every problem a user can cause raises :class:`CustomError` with
one line naming the file, line or column. numpy only; :mod:`model.custom`
(the network side) re-exports everything here.
"""

from __future__ import annotations

import csv
import math
import re
from array import array
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import numpy as np

from model.data import Dataset
from model.limits import MAX_POINTS
from model.reading import open_npz, read_lines
from model.text import name_problem, printable

__all__ = [
    "MAX_CLASSES",
    "MAX_DATA_BYTES",
    "MAX_LINE_CHARS",
    "MIN_POINTS",
    "CustomError",
    "Points",
    "load_points",
    "load_points_csv",
    "points_from_arrays",
    "standardized",
]

#: More classes than this cannot be told apart by colour in the scenes.
MAX_CLASSES = 10


#: A data file (CSV or ``.npz``) larger than this is refused before it is read;
#: 200,000 points of 3 coordinates and a label take about 10 MB as CSV.
MAX_DATA_BYTES = 32 * 2**20
#: A CSV line longer than this (in bytes) is refused: a row is 2 or 3 numbers and a label.
MAX_LINE_CHARS = 4096
_MAX_LINES = 4 * MAX_POINTS  # blank and comment lines included
_MAX_NPZ_BYTES = 64 * 2**20  # the arrays x and y of an .npz, uncompressed
_MAX_LABEL_DIGITS = 30  # a numeric label beyond 10**30 is not a class number
_MESSAGE_CHARS = 500
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class CustomError(ValueError):
    """A model or data set we cannot show; the message is one line for the user.

    Whatever the message quotes, it is kept on one line with control
    characters escaped and cut to a sane length.
    """

    def __init__(self, message: object = "") -> None:
        super().__init__(printable(str(message), _MESSAGE_CHARS))


def _shown(cell: str, limit: int = 40) -> str:
    """A cell as a message quotes it: ``repr``, cut to ``limit`` characters."""
    return repr(cell if len(cell) <= limit else cell[:limit] + "...")


@dataclass
class Points:
    """Labelled points ready to train on: ``x`` (N, 2 or 3) float32, ``y`` (N,) in 0..K-1."""

    x: np.ndarray
    y: np.ndarray
    label_names: list[str]  # label_names[k] is the user's label of class k
    source: str = "arrays"
    columns: list[str] = field(default_factory=list)  # coordinate column names, if any
    standardize: dict | None = None  # {"mean": [...], "std": [...]} once standardized

    @property
    def n_classes(self) -> int:
        return len(self.label_names)

    @property
    def dims(self) -> int:
        return int(self.x.shape[1])

    def dataset(self) -> Dataset:
        return Dataset(self.x, self.y)

    def meta(self) -> dict:
        return {
            "data": self.source,
            "label_names": list(self.label_names),
            "columns": list(self.columns),
            "points": len(self.y),
            "standardize": self.standardize,
        }


def _exact_number(cell: str) -> Decimal | None:
    """The exact value of a numeric label (``None`` for text); NaN and infinities included."""
    try:
        return Decimal(cell)
    except (InvalidOperation, ValueError, TypeError):
        return None


def _decimal_name(value: Decimal) -> str:
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


def _text_labels(
    labels: Sequence[str], where: Callable[[int], str], whole: bool
) -> tuple[np.ndarray, list[str]]:
    """Map text labels to 0..K-1: all numbers (exact numeric order) or all names (sorted)."""
    numbers = [_exact_number(label) for label in labels]
    numeric = [i for i, n in enumerate(numbers) if n is not None]
    if 0 < len(numeric) < len(labels):  # a column that mixes numbers and names
        text = [i for i, n in enumerate(numbers) if n is None]
        odd = min(numeric) if len(numeric) < len(text) else min(text)
        if len(numeric) == len(text):
            odd = text[0] if numbers[0] is not None else numeric[0]
        kind, others = ("a number", "names") if numbers[odd] is not None else ("text", "numbers")
        raise CustomError(
            f"{where(odd)}: label {_shown(labels[odd])} is {kind} but the other labels are "
            f"{others}; a label column holds class numbers or class names, not both"
        )
    if not numeric:
        for i, label in enumerate(labels):
            if _CONTROL.search(label):
                raise CustomError(
                    f"{where(i)}: label {_shown(label)} holds a control character; "
                    "class names are printed in the scenes"
                )
        names = sorted(set(labels))  # a set, not an array: no copy of every label
        index = {name: k for k, name in enumerate(names)}
        codes = np.fromiter((index[label] for label in labels), dtype=np.int64, count=len(labels))
        return codes, names
    for i, value in enumerate(numbers):
        if not value.is_finite():
            raise CustomError(
                f"{where(i)}: label {labels[i]} is not a class; remove the row or fix it"
            )
        if value.adjusted() >= _MAX_LABEL_DIGITS:
            raise CustomError(
                f"{where(i)}: label {_shown(labels[i])} is too large for a class number "
                f"(over {_MAX_LABEL_DIGITS} digits); use class names or small numbers"
            )
        if whole and value != value.to_integral_value():
            raise CustomError(
                f"{where(i)}: label {labels[i]} is not a whole number; labels must be class "
                "names or whole numbers (is the label column the right one?)"
            )
    uniques = sorted(set(numbers))
    index = {value: k for k, value in enumerate(uniques)}
    codes = np.fromiter((index[value] for value in numbers), dtype=np.int64, count=len(numbers))
    return codes, [_decimal_name(value) for value in uniques]


def _label_names(y: np.ndarray, source: str) -> tuple[np.ndarray, list[str]]:
    """Map a label array to 0..K-1: integers exactly, floats in order, text via the rules above."""
    if y.dtype.kind in "biu":
        uniques, codes = np.unique(y, return_inverse=True)
        return codes.astype(np.int64), [str(int(u)) for u in uniques.tolist()]
    if y.dtype.kind == "f":
        bad = np.flatnonzero(~np.isfinite(y))
        if len(bad):
            raise CustomError(f"{source}: label {int(bad[0])} is {y[bad[0]]}")
        uniques, codes = np.unique(y, return_inverse=True)
        names = [f"{int(u)}" if float(u).is_integer() else f"{u:g}" for u in uniques.tolist()]
        return codes.astype(np.int64), names
    if y.dtype.kind not in "USO":
        raise CustomError(f"{source}: labels of dtype {y.dtype} are neither numbers nor names")
    labels = [v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v) for v in y.tolist()]
    return _text_labels(labels, lambda i: f"{source}: label {i}", whole=False)


MIN_POINTS = 4  # the 3-D views of wide layers need a few points to fit


def _check_classes(names: list[str], source: str, column: str, n_points: int) -> None:
    if n_points < MIN_POINTS:
        raise CustomError(f"{source}: only {n_points} points; give at least {MIN_POINTS}")
    if len(names) < 2:
        raise CustomError(
            f"{source}: every point has the label {_shown(names[0])} in {column}; "
            "need at least two classes"
        )
    if len(names) > MAX_CLASSES:
        raise CustomError(
            f"{source}: {column} has {len(names)} different labels; at most {MAX_CLASSES} "
            "classes can be shown (is the label column the right one?)"
        )
    for name in names:
        problem = name_problem(name)
        if problem:
            raise CustomError(
                f"{source}: class name {_shown(name)} in {column} {problem}; shorten it"
            )


def _too_many(source: str, n: int | str) -> CustomError:
    return CustomError(
        f"{source}: {n} points, more than the {MAX_POINTS:,} that can be trained and shown; "
        "give a sample of them"
    )


def points_from_arrays(x, y, source: str = "arrays") -> Points:
    """Check points ``x`` (N, 2 or 3) and labels ``y`` (N,) given as arrays.

    Labels may be any numbers or strings; they are mapped to 0..K-1 in sorted
    order and their names kept in :attr:`Points.label_names`.
    """
    try:
        xa = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError, OverflowError) as err:
        raise CustomError(f"{source}: the points are not numeric ({err})") from None
    if xa.ndim != 2 or xa.shape[1] not in (2, 3):
        raise CustomError(
            f"{source}: points must have shape (N, 2) or (N, 3), not {xa.shape}; "
            "only 2-D or 3-D inputs can be shown"
        )
    if len(xa) > MAX_POINTS:
        raise _too_many(source, f"{len(xa):,}")
    ya = np.asarray(y)
    if ya.ndim != 1 or len(ya) != len(xa):
        raise CustomError(
            f"{source}: labels must have shape ({len(xa)},) like the points, not {ya.shape}"
        )
    if len(xa) == 0:
        raise CustomError(f"{source}: no points")
    bad = np.argwhere(~np.isfinite(xa))
    if len(bad):
        row, col = (int(v) for v in bad[0])
        raise CustomError(f"{source}: point {row}, coordinate {col} is {xa[row, col]}")
    codes, names = _label_names(ya, source)
    _check_classes(names, source, "the labels", len(codes))
    return Points(xa.astype(np.float32), codes, names, source)


def _sniff_delimiter(first_line: str) -> str | None:
    for delim in (",", ";", "\t"):
        if delim in first_line:
            return delim
    return None  # whitespace separated


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _csv_rows(path: Path, src: str) -> Iterator[tuple[int, list[str]]]:
    """``(line number, stripped cells)`` of every row that is not blank or a comment."""
    delim: str | None = None
    first = True
    lines = read_lines(
        path, MAX_DATA_BYTES, lambda what: CustomError(f"{src}: {what}"), "CSV file", MAX_LINE_CHARS
    )
    for number, line in lines:
        if number > _MAX_LINES:
            raise CustomError(f"{src}: more than {_MAX_LINES:,} lines; give a sample of the points")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if first:
            delim, first = _sniff_delimiter(line), False
        try:
            cells = next(csv.reader([line], delimiter=delim)) if delim else line.split()
        except (csv.Error, StopIteration) as err:
            raise CustomError(f"{src} line {number}: not a CSV row ({err})") from None
        yield number, [cell.strip() for cell in cells]


def _label_column(src: str, label: str | None, header: list[str] | None, n_cols: int) -> int:
    """The index of the label column named by ``label`` (a header name or a 1-based number)."""
    if label is None:
        return n_cols - 1
    if header is not None and label in header:
        return header.index(label)
    if re.fullmatch(r"[0-9]{1,6}", label) and 1 <= int(label) <= n_cols:
        return int(label) - 1
    if header is None:
        raise CustomError(
            f"{src} has no header row, so there is no column named {_shown(label)}; "
            f"give the label column's number (1 to {n_cols}) or add a header"
        )
    raise CustomError(
        f"{src}: no label column named {_shown(label)}; the columns are {', '.join(header)}"
    )


def load_points_csv(path: str | Path, label: str | None = None) -> Points:
    """Read points from a CSV file: 2 or 3 coordinate columns and a label column.

    The separator is a comma, semicolon, tab or whitespace. A first row with no
    number in it is a header. ``label`` names the label column (its header, or
    its 1-based number); by default it is the last column. Blank lines and lines
    starting with ``#`` are skipped.

    Raises
    ------
    CustomError
        For a missing, special or oversized file, an overlong line, a missing
        label column, a non-numeric, empty, NaN or infinite coordinate (naming
        the line and column), a label column mixing numbers and names (naming
        the line), too many points or a single class.
    """
    path = Path(path)
    src = str(path)
    rows = _csv_rows(path, src)
    first = next(rows, None)
    if first is None:
        raise CustomError(f"{src}: the file is empty; it needs rows of coordinates and a label")
    header = None if any(_is_number(cell) for cell in first[1]) else first[1]
    n_cols = len(first[1])
    columns = header or [f"column {i + 1}" for i in range(n_cols)]
    label_col = _label_column(src, label, header, n_cols)
    coord_cols = [i for i in range(n_cols) if i != label_col]
    if len(coord_cols) < 2:
        raise CustomError(
            f"{src} has only {n_cols} column(s) ({', '.join(columns)}): the label column is "
            "missing; need 2 or 3 coordinate columns and a label column"
        )
    if len(coord_cols) > 3:
        raise CustomError(
            f"{src} has {len(coord_cols)} coordinate columns besides the label column "
            f"{_shown(columns[label_col])}; only 2-D or 3-D points can be shown"
        )

    coords = array("d")
    labels: list[str] = []
    numbers: list[int] = []  # the file line of each point
    for number, cells in rows if header is not None else _chain(first, rows):
        if len(cells) != n_cols:
            raise CustomError(
                f"{src} line {number}: {len(cells)} cells, expected {n_cols} "
                f"({'like the header' if header else 'like the first row'})"
            )
        if len(labels) == MAX_POINTS:
            raise _too_many(src, "more than " + f"{MAX_POINTS:,}")
        for col in coord_cols:
            coords.append(
                _coordinate(cells[col], f"{src} line {number}, column {_shown(columns[col])}")
            )
        cell = cells[label_col]
        if not cell:
            where = f"{src} line {number}, column {_shown(columns[label_col])}"
            raise CustomError(f"{where}: empty label; every point needs a class")
        labels.append(cell)
        numbers.append(number)
    if not labels:
        raise CustomError(f"{src}: only a header row, no points")

    def where(i: int) -> str:
        return f"{src} line {numbers[i]}, column {_shown(columns[label_col])}"

    codes, names = _text_labels(labels, where, whole=True)
    _check_classes(names, src, f"column {_shown(columns[label_col])}", len(codes))
    x = np.frombuffer(coords, dtype=np.float64).reshape(len(labels), len(coord_cols))
    return Points(x.astype(np.float32), codes, names, src, columns=[columns[c] for c in coord_cols])


def _chain(first: tuple[int, list[str]], rest: Iterator) -> Iterator[tuple[int, list[str]]]:
    yield first
    yield from rest


def _coordinate(cell: str, where: str) -> float:
    """One coordinate cell as a finite float, or a one-line error naming ``where``."""
    if not cell:
        raise CustomError(f"{where}: empty cell; every point needs all its coordinates")
    try:
        value = float(cell)
    except ValueError:
        raise CustomError(f"{where}: {_shown(cell)} is not a number") from None
    if math.isnan(value):
        raise CustomError(f"{where}: NaN; remove the row or fill in the value")
    if math.isinf(value):
        raise CustomError(f"{where}: {_shown(cell)} is not a finite number")
    return value


def load_points(path: str | Path, label: str | None = None) -> Points:
    """Points from a ``.csv`` (see :func:`load_points_csv`) or an ``.npz`` with ``x`` and ``y``.

    The ``.npz`` is read with no pickles, its headers checked before anything
    is decompressed; ``label`` names the labels' array (default ``y``).
    """
    path = Path(path)
    if path.suffix.lower() != ".npz":
        return load_points_csv(path, label)
    src = str(path)
    label = label or "y"
    with open_npz(
        path,
        max_file_bytes=MAX_DATA_BYTES,
        budget=_MAX_NPZ_BYTES,
        fail=lambda what: CustomError(f"{src}: {what}"),
        wanted=lambda key: key in ("x", label),
        strict=False,
        what=".npz file of points",
    ) as members:
        arrays = {key: members.read(key) for key in members.headers}
    missing = [key for key in ("x", label) if key not in arrays]
    if missing:
        raise CustomError(
            f"{src}: no array named {_shown(missing[0])}; save the points as x and the labels as y"
        )
    return points_from_arrays(arrays["x"], arrays[label], source=src)


def standardized(points: Points) -> Points:
    """The same points shifted and scaled to mean 0 and standard deviation 1 per coordinate."""
    mean = points.x.mean(axis=0, dtype=np.float64)
    std = points.x.std(axis=0, dtype=np.float64)
    std = np.where(std > 0, std, 1.0)
    x = ((points.x - mean) / std).astype(np.float32)
    info = {"mean": mean.tolist(), "std": std.tolist()}
    return Points(x, points.y, points.label_names, points.source, points.columns, info)
