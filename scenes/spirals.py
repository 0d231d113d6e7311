"""Two spirals through a trained 2-2-2-2-2-2 tanh network: stages, boundary, training.

Run from the repo root: ``manim -qh scenes/spirals.py SpiralsStretching``. The
states are the ``spirals2d`` preset's (trained and cached on the first run);
each scene is one of the library's storyboards with the spirals' knobs.
"""

from __future__ import annotations

from model.sources import Preset
from scenes.lib import BoundaryOverTraining, PanelsOverTraining, StageByStage

__all__ = ["SpiralsBoundary", "SpiralsStretching", "SpiralsTraining"]

PRESET = "spirals2d"
CLASS_NAMES = ("spiral A", "spiral B")


class SpiralsStretching(StageByStage):
    """The trained network bends the plane, stage by stage, until a line separates the spirals."""

    title = "Spirals, stage by stage"  # the gallery's heading

    states_sources = (Preset(PRESET),)
    class_names = CLASS_NAMES
    poster_time = -2.0


class SpiralsBoundary(BoundaryOverTraining):
    """The input-space decision boundary over training, with the points on top."""

    title = "Spirals: the decision boundary while training"  # the gallery's heading

    states_sources = (Preset(PRESET),)
    class_names = CLASS_NAMES
    poster_time = -1.0


class SpiralsTraining(PanelsOverTraining):
    """Every stage's output in its own panel, all evolving together while the network trains."""

    title = "Spirals: every stage while training"  # the gallery's heading

    states_sources = (Preset(PRESET),)
    poster_time = -1.0
