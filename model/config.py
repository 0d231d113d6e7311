"""Training configurations and the presets the scenes use (no torch here)."""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.metadata
import json
import os
from dataclasses import dataclass, field

__all__ = [
    "PRESETS",
    "TrainConfig",
    "custom_config",
    "numeric_environment",
    "perturbation",
    "preset",
]

#: Changes when the trained numbers of a config change (not when the file layout
#: does: a cached file of an older schema is converted in place, see model.cache).
#: 1: the schema version, when the two were one number; 2: Adam's fused step.
NUMBERS_VERSION = 2


def perturbation() -> int:
    """``$BENDSPACE_PERTURB`` as an integer (0: off), the way to be another machine.

    Another CPU rounds the same training differently in the last bits, and Adam carries
    that to a visibly different network. With ``N > 0`` every training multiplies each
    initial weight and bias by ``1 + 1e-6 * z`` (``z`` standard normal, drawn from a
    generator seeded with ``N``): a few float32 ulps, the size of such rounding, so a
    test that holds under it holds for any successful training, not for one CPU's.
    A bad value is one line from :func:`model.train.train`, not here (cache keys are
    computed where no error is expected), so it is kept as text until then.
    """
    text = (os.environ.get("BENDSPACE_PERTURB") or "0").strip()
    if not text.isdigit():
        raise ValueError(
            f"BENDSPACE_PERTURB={text!r} is not a whole number; unset it or give one like 1"
        )
    return int(text)


def numeric_environment() -> dict:
    """What changes a trained network's numbers besides its config: torch, its threads
    and the perturbation that stands for another machine.

    The torch version comes from the package metadata, so the cache key never imports
    torch (scenes whose states are cached start fast). The thread count is
    ``$BENDSPACE_TORCH_THREADS`` as :func:`model.train.train` reads it (default 1):
    a different count sums in a different order, and 3,000 Adam steps amplify that.
    ``$BENDSPACE_PERTURB`` (see :func:`perturbation`) joins the key only when set, so
    the caches of every earlier run stay valid.
    """
    try:
        torch_version = importlib.metadata.version("torch")
    except importlib.metadata.PackageNotFoundError:
        torch_version = "none"
    threads = (os.environ.get("BENDSPACE_TORCH_THREADS") or "1").strip()
    threads = str(int(threads)) if threads.isdigit() else threads
    env = {"torch": torch_version, "torch_threads": threads}
    perturb = (os.environ.get("BENDSPACE_PERTURB") or "0").strip()
    if perturb not in ("", "0"):
        env["perturb"] = perturb
    return env


@dataclass(frozen=True)
class TrainConfig:
    """Everything that decides a trained network; printed and saved with its states."""

    name: str
    dataset: str  # spirals | spirals_even | disks | mnist | templates of mnist
    hidden: tuple[int, ...]  # hidden widths; the input and class counts come from the data
    activation: str = "tanh"
    classes: int = 2
    epochs: int = 1000  # passes over the training data
    lr: float = 1e-2
    weight_decay: float = 0.0
    batch_size: int = 0  # 0: full batch
    snapshots: int = 60  # log-spaced, first and last included
    seed: int = 0
    data_seed: int = 0
    sample_points: int = 0  # points traced per snapshot; 0: all training points
    grid: int = 96  # decision-boundary grid cells per side (2-D input only)
    data_args: dict = field(default_factory=dict)

    def replace(self, **changes) -> TrainConfig:
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict:
        out = dataclasses.asdict(self)
        out["hidden"] = list(self.hidden)
        return out

    def key(self) -> str:
        """A short hash: a changed config, seed, torch version or thread count gives a
        different cache entry (see :func:`numeric_environment`)."""
        blob = json.dumps([NUMBERS_VERSION, self.to_dict(), numeric_environment()], sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:12]

    def cache_name(self) -> str:
        parts = [self.name]
        if self.dataset in ("spirals", "spirals_even") and self.name.startswith("packing"):
            parts.append(f"k{self.classes}")
        if self.name.startswith("packing"):
            parts.append(self.activation)
        parts += [f"s{self.seed}", self.key()]
        return "-".join(parts) + ".npz"


PRESETS: dict[str, TrainConfig] = {
    # Four 2-wide tanh layers, then the output layer (the 002 video). Every seed separates
    # the spirals (99.8%); seed 6 is one whose plane stays a plane through layer 3, so the
    # bending can be watched (seeds 0, 1, 2, 3 and 5 squeeze it onto a line by layer 2 or 3:
    # tests/model/test_train.py measures it).
    "spirals2d": TrainConfig(
        "spirals2d", "spirals", (2, 2, 2, 2), epochs=3000, lr=2e-2, seed=6,
        data_args={"points_per_class": 300, "noise": 0.1},
    ),
    "disks2d": TrainConfig(
        "disks2d", "disks", (2, 2, 2, 2), epochs=2000, lr=2e-2,
        data_args={"points_per_class": 500},
    ),
    "disks3d": TrainConfig(
        "disks3d", "disks", (3, 3, 3, 3), epochs=2000, lr=2e-2,
        data_args={"points_per_class": 500},
    ),
    # The same spirals through four 3-wide layers (the 002 code's 3-D spirals).
    "spirals3d": TrainConfig(
        "spirals3d", "spirals", (3, 3, 3, 3), epochs=3000, lr=2e-2,
        data_args={"points_per_class": 300, "noise": 0.1},
    ),
    "mnist": TrainConfig(
        "mnist", "mnist", (128, 64), classes=10, epochs=20, lr=2e-3, batch_size=128,
        snapshots=30, sample_points=2000, grid=0,
    ),
    # The MNIST network with ReLU (the 002 code trained it both ways).
    "mnist_relu": TrainConfig(
        "mnist_relu", "mnist", (128, 64), activation="relu", classes=10, epochs=20, lr=2e-3,
        batch_size=128, snapshots=30, sample_points=2000, grid=0,
    ),
    "templates": TrainConfig(
        "templates", "mnist", (), classes=10, epochs=15, lr=1e-3, batch_size=128,
        snapshots=40, sample_points=2000, grid=0,
    ),
    # The packing study: the last hidden layer has two neurons.
    "packing": TrainConfig(
        "packing", "spirals_even", (120, 80, 40, 2), classes=4, epochs=3000, lr=5e-3,
        weight_decay=0.0, snapshots=80,
        data_args={"points_per_class": 200},
    ),
}  # fmt: skip


def preset(name: str, **changes) -> TrainConfig:
    """A preset by name, with fields changed (``None`` values are ignored)."""
    try:
        config = PRESETS[name]
    except KeyError:
        raise KeyError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}") from None
    return config.replace(**{k: v for k, v in changes.items() if v is not None})


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
