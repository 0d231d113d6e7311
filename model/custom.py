"""Your own network and data: check a torch ``nn.Sequential`` and a labelled point set, export.

A user brings a small MLP (``nn.Linear`` layers and elementwise activations)
and points with labels (numpy arrays or a CSV file). This module checks both,
turns the network into the layer list of the states schema (one activation per
layer, identity layers where two activations follow each other) and writes a
states file, either from the model as it is (optionally with checkpoints the
user kept) or after training it with :func:`model.train.train`. The points are
read and checked by :mod:`model.points`. Every problem a user can cause raises
:class:`CustomError` with one line naming the layer, row or column, before
anything is written.

Example::

    net = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 2))
    points = points_from_arrays(x, y)
    train_and_export_custom(net, points, "moons.npz", custom_config(epochs=500))
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import importlib.util
import itertools
import sys
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from model.activations import name_of_module, torch_nn_classes
from model.config import TrainConfig, custom_config
from model.points import (
    MAX_CLASSES,
    CustomError,
    Points,
    load_points,
    load_points_csv,
    points_from_arrays,
    standardized,
)
from model.text import display_name, one_line

# The points side (MAX_CLASSES, CustomError, Points, load_points*, points_from_arrays,
# standardized) lives in model.points, custom_config in model.config (torch-free, so the
# command checks its options before importing torch); both are re-exported here.
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

SUPPORTED = ", ".join(["nn.Linear", *torch_nn_classes(), "Dropout in eval mode"])


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
            if min(module.in_features, module.out_features) < 1:
                raise CustomError(
                    f"layer {name} (Linear) has {module.in_features} inputs and "
                    f"{module.out_features} outputs; every layer needs at least one neuron"
                )
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
        shown = ", ".join(map(display_name, points.label_names[:5]))
        shown += ", ..." if points.n_classes > 5 else ""
        raise CustomError(
            f"{model_name}: the last layer ({last.name}, Linear) gives {last.width_out} "
            f"outputs but {points.source} has {points.n_classes} classes ({shown}); "
            f"make it nn.Linear(..., {points.n_classes}), one score per class"
        )


# ---------------------------------------------------------------------------
# Loading a user's model and weights
# ---------------------------------------------------------------------------


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
    folder = str(path.parent.resolve())
    sys.path.insert(0, folder)
    try:
        module_spec.loader.exec_module(module)
    except (Exception, SystemExit) as err:
        line = f" (line {err.lineno})" if isinstance(err, SyntaxError) and err.lineno else ""
        raise CustomError(f"{file} does not import: {one_line(err)}{line}") from None
    finally:
        with contextlib.suppress(ValueError):  # the module may have taken it out itself
            sys.path.remove(folder)
    factory = getattr(module, func, None)
    if not callable(factory):
        found = sorted(k for k, v in vars(module).items() if callable(v) and not k.startswith("_"))
        raise CustomError(
            f"{file} has no function {func!r}; give --model {file}:NAME "
            f"(functions there: {', '.join(found) or 'none'})"
        )
    torch.manual_seed(seed)
    try:
        with warnings.catch_warnings():  # torch warns of zero-width layers; refused below
            warnings.simplefilter("ignore", UserWarning)
            model = factory()
    except (Exception, SystemExit) as err:
        raise CustomError(f"{file}:{func}() raised {one_line(err)}") from None
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
                raise CustomError(f"checkpoint at step {step}: {one_line(err)}") from None
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
