"""Generic scenes for YOUR network and data, read from the states file named by ``$STATES``.

Make the states file with ``python render.py custom --data points.csv ...`` (or
:mod:`model.custom` from Python), then render straight with manim::

    STATES=media/custom/moons/states.npz manim -qh scenes/custom.py Stretching

Works for any states file of the schema (2-D or 3-D input, any widths: wider
layers are shown through their aligned 3-D projection). A missing or invalid
``$STATES`` stops the render with one line. These scenes are not in the
default gallery (``gallery = False``): they need a file only the user has.
"""

from __future__ import annotations

import os

import numpy as np
from manim import DEGREES, DOWN, LEFT, UP, Create, FadeIn, Scene

import scenes.spirals as spirals
from model.states import States, StatesError, load_states
from scenes.lib import (
    Caption,
    NetworkView,
    PointCloud,
    Viewport,
    apply_theme,
    class_image,
    legend,
    stage_detail,
    text,
)

__all__ = ["Boundary", "Stretching", "TiltedViewport", "Training", "custom_states"]


def custom_states() -> States:
    """The states file named by ``$STATES``; a missing or bad one stops with one line."""
    name = os.environ.get("STATES", "").strip()
    if not name:
        raise SystemExit(
            "error: set STATES to a states file, e.g. "
            "STATES=media/custom/moons/states.npz manim -ql scenes/custom.py Stretching "
            "(make one with `python render.py custom --data points.csv`)"
        )
    try:
        return load_states(name)
    except StatesError as err:
        raise SystemExit(f"error: STATES={name}: {err}") from None


def class_names(states: States) -> list[str]:
    """The user's label names, kept in the states' meta (else 0..K-1)."""
    names = states.meta.get("label_names")
    if isinstance(names, list) and len(names) == states.n_classes:
        return [str(n) for n in names]
    return [f"class {k}" for k in range(states.n_classes)]


def moving_stages(states: States, snapshot: int = -1, tol: float = 1e-7) -> list[int]:
    """Stages that move the points (an inserted identity layer's stages do not)."""
    trace = states["trace"][snapshot]
    return [t for t in range(1, len(trace)) if np.abs(trace[t] - trace[t - 1]).max() > tol]


def tilt_rotation(tilt: float, turn: float) -> np.ndarray:
    """The 3 x 3 rotation of the oblique view: ``turn`` about z, then ``tilt`` about x."""
    cz, sz = np.cos(turn), np.sin(turn)
    cx, sx = np.cos(tilt), np.sin(tilt)
    spin = np.array([[cz, -sz, 0], [sz, cz, 0], [0, 0, 1.0]])
    lean = np.array([[1.0, 0, 0], [0, cx, -sx], [0, sx, cx]])
    return lean @ spin


class TiltedViewport(Viewport):
    """A viewport that turns 3-D data to an oblique view (flat 2-D data is unchanged)."""

    def __init__(self, center, scale: float, tilt: float, turn: float) -> None:
        super().__init__(np.asarray(center, dtype=np.float64), scale)
        self.rotation = tilt_rotation(tilt, turn)

    def to_scene(self, points: np.ndarray, scale: float | None = None) -> np.ndarray:
        x = np.asarray(points, dtype=np.float64)
        out = np.zeros((*x.shape[:-1], 3))
        out[..., : x.shape[-1]] = x
        out = out @ self.rotation.T
        out[..., 2] = 0.0  # flatten onto the screen: a fixed oblique projection
        return self.center + (self.scale if scale is None else scale) * out

    def to_data(self, points: np.ndarray) -> np.ndarray:
        flat = (np.asarray(points, dtype=np.float64) - self.center) / self.scale
        return flat @ self.rotation  # exact for points in the screen plane of 2-D data


class TiltedView(NetworkView):
    """A :class:`NetworkView` seen obliquely: it fits what lands on the screen, not the
    data's box (a turned box reaches further out than its half-width)."""

    def __init__(self, states: States, tilt: float, turn: float, **kwargs) -> None:
        self.rotation = tilt_rotation(tilt, turn)
        super().__init__(states, **kwargs)
        self.viewport = TiltedViewport(self.viewport.center, self.viewport.scale, tilt, turn)
        self.set_stage(self.stage)

    def scale_of(self, data: np.ndarray) -> float:
        x = np.asarray(data, dtype=np.float64)
        shown = x @ self.rotation[:2, : x.shape[-1]].T  # screen x and y, before scaling
        reach = float(np.max(np.abs(shown))) if shown.size else 1.0
        return self.fit / max(reach, 1e-6)


def _view(states: States, scene, **kwargs) -> NetworkView:
    """A NetworkView; an oblique camera when any stage is 3-D, else the flat one."""
    if int(np.max(states["stage_dim"])) >= 3:
        return TiltedView(states, scene.tilt * DEGREES, scene.turn * DEGREES, **kwargs)
    return NetworkView(states, **kwargs)


class Stretching(Scene):
    """Your trained network bends your data, stage by stage, until the classes come apart."""

    gallery = False
    poster_time = -2.0
    plot_center = np.array([-2.7, -0.1, 0.0])
    plot_half = 3.4
    tilt = 55.0  # degrees, for 3-D stages
    turn = -30.0
    intro_seconds = 2.0
    caption_seconds = 0.5
    stage_seconds = 1.6
    pause_seconds = 0.6
    final_seconds = 3.0

    def setup(self) -> None:
        self.pal = apply_theme(self)

    def construct(self) -> None:
        states = custom_states()
        pal = self.pal
        view = _view(states, self, center=self.plot_center, fit=self.plot_half, pal=pal)
        self.view = view
        panel_x = self.plot_center[0] + self.plot_half + 0.6
        caption = Caption(pal, anchor=np.array([panel_x, 3.4, 0]), font_size=32)
        keys = legend(class_names(states), pal).move_to([panel_x, -2.9, 0], aligned_edge=LEFT)
        acts = ", ".join(dict.fromkeys(states.activations[:-1])) or "linear"
        net = text(f"network {'-'.join(map(str, states.widths))}, {acts}", pal.muted, 22)
        net.next_to(keys, UP, buff=0.3, aligned_edge=LEFT)

        # Step 1: your points in the input space, with the grid they live on.
        self.play(
            Create(view.grid),
            FadeIn(view.cloud),
            FadeIn(keys),
            FadeIn(net),
            caption.make_change_animation("input", stage_detail(states, 0, -1, pal)),
            run_time=self.intro_seconds,
        )
        self.wait(self.pause_seconds)

        # Step 2: every stage that moves the points, the output layer's included.
        for t in moving_stages(states):
            detail = stage_detail(states, t, -1, pal)
            if states.is_projected(t):  # a line of its own: the title stays short
                dims = text(f"{int(states['stage_dim'][t])}-D, seen in 3-D", pal.muted, 22)
                if len(detail):
                    dims.next_to(detail, DOWN, aligned_edge=LEFT)
                detail.add(dims)
            title = states.stage_label(t)
            self.play(caption.make_change_animation(title, detail), run_time=self.caption_seconds)
            self.play(view.make_stage_animation(t, run_time=self.stage_seconds))
            self.wait(self.pause_seconds)

        # Step 3: the classes' regions in the output space (two scores: a line between them).
        acc = float(states["accuracy"][-1])
        score = text(f"training accuracy {100 * acc:.1f}%", pal.ink, 26)
        score.next_to(net, UP, buff=0.3, aligned_edge=LEFT)
        extras = []
        if states.n_classes == 2 and not isinstance(view.viewport, TiltedViewport):
            box = (
                self.plot_center[0] - self.plot_half, self.plot_center[0] + self.plot_half,
                self.plot_center[1] - self.plot_half, self.plot_center[1] + self.plot_half,
            )  # fmt: skip
            regions = _output_regions(view, box)
            self.add(regions)
            self.bring_to_back(regions)
            extras.append(FadeIn(regions))
        self.play(
            caption.make_change_animation("output", text("highest score wins", pal.ink, 22)),
            FadeIn(score),
            *extras,
            run_time=1.0,
        )
        self.wait(self.final_seconds)


def _output_regions(view: NetworkView, box):
    """Shade the 2-D output space by which of the two scores is larger."""
    xmin, xmax, ymin, ymax = box
    n = 160
    xs, ys = np.meshgrid(np.linspace(xmin, xmax, n), np.linspace(ymin, ymax, n))
    scores = view.viewport.to_data(np.stack([xs, ys, np.zeros_like(xs)], -1))[..., :2]
    image = class_image(scores.argmax(-1), view.pal.classes, opacity=0.22)
    image.stretch_to_fit_width(xmax - xmin).stretch_to_fit_height(ymax - ymin)
    return image.move_to([(xmin + xmax) / 2, (ymin + ymax) / 2, 0])


class Boundary(Scene):
    """Your network's decision regions while it trains, under your points (3-D: their colours)."""

    gallery = False
    poster_time = -1.0
    plot_center = np.array([-2.2, -0.2, 0.0])
    plot_half = 3.4
    tilt = 55.0
    turn = -30.0
    snapshot_seconds = 0.2
    final_seconds = 2.5

    def setup(self) -> None:
        self.pal = apply_theme(self)

    def construct(self) -> None:
        states = custom_states()
        pal = self.pal
        inputs = np.asarray(states["inputs"], dtype=np.float64)
        lo, hi = inputs.min(0), inputs.max(0)
        if "grid_extent" in states.arrays:
            xmin, xmax, ymin, ymax = (float(v) for v in states["grid_extent"])
            lo, hi = np.array([xmin, ymin]), np.array([xmax, ymax])
        mid = (lo + hi) / 2
        scale = 2 * self.plot_half / float(np.max(hi - lo))
        if inputs.shape[1] == 3:  # an oblique view, centred on the data
            viewport = TiltedViewport(np.zeros(3), 1.0, self.tilt * DEGREES, self.turn * DEGREES)
            reach = float(np.abs(viewport.to_scene(inputs - mid)).max())
            viewport.scale = self.plot_half / max(reach, 1e-9)
            viewport.center = self.plot_center - viewport.to_scene(mid)
        else:
            viewport = Viewport(self.plot_center - scale * np.array([*mid, 0.0]), scale)

        def background(snapshot: int):
            if "grid_pred" not in states.arrays:
                return None
            image = class_image(states["grid_pred"][snapshot], pal.classes, opacity=0.4)
            size = scale * (hi - lo)
            image.stretch_to_fit_width(size[0]).stretch_to_fit_height(size[1])
            return image.move_to(viewport.to_scene(mid))

        def points(snapshot: int) -> PointCloud:
            # 2-D: true classes over the guessed regions, so mistakes stand out;
            # 3-D (no regions): the points themselves take the network's guess
            labels = states["labels"] if "grid_pred" in states.arrays else None
            if labels is None:
                labels = states["predictions"][snapshot]
            return PointCloud(viewport.to_scene(inputs), labels, pal.classes[: states.n_classes])

        panel_x = self.plot_center[0] + self.plot_half + 0.6
        title = text("the network's guess", pal.ink, 30)
        title.move_to([panel_x, 3.3, 0], aligned_edge=UP + LEFT)
        keys = legend(class_names(states), pal).move_to([panel_x, -2.9, 0], aligned_edge=LEFT)

        def status(snapshot: int):
            body = (
                f"step   {int(states['steps'][snapshot]):>6d}\n"
                f"loss   {float(states['loss'][snapshot]):6.3f}\n"
                f"acc    {100 * float(states['accuracy'][snapshot]):5.1f}%"
            )
            return text(body, pal.ink, 24, mono=True).move_to(
                [panel_x, 1.6, 0], aligned_edge=UP + LEFT
            )

        # Step 1: the first snapshot's guess (untrained, unless you gave trained weights).
        shown = [m for m in (background(0), points(0), status(0)) if m is not None]
        self.play(*[FadeIn(m) for m in shown], FadeIn(title), FadeIn(keys))
        self.wait(1.0)

        # Step 2: one snapshot after another (log-spaced steps: early change is fast).
        for snapshot in range(1, states.n_snapshots):
            self.remove(*shown)
            shown = [m for m in (background(snapshot), points(snapshot), status(snapshot)) if m]
            self.add(*shown)
            self.wait(self.snapshot_seconds)
        self.final = shown
        self.wait(self.final_seconds)


class Training(spirals.SpiralsTraining):
    """Every stage of your network in its own panel, all evolving together while it trains."""

    gallery = False
    states_presets = ()

    def read_states(self) -> States:
        return custom_states()
