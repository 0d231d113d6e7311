"""Two spirals through a trained 2-2-2-2-2-2 tanh network: stages, boundary, training.

Run from the repo root: ``manim -qh scenes/spirals.py SpiralsStretching``. The
states come from ``model.cache.states_for("spirals2d")`` (trained and cached on
the first run).
"""

from __future__ import annotations

import numpy as np
from manim import (
    LEFT,
    UP,
    Create,
    FadeIn,
    Scene,
    Text,
    VGroup,
)

from model.cache import states_for
from model.stages import logits
from model.states import States
from scenes.lib import (
    Caption,
    NetworkView,
    PointCloud,
    Viewport,
    apply_theme,
    class_image,
    decision_line,
    decision_regions,
    half_planes,
    legend,
    stage_detail,
    text,
)

__all__ = ["SpiralsBoundary", "SpiralsStretching", "SpiralsTraining"]

PRESET = "spirals2d"
CLASS_NAMES = ("spiral A", "spiral B")


def _box(center: np.ndarray, half: float) -> tuple[float, float, float, float]:
    return (center[0] - half, center[0] + half, center[1] - half, center[1] + half)


class _FromPreset:
    """A scene showing the trained network of ``preset``; a subclass may set another
    preset, or override :meth:`read_states` to show any states (the custom scenes do)."""

    preset = PRESET

    def read_states(self) -> States:
        return states_for(self.preset)


class SpiralsStretching(_FromPreset, Scene):
    """The trained network bends the plane, stage by stage, until a line separates the spirals."""

    states_presets = ((PRESET, {}),)
    class_names = CLASS_NAMES
    poster_time = -2.0
    plot_center = np.array([-2.7, -0.1, 0.0])
    plot_half = 3.6  # the grid fits a square of this half-size
    intro_seconds = 2.0
    caption_seconds = 0.5
    stage_seconds = 1.6
    pause_seconds = 0.6
    final_seconds = 3.0
    max_stages: int | None = None  # stop after this many stages (short variants, benchmarks)

    def setup(self) -> None:
        self.pal = apply_theme(self)

    def construct(self) -> None:
        states = self.read_states()
        pal = self.pal
        view = NetworkView(states, center=self.plot_center, fit=self.plot_half, pal=pal)
        self.view = view
        panel_x = self.plot_center[0] + self.plot_half + 0.6  # left edge of the text column
        caption = Caption(pal, anchor=np.array([panel_x, 3.4, 0]), font_size=32)
        self.caption = caption
        keys = legend(self.class_names, pal).move_to([panel_x, -2.9, 0], aligned_edge=LEFT)
        widths = "-".join(str(w) for w in states.widths)
        net = text(f"network {widths}, tanh", pal.muted, 22)
        net.next_to(keys, UP, buff=0.3, aligned_edge=LEFT)

        # Step 1: the spirals in the input plane, with the grid they live on.
        self.add(keys, net)
        self.play(
            Create(view.grid),
            FadeIn(view.cloud),
            caption.make_change_animation("input", stage_detail(states, 0, -1, pal)),
            run_time=self.intro_seconds,
        )
        self.wait(self.pause_seconds)

        # Step 2: every stage of every hidden layer, in turn.
        last_hidden = states.stage_index(states.n_layers - 2, "activation")
        shown = last_hidden if self.max_stages is None else min(last_hidden, self.max_stages)
        for t in range(1, shown + 1):
            self.play(
                caption.make_change_animation(
                    states.stage_label(t), stage_detail(states, t, -1, pal)
                ),
                run_time=self.caption_seconds,
            )
            self.play(view.make_stage_animation(t, run_time=self.stage_seconds))
            self.wait(self.pause_seconds)

        if shown < last_hidden:
            return  # a cut-short variant: no output layer to show yet

        # Step 3: the output layer is a line in the last hidden space.
        box = _box(self.plot_center, self.plot_half)
        line = decision_line(view, box)
        self.line = line
        if line is not None:  # two classes: two polygons, cheap to draw
            regions = half_planes(line, box, pal.classes, opacity=0.28)
        else:
            regions = decision_regions(view, box, opacity=0.28)
        self.add(regions)
        self.bring_to_back(regions)
        acc = float(states["accuracy"][-1])
        score = text(f"training accuracy {100 * acc:.1f}%", pal.ink, 26)
        score.next_to(net, UP, buff=0.3, aligned_edge=LEFT)
        self.play(
            caption.make_change_animation(
                "output - decision line", text("one side per class", pal.ink, 22)
            ),
            FadeIn(regions),
            view.grid.animate.set_stroke(opacity=0.35),
            run_time=1.0,
        )
        if line is not None:
            self.play(Create(line), run_time=1.0)
        self.play(FadeIn(score), run_time=0.5)
        self.wait(self.final_seconds)


class SpiralsBoundary(_FromPreset, Scene):
    """The input-space decision boundary over training, with the points on top."""

    states_presets = ((PRESET, {}),)
    poster_time = -1.0
    plot_center = np.array([-2.2, -0.2, 0.0])
    plot_half = 3.5
    snapshot_seconds = 0.2
    final_seconds = 2.5
    resolution = 240  # class-map cells per side
    region_opacity = 0.38

    def setup(self) -> None:
        self.pal = apply_theme(self)

    def construct(self) -> None:
        states = self.read_states()
        pal = self.pal
        xmin, xmax, ymin, ymax = (float(v) for v in states["grid_extent"])
        scale = 2 * self.plot_half / max(xmax - xmin, ymax - ymin)
        mid = np.array([(xmin + xmax) / 2, (ymin + ymax) / 2])
        viewport = Viewport(self.plot_center - scale * np.array([*mid, 0.0]), scale)
        size = (scale * (xmax - xmin), scale * (ymax - ymin))
        acts = states.activations

        # The class map on a finer grid than the states' grid_pred (same network, same
        # numpy stages), so the boundary is drawn smooth rather than in 96 steps.
        xs = np.linspace(xmin, xmax, self.resolution)
        ys = np.linspace(ymin, ymax, self.resolution)
        lattice = np.stack(np.meshgrid(xs, ys), -1).reshape(-1, 2)  # row i is y, as grid_pred

        def background(snapshot: int):
            out = logits(lattice, states.weights(snapshot), states.biases(snapshot), acts)
            classes = out.argmax(-1).reshape(self.resolution, self.resolution)
            image = class_image(classes, pal.classes, opacity=self.region_opacity)
            image.stretch_to_fit_width(size[0]).stretch_to_fit_height(size[1])
            return image.move_to(viewport.to_scene(mid))

        cloud = PointCloud(viewport.to_scene(states["inputs"]), states["labels"], pal.classes)
        panel_x = self.plot_center[0] + self.plot_half + 0.6
        title = text("decision boundary\nwhile training", pal.ink, 30)
        title.move_to([panel_x, 3.3, 0], aligned_edge=UP + LEFT)
        keys = legend(CLASS_NAMES, pal).move_to([panel_x, -2.9, 0], aligned_edge=LEFT)

        def status(snapshot: int) -> Text:
            body = (
                f"step   {int(states['steps'][snapshot]):>6d}\n"
                f"loss   {float(states['loss'][snapshot]):6.3f}\n"
                f"acc    {100 * float(states['accuracy'][snapshot]):5.1f}%"
            )
            out = text(body, pal.ink, 24, mono=True)
            return out.move_to([panel_x, 1.6, 0], aligned_edge=UP + LEFT)

        # Step 1: the untrained network's guess, under the data.
        image, info = background(0), status(0)
        self.add(title, keys, info)
        self.play(FadeIn(image), FadeIn(cloud))
        self.wait(1.0)

        # Step 2: one snapshot after another (log-spaced steps: early change is fast).
        for snapshot in range(1, states.n_snapshots):
            new_image, new_info = background(snapshot), status(snapshot)
            self.remove(image, info)
            self.add(new_image, new_info)
            self.bring_to_back(new_image)
            image, info = new_image, new_info
            self.wait(self.snapshot_seconds)
        self.wait(self.final_seconds)


class SpiralsTraining(_FromPreset, Scene):
    """Every stage's output in its own panel, all evolving together while the network trains."""

    states_presets = ((PRESET, {}),)
    poster_time = -1.0
    columns = 5
    snapshot_seconds = 0.25
    final_seconds = 2.5
    snapshot_stride = 1

    def setup(self) -> None:
        self.pal = apply_theme(self)

    def construct(self) -> None:
        states = self.read_states()
        pal = self.pal
        n_stages = len(states.stages())
        rows = int(np.ceil(n_stages / self.columns))
        cell_w, cell_h = 13.6 / self.columns, 6.6 / rows
        half = 0.5 * min(cell_w, cell_h) - 0.22

        # Step 1: one panel per stage, each with its label, at the first snapshot.
        views, labels = [], VGroup()
        for t in range(n_stages):
            r, c = divmod(t, self.columns)
            center = np.array([-6.8 + cell_w * (c + 0.5), 2.9 - cell_h * (r + 0.5) - 0.25, 0.0])
            view = NetworkView(
                states, snapshot=0, center=center, fit=half, pal=pal, lines=9, samples=40,
                radius=0.018, grid_width=0.6,
            )  # fmt: skip
            view.set_stage(t)
            views.append(view)
            label = text(states.stage_label(t), pal.muted, 14)
            labels.add(label.next_to(center + half * UP, UP, buff=0.06))

        def status(snapshot: int) -> Text:
            body = (
                f"step {int(states['steps'][snapshot]):>5d}   "
                f"loss {float(states['loss'][snapshot]):.3f}   "
                f"accuracy {100 * float(states['accuracy'][snapshot]):5.1f}%"
            )
            return text(body, pal.ink, 22, mono=True).to_edge(UP, buff=0.15)

        self.views = views
        info = status(0)
        self.add(labels, info)
        self.play(
            *[FadeIn(v.grid) for v in views],
            *[FadeIn(v.cloud) for v in views],
            run_time=1.0,
        )
        self.wait(0.5)

        # Step 2: every panel moves from one snapshot to the next, together.
        snapshots = list(range(0, states.n_snapshots, self.snapshot_stride))
        if snapshots[-1] != states.n_snapshots - 1:
            snapshots.append(states.n_snapshots - 1)
        for snapshot in snapshots[1:]:
            new_info = status(snapshot)
            self.remove(info)
            self.add(new_info)
            info = new_info
            self.play(
                *[v.make_snapshot_animation(snapshot) for v in views],
                run_time=self.snapshot_seconds,
                rate_func=lambda t: t,
            )
        self.wait(self.final_seconds)
