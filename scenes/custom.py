"""Generic scenes for YOUR network and data, read from the states file named by ``$STATES``.

Make the states file with ``python render.py custom --data points.csv ...`` (or
:mod:`model.custom` from Python), then render straight with manim::

    STATES=media/custom/moons/states.npz manim -qh scenes/custom.py Stretching

Works for any states file of the schema (any input width and any widths: a
1-D input on a line, wider inputs and layers through their aligned 3-D
projection, the captions saying how much of the variance it keeps; for
images, one tile per class rides its point through every stage). A missing or invalid
``$STATES`` stops the render with one line. These scenes are not in the
default gallery (``gallery = False``): they need a file only the user has. The
renderer shows another file with ``Stretching.with_states(StatesFile(path))``.
"""

from __future__ import annotations

import numpy as np
from manim import DEGREES, FadeIn, VGroup, VMobject

from model.sources import EnvStatesFile
from model.states import States
from scenes.lib import (
    BoundaryOverTraining,
    NetworkView,
    PanelsOverTraining,
    StageByStage,
    TiltedView,
    TiltedViewport,
    Tracker,
    digit_squares,
    image_shape,
    input_values,
    moving_stages,
    output_regions,
    rider_indices,
    ring_positions,
    text,
)

__all__ = ["Boundary", "Stretching", "Training"]

STATES = (EnvStatesFile("STATES"),)


class Stretching(StageByStage):
    """Your trained network bends your data, stage by stage, until the classes come apart."""

    title = "Your network, stage by stage"  # the gallery's heading

    states_sources = STATES
    gallery = False
    poster_time = -2.0
    tilt = 55.0  # degrees, for 3-D stages
    turn = -30.0
    fade_in_side = True
    rider_height = 0.75  # image tiles, scene units
    ring = (3.5, 3.3)  # the ellipse the tiles ride on, around the plot's centre

    def make_view(self, states: States) -> NetworkView:
        """An oblique camera when any stage is 3-D, else the flat one."""
        if int(np.max(states["stage_dim"])) >= 3:
            kwargs = {"center": self.plot_center, "fit": self.plot_half, "pal": self.pal}
            return TiltedView(states, self.tilt * DEGREES, self.turn * DEGREES, **kwargs)
        return super().make_view(states)

    def stage_list(self, states: States) -> list[int]:
        """Every stage that moves the points, the output layer's included."""
        return moving_stages(states)

    def show_input(self, states: States, seconds: float | None = None) -> None:
        """The points (and the grid), then, for images, a tile of each class on a ring."""
        super().show_input(states, seconds)
        shape = image_shape(states)
        if shape is not None:
            self.show_riders(states, shape)

    def show_riders(self, states: States, shape: tuple[int, int, int]) -> None:
        """One typical image per class (nearest its class's centre at the last stage), on a
        ring around the cloud with a leader line to its point; both follow it every frame."""
        pal, cloud = self.pal, self.view.cloud
        classes = list(range(states.n_classes))
        rows = rider_indices(states, classes, self.stage_list(states)[-1])
        pixels = input_values(states)[rows]
        colors = [pal.class_color(k) for k in classes]
        tiles = VGroup(*[digit_squares(p, pal, c, self.rider_height, shape=shape)
                         for p, c in zip(pixels, colors, strict=True)])  # fmt: skip
        leaders = VGroup(*[VMobject(stroke_color=c, stroke_width=1.5, stroke_opacity=0.8)
                           for c in colors])  # fmt: skip
        centre = np.asarray(self.plot_center, dtype=np.float64)[:2]

        def place(group: VGroup) -> None:
            points = np.asarray(cloud.positions, dtype=np.float64)[rows, :2]
            half = 0.5 * self.rider_height + 0.05
            spots = ring_positions(points - centre, self.ring, half=half) + centre
            for tile, line, spot, point in zip(group, leaders, spots, points, strict=True):
                tile.move_to([*spot, 0.0])
                toward = point - spot  # from the tile's edge, not its centre
                start = spot + toward * min(1.0, half / max(float(np.abs(toward).max()), 1e-9))
                line.set_points_as_corners([[*start, 0.0], [*point, 0.0]])

        tiles.add_updater(place)
        place(tiles)
        self.play(FadeIn(leaders), FadeIn(tiles), run_time=0.6 * self.intro_seconds)

    def show_output(self, states: States, line: Tracker | None = None) -> None:
        """Back to the last hidden space, where the output layer's regions are drawn under
        the points (a space wider than 3-D is seen projected: the output space instead)."""
        last_hidden = states.stage_index(states.n_layers - 2, "activation")
        if states.is_projected(last_hidden):
            self.show_output_space(states)
            return
        self.play(
            self.caption.make_change_animation(
                states.stage_label(last_hidden),
                text("back to the last hidden space", self.pal.ink, 22),
            ),
            self.equation.make_stage_animation(last_hidden),
            run_time=self.caption_seconds,
        )
        self.play(self.view.make_jump_animation(last_hidden, run_time=self.stage_seconds))
        super().show_output(states, line)

    def show_output_space(self, states: States) -> None:
        """The classes' regions in the output space (two scores: a line between them)."""
        extras = []
        if states.n_classes == 2 and not isinstance(self.view.viewport, TiltedViewport):
            regions = output_regions(self.view, self.box)
            self.add(regions)
            self.bring_to_back(regions)
            extras.append(FadeIn(regions))
        self.play(
            self.caption.make_change_animation(
                "output", text("highest score wins", self.pal.ink, 22)
            ),
            FadeIn(self.accuracy_text(states)),
            *extras,
            run_time=1.0,
        )


class Boundary(BoundaryOverTraining):
    """Your network's decision regions while it trains, under your points (3-D: their colours)."""

    title = "Your network's decision boundary while training"  # the gallery's heading

    states_sources = STATES
    gallery = False
    title_text = "the network's guess"
    plot_half = 3.4
    region_opacity = 0.4
    fade_in_labels = True


class Training(PanelsOverTraining):
    """Every stage of your network in its own panel, all evolving together while it trains."""

    title = "Your network: every stage while training"  # the gallery's heading

    states_sources = STATES
    gallery = False
