"""Generic scenes for YOUR network and data, read from the states file named by ``$STATES``.

Make the states file with ``python render.py custom --data points.csv ...`` (or
:mod:`model.custom` from Python), then render straight with manim::

    STATES=media/custom/moons/states.npz manim -qh scenes/custom.py Stretching

Works for any states file of the schema (2-D or 3-D input, any widths: wider
layers are shown through their aligned 3-D projection). A missing or invalid
``$STATES`` stops the render with one line. These scenes are not in the
default gallery (``gallery = False``): they need a file only the user has. The
renderer shows another file with ``Stretching.with_states(StatesFile(path))``.
"""

from __future__ import annotations

import numpy as np
from manim import DEGREES, FadeIn

from model.sources import EnvStatesFile
from model.states import States
from scenes.lib import (
    BoundaryOverTraining,
    NetworkView,
    PanelsOverTraining,
    StageByStage,
    TiltedView,
    TiltedViewport,
    moving_stages,
    output_regions,
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

    def make_view(self, states: States) -> NetworkView:
        """An oblique camera when any stage is 3-D, else the flat one."""
        if int(np.max(states["stage_dim"])) >= 3:
            kwargs = {"center": self.plot_center, "fit": self.plot_half, "pal": self.pal}
            return TiltedView(states, self.tilt * DEGREES, self.turn * DEGREES, **kwargs)
        return super().make_view(states)

    def stage_list(self, states: States) -> list[int]:
        """Every stage that moves the points, the output layer's included."""
        return moving_stages(states)

    def show_output(self, states: States) -> None:
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
        super().show_output(states)

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
    resolution = None  # the states' own class map: any network, no recomputation
    region_opacity = 0.4
    fade_in_labels = True


class Training(PanelsOverTraining):
    """Every stage of your network in its own panel, all evolving together while it trains."""

    title = "Your network: every stage while training"  # the gallery's heading

    states_sources = STATES
    gallery = False
