"""Reusable storyboards: base scenes with named hooks that stories and your own scenes subclass.

Each storyboard is a whole scene: subclass it, declare ``states_sources``, and
change what you need. The knobs are class attributes (times, sizes, camera);
the steps are small methods, called in order by ``construct()`` and named
after what they show, so a variant overrides one step and keeps the rest.

- :class:`StageByStage`: the points and the grid through every stage, then the
  output layer's line (``SpiralsStretching``, ``DisksFailing2D``, custom ``Stretching``);
- :class:`BoundaryOverTraining`: the input-space decision regions, snapshot by
  snapshot (``SpiralsBoundary``, custom ``Boundary``);
- :class:`PanelsOverTraining`: every stage in its own panel while the network
  trains (``SpiralsTraining``, ``DisksTraining2D``, custom ``Training``);
- :class:`StageByStage3D` (in :mod:`scenes.lib.storyboards_3d`): a 3-wide
  network in a turning 3-D camera, ending on the output layer's separating
  plane (``DisksBulge3D``).

These classes live here, not in a story file, so neither ``manim -a`` nor the
batch renderer lists them as scenes of their own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from manim import (
    DEGREES,
    DOWN,
    LEFT,
    UP,
    Create,
    FadeIn,
    Mobject,
    Scene,
    Text,
    VGroup,
    config,
)

from model.states import States
from scenes.lib.boundaries import (
    decision_line,
    half_planes,
    input_regions,
    regions_in_view,
)
from scenes.lib.captions import (
    Caption,
    class_names,
    network_text,
    side_legend,
    text,
    view_note,
)
from scenes.lib.equations import LayerEquation
from scenes.lib.mobjects import PointCloud
from scenes.lib.narration import Narrated, Tracker, layer_words, paced
from scenes.lib.network_view import NetworkView
from scenes.lib.palette import apply_theme
from scenes.lib.rulers import Rulers
from scenes.lib.states import StatesScene
from scenes.lib.viewport import TiltedViewport, Viewport

__all__ = ["BoundaryOverTraining", "PanelsOverTraining", "StageByStage"]

Box = tuple[float, float, float, float]


def _box(center: np.ndarray, half: float) -> Box:
    return (center[0] - half, center[0] + half, center[1] - half, center[1] + half)


def _by_layer(states: States, stages: Sequence[int]) -> list[list[int]]:
    """``stages`` in runs of one layer each (its linear, bias and activation stages): a layer's
    line is said over all three."""
    runs: list[list[int]] = []
    for t in stages:
        if runs and states.stages()[runs[-1][-1]][0] == states.stages()[t][0]:
            runs[-1].append(t)
        else:
            runs.append([t])
    return runs


def _status(states: States, snapshot: int) -> str:
    """Step, loss and accuracy of a snapshot, one per line, columns aligned."""
    return (
        f"step   {int(states['steps'][snapshot]):>6d}\n"
        f"loss   {float(states['loss'][snapshot]):6.3f}\n"
        f"acc    {100 * float(states['accuracy'][snapshot]):5.1f}%"
    )


class StageByStage(Narrated, StatesScene, Scene):
    """A trained network bends the plane, stage by stage, until a line separates the classes.

    ``construct()`` runs :meth:`show_input`, :meth:`show_stage` for each of
    :meth:`stage_list` (the first ``max_stages`` of them), :meth:`show_output` (the
    output layer's decision regions in the last hidden space, ``self.regions``),
    a wait of ``final_seconds``, then :meth:`show_ending` (nothing by default).
    While it runs the hooks can use ``self.view`` (:class:`NetworkView`),
    ``self.caption`` (:class:`Caption`), ``self.equation`` (:class:`LayerEquation`,
    the layer's equation under the caption, the stage's term lit), ``self.keys``
    and ``self.net`` (the legend and the network line) and ``self.box`` (the
    plot square).
    """

    class_names: Sequence[str] | None = None  # None: the states' own label names
    poster_time = -2.0
    plot_center = np.array([-2.55, 0.15, 0.0])
    plot_half = 3.3  # the plot square's half-size: the points fill it, the grid is cut at it
    fit_share = 0.92  # of the half-size: the points' extent, so the outermost dots stay inside
    rulers = True  # numbered ticks along the square's edges (flat views): the scale as it zooms
    intro_seconds = 2.0
    caption_seconds = 0.5
    stage_seconds = 1.6
    pause_seconds = 0.6
    final_seconds = 3.0
    max_stages: int | None = None  # stop after this many stages (short variants, benchmarks)
    fade_in_side = False  # fade the legend and network line in with the input, or show them
    equation_top = 2.15  # the layer's equation and its W and b hang from here, under the caption
    say_input: str | None = None  # narration over the input (None: silent)
    say_output: str | None = None  # narration over the output layer's line or regions
    say_layers = False  # narrate every hidden layer as it starts (scenes.lib.narration)

    def setup(self) -> None:
        self.pal = apply_theme(self)

    def construct(self) -> None:
        states = self.states()
        pal = self.pal
        self.box = _box(self.plot_center, self.plot_half)
        self.view = self.make_view(states)
        self.ruler = None  # the rulers, when the view is flat
        if self.rulers and type(self.view.viewport) is Viewport:
            self.ruler = Rulers(self.view.viewport, self.box, pal)
        panel_x = self.plot_center[0] + self.plot_half + 0.6  # left edge of the text column
        self.caption = Caption(pal, anchor=np.array([panel_x, 3.4, 0]), font_size=32)
        room = config.frame_width / 2 - 0.25 - panel_x
        self.equation = LayerEquation(states, pal, np.array([panel_x, self.equation_top, 0]),
                                      self.view.snapshot, width=room)  # fmt: skip
        names = self.class_names or class_names(states)
        self.keys = side_legend(names, pal, panel_x)
        self.net = text(network_text(states), pal.muted, 22)
        self.net.next_to(self.keys, UP, buff=0.3, aligned_edge=LEFT)

        # Step 1: the data in the input plane, with the grid it lives on (drawn while it is said).
        with self.voiceover(self.say_input) as line:
            self.show_input(states, paced(self.intro_seconds, line))

        # Step 2: every stage in turn; a layer's line is said over its stages, which share it.
        stages = self.stage_list(states)
        shown = stages if self.max_stages is None else stages[: self.max_stages]
        for layer in _by_layer(states, shown):
            with self.voiceover(layer_words(states, layer[0]) if self.say_layers else None) as line:
                n = len(layer)  # the captions and pauses play beside the morphs
                beside = n * self.caption_seconds + (n - 1) * self.pause_seconds
                share = paced(n * self.stage_seconds, line, beside) / n
                for t in layer:
                    self.show_stage(states, t, share)
        if len(shown) < len(stages):
            return  # a cut-short variant: no output layer to show yet

        # Step 3: the output layer, then the ending.
        with self.voiceover(self.say_output) as line:
            self.show_output(states, line)
            self.wait(self.final_seconds)
        self.show_ending(states)

    def make_view(self, states: States) -> NetworkView:
        """The view of the points and the grid: each stage's points fill the plot square (the
        view pans and zooms with them), the grid is cut at the square's edges."""
        return NetworkView(states, center=self.plot_center, fit=self.fit_share * self.plot_half,
                           pal=self.pal, fit_to="extent", clip=self.box)  # fmt: skip

    def stage_list(self, states: States) -> list[int]:
        """The stages shown one by one: every hidden stage (the output is a line, after)."""
        return list(range(1, states.stage_index(states.n_layers - 2, "activation") + 1))

    def stage_caption(self, states: States, stage: int) -> tuple[str, VGroup]:
        """Title and detail of a stage's caption: the input's point count (and how a wide or
        1-D input is drawn), a projected stage's dimension and the variance its view keeps
        (the layer's equation is under the caption, in ``self.equation``)."""
        detail = VGroup()
        if stage == 0:
            detail.add(text(f"{len(states['labels'])} points", self.pal.muted, 22))
            if states.widths[0] == 1 or states.is_projected(0):  # how the input is drawn
                detail.add(text(view_note(states, 0), self.pal.muted, 22))
        elif states.is_projected(stage):  # a line of its own: the title stays short
            detail.add(text(view_note(states, stage), self.pal.muted, 22))
        detail.arrange(DOWN, aligned_edge=LEFT, buff=0.12)
        return states.stage_label(stage), detail

    def show_input(self, states: States, seconds: float | None = None) -> None:
        """Step 1: grid and points appear (in ``seconds``, default ``intro_seconds``), the
        caption says ``input``."""
        side = [self.keys, self.net, *([self.ruler] if self.ruler is not None else [])]
        if not self.fade_in_side:
            self.add(*side)
        self.play(
            Create(self.view.grid),
            FadeIn(self.view.cloud),
            *([FadeIn(m) for m in side] if self.fade_in_side else []),
            self.caption.make_change_animation(*self.stage_caption(states, 0)),
            run_time=seconds or self.intro_seconds,
        )
        self.wait(self.pause_seconds)

    def show_stage(self, states: States, stage: int, seconds: float | None = None) -> None:
        """Step 2, once per stage: the caption changes, then grid and points move (in
        ``seconds``, default ``stage_seconds``)."""
        title, detail = self.stage_caption(states, stage)
        self.play(
            self.caption.make_change_animation(title, detail),
            self.equation.make_stage_animation(stage),
            run_time=self.caption_seconds,
        )
        self.play(self.view.make_stage_animation(stage, run_time=seconds or self.stage_seconds))
        self.wait(self.pause_seconds)

    def show_output(self, states: States, line: Tracker | None = None) -> None:
        """Step 3: the output layer's decision regions (a line for two classes) under the points,
        drawn slower when a long ``line`` goes with them (:func:`paced`)."""
        pal, view = self.pal, self.view
        said = line or Tracker(0.0)
        line = decision_line(view, self.box)  # two flat classes: a line and its two sides
        self.line = line
        if line is not None:  # two polygons, cheap to draw
            regions = half_planes(line, self.box, pal.classes, opacity=0.28)
            words = ("output - decision line", "one side per class")
        else:
            regions = regions_in_view(view, self.box, opacity=0.28)
            words = ("output - decision regions", "each colour: the class picked there")
        self.regions = regions
        extras = []
        if regions is not None:
            self.add(regions)
            self.bring_to_back(regions)
            extras.append(FadeIn(regions))
        score = self.accuracy_text(states)
        base = 2.5 if line is not None else 1.5  # the seconds of the plays below
        slow = paced(base, said) / base
        self.play(
            self.caption.make_change_animation(words[0], text(words[1], pal.ink, 22)),
            self.equation.make_layer_animation(states.n_layers - 1),  # the output layer
            *extras,
            view.grid.animate.set_stroke(opacity=0.35),
            run_time=slow,
        )
        if line is not None:
            self.play(Create(line), run_time=slow)
        self.play(FadeIn(score, shift=0.15 * UP), run_time=0.5 * slow)

    def accuracy_text(self, states: States) -> Text:
        """``training accuracy 99.5%`` above the network line."""
        acc = float(states["accuracy"][-1])
        score = text(f"training accuracy {100 * acc:.1f}%", self.pal.ink, 26)
        return score.next_to(self.net, UP, buff=0.3, aligned_edge=LEFT)

    def show_ending(self, states: States) -> None:
        """Step 4, after the final wait: nothing here; a variant adds its own ending."""


class BoundaryOverTraining(StatesScene, Scene):
    """The input-space decision regions over training, snapshot by snapshot, under the points.

    2-D inputs: the regions under the true classes, so mistakes stand out (traced
    from the scores on a ``resolution``-node lattice through the same numpy stages).
    3-D inputs (no regions): an oblique view, each point coloured by the network's guess.
    """

    class_names: Sequence[str] | None = None  # None: the states' own label names
    title_text = "decision boundary\nwhile training"
    poster_time = -1.0
    plot_center = np.array([-2.2, -0.2, 0.0])
    plot_half = 3.5
    tilt, turn = 55.0, -30.0  # degrees: the oblique view of 3-D inputs
    snapshot_seconds = 0.2
    final_seconds = 2.5
    resolution = 128  # lattice nodes per side of the regions' scores
    region_opacity = 0.38
    fade_in_labels = False  # fade title, legend and status in, or show them at once

    def setup(self) -> None:
        self.pal = apply_theme(self)

    def construct(self) -> None:
        states = self.states()
        pal = self.pal
        self.layout(states)
        panel_x = self.plot_center[0] + self.plot_half + 0.6
        title = text(self.title_text, pal.ink, 30)
        title.move_to([panel_x, 3.3, 0], aligned_edge=UP + LEFT)
        names = self.class_names or class_names(states)
        keys = side_legend(names, pal, panel_x)
        self.status_corner = np.array([panel_x, 1.6, 0])
        follows = "grid_pred" not in states.arrays  # no regions: the points show the guess

        # Step 1: the first snapshot's guess (untrained, unless given trained weights).
        image, cloud, info = self.regions(states, 0), self.points(states, 0), self.status(states, 0)
        if self.fade_in_labels:
            fading = [image, cloud, info, title, keys]
        else:
            self.add(title, keys, info)
            fading = [image, cloud]
        self.play(*[FadeIn(m) for m in fading if m is not None])
        self.wait(1.0)

        # Step 2: one snapshot after another (log-spaced steps: early change is fast).
        for snapshot in range(1, states.n_snapshots):
            self.remove(*[m for m in (image, cloud if follows else None, info) if m is not None])
            image, info = self.regions(states, snapshot), self.status(states, snapshot)
            if follows:
                cloud = self.points(states, snapshot)
            self.add(*[m for m in (image, cloud if follows else None, info) if m is not None])
            if image is not None:
                self.bring_to_back(image)
            self.wait(self.snapshot_seconds)
        self.wait(self.final_seconds)

    def layout(self, states: States) -> None:
        """Fit the input box into the plot square: ``self.viewport``, ``self.lo/hi/mid``."""
        inputs = self.shown_inputs(states)
        lo, hi = inputs.min(0), inputs.max(0)
        if "grid_extent" in states.arrays:
            xmin, xmax, ymin, ymax = (float(v) for v in states["grid_extent"])
            lo, hi = np.array([xmin, ymin]), np.array([xmax, ymax])
        self.lo, self.hi, self.mid = lo, hi, (lo + hi) / 2
        self.scale = 2 * self.plot_half / float(np.max(hi - lo))
        if inputs.shape[1] == 3:  # an oblique view, centred on the data
            vp = TiltedViewport(np.zeros(3), 1.0, self.tilt * DEGREES, self.turn * DEGREES)
            reach = float(np.abs(vp.to_scene(inputs - self.mid)).max())
            vp.scale = self.plot_half / max(reach, 1e-9)
            vp.center = self.plot_center - vp.to_scene(self.mid)
            self.viewport: Viewport = vp
        else:
            self.viewport = Viewport(self.plot_center - self.scale * np.array([*self.mid, 0.0]),
                                     self.scale)  # fmt: skip

    def regions(self, states: States, snapshot: int) -> Mobject | None:
        """The snapshot's decision regions over the input box, traced smooth; None (3-D)."""
        if "grid_pred" not in states.arrays:
            return None
        box = (self.lo[0], self.hi[0], self.lo[1], self.hi[1])
        return input_regions(states, snapshot, self.viewport, box, self.pal.classes,
                             self.resolution, self.region_opacity)  # fmt: skip

    def points(self, states: States, snapshot: int) -> PointCloud:
        """The data: true classes over the regions, or (no regions) the network's guess."""
        labels = states["labels"] if "grid_pred" in states.arrays else None
        if labels is None:
            labels = states["predictions"][snapshot]
        colors = self.pal.classes[: states.n_classes]
        return PointCloud(self.viewport.to_scene(self.shown_inputs(states)), labels, colors)

    def shown_inputs(self, states: States) -> np.ndarray:
        """The inputs as drawn: as they are (2-D, 3-D), on a line (1-D), or through the
        input's 3-D view (wider)."""
        inputs = np.asarray(states["inputs"], dtype=np.float64)
        if inputs.shape[1] in (2, 3):
            return inputs
        shown = np.asarray(states["trace"][-1, 0], dtype=np.float64)  # (P, 3), zero padded
        return shown[:, :2] if inputs.shape[1] == 1 else shown

    def status(self, states: States, snapshot: int) -> Text:
        """Step, loss and accuracy of a snapshot, in the text column."""
        out = text(_status(states, snapshot), self.pal.ink, 24, mono=True)
        return out.move_to(self.status_corner, aligned_edge=UP + LEFT)


class PanelsOverTraining(Narrated, StatesScene, Scene):
    """Every stage's output in its own panel, all evolving together while the network trains.

    ``self.views`` holds one :class:`NetworkView` per stage; ``say_training`` is
    said as training starts, ``say_trained`` over the trained network's panels.
    """

    class_names: Sequence[str] | None = None  # None: the states' own label names (the page's)
    poster_time = -1.0
    columns = 5
    label_room = 0.1  # the points stay this far (scene units) below their panel's title
    title_size = 20  # the panels' titles (font size): at most the cell's width
    snapshot_seconds = 0.25
    final_seconds = 2.5
    snapshot_stride = 1
    say_training: str | None = None
    say_trained: str | None = None

    def setup(self) -> None:
        self.pal = apply_theme(self)

    def construct(self) -> None:
        # The training line is said over the first snapshots, the trained one over the last.
        with self.voiceover(self.say_training) as line:
            rest = self.show_training(line.duration)
        with self.voiceover(self.say_trained):
            rest()
            self.wait(self.final_seconds)

    def show_training(self, said: float = 0.0) -> Callable[[], None]:
        """Steps 1 and 2: the panels at the first snapshot, then training, snapshot by snapshot,
        for ``said`` seconds (at most three quarters of the snapshots); returns what plays the
        rest, so the next line starts while the panels still move."""
        states = self.states()
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
                states, snapshot=0, center=center, fit=half - self.label_room, pal=pal, lines=9,
                samples=40, radius=0.018, grid_width=0.6,
            )  # fmt: skip
            view.set_stage(t)
            views.append(view)
            # 20: the title's capitals 9 px high in the 640 px GIF (14 made them 6.6 px)
            label = text(states.stage_label(t), pal.muted, self.title_size)
            label.scale_to_fit_width(min(label.width, cell_w - 0.12))  # never into the next one
            labels.add(label.next_to(center + half * UP, UP, buff=0.08))

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
        shown = [info]

        def play(snapshot: int) -> None:
            self.remove(shown[0])
            shown[0] = status(snapshot)
            self.add(shown[0])
            self.play(
                *[v.make_snapshot_animation(snapshot) for v in views],
                run_time=self.snapshot_seconds,
                rate_func=lambda t: t,
            )

        now = int(np.ceil(max(said - 1.5, 0.0) / self.snapshot_seconds))  # after the 1.5 s above
        now = min(now, 3 * (len(snapshots) - 1) // 4)
        for snapshot in snapshots[1 : 1 + now]:
            play(snapshot)

        def rest() -> None:
            for snapshot in snapshots[1 + now :]:
                play(snapshot)

        return rest
