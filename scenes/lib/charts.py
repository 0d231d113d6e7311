"""A training curve: held-out accuracy against training steps (log scale), drawn as it grows."""

from __future__ import annotations

import numpy as np
from manim import DOWN, LEFT, UP, VGroup, VMobject

from scenes.lib.captions import text
from scenes.lib.palette import Palette

__all__ = ["AccuracyChart"]


class AccuracyChart(VGroup):
    """Held-out accuracy against training steps (log scale), drawn up to a snapshot.

    ``width`` and ``height`` are the plot's axes (scene units); the labels, at
    ``font_size``, sit outside them: ``100%`` and ``0`` left of the vertical axis, the
    axis names above it and under the horizontal one.
    """

    def __init__(
        self,
        pal: Palette,
        steps: np.ndarray,
        accuracy: np.ndarray,
        width: float = 2.4,
        height: float = 1.8,
        font_size: float = 22,
    ) -> None:
        super().__init__()
        x = np.log1p(np.asarray(steps, dtype=np.float64))
        self.xs = width * (x - x[0]) / max(x[-1] - x[0], 1e-9)  # (S,)
        self.ys = height * np.asarray(accuracy, dtype=np.float64)  # (S,)
        axes = VMobject(stroke_color=pal.axis, stroke_width=2)
        axes.set_points_as_corners([[0, height, 0], [0, 0, 0], [width, 0, 0]])
        top = VMobject(stroke_color=pal.grid, stroke_width=1)
        top.set_points_as_corners([[0, height, 0], [width, height, 0]])
        self.curve = VMobject(stroke_color=pal.accent, stroke_width=3)
        size = font_size
        label_100 = text("100%", pal.muted, size).next_to([0, height, 0], LEFT, buff=0.08)
        label_0 = text("0", pal.muted, size).next_to([0, 0, 0], LEFT, buff=0.08)
        x_label = text("training steps (log)", pal.muted, size).next_to(axes, DOWN, buff=0.1)
        x_label.align_to(axes, LEFT)
        y_label = text("held-out accuracy", pal.muted, size).next_to([0, height, 0], UP, buff=0.15)
        y_label.align_to(axes, LEFT)
        self.axes = axes
        self.add(top, axes, self.curve, label_100, label_0, x_label, y_label)
        self.show_until(0)

    def show_until(self, snapshot: int) -> AccuracyChart:
        """Draw the curve from the first snapshot to ``snapshot``; returns self."""
        n = snapshot + 1
        pts = np.stack([self.xs[:n], self.ys[:n], np.zeros(n)], -1)
        if n == 1:
            pts = np.concatenate([pts, pts])
        origin = self.axes.get_corner(DOWN + LEFT)  # the group may have been moved
        self.curve.set_points_as_corners(pts + origin)
        return self
