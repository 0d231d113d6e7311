"""The interactive page: one self-contained HTML file that replays a scene's network in the browser.

``render.py -f html`` writes ``<Scene>.html`` beside the videos for every scene
built on a stage-by-stage, boundary-over-training, panels or 3-D storyboard
(:func:`is_interactive` decides from the class). The page embeds the scene's
states compactly and draws them with plain Canvas 2D (``interactive.js``, no
library, no request to any host):

- networks whose input is at most 3-D and whose weights are small embed the
  inputs and every snapshot's weights (float32, base64); the page pushes the
  points and the grid through the stages itself, with the activations of
  :mod:`model.activations` written in JavaScript, exactly as
  :func:`model.stages.apply_stage` does (stages wider than 3 through the
  states' projection);
- wider inputs (MNIST, a user's table, embeddings or images) embed the stored
  traces quantised to 16 bits for as many snapshots as the size budget allows;
  hovering a point shows its image (4 bits a pixel) or a table's first
  features with their names.
"""

from __future__ import annotations

import base64
import hashlib
import html
from collections.abc import Iterable
from importlib.resources import files
from pathlib import Path
from string import Template

import numpy as np

from model.activations import lookup
from model.states import States
from model.text import display_name, visible
from rendering.errors import one_line
from rendering.outputs.escape import script_json
from rendering.outputs.playground import ASSETS as PLAYGROUND_ASSETS
from rendering.outputs.playground import with_playground
from rendering.plan.stamps import source_files, write_text_atomic
from scenes.lib.captions import class_names, variance_kept
from scenes.lib.images import image_shape, input_values, standardizing
from scenes.lib.palette import PALETTES
from scenes.lib.storyboards import BoundaryOverTraining, PanelsOverTraining, StageByStage
from scenes.lib.storyboards_3d import Scene3D, StageByStage3D

__all__ = [
    "INTERACTIVE_BASES",
    "budget_bytes",
    "build_page",
    "interactive_digest",
    "is_interactive",
    "page_data",
    "script_json",
    "write_interactive_pages",
    "write_page",
]

#: The storyboards whose scenes get an interactive page (their subclasses do too).
INTERACTIVE_BASES: tuple[type, ...] = (
    StageByStage,
    BoundaryOverTraining,
    PanelsOverTraining,
    StageByStage3D,
    Scene3D,  # the MNIST cluster scenes: the 3-D storyboard's base
)
MB = 1_000_000
WEIGHT_FLOATS_MAX = 20_000  # above this per snapshot, embed traces instead of weights
GRID_LINES, GRID_SAMPLES = 17, 48  # as NetworkView draws the grid
PANEL_GRID_LINES, PANEL_GRID_SAMPLES = 9, 40  # as PanelsOverTraining's small views do


def is_interactive(scene_cls: type) -> bool:
    """True if the scene is built on a storyboard the interactive page can replay."""
    return isinstance(scene_cls, type) and issubclass(scene_cls, INTERACTIVE_BASES)


def budget_bytes(states: States) -> int:
    """The page's size budget: 1.5 MB for 2-D/3-D inputs, 5 MB for images (MNIST)."""
    return 5 * MB if states.widths[0] > 3 else int(1.5 * MB)


def _b64(array: np.ndarray, dtype: str) -> str:
    return base64.b64encode(np.ascontiguousarray(array, dtype=dtype).tobytes()).decode("ascii")


def _activation(name: str) -> list:
    """``[registry name, parameter]`` for the page's JavaScript (parameter or null)."""
    row = lookup(name)
    value = float(name.split(":", 1)[1]) if ":" in name else row.default
    return [row.name, value]


def _last_stage(states: States) -> int:
    """The last stage the page shows: the last hidden activation when it is at most 3-wide
    (the output layer is then drawn as regions), else the output itself."""
    if states.n_layers < 2:
        return len(states.stages()) - 1
    last_hidden = states.stage_index(states.n_layers - 2, "activation")
    return last_hidden if int(states["stage_dim"][last_hidden]) <= 3 else len(states.stages()) - 1


def _three_d(scene_cls: type, states: States) -> bool:
    return issubclass(scene_cls, Scene3D) or int(np.max(states["stage_dim"])) >= 3


def _panels(scene_cls: type, states: States) -> dict | None:
    """A panels storyboard's layout (PanelsOverTraining): one panel per stage, ``columns``
    a row, each fitting its grid into ``fit`` of its half-size, points of ``radius`` (of
    the fitted reach), as the scene sizes them."""
    if not issubclass(scene_cls, PanelsOverTraining):
        return None
    columns = int(scene_cls.columns)
    rows = -(-len(states.stages()) // columns)
    half = 0.5 * min(13.6 / columns, 6.6 / rows) - 0.22  # PanelsOverTraining.construct
    fit = half - float(scene_cls.label_room)
    return {"columns": columns, "fit": fit / half, "radius": 0.018 / fit}


def _yaw(scene_cls: type, states: States) -> float:
    """The video's starting ``theta``: a 2-to-3 first layer's plane seen squarely."""
    facing = getattr(scene_cls, "facing_theta", None)
    return facing(states) if facing is not None else getattr(scene_cls, "theta", -70 * np.pi / 180)


def _view(scene_cls: type, states: States) -> dict:
    """The scene's knobs the page copies: fit, camera, timing, what it plays first."""
    three_d = _three_d(scene_cls, states)
    panels = _panels(scene_cls, states)
    training = issubclass(scene_cls, (BoundaryOverTraining, PanelsOverTraining)) or (
        "Training" in scene_cls.__name__
    )
    last = _last_stage(states)
    fit = float(getattr(scene_cls, "plot_half", None) or getattr(scene_cls, "fit", 3.2))
    return {
        "dims": 3 if three_d else 2,
        "fitTo": "grid" if issubclass(scene_cls, StageByStage) or panels else "points",
        "center": states.widths[0] > 3,  # centre every picture on its cloud (DigitView)
        "percentile": 98.0 if states.widths[0] > 3 else 100.0,  # of distances, in 3-D
        "pitch": float(np.degrees(getattr(scene_cls, "phi", 66 * np.pi / 180))),
        "yaw": float(np.degrees(_yaw(scene_cls, states))),
        "stageSeconds": float(getattr(scene_cls, "stage_seconds", 1.6)),
        "pauseSeconds": float(getattr(scene_cls, "pause_seconds", 0.5)),
        "snapshotSeconds": float(getattr(scene_cls, "snapshot_seconds", 0.25)),
        "play": "training" if training else "stages",
        "radius": float(getattr(scene_cls, "radius", 0.035)) / fit,  # of the fitted reach
        "inputRegions": issubclass(scene_cls, BoundaryOverTraining),
        "stage": 0 if issubclass(scene_cls, BoundaryOverTraining) or not training else last,
        "step": 0 if training else -1,
        "panels": panels,
    }


def _decision(states: States, scene_cls: type, names: list[str]) -> dict | None:
    """The stage after the last the points reach, for two classes: the output layer's
    decision line in a flat 2-D last hidden space (StageByStage.show_output), or its plane in
    a 3-D one (StageByStage3D.show_output). None where the page does not draw it (more
    classes make the output 3-D and the view with it; projected and output-space endings)."""
    last = _last_stage(states)
    if states.n_classes != 2 or states.n_layers < 2 or states.stages()[last][1] != "activation":
        return None
    dim, three_d = int(states["stage_dim"][last]), _three_d(scene_cls, states)
    if dim == 2 and not three_d:
        return {"label": "output - decision line", "detail": "one side per class"}
    if dim == 3:
        detail = f"{names[0]} on one side, {names[1]} on the other"
        return {"label": "output: one plane", "detail": detail, "plane": True,
                "opacity": float(getattr(scene_cls, "plane_opacity", 0.12)),
                "lines": int(getattr(scene_cls, "plane_lines", 7))}  # fmt: skip
    return None


def _palette(pal) -> dict:
    return vars(pal) | {"classes": list(pal.classes)}


def _class_names(states: States, scene_cls: type) -> list[str]:
    """The scene's class names, the states' own, or the digits for MNIST images (control and
    bidi characters escaped, as the video shows them)."""
    names = getattr(scene_cls, "class_names", None)
    if not names and states.widths[0] == 784 and "label_names" not in states.meta:
        names = [str(k) for k in range(states.n_classes)]
    return [display_name(n) for n in (names or class_names(states))]


def _snapshot_subset(states: States, budget: int) -> list[int]:
    """Evenly spread snapshot indices (first and last included) whose traces fit ``budget``."""
    n = states.n_snapshots
    per = int(np.prod(states["trace"].shape[1:])) * 2  # uint16 per snapshot
    keep = max(2, min(n, budget // max(per, 1)))
    return sorted({round(i) for i in np.linspace(0, n - 1, keep)})


def _one_line(text: str) -> str:
    """A title for the page: one line, control and bidi characters shown as escapes."""
    return visible(" ".join(str(text).split()))


def page_data(states: States, scene_cls: type, theme: str, title: str = "") -> dict:
    """Everything the page shows, JSON-ready, arrays packed in base64."""
    stages = states.stages()
    labels = np.asarray(states["labels"])
    data: dict = {
        "title": _one_line(title or scene_cls.__name__),
        "description": _one_line(((scene_cls.__doc__ or "").strip().splitlines() or [""])[0]),
        "theme": theme,
        "palettes": {name: _palette(pal) for name, pal in PALETTES.items()},
        "classNames": _class_names(states, scene_cls),
        "widths": states.widths,
        "activations": [_activation(a) for a in states.activations],
        "stages": [
            {
                "label": states.stage_label(t),
                "layer": layer,
                "kind": kind,
                "dim": int(states["stage_dim"][t]),
                "kept": variance_kept(states, t),
            }
            for t, (layer, kind) in enumerate(stages)
        ],
        "lastStage": _last_stage(states),
        "decision": None,
        "points": len(labels),
        "labels": _b64(labels, "uint8"),
        "view": _view(scene_cls, states),
    }
    weight_floats = sum(w * v for w, v in zip(states.widths[:-1], states.widths[1:], strict=True))
    weights_mode = states.widths[0] <= 3 and weight_floats <= WEIGHT_FLOATS_MAX
    snapshots = (
        list(range(states.n_snapshots))
        if weights_mode
        else _snapshot_subset(states, int(budget_bytes(states) * 0.45))
    )
    data["snapshots"] = {
        "index": snapshots,
        "steps": [int(states["steps"][s]) for s in snapshots],
        "loss": [round(float(states["loss"][s]), 5) for s in snapshots],
        "accuracy": [round(float(states["accuracy"][s]), 5) for s in snapshots],
    }
    if "heldout_accuracy" in states.arrays:
        held = states["heldout_accuracy"]
        data["snapshots"]["heldout"] = [round(float(held[s]), 5) for s in snapshots]
    if weights_mode:
        data["mode"] = "weights"
        data["decision"] = _decision(states, scene_cls, data["classNames"])
        inputs = np.asarray(states["inputs"], dtype=np.float64)
        data["inputs"] = _b64(inputs, "<f4")
        data["W"] = [_b64(states[f"W{layer}"], "<f4") for layer in range(states.n_layers)]
        data["b"] = [_b64(states[f"b{layer}"], "<f4") for layer in range(states.n_layers)]
        data["proj"] = {
            str(t): [_b64(states[f"proj_center{t}"], "<f8"), _b64(states[f"proj_basis{t}"], "<f8")]
            for t in range(len(stages))
            if states.is_projected(t)
        }
        if inputs.shape[1] == 2:  # the grid NetworkView draws: the data's box plus 10%
            lo, hi = inputs.min(0), inputs.max(0)
            pad = 0.1 * (hi - lo)
            data["extent"] = [float(lo[0] - pad[0]), float(hi[0] + pad[0]),
                              float(lo[1] - pad[1]), float(hi[1] + pad[1])]  # fmt: skip
            panels = issubclass(scene_cls, PanelsOverTraining)  # the panels' coarser grid
            data["grid"] = (
                [PANEL_GRID_LINES, PANEL_GRID_SAMPLES] if panels else [GRID_LINES, GRID_SAMPLES]
            )
    else:
        data["mode"] = "trace"
        trace = np.asarray(states["trace"][snapshots], dtype=np.float64)  # (S', T, P, 3)
        lo = trace.min(axis=2, keepdims=True)
        span = np.maximum(trace.max(axis=2, keepdims=True) - lo, 1e-12)
        quantised = np.round((trace - lo) / span * 65535)
        data["trace"] = _b64(quantised, "<u2")
        data["traceLo"] = _b64(lo, "<f4")
        data["traceSpan"] = _b64(span, "<f4")
    data.update(_hover_data(states))
    scaling = standardizing(states)
    if scaling is not None:  # the inputs are standardized: x_shown = (x_user - mean) / std
        data["standardize"] = {"mean": scaling[0].tolist(), "std": scaling[1].tolist()}
    return data


HOVER_FEATURES = 6  # the first features a table's point shows when hovered


def _hover_data(states: States) -> dict:
    """What hovering a point shows besides its class: its image (4 bits a value, two values a
    byte), or a table's first features with their names, in the user's own units."""
    shape = image_shape(states) or ((28, 28, 1) if states.widths[0] == 784 else None)
    inputs = input_values(states)
    if shape and int(np.prod(shape)) == inputs.shape[1]:
        values = np.clip(np.round(inputs * 15), 0, 15).astype(np.uint8)
        if values.shape[1] % 2:
            values = np.pad(values, ((0, 0), (0, 1)))
        packed = values[:, 0::2] << 4 | values[:, 1::2]
        return {"images": _b64(packed, "uint8"), "imageShape": [int(n) for n in shape]}
    if states.widths[0] <= 3 or "custom" not in states.meta:
        return {}
    columns = (
        states.meta["custom"].get("columns") if isinstance(states.meta["custom"], dict) else []
    )
    names = [str(n) for n in columns or []]
    if len(names) != inputs.shape[1]:
        names = [f"feature {i + 1}" for i in range(inputs.shape[1])]
    shown = min(HOVER_FEATURES, inputs.shape[1])
    return {
        "rows": _b64(inputs[:, :shown], "<f4"),
        "rowNames": [display_name(n) for n in names[:shown]],
        "rowWidth": int(inputs.shape[1]),
    }


def _asset(name: str) -> str:
    return files("rendering.outputs").joinpath(name).read_text(encoding="utf-8")


def build_page(data: dict, digest: str = "") -> str:
    """The page's HTML: template, script and data in one file."""
    return Template(_asset("interactive.html")).substitute(
        title=html.escape(_one_line(data["title"])),
        digest=digest,
        data=script_json(data),
        regions=_asset("regions.js"),
        script=_asset("interactive.js"),
        background=PALETTES[data["theme"]].background,
    )


def interactive_digest(
    scene_path: Path, states_paths: Iterable[Path], theme: str, name: str
) -> str:
    """Hash of what a page is made of: scene sources, states bytes, this module and its assets."""
    digest = hashlib.sha256(f"{name}\0{theme}\0".encode())
    for path in [*source_files(scene_path), Path(__file__)]:
        digest.update(path.read_bytes())
    for asset in ("interactive.html", "interactive.js", "regions.js", *PLAYGROUND_ASSETS):
        digest.update(_asset(asset).encode())
    for path in states_paths:
        digest.update(hashlib.sha256(Path(path).read_bytes()).digest())
    return digest.hexdigest()[:16]


def write_page(
    path: Path, states: States, scene_cls: type, theme: str, title: str = "", digest: str = ""
) -> int:
    """Write the page atomically; returns its size in bytes.

    Raises
    ------
    ValueError
        If the page is over its budget (:func:`budget_bytes`).
    """
    data = page_data(states, scene_cls, theme, title)
    page = with_playground(build_page(data, digest), data)  # 2-D input: the playground too
    size = len(page.encode("utf-8"))
    if size > budget_bytes(states):
        raise ValueError(
            f"interactive page of {scene_cls.__name__} is {size / MB:.2f} MB, "
            f"over its {budget_bytes(states) / MB:.1f} MB budget"
        )
    write_text_atomic(Path(path), page)
    return size


def _up_to_date(path: Path, digest: str) -> bool:
    try:
        with open(path, encoding="utf-8") as handle:
            head = handle.read(2000)
    except OSError:
        return False
    return f'<meta name="bendspace-digest" content="{digest}">' in head


def write_interactive_pages(jobs: list, out: Path, console, force: bool = False) -> None:
    """The batch's html step: ``<Scene>.html`` beside each job's outputs in ``out/<theme>/``.

    Called once per batch after the videos (``rendering.batch.render_jobs``).
    Scenes not built on an interactive storyboard are skipped with a note; a
    job that only asked for html is marked done (or up to date) here.
    """
    from rendering.plan.registry import scene_class

    for job in jobs:
        if job.status in ("failed", "interrupted"):
            continue
        entry = job.entry
        html_only = job.status == "pending"
        try:
            cls = scene_class({"path": str(entry.path), "name": entry.name, "overrides": []})
            if entry.overrides:
                cls = cls.with_states(*entry.overrides)
            if not is_interactive(cls):
                console.print(f"{job.label}: no html page (not a stage-by-stage storyboard)")
                if html_only:
                    job.status = "skipped"
                continue
            folder = out / job.theme  # beside the job's other outputs
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"{entry.name}.html"
            sources = entry.states_sources
            digest = interactive_digest(entry.path, [s.path() for s in sources], job.theme,
                                        entry.name)  # fmt: skip
            if force or not _up_to_date(path, digest):
                states = sources[0].load(progress=False)
                write_page(path, states, cls, job.theme, entry.title, digest)
                if html_only:
                    job.status = "done"
            elif html_only:
                job.status = "skipped"
            job.stamp = dict(job.stamp or {})
            job.stamp["outputs"] = dict(job.stamp.get("outputs", {})) | {"html": path.name}
        except Exception as err:  # one scene's page must not stop the others
            job.status, job.reason = "failed", f"html: {one_line(err)}"
