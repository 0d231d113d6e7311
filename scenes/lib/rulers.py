"""Rulers: numbered ticks along a plot square's edges that follow a zooming, panning viewport.

A view that follows the points' extent changes its scale from stage to stage;
the rulers show it. Their ticks sit at round data values (1, 2 or 5 times a
power of ten, about ``ticks`` along a side), so the numbers under them say how
far the picture has zoomed. They follow the viewport by an updater, a function
of the viewport alone, so a frame drawn after a skipped play shows the same.
The numbers are DecimalNumbers: their digits are typeset once and shared.
"""

from __future__ import annotations

import numpy as np
from manim import DOWN, LEFT, VGroup, VMobject

from scenes.lib.formulas import number
from scenes.lib.palette import Palette
from scenes.lib.viewport import Viewport

__all__ = ["Rulers", "nice_step", "tick_values"]

Box = tuple[float, float, float, float]  # (xmin, xmax, ymin, ymax), scene units


def nice_step(span: float, ticks: float = 5.0) -> float:
    """The round step (1, 2 or 5 times a power of ten) giving about ``ticks`` ticks on ``span``."""
    raw = max(float(span), 1e-12) / ticks
    power = 10.0 ** np.floor(np.log10(raw))
    return float(next(m * power for m in (1.0, 2.0, 5.0, 10.0) if m * power >= raw * 0.999))


def tick_values(lo: float, hi: float, ticks: float = 5.0) -> tuple[np.ndarray, int]:
    """Round values in ``[lo, hi]`` about ``ticks`` apart in count, and the decimals they need."""
    step = nice_step(hi - lo, ticks)
    first = np.ceil(lo / step - 1e-9) * step
    values = np.arange(first, hi + 1e-9 * step, step)
    decimals = max(0, int(-np.floor(np.log10(step) + 1e-9)))
    values = np.round(values, decimals) + 0.0  # -0.0 reads as 0
    return values, decimals


class Rulers(VGroup):
    """The bottom and left edges of ``box`` with ticks and numbers in ``viewport``'s data units.

    Parameters
    ----------
    viewport
        The (flat) viewport the plot is drawn through; read on every frame.
    box
        The plot square in scene units ``(xmin, xmax, ymin, ymax)``.
    """

    tick_length = 0.1
    corner_room = 0.2  # no number this close to the corner (the two rulers meet there)

    def __init__(
        self, viewport: Viewport, box: Box, pal: Palette, font_size: float = 30, ticks: float = 7
    ) -> None:
        super().__init__()
        self.viewport, self.box, self.pal = viewport, box, pal
        self.font_size, self.ticks = font_size, ticks
        self.lines = VMobject(stroke_color=pal.axis, stroke_width=2)
        self.lines.straight_segments = True  # drawn as lines (scenes.lib.polylines)
        self.numbers = VGroup()
        self.numbered: tuple = ()  # the labels' texts, rebuilt only when they change
        self.add(self.lines, self.numbers)
        self.follow()
        self.add_updater(lambda mob: mob.follow())

    def follow(self) -> Rulers:
        """Ticks and numbers for the viewport as it is now; returns self."""
        x0, x1, y0, y1 = self.box
        vp = self.viewport
        lo = (np.array([x0, y0]) - vp.center[:2]) / vp.scale  # data at the lower-left corner
        hi = (np.array([x1, y1]) - vp.center[:2]) / vp.scale
        xs, x_dec = tick_values(lo[0], hi[0], self.ticks)
        ys, y_dec = tick_values(lo[1], hi[1], self.ticks)
        at_x = vp.center[0] + vp.scale * xs  # scene x of each tick on the bottom edge
        at_y = vp.center[1] + vp.scale * ys
        t = self.tick_length
        segments = [((x0, y0), (x1, y0)), ((x0, y0), (x0, y1))]
        segments += [((x, y0), (x, y0 - t)) for x in at_x]
        segments += [((x0, y), (x0 - t, y)) for y in at_y]
        ends = np.pad(np.array(segments, dtype=np.float64), ((0, 0), (0, 0), (0, 1)))  # (n, 2, 3)
        a, b = ends[:, 0], ends[:, 1]
        self.lines.points = np.stack([a, (2 * a + b) / 3, (a + 2 * b) / 3, b], 1).reshape(-1, 3)

        # Numbers under the bottom ticks and left of the left ones (none at the corner).
        keep_x = at_x - x0 > self.corner_room
        keep_y = at_y - y0 > self.corner_room
        shown = [(v, x_dec) for v in xs[keep_x]] + [(v, y_dec) for v in ys[keep_y]]
        words = (*(f"{v:.{d}f}" for v, d in shown), int(keep_x.sum()))
        if words != self.numbered:  # new values: new labels (made once each, then copied)
            self.numbered = words
            # manim 0.22 draws an animation's frames from the family members listed as it
            # began: a label replaced mid-play would still be drawn where it last stood.
            for old in self.numbers.get_family()[1:]:
                old.points = np.zeros((0, 3))
            self.numbers.submobjects = [number(v, self.pal.muted, d, self.font_size)
                                        for v, d in shown]  # fmt: skip
        count = int(keep_x.sum())
        for label, x in zip(self.numbers.submobjects[:count], at_x[keep_x], strict=True):
            label.next_to(np.array([x, y0 - t, 0.0]), DOWN, buff=0.08)
        for label, y in zip(self.numbers.submobjects[count:], at_y[keep_y], strict=True):
            label.next_to(np.array([x0 - t, y, 0.0]), LEFT, buff=0.08)
        return self
