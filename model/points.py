"""Your labelled points: a CSV file, an ``.npz`` or arrays -> checked coordinates and classes.

Coordinates become float32 ``(N, 2 or 3)``, labels (numbers or text) classes
0..K-1 with their names kept. Every problem a user can cause raises
:class:`CustomError` with one line naming the file, line or column. numpy
only; :mod:`model.custom` (the network side) re-exports everything here.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from model.data import Dataset

__all__ = [
    "MAX_CLASSES",
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


class CustomError(ValueError):
    """A model or data set we cannot show; the message is one line for the user."""


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


def _label_names(values: Sequence[object]) -> tuple[np.ndarray, list[str]]:
    """Map labels to 0..K-1: numbers in numeric order, else text in sorted order."""
    numeric = []
    for value in values:
        try:
            numeric.append(float(value))
        except (TypeError, ValueError):
            numeric = None
            break
    if numeric is not None:
        arr = np.asarray(numeric, dtype=np.float64)
        uniques, codes = np.unique(arr, return_inverse=True)
        names = [f"{int(u)}" if float(u).is_integer() else f"{u:g}" for u in uniques]
        return codes.astype(np.int64), names
    text = np.asarray([str(v) for v in values])
    uniques, codes = np.unique(text, return_inverse=True)
    return codes.astype(np.int64), [str(u) for u in uniques]


MIN_POINTS = 4  # the 3-D views of wide layers need a few points to fit


def _check_classes(names: list[str], source: str, column: str, n_points: int) -> None:
    if n_points < MIN_POINTS:
        raise CustomError(f"{source}: only {n_points} points; give at least {MIN_POINTS}")
    if len(names) < 2:
        raise CustomError(
            f"{source}: every point has the label {names[0]!r} in {column}; "
            "need at least two classes"
        )
    if len(names) > MAX_CLASSES:
        raise CustomError(
            f"{source}: {column} has {len(names)} different labels; at most {MAX_CLASSES} "
            "classes can be shown (is the label column the right one?)"
        )


def points_from_arrays(x, y, source: str = "arrays") -> Points:
    """Check points ``x`` (N, 2 or 3) and labels ``y`` (N,) given as arrays.

    Labels may be any numbers or strings; they are mapped to 0..K-1 in sorted
    order and their names kept in :attr:`Points.label_names`.
    """
    try:
        xa = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise CustomError(f"{source}: the points are not numeric ({err})") from None
    if xa.ndim != 2 or xa.shape[1] not in (2, 3):
        raise CustomError(
            f"{source}: points must have shape (N, 2) or (N, 3), not {xa.shape}; "
            "only 2-D or 3-D inputs can be shown"
        )
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
    if ya.dtype.kind == "f":
        bad_y = np.flatnonzero(~np.isfinite(ya))
        if len(bad_y):
            raise CustomError(f"{source}: label {int(bad_y[0])} is {ya[bad_y[0]]}")
    codes, names = _label_names(ya.tolist())
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


def load_points_csv(path: str | Path, label: str | None = None) -> Points:
    """Read points from a CSV file: 2 or 3 coordinate columns and a label column.

    The separator is a comma, semicolon, tab or whitespace. A first row with no
    number in it is a header. ``label`` names the label column (its header, or
    its 1-based number); by default it is the last column. Blank lines and lines
    starting with ``#`` are skipped.

    Raises
    ------
    CustomError
        For a missing file, a missing label column, a non-numeric, empty, NaN or
        infinite coordinate (naming the line and column), or a single class.
    """
    path = Path(path)
    src = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise CustomError(f"{src}: no such file; give the path of a CSV file") from None
    except IsADirectoryError:
        raise CustomError(f"{src}: is a folder; give the path of a CSV file") from None
    except UnicodeDecodeError:
        raise CustomError(f"{src}: not a UTF-8 text file; save it as CSV") from None
    except OSError as err:
        raise CustomError(f"{src}: cannot be read ({err.strerror})") from None

    lines = [
        (number, line)
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if not lines:
        raise CustomError(f"{src}: the file is empty; it needs rows of coordinates and a label")
    delim = _sniff_delimiter(lines[0][1])
    rows: list[tuple[int, list[str]]] = []
    for number, line in lines:
        cells = next(csv.reader(io.StringIO(line), delimiter=delim)) if delim else line.split()
        rows.append((number, [c.strip() for c in cells]))

    header = None
    if not any(_is_number(cell) for cell in rows[0][1]):
        header = rows.pop(0)[1]
    n_cols = len(header) if header is not None else len(rows[0][1]) if rows else 0
    if not rows:
        raise CustomError(f"{src}: only a header row, no points")
    columns = header or [f"column {i + 1}" for i in range(n_cols)]
    for number, cells in rows:
        if len(cells) != n_cols:
            raise CustomError(
                f"{src} line {number}: {len(cells)} cells, expected {n_cols} "
                f"({'like the header' if header else 'like the first row'})"
            )

    # Which column holds the labels.
    if label is None:
        label_col = n_cols - 1
    elif header is not None and label in header:
        label_col = header.index(label)
    elif label.isdigit() and 1 <= int(label) <= n_cols:
        label_col = int(label) - 1
    elif header is None:
        raise CustomError(
            f"{src} has no header row, so there is no column named {label!r}; "
            f"give the label column's number (1 to {n_cols}) or add a header"
        )
    else:
        raise CustomError(
            f"{src}: no label column named {label!r}; the columns are {', '.join(header)}"
        )
    coord_cols = [i for i in range(n_cols) if i != label_col]
    if len(coord_cols) < 2:
        raise CustomError(
            f"{src} has only {n_cols} column(s) ({', '.join(columns)}): the label column is "
            "missing; need 2 or 3 coordinate columns and a label column"
        )
    if len(coord_cols) > 3:
        raise CustomError(
            f"{src} has {len(coord_cols)} coordinate columns besides the label column "
            f"{columns[label_col]!r}; only 2-D or 3-D points can be shown"
        )

    x = np.empty((len(rows), len(coord_cols)), dtype=np.float64)
    labels: list[str] = []
    for r, (number, cells) in enumerate(rows):
        for c, col in enumerate(coord_cols):
            cell = cells[col]
            where = f"{src} line {number}, column {columns[col]!r}"
            if not cell:
                raise CustomError(f"{where}: empty cell; every point needs all its coordinates")
            try:
                value = float(cell)
            except ValueError:
                raise CustomError(f"{where}: {cell!r} is not a number") from None
            if math.isnan(value):
                raise CustomError(f"{where}: NaN; remove the row or fill in the value")
            if math.isinf(value):
                raise CustomError(f"{where}: {cell} is not a finite number")
            x[r, c] = value
        cell = cells[label_col]
        where = f"{src} line {number}, column {columns[label_col]!r}"
        if not cell:
            raise CustomError(f"{where}: empty label; every point needs a class")
        if _is_number(cell) and not math.isfinite(float(cell)):
            raise CustomError(f"{where}: label {cell} is not a class; remove the row or fix it")
        labels.append(cell)

    numeric = all(_is_number(v) for v in labels)
    if numeric:
        for r, value in enumerate(labels):
            if not float(value).is_integer():
                number = rows[r][0]
                raise CustomError(
                    f"{src} line {number}, column {columns[label_col]!r}: label {value} is "
                    "not a whole number; labels must be class names or whole numbers "
                    "(is the label column the right one?)"
                )
    codes, names = _label_names(labels)
    _check_classes(names, src, f"column {columns[label_col]!r}", len(codes))
    return Points(x.astype(np.float32), codes, names, src, columns=[columns[c] for c in coord_cols])


def load_points(path: str | Path, label: str | None = None) -> Points:
    """Points from a ``.csv`` (see :func:`load_points_csv`) or an ``.npz`` with ``x`` and ``y``."""
    path = Path(path)
    if path.suffix.lower() != ".npz":
        return load_points_csv(path, label)
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in npz.files}
    except FileNotFoundError:
        raise CustomError(f"{path}: no such file; give the path of a .csv or .npz file") from None
    except (OSError, ValueError) as err:
        raise CustomError(f"{path}: not a readable .npz file ({err})") from None
    label = label or "y"
    missing = [key for key in ("x", label) if key not in arrays]
    if missing:
        raise CustomError(
            f"{path}: no array named {missing[0]!r} (it has {', '.join(arrays) or 'none'}); "
            "save the points as x and the labels as y"
        )
    return points_from_arrays(arrays["x"], arrays[label], source=str(path))


def standardized(points: Points) -> Points:
    """The same points shifted and scaled to mean 0 and standard deviation 1 per coordinate."""
    mean = points.x.mean(axis=0, dtype=np.float64)
    std = points.x.std(axis=0, dtype=np.float64)
    std = np.where(std > 0, std, 1.0)
    x = ((points.x - mean) / std).astype(np.float32)
    info = {"mean": mean.tolist(), "std": std.tolist()}
    return Points(x, points.y, points.label_names, points.source, points.columns, info)
