"""Your own network and data: check a torch ``nn.Sequential`` and a labelled point set, export.

A user brings a small MLP (``nn.Linear`` layers and elementwise activations)
and points with labels (numpy arrays or a CSV file). This module checks both,
turns the network into the layer list of the states schema (one activation per
layer, identity layers where two activations follow each other) and writes a
states file, either from the model as it is (optionally with checkpoints the
user kept) or after training it with :func:`model.train.train`. Every problem a
user can cause raises :class:`CustomError` with one line naming the layer, row
or column, before anything is written.

Example::

    net = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 2))
    points = points_from_arrays(x, y)
    train_and_export_custom(net, points, "moons.npz", custom_config(epochs=500))
"""

from __future__ import annotations

import copy
import csv
import dataclasses
import importlib.util
import io
import itertools
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn

from model.activations import name_of_module, torch_nn_classes
from model.config import TrainConfig
from model.data import Dataset

__all__ = [
    "MAX_CLASSES",
    "CustomError",
    "Network",
    "NetworkLayer",
    "Points",
    "check_compatible",
    "custom_config",
    "export_custom",
    "load_model_factory",
    "load_points",
    "load_points_csv",
    "load_weights",
    "network_from_model",
    "points_from_arrays",
    "standardized",
    "train_and_export_custom",
]

#: More classes than this cannot be told apart by colour in the scenes.
MAX_CLASSES = 10
SUPPORTED = ", ".join(["nn.Linear", *torch_nn_classes(), "Dropout in eval mode"])


class CustomError(ValueError):
    """A model or data set we cannot show; the message is one line for the user."""


# ---------------------------------------------------------------------------
# The network: torch modules -> layers of the states schema
# ---------------------------------------------------------------------------


@dataclass
class NetworkLayer:
    """One layer of the schema: a Linear (or an inserted identity map) and one activation."""

    name: str  # torch name of the Linear ("2" or "1.0"), or "(inserted)" for an identity map
    linear: nn.Linear | None  # None: identity weights, zero bias
    width_in: int
    width_out: int
    activation: str = "identity"
    activation_name: str = ""  # torch name of the activation module, if any


@dataclass
class Network:
    """A checked ``nn.Sequential`` as the schema sees it."""

    model: nn.Sequential
    layers: list[NetworkLayer]

    @property
    def widths(self) -> list[int]:
        return [self.layers[0].width_in] + [layer.width_out for layer in self.layers]

    @property
    def activations(self) -> list[str]:
        return [layer.activation for layer in self.layers]

    @property
    def inserted(self) -> list[int]:
        """Indices of the identity layers put between two consecutive activations."""
        return [i for i, layer in enumerate(self.layers) if layer.linear is None]

    def expand(self, weights: Sequence[np.ndarray], biases: Sequence[np.ndarray]):
        """Every schema layer's ``(W, b)`` from the model's own Linear parameters.

        ``weights``/``biases`` are in the order of ``model.modules()`` (as
        :func:`model.train.take_snapshot` records them); inserted layers get the
        identity matrix and a zero bias.
        """
        from model.train import linear_layers

        index = {id(m): i for i, m in enumerate(linear_layers(self.model))}
        out_w, out_b = [], []
        for layer in self.layers:
            if layer.linear is None:
                out_w.append(np.eye(layer.width_out, dtype=np.float32))
                out_b.append(np.zeros(layer.width_out, dtype=np.float32))
            else:
                out_w.append(np.asarray(weights[index[id(layer.linear)]]))
                out_b.append(np.asarray(biases[index[id(layer.linear)]]))
        return out_w, out_b

    def describe(self) -> list[str]:
        """One line per schema layer, for meta and for ``--help`` output."""
        lines = []
        for layer in self.layers:
            what = "identity map" if layer.linear is None else f"Linear {layer.name}"
            lines.append(f"{what} {layer.width_in}->{layer.width_out}, {layer.activation}")
        return lines


def _flatten(module: nn.Module, prefix: str = "") -> list[tuple[str, nn.Module]]:
    """Leaves of nested ``nn.Sequential`` containers, with torch's dotted names."""
    out = []
    for name, child in module._modules.items():
        full = f"{prefix}{name}"
        if child is None:
            continue
        if isinstance(child, nn.Sequential) and type(child).forward is nn.Sequential.forward:
            out += _flatten(child, full + ".")
        else:
            out.append((full, child))
    return out


def _reject(name: str, module: nn.Module) -> CustomError:
    kind = type(module).__name__
    where = f"layer {name} ({kind})"
    if isinstance(module, nn.modules.conv._ConvNd):
        why = "convolutions cannot be shown as points moving in 2-D or 3-D; use nn.Linear layers"
    elif isinstance(module, nn.modules.batchnorm._NormBase):
        why = "batch-norm cannot be shown; fold it into the Linear before it, or remove it"
    elif isinstance(module, nn.modules.dropout._DropoutNd):
        why = "dropout in train mode changes the network at every call; call model.eval() first"
    elif isinstance(module, (nn.Softmax, nn.LogSoftmax)):
        why = "remove it: the network must end with raw class scores (the trainer and the \
scenes apply softmax themselves)"
    elif isinstance(module, nn.Sequential):
        why = "a Sequential subclass with its own forward() cannot be followed; use nn.Sequential"
    else:
        why = f"only {SUPPORTED} can be shown; remove it or replace it"
    return CustomError(f"{where}: {why}")


def network_from_model(model: nn.Module) -> Network:
    """Check ``model`` and turn it into schema layers.

    Nested ``nn.Sequential`` containers are flattened; ``nn.Identity``,
    ``nn.Flatten`` and dropout in eval mode (or with ``p=0``) are skipped, as they
    do nothing to a batch of points. A Linear directly after a Linear closes the
    first one with an identity activation; an activation directly after another
    (or before the first Linear) gets an identity map as its own layer.

    Raises
    ------
    CustomError
        Naming the first layer that cannot be shown, by its torch index and type.
    """
    if not isinstance(model, nn.Sequential):
        raise CustomError(
            f"the model must be an nn.Sequential of nn.Linear layers and activations, not "
            f"{type(model).__name__}; return the nn.Sequential itself"
        )
    if type(model).forward is not nn.Sequential.forward:
        raise CustomError(
            f"the model is a {type(model).__name__} with its own forward(), which cannot be "
            "followed layer by layer; use a plain nn.Sequential"
        )
    for name, param in model.named_parameters():
        if param.dtype != torch.float32 or param.device.type != "cpu":
            raise CustomError(
                f"parameter {name} is {param.dtype} on {param.device}; call model.float().cpu()"
            )

    layers: list[NetworkLayer] = []
    width: int | None = None  # the width flowing out of the last module
    open_layer = False  # the last layer has no activation yet
    for name, module in _flatten(model):
        if isinstance(module, (nn.Identity, nn.Flatten)):
            continue
        if isinstance(module, nn.Dropout) and (not module.training or module.p == 0):
            continue
        if isinstance(module, nn.Linear):
            if width is not None and module.in_features != width:
                raise CustomError(
                    f"layer {name} (Linear) takes {module.in_features} inputs but the layer "
                    f"before it gives {width}; fix the widths"
                )
            layers.append(NetworkLayer(name, module, module.in_features, module.out_features))
            width, open_layer = module.out_features, True
            continue
        act = name_of_module(module)
        if act is None:
            raise _reject(name, module)
        if width is None:
            raise CustomError(
                f"layer {name} ({type(module).__name__}) comes before any nn.Linear, so its "
                "input width is unknown; start the model with an nn.Linear"
            )
        if not open_layer:  # two activations in a row: give the second an identity map
            layers.append(NetworkLayer("(inserted)", None, width, width))
        layers[-1].activation, layers[-1].activation_name = act, name
        open_layer = False
    if not layers:
        raise CustomError("the model has no nn.Linear layer; give it at least one")
    return Network(model, layers)


# ---------------------------------------------------------------------------
# The points: arrays or CSV -> float32 coordinates and labels 0..K-1
# ---------------------------------------------------------------------------


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


def check_compatible(network: Network, points: Points, model_name: str = "the model") -> None:
    """The model must take the points' dimension and give one score per class."""
    first, last = network.layers[0], network.layers[-1]
    if first.width_in != points.dims:
        what = "Linear" if first.linear is not None else "activation"
        name = first.name if first.linear is not None else first.activation_name
        raise CustomError(
            f"{model_name}: layer {name} ({what}) takes {first.width_in} inputs but "
            f"{points.source} has {points.dims}-D points; make it nn.Linear({points.dims}, ...)"
        )
    if last.width_out != points.n_classes:
        shown = ", ".join(points.label_names[:5]) + (", ..." if points.n_classes > 5 else "")
        raise CustomError(
            f"{model_name}: the last layer ({last.name}, Linear) gives {last.width_out} "
            f"outputs but {points.source} has {points.n_classes} classes ({shown}); "
            f"make it nn.Linear(..., {points.n_classes}), one score per class"
        )


# ---------------------------------------------------------------------------
# Loading a user's model and weights
# ---------------------------------------------------------------------------


def _one_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return f"{type(err).__name__}: {text[0]}" if text else type(err).__name__


def load_model_factory(spec: str, seed: int = 0) -> nn.Module:
    """Call ``FILE.py:FUNCTION`` (``build`` when no function is named) and return its module.

    The global torch seed is set to ``seed`` first, so the initial weights are
    reproducible.
    """
    file, func = spec, "build"
    head, _, tail = spec.rpartition(":")
    if head and tail.isidentifier():
        file, func = head, tail
    path = Path(file)
    if not path.is_file():
        raise CustomError(f"{file}: no such file; give --model FILE.py:FUNCTION")
    name = f"_bendspace_user_model_{abs(hash(str(path.resolve())))}"
    module_spec = importlib.util.spec_from_file_location(name, path)
    if module_spec is None or module_spec.loader is None:
        raise CustomError(f"{file}: not a Python file; give --model FILE.py:FUNCTION")
    module = importlib.util.module_from_spec(module_spec)
    sys.path.insert(0, str(path.parent.resolve()))
    try:
        module_spec.loader.exec_module(module)
    except Exception as err:
        line = f" (line {err.lineno})" if isinstance(err, SyntaxError) and err.lineno else ""
        raise CustomError(f"{file} does not import: {_one_line(err)}{line}") from None
    finally:
        sys.path.remove(str(path.parent.resolve()))
    factory = getattr(module, func, None)
    if not callable(factory):
        found = sorted(k for k, v in vars(module).items() if callable(v) and not k.startswith("_"))
        raise CustomError(
            f"{file} has no function {func!r}; give --model {file}:NAME "
            f"(functions there: {', '.join(found) or 'none'})"
        )
    torch.manual_seed(seed)
    try:
        model = factory()
    except Exception as err:
        raise CustomError(f"{file}:{func}() raised {_one_line(err)}") from None
    if not isinstance(model, nn.Module):
        raise CustomError(
            f"{file}:{func}() returned {type(model).__name__}, not a torch nn.Module; "
            "return the nn.Sequential"
        )
    return model


def load_weights(model: nn.Module, path: str | Path) -> None:
    """Load a state dict saved with ``torch.save(model.state_dict(), path)`` into ``model``.

    Read with ``torch.load(weights_only=True)``: a file that needs arbitrary
    unpickling is refused. A checkpoint dict holding ``state_dict`` or
    ``model_state_dict`` is accepted too.
    """
    path = Path(path)
    if not path.is_file():
        raise CustomError(f"{path}: no such weights file; save one with torch.save(state_dict)")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:
        raise CustomError(
            f"{path}: not a plain state dict (torch.load with weights_only=True refused it: "
            f"{type(err).__name__}); save it with torch.save(model.state_dict(), path)"
        ) from None
    if isinstance(state, dict):
        for key in ("state_dict", "model_state_dict"):
            if isinstance(state.get(key), dict):
                state = state[key]
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise CustomError(
            f"{path}: holds a {type(state).__name__}, not a state dict of tensors; "
            "save it with torch.save(model.state_dict(), path)"
        )
    own = model.state_dict()
    missing = [k for k in own if k not in state]
    extra = [k for k in state if k not in own]
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"missing {', '.join(missing[:4])}")
        if extra:
            parts.append(f"unexpected {', '.join(extra[:4])}")
        raise CustomError(f"{path} does not fit the model: {'; '.join(parts)}")
    for key, tensor in own.items():
        if tuple(state[key].shape) != tuple(tensor.shape):
            raise CustomError(
                f"{path} does not fit the model: {key} has shape {tuple(state[key].shape)}, "
                f"the model's is {tuple(tensor.shape)}"
            )
    bad = [k for k, v in state.items() if v.is_floating_point() and not torch.isfinite(v).all()]
    if bad:
        raise CustomError(f"{path}: {bad[0]} contains NaN or infinite values")
    model.load_state_dict(state)


# ---------------------------------------------------------------------------
# Export
# ---------------------------------------------------------------------------


def custom_config(**changes) -> TrainConfig:
    """The training configuration for user data: full-batch Adam, log-spaced snapshots.

    ``None`` values in ``changes`` are ignored, so CLI options pass straight through.
    """
    base = TrainConfig(
        name="custom",
        dataset="custom",
        hidden=(),
        epochs=500,
        lr=2e-2,
        batch_size=0,
        snapshots=60,
        sample_points=2000,
        grid=96,
    )
    return base.replace(**{k: v for k, v in changes.items() if v is not None})


def _expanded_result(result, network: Network):
    """A TrainResult whose snapshots list every schema layer (inserted ones included)."""
    out = copy.copy(result)
    out.snapshots = []
    for snap in result.snapshots:
        weights, biases = network.expand(snap.weights, snap.biases)
        out.snapshots.append(dataclasses.replace(snap, weights=weights, biases=biases))
    return out


def _config_for(config: TrainConfig, network: Network, points: Points) -> TrainConfig:
    """``config`` with the network's shape filled in, so the saved config describes it."""
    hidden_acts = list(dict.fromkeys(network.activations[:-1])) or ["identity"]
    return config.replace(
        classes=points.n_classes,
        hidden=tuple(network.widths[1:-1]),
        activation="/".join(hidden_acts),
    )


def _meta(network: Network, points: Points, model_name: str, trained: bool) -> dict:
    return {
        "custom": {
            "model": model_name,
            "trained_here": trained,
            "layers": network.describe(),
            "inserted_identity_layers": network.inserted,
            **points.meta(),
        },
        "label_names": list(points.label_names),
    }


def export_custom(
    model: nn.Module,
    points: Points,
    path: str | Path,
    config: TrainConfig | None = None,
    checkpoints: Sequence[dict] | None = None,
    steps: Sequence[int] | None = None,
    model_name: str = "the model",
) -> Path:
    """Write a states file for an already trained ``model`` (no training here).

    Without ``checkpoints`` the model as it is makes the one (final) snapshot.
    With ``checkpoints`` (state dicts kept during the user's own training, in
    order; ``steps`` their optimizer steps, default 0, 1, 2, ...) each one is a
    snapshot and the model's own weights are not used.
    """
    from model.train import TrainResult, export_states, take_snapshot

    network = network_from_model(model)
    check_compatible(network, points, model_name)
    config = _config_for(config or custom_config(epochs=0), network, points)
    data = points.dataset()
    result = TrainResult(config, model)
    if checkpoints:
        steps = list(range(len(checkpoints))) if steps is None else [int(s) for s in steps]
        if len(steps) != len(checkpoints) or any(b <= a for a, b in itertools.pairwise(steps)):
            raise CustomError("steps must be increasing, one per checkpoint")
        work = copy.deepcopy(model)
        for step, state in zip(steps, checkpoints, strict=True):
            try:
                work.load_state_dict(state)
            except (RuntimeError, KeyError) as err:
                raise CustomError(f"checkpoint at step {step}: {_one_line(err)}") from None
            result.snapshots.append(take_snapshot(work, step, data))
    else:
        result.snapshots.append(take_snapshot(model, 0, data))
    expanded = _expanded_result(result, network)
    return export_states(
        expanded,
        data,
        path,
        activations=network.activations,
        extra_meta=_meta(network, points, model_name, trained=False),
    )


def train_and_export_custom(
    model: nn.Module,
    points: Points,
    path: str | Path,
    config: TrainConfig | None = None,
    model_name: str = "the model",
    progress: bool = False,
) -> Path:
    """Train ``model`` on ``points`` with :func:`model.train.train` and write its snapshots.

    The model is checked before training starts, so a model that cannot be
    shown fails fast and nothing is written.
    """
    from model.train import export_states, train

    network = network_from_model(model)
    check_compatible(network, points, model_name)
    config = _config_for(config or custom_config(), network, points)
    data = points.dataset()
    result = train(config, data, model=model, progress=progress)
    return export_states(
        _expanded_result(result, network),
        data,
        path,
        activations=network.activations,
        extra_meta=_meta(network, points, model_name, trained=True),
    )
