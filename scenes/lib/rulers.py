"""Scales that follow a zooming view: rulers on a plot square's edges, a box around a 3-D cloud.

A view that follows the points' extent changes its scale from stage to stage;
the rulers show it. Their ticks sit at round data values (1, 2 or 5 times a
power of ten, about ``ticks`` along a side), so the numbers under them say how
far the picture has zoomed. They follow the viewport by an updater, a function
of the viewport alone, so a frame drawn after a skipped play shows the same.
The numbers are DecimalNumbers: their digits are typeset once and shared.
:class:`ExtentBox` is the 3-D scenes' cue of depth: a wire box with ticks.
"""

from __future__ import annotations

import numpy as np
from manim import DOWN, LEFT, VGroup, VMobject

from scenes.lib.formulas import number
from scenes.lib.palette import Palette
from scenes.lib.viewport import Viewport

__all__ = ["ExtentBox", "Rulers", "box_corners", "nice_step", "padded_extent", "tick_values"]

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


def padded_extent(points: np.ndarray, pad: float) -> tuple[np.ndarray, np.ndarray]:
    """Lowest and highest corners of ``points``' box, grown by ``pad`` of its longest side."""
    p = np.asarray(points, dtype=np.float64).reshape(-1, np.shape(points)[-1])
    lo, hi = p.min(0), p.max(0)
    grow = pad * float((hi - lo).max())
    return lo - grow, hi + grow


def box_corners(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """The 8 corners of the box from ``lo`` to ``hi``, ``(8, 3)``: corner ``4i + 2j + k`` takes
    x from ``(lo, hi)[i]``, y from ``[j]``, z from ``[k]``."""
    ends = np.array([lo, hi], dtype=np.float64)
    return np.array([[ends[i, 0], ends[j, 1], ends[k, 2]]
                     for i in (0, 1) for j in (0, 1) for k in (0, 1)])  # fmt: skip


class ExtentBox(VMobject):
    """A wire box around a point cloud's extent, with ticks at round data values: depth in 3-D.

    Its edges run around the cloud's bounding box (padded by ``pad`` of its
    longest side); ticks mark round data values along the three edges that meet
    at its lowest corner, so a turning camera shows which way is deep and how far
    the view has zoomed. It follows the cloud by an updater, a function of the
    cloud's positions and the viewport alone (a chunk drawn after skipped plays
    shows the same), and is thin and faint: added before the cloud, it never
    covers a point.

    Parameters
    ----------
    cloud
        Anything with ``positions`` ``(P, 3)`` in scene units (a :class:`PointCloud`).
    viewport
        The viewport the cloud is drawn through, to read the ticks' data values.
    """

    pad = 0.06
    tick_length = 0.09  # scene units

    def __init__(self, cloud, viewport: Viewport, pal: Palette, ticks: float = 4) -> None:
        super().__init__(stroke_color=pal.axis, stroke_width=1.4, stroke_opacity=0.55)
        self.cloud, self.viewport, self.ticks = cloud, viewport, ticks
        self.straight_segments = True  # drawn as lines (scenes.lib.polylines)
        self.follow()
        self.add_updater(lambda mob: mob.follow())

    def corners(self) -> tuple[np.ndarray, np.ndarray]:
        """The box's lowest and highest corners now, in scene units."""
        return padded_extent(self.cloud.positions, self.pad)

    def follow(self) -> ExtentBox:
        """Edges and ticks around the cloud as it is now; returns self."""
        lo, hi = self.corners()
        box = np.array([lo, hi])
        corner = [np.array([box[i, 0], box[j, 1], box[k, 2]])
                  for i in (0, 1) for j in (0, 1) for k in (0, 1)]  # fmt: skip
        segments = [
            (corner[a], corner[b])
            for a in range(8)
            for b in range(a + 1, 8)
            if bin(a ^ b).count("1") == 1
        ]  # the 12 edges: corners one bit apart
        data_lo, data_hi = self.viewport.to_data(lo), self.viewport.to_data(hi)
        outward = (1, 0, 0)  # each axis's ticks point along another axis, out of the box
        for axis in range(3):
            values, _ = tick_values(data_lo[axis], data_hi[axis], self.ticks)
            across = np.zeros(3)
            across[outward[axis]] = -self.tick_length
            for v in values:
                at = lo.copy()
                at[axis] = self.viewport.center[axis] + self.viewport.scale * v
                segments.append((at, at + across))
        ends = np.array(segments, dtype=np.float64)  # (n, 2, 3)
        a, b = ends[:, 0], ends[:, 1]
        self.points = np.stack([a, (2 * a + b) / 3, (a + 2 * b) / 3, b], 1).reshape(-1, 3)
        return self
