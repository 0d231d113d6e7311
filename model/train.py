"""Torch side: the configurable MLP, the deterministic trainer and the states export."""

from __future__ import annotations

import math
import os
import platform
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn

from model import data as datasets
from model.activations import torch_module
from model.config import TrainConfig, perturbation
from model.modules import UnitDisk
from model.project import project_stages, variance_kept
from model.stages import STAGE_KINDS, forward_stages, stage_plan
from model.states import save_states

# UnitDisk is re-exported: it has always been importable from here.
__all__ = [
    "Snapshot",
    "TrainingError",
    "UnitDisk",
    "build_mlp",
    "class_dtype",
    "dead_layers",
    "export_states",
    "load_dataset",
    "snapshot_steps",
    "train",
    "train_and_export",
]


DIVERGED_RATIO = 10.0  # a loss this many times its starting value...
DIVERGED_STEPS = 25  # ...for this many steps in a row means training diverged


class TrainingError(RuntimeError):
    """Training cannot go on (diverged); the message is one line for the user."""


def build_mlp(widths: list[int], activation: str) -> nn.Sequential:
    """Linear layers of ``widths`` with ``activation`` after every hidden one."""
    layers: list[nn.Module] = []
    for i in range(len(widths) - 1):
        layers.append(nn.Linear(widths[i], widths[i + 1]))
        if i < len(widths) - 2:
            layers.append(torch_module(activation))
    return nn.Sequential(*layers)


def load_dataset(config: TrainConfig) -> datasets.Dataset:
    args = dict(config.data_args)
    if config.dataset == "spirals":
        x, y = datasets.spirals(config.classes, seed=config.data_seed, **args)
    elif config.dataset == "spirals_even":
        x, y = datasets.spirals_even(config.classes, seed=config.data_seed, **args)
    elif config.dataset == "disks":
        x, y = datasets.disks(seed=config.data_seed, **args)
    elif config.dataset == "mnist":
        return datasets.mnist_split(**args)
    else:
        raise ValueError(f"unknown dataset {config.dataset!r}")
    return datasets.Dataset(x, y)


def snapshot_steps(total: int, count: int) -> np.ndarray:
    """Log-spaced optimizer steps from 0 to ``total`` (both included)."""
    steps = np.unique(np.round(np.geomspace(1, max(total, 1), max(count - 1, 1))).astype(np.int64))
    return np.unique(np.concatenate([[0], steps, [total]]))


@dataclass
class Snapshot:
    step: int
    weights: list[np.ndarray]
    biases: list[np.ndarray]
    loss: float
    accuracy: float
    heldout_accuracy: float | None = None


@dataclass
class TrainResult:
    config: TrainConfig
    model: nn.Sequential
    snapshots: list[Snapshot] = field(default_factory=list)
    steps_per_epoch: int = 1


def linear_layers(model: nn.Module) -> list[nn.Linear]:
    return [m for m in model.modules() if isinstance(m, nn.Linear)]


def _evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
    with torch.no_grad():
        out = model(x)
        return float(nn.functional.cross_entropy(out, y)), float(
            (out.argmax(1) == y).float().mean()
        )


def _bias(layer: nn.Linear) -> np.ndarray:
    """A Linear layer's bias; zeros for ``nn.Linear(..., bias=False)``."""
    if layer.bias is None:
        return np.zeros(layer.out_features, dtype=np.float32)
    return layer.bias.detach().numpy().copy()


def take_snapshot(model: nn.Module, step: int, data: datasets.Dataset) -> Snapshot:
    """Weights, loss and accuracy of ``model`` now."""
    x, y = torch.from_numpy(data.x), torch.from_numpy(data.y)
    loss, acc = _evaluate(model, x, y)
    held = None
    if data.x_heldout is not None:
        held = _evaluate(model, torch.from_numpy(data.x_heldout), torch.from_numpy(data.y_heldout))[
            1
        ]
    layers = linear_layers(model)
    return Snapshot(
        step,
        [m.weight.detach().numpy().copy() for m in layers],
        [_bias(m) for m in layers],
        loss,
        acc,
        held,
    )


def train(
    config: TrainConfig,
    data: datasets.Dataset | None = None,
    model: nn.Module | None = None,
    progress: bool = True,
) -> TrainResult:
    """Train deterministically for ``config.seed`` and snapshot at log-spaced steps.

    Runs on one thread (``$BENDSPACE_TORCH_THREADS`` changes it): these networks
    are too small to gain from more, and several trainings or renders often run
    side by side, where spinning thread pools waste most of the machine.
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(int(os.environ.get("BENDSPACE_TORCH_THREADS") or 1))
    try:
        return _train(config, data, model, progress)
    finally:
        torch.set_num_threads(threads)


def _perturb(model: nn.Module) -> None:
    """Nudge the initial weights as ``$BENDSPACE_PERTURB`` asks (see
    :func:`model.config.perturbation`): the suite run as if on another CPU."""
    try:
        seed = perturbation()
    except ValueError as error:
        raise TrainingError(str(error)) from None
    if not seed:
        return
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for param in model.parameters():
            noise = torch.randn(param.shape, generator=gen, dtype=param.dtype)
            param.mul_(1 + 1e-6 * noise)


def _train(config, data, model, progress) -> TrainResult:
    data = data if data is not None else load_dataset(config)
    torch.manual_seed(config.seed)
    if model is None:
        widths = [data.x.shape[1], *config.hidden, config.classes]
        model = build_mlp(widths, config.activation)
    _perturb(model)
    x, y = torch.from_numpy(data.x), torch.from_numpy(data.y)
    n = len(y)
    batch = config.batch_size or n
    per_epoch = math.ceil(n / batch)
    total = config.epochs * per_epoch
    wanted = set(snapshot_steps(total, config.snapshots).tolist())
    # fused: torch's one-kernel Adam step. On these small networks the step is mostly
    # per-call overhead, and whole trainings run faster (``python -m bench train``, its
    # Adam rows); its sums round differently from the per-tensor Adam in the last bits.
    opt = torch.optim.Adam(
        model.parameters(), lr=config.lr, weight_decay=config.weight_decay, fused=True
    )
    gen = torch.Generator().manual_seed(config.seed)
    result = TrainResult(config, model, steps_per_epoch=per_epoch)
    result.snapshots.append(take_snapshot(model, 0, data))

    bar = _progress(f"training {config.name}", total) if progress else None
    step = 0
    first_loss, rising = None, 0  # steps in a row far above the starting loss
    try:
        for _epoch in range(config.epochs):
            order = torch.randperm(n, generator=gen) if batch < n else None
            for start in range(0, n, batch):
                idx = order[start : start + batch] if order is not None else slice(None)
                opt.zero_grad()
                loss = nn.functional.cross_entropy(model(x[idx]), y[idx])
                value = float(loss.detach())
                first_loss = value if first_loss is None else first_loss
                rising = rising + 1 if value > DIVERGED_RATIO * first_loss else 0
                if not math.isfinite(value) or value > 1e6 or rising >= DIVERGED_STEPS:
                    raise TrainingError(
                        f"training {config.name} diverged at step {step} (loss {value:.3g}, "
                        f"it started at {first_loss:.3g}); lower the learning rate or try "
                        "another seed"
                    )
                loss.backward()
                opt.step()
                step += 1
                if step in wanted:
                    result.snapshots.append(take_snapshot(model, step, data))
                if bar is not None:
                    bar[0].update(bar[1], advance=1)
    finally:
        if bar is not None:
            bar[0].stop()
    return result


def _progress(description: str, total: int):
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    progress = Progress(
        TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
        TimeRemainingColumn(), transient=True,
    )  # fmt: skip
    task = progress.add_task(description, total=total)
    progress.start()
    return progress, task


def _grid_extent(x: np.ndarray) -> np.ndarray:
    lo, hi = x.min(0), x.max(0)
    centre, half = (lo + hi) / 2, (hi - lo).max() / 2 * 1.15
    return np.array([centre[0] - half, centre[0] + half, centre[1] - half, centre[1] + half])


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def class_dtype(classes: int) -> np.dtype:
    """The smallest unsigned integer type that holds class indices ``0..classes-1``.

    Labels, predictions and the decision grid are class indices: uint8 for up to
    256 classes keeps them an eighth of int64's size (and they compress better).
    """
    return np.dtype(np.uint8) if classes <= 256 else np.dtype(np.uint16)


def export_states(
    result: TrainResult,
    data: datasets.Dataset,
    path: str | Path,
    activations: list[str] | None = None,
    extra_meta: dict | None = None,
) -> Path:
    """Write the states file for a training run (see :mod:`model.states`)."""
    config = result.config
    snaps = result.snapshots
    n_layers = len(snaps[0].weights)
    widths = [snaps[0].weights[0].shape[1]] + [w.shape[0] for w in snaps[0].weights]
    if activations is None:
        activations = [config.activation] * (n_layers - 1) + ["identity"]
    plan = stage_plan(activations)

    # The traced sample: held-out points where there are some, else training points.
    xs, ys = (data.x_heldout, data.y_heldout) if data.x_heldout is not None else (data.x, data.y)
    if config.sample_points and config.sample_points < len(ys):
        pick = np.random.default_rng(config.data_seed).choice(len(ys), config.sample_points, False)
        xs, ys = xs[np.sort(pick)], ys[np.sort(pick)]

    # (S, T, P, d_t) true-space stage outputs, then projected to (S, T, P, 3); the inputs
    # once as float64, so every snapshot shares them (a wide input is 12 MB per 2,000 points)
    xs64 = np.asarray(xs, dtype=np.float64)
    raw = [forward_stages(xs64, s.weights, s.biases, activations) for s in snaps]
    # The trace itself is not stored: the loader recomputes it from these arrays.
    _, projections = project_stages(raw)
    final_logits = raw[-1][-1]
    # Class indices in the smallest type that holds them; the points and weights in
    # float32 (torch's own precision); the few per-snapshot scalars and the
    # projections stay float64.
    cls = class_dtype(widths[-1])

    arrays: dict[str, np.ndarray] = {
        "widths": np.array(widths, dtype=np.int64),
        "steps": np.array([s.step for s in snaps], dtype=np.int64),
        "loss": np.array([s.loss for s in snaps], dtype=np.float64),
        "accuracy": np.array([s.accuracy for s in snaps], dtype=np.float64),
        "stage_layer": np.array([layer for layer, _ in plan], dtype=np.int64),
        "stage_kind": np.array([STAGE_KINDS.index(k) for _, k in plan], dtype=np.int64),
        "stage_dim": np.array([r.shape[-1] for r in raw[0]], dtype=np.int64),
        "inputs": np.asarray(xs, dtype=np.float32),
        "labels": np.asarray(ys).astype(cls),
        "predictions": np.array([r[-1].argmax(-1) for r in raw]).astype(cls),
        "final_probs": _softmax(final_logits).astype(np.float32),
    }
    for layer in range(n_layers):
        arrays[f"W{layer}"] = np.stack([s.weights[layer] for s in snaps]).astype(np.float32)
        arrays[f"b{layer}"] = np.stack([s.biases[layer] for s in snaps]).astype(np.float32)
    if all(s.heldout_accuracy is not None for s in snaps):
        arrays["heldout_accuracy"] = np.array([s.heldout_accuracy for s in snaps])
    for t, (center, basis) in projections.items():
        arrays[f"proj_center{t}"] = center
        arrays[f"proj_basis{t}"] = basis
    if widths[0] == 2 and config.grid > 0:
        extent = _grid_extent(data.x)
        gx = np.linspace(extent[0], extent[1], config.grid)
        gy = np.linspace(extent[2], extent[3], config.grid)
        mesh = np.stack(np.meshgrid(gx, gy), -1).reshape(-1, 2)  # row i is y, column j is x
        arrays["grid_pred"] = np.stack(
            [
                forward_stages(mesh, s.weights, s.biases, activations)[-1]
                .argmax(-1)
                .reshape(config.grid, config.grid)
                for s in snaps
            ]
        ).astype(cls)
        arrays["grid_extent"] = extent

    final = snaps[-1]
    meta = {
        "config": config.to_dict(),
        "name": config.name,
        "seed": config.seed,
        "activations": list(activations),
        "steps_per_epoch": result.steps_per_epoch,
        "final_accuracy": final.accuracy,
        "final_heldout_accuracy": final.heldout_accuracy,
        "final_loss": final.loss,
        "train_points": len(data.y),
        # the share of each wide stage's variance its 3-D view keeps (last snapshot)
        "variance_kept": {
            str(t): round(variance_kept(raw[-1][t], center, basis), 4)
            for t, (center, basis) in projections.items()
        },
        "versions": {
            "numpy": np.__version__,
            "torch": torch.__version__,
            "python": platform.python_version(),
        },
    }
    meta.update(extra_meta or {})
    return save_states(path, arrays, meta)


def dead_layers(snapshot: Snapshot, x: np.ndarray, activations: list[str]) -> list[int]:
    """Hidden layers whose output is the same for every point of ``x`` (dead units).

    A layer counts as dead when every unit of it is constant over the data (for
    ReLU: every point stuck at 0, or the whole layer flattened to one point):
    the layers after it then see one point and cannot separate anything.
    """
    outs = forward_stages(x, snapshot.weights, snapshot.biases, activations)
    plan = stage_plan(activations)
    dead = []
    for t, (layer, kind) in enumerate(plan):
        if kind == "activation" and layer < len(activations) - 1:
            h = outs[t]
            if float(np.ptp(h, axis=0).max()) <= 1e-6:
                dead.append(layer)
    return dead


# The stated remedy for a dead layer: train again from the next seed (same data, same
# settings), at most DEAD_RESTARTS times; the dead runs are recorded in the meta.
DEAD_RESTARTS = 5
DEAD_REMEDY = "restart with the next seed"


def train_and_export(
    config: TrainConfig, path: str | Path, progress: bool = True, restarts: int | None = None
) -> Path:
    """Train ``config`` and write its states to ``path``.

    After training, hidden layers that died (see :func:`dead_layers`) are looked
    for. For the packing presets (``restarts`` defaults to :data:`DEAD_RESTARTS`
    there, 0 elsewhere) a dead run is trained again from the next seed; the meta
    key ``dead`` records what happened: the seeds that died with their accuracy,
    the remedy, the seed finally used and whether the exported run is still dead.
    """
    data = load_dataset(config)
    activations = [config.activation] * len(config.hidden) + ["identity"]
    if restarts is None:
        restarts = DEAD_RESTARTS if config.name.startswith("packing") else 0
    died: list[dict] = []
    run = config
    while True:
        result = train(run, data, progress=progress)
        dead = dead_layers(result.snapshots[-1], data.x, activations)
        if not dead or len(died) >= restarts:
            break
        died.append({"seed": run.seed, "layers": dead, "accuracy": result.snapshots[-1].accuracy})
        if progress:
            print(
                f"dead layer {dead} at seed {run.seed} (accuracy "
                f"{result.snapshots[-1].accuracy:.1%}); {DEAD_REMEDY}",
                file=sys.stderr,
            )
        run = run.replace(seed=run.seed + 1)
    record = {
        "requested_seed": config.seed,
        "trained_seed": run.seed,
        "died": died,
        "remedy": DEAD_REMEDY if died else None,
        "dead_layers": dead,
        "still_dead": bool(dead),
    }
    # Export under the requested config (the cache key) but with the weights of ``run``.
    result.config = config
    return export_states(result, data, path, extra_meta={"dead": record})
