"""The multi-seed packing study: every (k, activation) trained for several seeds.

One seed on one CPU is not a finding: float rounding differs between CPUs and
3,000 Adam steps amplify it. So every cell of the study is trained for several
seeds (:func:`run_study`), each run is measured from its final weights
(:func:`measure_run`, no states file needed) and cached as a small JSON record
under ``<states cache>/packing-study/`` keyed like the states files
(:meth:`model.config.TrainConfig.key`: config, torch version, thread count).

The study page's reading of the table (``docs/packing-study.md``) is a list of
:class:`Claim` objects (:data:`CLAIMS`): each has the sentence shown and a
predicate over the study's results, so ``python -m model packing-table --check``
re-measures and names the claims that do not hold, and the text cannot drift
from the check.

Dead layers: a run whose 2-neuron layer died (constant over all points) is
recorded as dead and kept out of the accuracy and placement figures; unlike the
scenes' states (:func:`model.train.train_and_export`), the study does not restart
it from the next seed, so every seed counts once.
"""

from __future__ import annotations

import json
import math
import os
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from model.files import write_atomic
from model.packing import ACTIVATIONS, CLASSES, class_angles, min_gap, symmetric_gap

__all__ = [
    "CLAIMS",
    "Cell",
    "Claim",
    "claims_markdown",
    "failed_claims",
    "measure_hidden",
    "measure_run",
    "run_study",
    "study_markdown",
    "summarise",
]

STUDY_VERSION = 1  # bump when a record's fields or their meaning change


def measure_hidden(hidden: np.ndarray, labels: np.ndarray, classes: int, activation: str) -> dict:
    """The packing figures of one network's 2-neuron layer output ``hidden`` (P, 2).

    Returns a JSON-able dict: smallest centroid angle and its symmetric value,
    mean class spread, and placement counts (tanh: classes whose centroid is in a
    corner / on an edge of the square; ReLU: at the origin / on an axis / inside
    the quadrant; unit disk: the smallest and largest centroid radius).
    """
    mean, std, _ = class_angles(hidden, labels, classes)
    centroids = np.stack([hidden[labels == c].mean(0) for c in range(classes)])
    r = np.linalg.norm(centroids, axis=1)
    out = {
        "min_angle": min_gap(mean),
        "symmetric": symmetric_gap(classes, activation),
        "spread": float(np.nanmean(std)) if not np.isnan(std).all() else math.nan,
        "radius_min": float(r.min()),
        "radius_max": float(r.max()),
    }
    big = np.abs(centroids) > 0.8
    out["corners"] = int(big.all(1).sum())
    out["edges"] = int(big.any(1).sum()) - out["corners"]
    origin = r < 0.05
    on_axis = (centroids.min(1) < 0.05 * np.maximum(r, 1e-9)) & ~origin
    out["origin"] = int(origin.sum())
    out["on_axis"] = int(on_axis.sum())
    out["inside"] = classes - out["origin"] - out["on_axis"]
    return out


def _record_path(config) -> Path:
    from model.cache import cache_dir

    name = f"k{config.classes}-{config.activation}-s{config.seed}-{config.key()}.json"
    return cache_dir() / "packing-study" / f"v{STUDY_VERSION}" / name


def measure_run(classes: int, activation: str, seed: int, epochs: int | None = None) -> dict:
    """Train (or read from the cache) one packing network and measure its final weights.

    The record holds ``dead`` (the 2-neuron layer is constant over the data),
    ``accuracy`` and the figures of :func:`measure_hidden`.
    """
    from model.config import preset

    config = preset("packing", classes=classes, activation=activation, seed=seed, epochs=epochs)
    path = _record_path(config)
    if path.is_file():
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            pass  # a damaged record is measured again
    from model.stages import forward_stages, stage_plan
    from model.train import dead_layers, load_dataset, train

    data = load_dataset(config)
    result = train(config, data, progress=False)
    final = result.snapshots[-1]
    activations = [activation] * len(config.hidden) + ["identity"]
    outs = forward_stages(data.x, final.weights, final.biases, activations)
    hidden = outs[stage_plan(activations).index((len(config.hidden) - 1, "activation"))]
    record = {
        "classes": classes,
        "activation": activation,
        "seed": seed,
        "epochs": config.epochs,
        "accuracy": float(final.accuracy),
        "dead": bool(dead_layers(final, data.x, activations)),
        **measure_hidden(hidden, data.y, classes, activation),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(record, sort_keys=True)
    write_atomic(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
    return record


def _measure_args(args: tuple) -> dict:
    return measure_run(*args)


@dataclass
class Cell:
    """One (k, activation) of the study: the records of its seeds."""

    classes: int
    activation: str
    runs: list[dict] = field(default_factory=list)

    @property
    def seeds(self) -> int:
        return len(self.runs)

    @property
    def live(self) -> list[dict]:
        """The runs whose 2-neuron layer did not die."""
        return [r for r in self.runs if not r["dead"]]

    @property
    def dead(self) -> int:
        return self.seeds - len(self.live)

    def values(self, key: str, live: bool = True) -> np.ndarray:
        """``key`` of every (live) run, NaNs included."""
        return np.array([r[key] for r in (self.live if live else self.runs)], dtype=float)

    def count(self, predicate: Callable[[dict], bool], live: bool = True) -> int:
        """Runs (live ones by default) for which ``predicate(record)`` holds."""
        return sum(1 for r in (self.live if live else self.runs) if predicate(r))

    def gap_ratio(self) -> np.ndarray:
        """Smallest centroid angle over the symmetric one, per live run (NaN: a class at 0)."""
        return self.values("min_angle") / self.values("symmetric")


def run_study(
    seeds: int = 5,
    classes: Sequence[int] = CLASSES,
    activations: Sequence[str] = ACTIVATIONS,
    jobs: int = 1,
    epochs: int | None = None,
    progress: bool = True,
) -> list[Cell]:
    """Every (k, activation) for seeds ``0..seeds-1``, measured; ``jobs`` processes."""
    tasks = [(k, a, s, epochs) for a in activations for k in classes for s in range(seeds)]
    done = 0

    def note(record: dict) -> None:
        nonlocal done
        done += 1
        if progress:
            print(
                f"\r{done}/{len(tasks)} runs (k={record['classes']} {record['activation']} "
                f"seed {record['seed']})   ",
                end="" if done < len(tasks) else "\n",
                file=sys.stderr,
                flush=True,
            )

    records = []
    if jobs > 1:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            for record in pool.map(_measure_args, tasks):
                note(record)
                records.append(record)
    else:
        for task in tasks:
            records.append(_measure_args(task))
            note(records[-1])
    cells = {(k, a): Cell(k, a) for a in activations for k in classes}
    for record in records:
        cells[record["classes"], record["activation"]].runs.append(record)
    return list(cells.values())


def jobs_default() -> int:
    """Half the cores (at least one): training is one thread per process."""
    return max(1, (os.cpu_count() or 2) // 2)


# -- the table -------------------------------------------------------------------------------
def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _spread(values: np.ndarray, fmt: Callable[[float], str]) -> str:
    """``median [min-max]`` of the finite values, with how many were not finite."""
    finite = values[np.isfinite(values)]
    if not len(finite):
        return "-"
    text = fmt(float(np.median(finite)))
    if len(finite) > 1:
        text += f" [{fmt(float(finite.min()))}-{fmt(float(finite.max()))}]"
    if len(finite) < len(values):
        text += f" ({len(values) - len(finite)} with a class at 0)"
    return text


def _placement(cell: Cell) -> str:
    live = cell.live
    if not live:
        return "-"
    k = cell.classes
    if cell.activation == "tanh":
        full = cell.count(lambda r: r["corners"] == k)
        counts = sorted(r["corners"] for r in live)
        return f"{k}/{k} in corners in {full} of {len(live)}; corners per seed {counts}"
    if cell.activation.startswith("relu"):
        origin = sorted(r["origin"] for r in live)
        axis = sorted(r["on_axis"] for r in live)
        return f"classes at 0 per seed {origin}; on an axis {axis}"
    lo = cell.values("radius_min")
    hi = cell.values("radius_max")
    return f"centroid radius {lo.min():.2f}-{hi.max():.2f}"


def study_markdown(cells: Sequence[Cell]) -> str:
    """The study as a Markdown table with a legend: one row per (k, activation)."""
    head = (
        "| k | activation | seeds | 2-neuron layer died | accuracy, median [range] | "
        "smallest centroid angle / symmetric, median [range] | placement (live seeds) |\n"
        "|---|---|---|---|---|---|---|\n"
    )
    body = "".join(
        f"| {c.classes} | {c.activation} | {c.seeds} | {c.dead} of {c.seeds} | "
        f"{_spread(c.values('accuracy'), _pct)} | "
        f"{_spread(c.gap_ratio(), lambda x: f'{x:.2f}')} | {_placement(c)} |\n"
        for c in cells
    )
    from model.config import PRESETS

    cfg = PRESETS["packing"]
    widths = "-".join(str(w) for w in (2, *cfg.hidden))
    legend = (
        f"\nNetwork {widths}-k, Adam {cfg.lr:g}, {cfg.epochs:,} full-batch steps, "
        f"{cfg.data_args['points_per_class']} points per class, seeds 0 to "
        f"{max(c.seeds for c in cells) - 1}. A run whose 2-neuron layer died (constant over "
        "all points) counts in 'died' and is left out of the other columns. The angle "
        "column is the smallest angle between two class directions (scipy `circmean` "
        "about the origin) divided by that of a symmetric packing: 360/k in the square "
        "and the disk, 90/(k-1) in ReLU's quadrant; 1.00 is symmetric. 'corner': both "
        "coordinates of the class centroid beyond 0.8 in size.\n"
    )
    return head + body + legend


# -- claims ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Claim:
    """A sentence of the study's page and the test of it over the study's cells."""

    name: str
    text: str
    holds: Callable[[Sequence[Cell]], bool]


def _cells(cells: Sequence[Cell], activation: str, ks: Sequence[int] | None = None) -> list[Cell]:
    return [c for c in cells if c.activation == activation and (ks is None or c.classes in ks)]


def _share(count: int, total: int, at_least: float) -> bool:
    """``count`` of ``total`` is at least the share ``at_least`` (4 of 5 -> 0.8)."""
    return total > 0 and count >= math.ceil(at_least * total - 1e-9)


def _tanh_k_minus_1(cells):
    cs = _cells(cells, "tanh")
    return bool(cs) and all(
        c.dead == 0
        and c.values("accuracy").min() >= (c.classes - 1) / c.classes - 0.01
        and np.median(c.values("accuracy")) >= 0.99
        for c in cs
    )


def _tanh_corners_k4(cells):
    cs = _cells(cells, "tanh", [4])
    return bool(cs) and all(
        _share(
            c.count(lambda r: r["corners"] == 4 and r["min_angle"] >= 0.95 * r["symmetric"]),
            c.seeds,
            0.8,
        )
        for c in cs
    )


def _tanh_k3(cells):
    def two_corners_one_edge(r):
        ratio = r["min_angle"] / r["symmetric"]
        return r["corners"] == 2 and r["edges"] == 1 and 0.7 <= ratio <= 0.8

    cs = _cells(cells, "tanh", [3])
    return bool(cs) and all(_share(c.count(two_corners_one_edge), c.seeds, 0.8) for c in cs)


def _tanh_not_symmetric(cells):
    cs = _cells(cells, "tanh", [5, 6, 7])
    return bool(cs) and all(np.nanmedian(c.gap_ratio()) < 0.9 for c in cs)


def _tanh_merges(cells):
    cs = _cells(cells, "tanh", [5, 6, 7])
    return bool(cs) and sum(c.count(lambda r: r["min_angle"] < 1.0) for c in cs) >= 1


def _relu_dies(cells):
    cs = _cells(cells, "relu")
    return len(cs) == 6 and sum(c.dead for c in cs) >= 6


def _relu_axes(cells):
    cs = [c for c in _cells(cells, "relu", [3, 4, 5, 6, 7]) if c.live]
    return bool(cs) and all(
        _share(c.count(lambda r: r["origin"] + r["on_axis"] >= 1), len(c.live), 0.8) for c in cs
    )


def _relu_large_k(cells):
    cs = [c for c in _cells(cells, "relu", [6, 7]) if c.live]
    return bool(cs) and all(np.median(c.values("accuracy")) < 0.95 for c in cs)


def _disk_not_symmetric(cells):
    cs = _cells(cells, "unit_disk")
    return bool(cs) and all(np.nanmedian(c.gap_ratio()) < 0.9 for c in cs)


def _disk_below_tanh(cells):
    pairs = [
        (d, t)
        for d in _cells(cells, "unit_disk")
        for t in _cells(cells, "tanh", [d.classes])
        if d.live and t.live
    ]
    return (
        bool(pairs)
        and all(
            np.median(d.values("accuracy")) <= np.median(t.values("accuracy")) for d, t in pairs
        )
        and all(np.median(d.values("accuracy")) < 0.95 for d, _ in pairs if d.classes == 2)
    )


#: The study page's reading of the table ("What the table says"), generated from here.
#: Each sentence is worded to hold on any machine (counts out of the seeds, medians
#: against thresholds with a margin), and its predicate is what ``--check`` tests.
CLAIMS: tuple[Claim, ...] = (
    Claim(
        "tanh-k-1",
        "**tanh**: the 2-neuron layer never dies, and in every seed at least k-1 of the k "
        "classes are separated (accuracy at least (k-1)/k); the median accuracy is at "
        "least 99% for every k = 2..7.",
        _tanh_k_minus_1,
    ),
    Claim(
        "tanh-corners-k4",
        "**tanh**, k = 4: all four classes sit in the square's corners, 90° apart, in at "
        "least 4 of 5 seeds: 'corners first' holds where the corners suffice.",
        _tanh_corners_k4,
    ),
    Claim(
        "tanh-k3",
        "**tanh**, k = 3: in at least 4 of 5 seeds two classes sit in corners and one on "
        "an edge, so the closest pair is 84-96° apart, not the symmetric 120°.",
        _tanh_k3,
    ),
    Claim(
        "tanh-not-symmetric",
        "**tanh**, k = 5..7: the packing is not symmetric: for each k the median smallest "
        "angle between class directions is below 90% of 360/k.",
        _tanh_not_symmetric,
    ),
    Claim(
        "tanh-merges",
        "**tanh**, k = 5..7: in some seeds (at least 1 of the 15) two classes end in the "
        "same corner, and the network stops at about (k-1)/k.",
        _tanh_merges,
    ),
    Claim(
        "relu-dies",
        "**ReLU**: the 2-neuron layer dies (every point at 0, accuracy 1/k) in at least 6 "
        "of the 30 runs. The scenes restart such a run from the next seed and say so.",
        _relu_dies,
    ),
    Claim(
        "relu-axes",
        "**ReLU**, k = 3..7: the classes stay in the positive quadrant but do not spread "
        "through it: in at least 4 of 5 live seeds a class sits at the origin or on an axis.",
        _relu_axes,
    ),
    Claim(
        "relu-large-k",
        "**ReLU**, k = 6 and 7: the median accuracy of the live seeds is below 95%, "
        "classes collapsing onto the origin or an axis.",
        _relu_large_k,
    ),
    Claim(
        "disk-not-symmetric",
        "**unit disk** (`tanh(|x|) x/|x|`): it does not pack the classes symmetrically: for "
        "every k the median smallest angle is below 90% of 360/k.",
        _disk_not_symmetric,
    ),
    Claim(
        "disk-below-tanh",
        "**unit disk** trains no better than tanh: for every k its median accuracy is at "
        "most tanh's, and for k = 2 it is below 95%.",
        _disk_below_tanh,
    ),
)


def failed_claims(cells: Sequence[Cell], claims: Sequence[Claim] = CLAIMS) -> list[Claim]:
    """The claims that do not hold for ``cells``."""
    return [claim for claim in claims if not claim.holds(cells)]


def claims_markdown(claims: Sequence[Claim] = CLAIMS) -> str:
    """The claims as the study page's bullet list, each tagged with its name for ``--check``."""
    return "".join(f"- {claim.text} (`{claim.name}`)\n" for claim in claims)


def summarise(cells: Sequence[Cell]) -> str:
    """The table and the claims, as the block between the study page's markers."""
    return (
        study_markdown(cells) + "\nWhat the table says (each sentence is checked by "
        "`python -m model packing-table --check`, which re-measures on your machine):\n\n"
        + claims_markdown()
    )
