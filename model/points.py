"""Your labelled points: CSV, ``.npz``/``.npy``, image folder or arrays -> features and classes.

Features become float32 ``(N, D)``, ``D`` from 1 to :data:`MAX_FEATURES` (a
table's numeric columns, an embedding's numbers, an image's pixels); labels
(numbers or text) classes 0..K-1 with their names kept. Numeric labels are
compared exactly (as decimals, never through float), so 2**53 and 2**53 + 1
stay two classes. A label column holds numbers or names, not both; a feature
column holding text is refused with its name, or one-hot encoded when asked.
Only regular files are read, at most :data:`MAX_DATA_BYTES`,
:data:`model.limits.MAX_POINTS` points and :data:`MAX_CELLS` feature values,
``.npz``/``.npy`` headers checked before anything is allocated (no pickles);
images through :mod:`model.image_folder`. Every problem a user can cause raises
:class:`CustomError` with one line naming the file, line, column or image.
numpy only; :mod:`model.custom` (the network side) re-exports everything here.
"""

from __future__ import annotations

import csv
import dataclasses
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
from model.reading import open_npz, read_lines, read_npy
from model.text import name_problem, printable

__all__ = [
    "MAX_CATEGORIES",
    "MAX_CELLS",
    "MAX_CLASSES",
    "MAX_DATA_BYTES",
    "MAX_FEATURES",
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


#: Features of one point: a table's columns, an embedding's numbers, an image's pixels
#: (64 x 64 greyscale); the first layer's weights are then at most 4,096 x 1,024.
MAX_FEATURES = 4096
#: Feature values of one data set (points x features): 20,000 embeddings of 768 numbers
#: fit (15.4 M), held as float64 while read, 128 MB at most.
MAX_CELLS = 2**24
#: A data file (CSV, ``.npz``, ``.npy``, one image) larger than this is refused before it
#: is read; 20,000 rows of 768 numbers take about 150 MB as CSV.
MAX_DATA_BYTES = 256 * 2**20
#: A CSV line longer than this (in bytes) is refused: 24 bytes for each of the most cells.
MAX_LINE_CHARS = 24 * (MAX_FEATURES + 1)
#: Values of one text column turned into 0/1 columns by ``one_hot``.
MAX_CATEGORIES = 64
_MAX_LINES = 4 * MAX_POINTS  # blank and comment lines included
_MAX_NPZ_BYTES = 8 * MAX_CELLS + 64 * MAX_POINTS  # the features as float64, and text labels
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
    """Labelled points ready to train on: ``x`` (N, D) float32, ``y`` (N,) in 0..K-1."""

    x: np.ndarray
    y: np.ndarray
    label_names: list[str]  # label_names[k] is the user's label of class k
    source: str = "arrays"
    columns: list[str] = field(default_factory=list)  # feature (column) names, if any
    standardize: dict | None = None  # {"mean": [...], "std": [...]} once standardized
    image: tuple[int, int, int] | None = None  # (height, width, channels) of image points

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
            "features": self.dims,
            "standardize": self.standardize,
            "image": list(self.image) if self.image else None,
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


def _shape_of_points(raw: np.ndarray, source: str) -> tuple[int, tuple[int, int, int] | None]:
    """Features per point of an array of points, and the image shape if it holds images."""
    image = None
    if raw.ndim == 3:  # (N, H, W): greyscale images
        image = (raw.shape[1], raw.shape[2], 1)
    elif raw.ndim == 4 and raw.shape[3] in (1, 3):  # (N, H, W, C)
        image = (raw.shape[1], raw.shape[2], raw.shape[3])
    elif raw.ndim != 2:
        raise CustomError(
            f"{source}: points must have shape (N, features), (N, height, width) or "
            f"(N, height, width, 1 or 3), not {raw.shape}"
        )
    features = math.prod(raw.shape[1:])
    if not 1 <= features <= MAX_FEATURES:
        raise CustomError(
            f"{source}: {features:,} features a point (shape {raw.shape}); give 1 to "
            f"{MAX_FEATURES:,} (reduce them first, or use smaller images)"
        )
    return features, image


def _too_many_cells(source: str, points: int, features: int) -> CustomError:
    return CustomError(
        f"{source}: {points:,} points of {features:,} features are {points * features:,} "
        f"values, over the {MAX_CELLS:,} that can be read; give fewer points or features"
    )


def points_from_arrays(x, y, source: str = "arrays") -> Points:
    """Check points ``x`` and labels ``y`` (N,) given as arrays.

    ``x`` is ``(N, D)`` with ``D`` from 1 to :data:`MAX_FEATURES`, or images
    ``(N, H, W)`` / ``(N, H, W, C)`` (flattened, their shape kept in
    :attr:`Points.image`). Labels may be any numbers or strings; they are
    mapped to 0..K-1 in sorted order and their names kept in
    :attr:`Points.label_names`.
    """
    raw = np.asarray(x)
    if raw.dtype.kind in "OV" or raw.dtype.hasobject:
        raise CustomError(f"{source}: the points are not numeric (dtype {raw.dtype})")
    features, image = _shape_of_points(raw, source)
    if len(raw) > MAX_POINTS:
        raise _too_many(source, f"{len(raw):,}")
    if len(raw) * features > MAX_CELLS:
        raise _too_many_cells(source, len(raw), features)
    try:
        xa = raw.reshape(len(raw), features).astype(np.float64)
    except (TypeError, ValueError, OverflowError) as err:
        raise CustomError(f"{source}: the points are not numeric ({err})") from None
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
        raise CustomError(f"{source}: point {row}, feature {col} is {xa[row, col]}")
    codes, names = _label_names(ya, source)
    _check_classes(names, source, "the labels", len(codes))
    return Points(xa.astype(np.float32), codes, names, source, image=image)


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


def load_points_csv(path: str | Path, label: str | None = None, one_hot: bool = False) -> Points:
    """Read points from a CSV file: feature columns (1 to :data:`MAX_FEATURES`) and a label column.

    The separator is a comma, semicolon, tab or whitespace. A first row with no
    number in it is a header; its names are kept as the feature names. ``label``
    names the label column (its header, or its 1-based number); by default it
    is the last column. Blank lines and lines starting with ``#`` are skipped.
    A feature column whose first value is text is refused, naming it, unless
    ``one_hot``: then each of its values becomes a 0/1 column ``name=value``.

    Raises
    ------
    CustomError
        For a missing, special or oversized file, an overlong line, a missing
        label column, a ragged row, a non-numeric, empty, NaN or infinite
        feature (naming the line and column), a text column (unless
        ``one_hot``), a label column mixing numbers and names (naming the
        line), too many points or values, or a single class.
    """
    path = Path(path)
    src = str(path)
    rows = _csv_rows(path, src)
    first = next(rows, None)
    if first is None:
        raise CustomError(f"{src}: the file is empty; it needs rows of features and a label")
    header = None if any(_is_number(cell) for cell in first[1]) else first[1]
    n_cols = len(first[1])
    columns = header or [f"column {i + 1}" for i in range(n_cols)]
    label_col = _label_column(src, label, header, n_cols)
    feature_cols = [i for i in range(n_cols) if i != label_col]
    if not feature_cols:
        raise CustomError(
            f"{src} has only 1 column ({columns[0]}): the label column or the features are "
            "missing; need feature columns and a label column"
        )
    if len(feature_cols) > MAX_FEATURES:
        raise CustomError(
            f"{src} has {len(feature_cols):,} feature columns besides the label column "
            f"{_shown(columns[label_col])}; at most {MAX_FEATURES:,} can be shown"
        )

    numbers_at: list[int] = []  # the feature columns read as numbers
    text_at: list[int] = []  # the feature columns of text (one_hot only)
    values = array("d")
    texts: list[list[str]] = []
    labels: list[str] = []
    lines: list[int] = []  # the file line of each point
    for number, cells in rows if header is not None else _chain(first, rows):
        if len(cells) != n_cols:
            raise CustomError(
                f"{src} line {number}: {len(cells)} cells, expected {n_cols} "
                f"({'like the header' if header else 'like the first row'})"
            )
        if not labels:  # the first point decides which columns hold text
            text_at = [c for c in feature_cols if cells[c] and not _is_number(cells[c])]
            if text_at and not one_hot:
                col = text_at[0]
                raise CustomError(
                    f"{src} line {number}, column {_shown(columns[col])}: {_shown(cells[col])} "
                    "is text, and features must be numbers; drop the column, or give "
                    "--one-hot to turn its values into 0/1 columns"
                )
            numbers_at = [c for c in feature_cols if c not in text_at]
            texts = [[] for _ in text_at]
        if len(labels) == MAX_POINTS:
            raise _too_many(src, "more than " + f"{MAX_POINTS:,}")
        if (len(labels) + 1) * len(numbers_at) > MAX_CELLS:
            raise _too_many_cells(src, len(labels) + 1, len(numbers_at))
        try:
            row = [float(cells[c]) for c in numbers_at]
        except ValueError:
            row = []
        if len(row) != len(numbers_at) or not all(map(math.isfinite, row)):
            for col in numbers_at:  # find the cell and say what is wrong with it
                where = f"{src} line {number}, column {_shown(columns[col])}"
                _coordinate(cells[col], where)
        values.extend(row)
        for kept, col in zip(texts, text_at, strict=True):
            kept.append(
                _category(cells[col], f"{src} line {number}, column {_shown(columns[col])}")
            )
        cell = cells[label_col]
        if not cell:
            where = f"{src} line {number}, column {_shown(columns[label_col])}"
            raise CustomError(f"{where}: empty label; every point needs a class")
        labels.append(cell)
        lines.append(number)
    if not labels:
        raise CustomError(f"{src}: only a header row, no points")

    def where(i: int) -> str:
        return f"{src} line {lines[i]}, column {_shown(columns[label_col])}"

    codes, names = _text_labels(labels, where, whole=True)
    _check_classes(names, src, f"column {_shown(columns[label_col])}", len(codes))
    x = np.frombuffer(values, dtype=np.float64).reshape(len(labels), len(numbers_at))
    if text_at:
        x, names_of = _one_hot(src, x, numbers_at, text_at, texts, columns)
    else:
        names_of = [columns[c] for c in numbers_at]
    return Points(x.astype(np.float32), codes, names, src, columns=names_of)


def _category(cell: str, where: str) -> str:
    """One cell of a text column, as a category name."""
    if not cell:
        raise CustomError(f"{where}: empty cell; every point needs all its features")
    if _CONTROL.search(cell):
        raise CustomError(f"{where}: {_shown(cell)} holds a control character")
    return cell


def _one_hot(
    src: str,
    x: np.ndarray,
    numbers_at: list[int],
    text_at: list[int],
    texts: list[list[str]],
    columns: list[str],
) -> tuple[np.ndarray, list[str]]:
    """The numeric columns and one 0/1 column per value of each text column, in file order."""
    parts: dict[int, tuple[np.ndarray, list[str]]] = {
        col: (x[:, [i]], [columns[col]]) for i, col in enumerate(numbers_at)
    }
    for col, kept in zip(text_at, texts, strict=True):
        categories = sorted(set(kept))
        if len(categories) > MAX_CATEGORIES:
            raise CustomError(
                f"{src}, column {_shown(columns[col])}: {len(categories)} different values, over "
                f"the {MAX_CATEGORIES} that --one-hot turns into columns; drop the column"
            )
        index = {name: k for k, name in enumerate(categories)}
        codes = np.fromiter((index[v] for v in kept), dtype=np.int64, count=len(kept))
        block = (codes[:, None] == np.arange(len(categories))).astype(np.float64)
        parts[col] = (block, [f"{columns[col]}={name}" for name in categories])
    order = sorted(parts)
    names = [name for col in order for name in parts[col][1]]
    if len(names) > MAX_FEATURES:
        raise CustomError(
            f"{src}: {len(names):,} features once one-hot encoded, over {MAX_FEATURES:,}; "
            "drop a text column"
        )
    if len(x) * len(names) > MAX_CELLS:
        raise _too_many_cells(src, len(x), len(names))
    return np.concatenate([parts[col][0] for col in order], axis=1), names


def _chain(first: tuple[int, list[str]], rest: Iterator) -> Iterator[tuple[int, list[str]]]:
    yield first
    yield from rest


def _coordinate(cell: str, where: str) -> float:
    """One feature cell as a finite float, or a one-line error naming ``where``."""
    if not cell:
        raise CustomError(f"{where}: empty cell; every point needs all its features")
    try:
        value = float(cell)
    except ValueError:
        raise CustomError(f"{where}: {_shown(cell)} is not a number") from None
    if math.isnan(value):
        raise CustomError(f"{where}: NaN; remove the row or fill in the value")
    if math.isinf(value):
        raise CustomError(f"{where}: {_shown(cell)} is not a finite number")
    return value


def _load_npy_pair(path: Path, label: str | None) -> Points:
    """Features from one ``.npy``; labels from ``label`` (a path, or a file name beside the
    features), by default ``labels.npy`` beside them."""
    given = Path(label or "labels.npy")
    labels_path = given if label and given.exists() else path.parent / given
    if labels_path.resolve() == path.resolve() or not labels_path.exists():
        raise CustomError(
            f"{path} holds the features only; give the labels' .npy with --label FILE "
            f"(no {labels_path.name} beside it)"
        )

    def read(file: Path) -> np.ndarray:
        fail = lambda what: CustomError(f"{file}: {what}")  # noqa: E731
        return read_npy(file, budget=_MAX_NPZ_BYTES, fail=fail)

    return points_from_arrays(read(path), read(labels_path), source=str(path))


def load_points(
    path: str | Path,
    label: str | None = None,
    one_hot: bool = False,
) -> Points:
    """Points from a CSV (:func:`load_points_csv`), an ``.npz`` or an ``.npy`` pair.

    An ``.npz`` holds ``x`` and ``y`` (``label`` names the labels' array); an
    ``.npy`` holds the features and ``label`` names the labels' ``.npy``
    (default ``labels.npy`` beside it); both are read with no pickles, their
    headers checked before anything is decompressed. (A folder of images:
    :func:`model.image_folder.load_image_folder`.)
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".npy":
        return _load_npy_pair(path, label)
    if suffix != ".npz":
        return load_points_csv(path, label, one_hot)
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
    """The same points shifted and scaled to mean 0 and standard deviation 1 per feature.

    The mean and scale are kept (:attr:`Points.standardize`, then the states'
    meta), so a reader can show a point's own values again: ``x * std + mean``.
    A constant feature keeps scale 1.
    """
    mean = points.x.mean(axis=0, dtype=np.float64)
    std = points.x.std(axis=0, dtype=np.float64)
    std = np.where(std > 0, std, 1.0)
    x = ((points.x - mean) / std).astype(np.float32)
    info = {"mean": mean.tolist(), "std": std.tolist()}
    return dataclasses.replace(points, x=x, standardize=info)
