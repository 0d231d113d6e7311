"""The mobjects a network's data is drawn with: point clouds, warped grids, shaded surfaces.

Speed (see ../shared/NOTES.md): one fill VMobject per class colour for the
points, one stroke VMobject for all grid lines, positions set from numpy
arrays each frame; never one mobject per point. Every mobject here has
``set_positions(scene_points)`` (returns self) and ``get_positions()``, which is
what :class:`~scenes.lib.network_view.StageMorph` moves.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence

import numpy as np
from manim import Mobject, VGroup, VMobject

from scenes.lib.dots import DotLayer
from scenes.lib.fast_paths import install_fast_paths

__all__ = [
    "PointCloud",
    "WarpedGrid",
    "WarpedSurface",
    "circle_template",
    "clip_segments",
    "grid_lines",
    "kept_copy",
    "mesh_nodes",
    "show_instead",
]


def kept_copy(cache: OrderedDict, key: tuple, make: Callable[[], Mobject], limit: int) -> Mobject:
    """A copy of the mobject ``make()`` built once per process for ``key`` (texts, formulas).

    ``cache`` keeps the ``limit`` made most lately. The svgelements objects each part keeps
    from manim's SVG parse are dropped first: nothing reads them after the parse, and a
    copy would walk them all.
    """
    kept = cache.get(key)
    if kept is None:
        kept = make()
        for part in kept.get_family():
            part.__dict__.pop("path_obj", None)
        cache[key] = kept
        if len(cache) > limit:
            cache.popitem(last=False)
    else:
        cache.move_to_end(key)
    return kept.copy()


def show_instead(holder: Mobject, new: Mobject) -> Mobject:
    """``holder`` (a group: a ``VGroup``, a ``Text``) shows copies of ``new``'s parts now.

    The same mobject, new children: for one a running animation holds, which
    cannot be swapped for another. manim's ``become`` aligns both first,
    padding the smaller with copies of its parts and changing ``new`` too, so
    what it shows depends on everything it showed before: a chunk that ran the
    play skipped (one step) drew other pixels than one process that stepped
    through every frame. The holder's old parts are emptied, not only dropped:
    a play that started before keeps them in its list of moving mobjects and
    would draw them under the new ones. Returns ``holder``.
    """
    for old in holder.get_family()[1:]:
        old.points = np.zeros((0, 3))
    holder.submobjects = [part.copy() for part in new.submobjects]
    if hasattr(new, "text"):  # a Text: what it says follows its glyphs
        holder.text = new.text
    return holder


def circle_template(segments: int = 4) -> np.ndarray:
    """A unit circle as ``segments`` cubic bezier curves: ``(segments * 4, 3)``."""
    k = 4.0 / 3.0 * np.tan(np.pi / (2 * segments))  # handle length of one arc
    a0 = np.linspace(0, 2 * np.pi, segments + 1)[:-1]
    a1 = a0 + 2 * np.pi / segments
    p0 = np.stack([np.cos(a0), np.sin(a0), 0 * a0], -1)
    p3 = np.stack([np.cos(a1), np.sin(a1), 0 * a1], -1)
    t0 = np.stack([-np.sin(a0), np.cos(a0), 0 * a0], -1)
    t1 = np.stack([-np.sin(a1), np.cos(a1), 0 * a1], -1)
    return np.stack([p0, p0 + k * t0, p3 - k * t1, p3], 1).reshape(-1, 3)


class PointCloud(VGroup):
    """All data points: one filled :class:`~scenes.lib.dots.DotLayer` per class, each dot an
    anti-aliased circle subpath (stamped by the camera, see :mod:`scenes.lib.dots`).

    Parameters
    ----------
    positions
        ``(P, 3)`` scene coordinates.
    labels
        ``(P,)`` class of each point, ``0..K-1``.
    colors
        One colour per class.
    radius
        Dot radius in scene units.
    """

    def __init__(
        self,
        positions: np.ndarray,
        labels: np.ndarray,
        colors: Sequence[str],
        radius: float = 0.035,
        opacity: float = 0.95,
        segments: int = 4,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self.labels = np.asarray(labels, dtype=int)
        self.radius = float(radius)
        self.template = circle_template(segments)  # (4 * segments, 3)
        n_classes = max(len(colors), int(self.labels.max(initial=0)) + 1)
        self.members = [np.flatnonzero(self.labels == k) for k in range(n_classes)]
        install_fast_paths()  # the camera stamps DotLayers: see scenes.lib.dots
        for k in range(n_classes):
            self.add(
                DotLayer(
                    points_per_dot=len(self.template),
                    fill_color=colors[k % len(colors)],
                    fill_opacity=opacity,
                    stroke_width=0,
                )
            )
        self.set_positions(positions)

    def face(self, normal: np.ndarray) -> PointCloud:
        """Turn the dots to face along ``normal`` (for a 3-D camera); returns self."""
        n = np.asarray(normal, dtype=np.float64)
        n = n / np.linalg.norm(n)
        u = np.cross(n, [0.0, 0.0, 1.0] if abs(n[2]) < 0.9 else [1.0, 0.0, 0.0])
        u /= np.linalg.norm(u)
        v = np.cross(n, u)
        flat = circle_template(len(self.template) // 4)
        self.template = flat[:, :1] * u + flat[:, 1:2] * v
        if hasattr(self, "positions"):
            self.set_positions(self.positions)
        return self

    def set_positions(self, positions: np.ndarray) -> PointCloud:
        """Move every dot to ``positions`` (``(P, 3)`` scene coordinates); returns self."""
        self.positions = np.asarray(positions, dtype=np.float64)
        offsets = self.radius * self.template  # (16, 3)
        for child, idx in zip(self.submobjects, self.members, strict=True):
            pts = self.positions[idx][:, None, :] + offsets[None]  # (n, 16, 3)
            child.points = pts.reshape(-1, 3)
        return self

    def get_positions(self) -> np.ndarray:
        """The scene coordinates last set by :meth:`set_positions`."""
        return self.positions


# ---------------------------------------------------------------------------
# Warped grid
# ---------------------------------------------------------------------------


def grid_lines(
    extent: Sequence[float], lines: int | tuple[int, int] = 17, samples: int = 80
) -> np.ndarray:
    """Dense polylines of a 2-D grid: ``(n_lines, samples, 2)`` in data coordinates.

    ``extent`` is ``(xmin, xmax, ymin, ymax)``; ``lines`` how many lines run in
    each direction. Lift to 3-D with zeros (``np.pad(g, ((0, 0), (0, 0), (0, 1)))``)
    or let a 2 -> 3 layer do it.
    """
    xmin, xmax, ymin, ymax = map(float, extent)
    nx, ny = (lines, lines) if isinstance(lines, int) else lines
    s = np.linspace(0.0, 1.0, samples)
    vertical = [np.stack([np.full(samples, x), ymin + (ymax - ymin) * s], -1) for x in
                np.linspace(xmin, xmax, nx)]  # fmt: skip
    horizontal = [np.stack([xmin + (xmax - xmin) * s, np.full(samples, y)], -1) for y in
                  np.linspace(ymin, ymax, ny)]  # fmt: skip
    return np.array(vertical + horizontal)


Box = tuple[float, float, float, float]  # (xmin, xmax, ymin, ymax), scene units


def clip_segments(a: np.ndarray, b: np.ndarray, box: Box) -> tuple[np.ndarray, np.ndarray]:
    """The parts of segments ``a[i] -> b[i]`` (``(N, 3)``, flat) inside ``box``.

    Liang-Barsky, for all segments at once; a segment wholly outside is dropped,
    and an end inside stays bit for bit (so neighbours still join into one path).
    """
    d = b - a
    t0, t1 = np.zeros(len(a)), np.ones(len(a))
    for axis, lo, hi in ((0, box[0], box[1]), (1, box[2], box[3])):
        p, q = d[:, axis], a[:, axis]
        with np.errstate(divide="ignore", invalid="ignore"):
            at_lo, at_hi = (lo - q) / p, (hi - q) / p
        inside = (q >= lo) & (q <= hi)  # for a segment parallel to this side
        enter = np.where(p == 0, np.where(inside, -np.inf, np.inf), np.minimum(at_lo, at_hi))
        leave = np.where(p == 0, np.where(inside, np.inf, -np.inf), np.maximum(at_lo, at_hi))
        t0, t1 = np.maximum(t0, enter), np.minimum(t1, leave)
    keep = t0 < t1
    a, b, d, t0, t1 = a[keep], b[keep], d[keep], t0[keep, None], t1[keep, None]
    return np.where(t0 == 0, a, a + t0 * d), np.where(t1 == 1, b, a + t1 * d)


class WarpedGrid(VMobject):
    """Grid polylines as one stroked VMobject; :meth:`set_positions` moves every vertex.

    Each segment is a straight cubic curve; the camera draws them as lines
    (``straight_segments``, see :mod:`scenes.lib.polylines`). With ``clip`` (a
    flat scene box ``(xmin, xmax, ymin, ymax)``) only the parts inside it are
    drawn: a view zoomed to the points shows the grid as through a window.

    Parameters
    ----------
    positions
        ``(n_lines, samples, 3)`` scene coordinates of the polyline vertices.
    """

    straight_segments = True

    def __init__(
        self,
        positions: np.ndarray,
        color: str = "#56607a",
        stroke_width: float = 1.2,
        opacity: float = 0.8,
        clip: Box | None = None,
        **kwargs,
    ) -> None:
        install_fast_paths()
        super().__init__(stroke_color=color, stroke_width=stroke_width, **kwargs)
        self.clip = clip
        self.set_stroke(opacity=opacity)
        self.set_fill(opacity=0)
        self.set_positions(positions)

    def set_positions(self, positions: np.ndarray) -> WarpedGrid:
        """Set the polylines' vertices (``(n_lines, samples, 3)``); returns self."""
        p = np.asarray(positions, dtype=np.float64)
        self.positions = p
        a, b = p[:, :-1].reshape(-1, 3), p[:, 1:].reshape(-1, 3)
        if self.clip is not None:
            a, b = clip_segments(a, b, self.clip)
        d = (b - a) / 3.0
        self.points = np.stack([a, a + d, b - d, b], axis=1).reshape(-1, 3)
        return self

    def get_positions(self) -> np.ndarray:
        """The scene coordinates last set by :meth:`set_positions`."""
        return self.positions


def mesh_nodes(extent: Sequence[float], nodes: int = 21) -> np.ndarray:
    """A ``(nodes, nodes, 2)`` lattice over ``(xmin, xmax, ymin, ymax)``: ``[i, j]`` is
    ``(x_j, y_i)``."""
    xmin, xmax, ymin, ymax = map(float, extent)
    xs, ys = np.linspace(xmin, xmax, nodes), np.linspace(ymin, ymax, nodes)
    return np.stack(np.meshgrid(xs, ys), -1)


class WarpedSurface(VGroup):
    """A translucent quad mesh, shaded by how squarely each face meets the light.

    The faces go into ``levels`` filled VMobjects by shade (faces turned away from
    the light are faint, faces turned towards it stronger), so the whole surface
    costs ``levels`` fills a frame. Every face is wound the same way as seen from
    ``light`` (the camera), so overlapping folds add up instead of cutting holes.

    Parameters
    ----------
    positions
        ``(n, m, 3)`` scene coordinates of the mesh nodes.
    light
        Unit vector towards the viewer; :meth:`set_light` changes it.
    """

    def __init__(
        self,
        positions: np.ndarray,
        color: str = "#56607a",
        opacity: tuple[float, float] = (0.05, 0.38),
        levels: int = 5,
        light: np.ndarray | None = None,
        **kwargs,
    ) -> None:
        self.opacities = np.linspace(*opacity, levels)
        layers = [
            VMobject(fill_color=color, fill_opacity=a, stroke_width=0) for a in self.opacities
        ]
        super().__init__(*layers, **kwargs)
        self.light = np.array([0.0, 0.0, 1.0]) if light is None else np.asarray(light, float)
        self.set_positions(positions)

    def set_light(self, light: np.ndarray) -> WarpedSurface:
        """Shade (and wind) the faces for a viewer along ``light``; returns self."""
        self.light = np.asarray(light, dtype=np.float64) / np.linalg.norm(light)
        return self.set_positions(self.positions)

    def set_positions(self, positions: np.ndarray) -> WarpedSurface:
        """Move the mesh nodes to ``positions`` (``(n, m, 3)``); returns self."""
        p = np.asarray(positions, dtype=np.float64)
        self.positions = p
        a, b, c, d = p[:-1, :-1], p[1:, :-1], p[1:, 1:], p[:-1, 1:]
        normal = np.cross(c - a, d - b).reshape(-1, 3)
        size = np.linalg.norm(normal, axis=1)
        facing = normal @ self.light / np.maximum(size, 1e-12)
        corners = np.stack([a, b, c, d], axis=2).reshape(-1, 4, 3)
        corners = np.where((facing < 0)[:, None, None], corners[:, ::-1], corners)
        ends = np.roll(corners, -1, axis=1)
        edges = np.stack([corners, (2 * corners + ends) / 3, (corners + 2 * ends) / 3, ends], 2)
        shade = np.minimum(
            (np.abs(facing) * len(self.opacities)).astype(int), len(self.opacities) - 1
        )
        shade[size < 1e-12] = 0  # a face squashed to a line or a point
        for level, layer in enumerate(self.submobjects):
            layer.points = edges[shade == level].reshape(-1, 3)
        return self

    def get_positions(self) -> np.ndarray:
        """The scene coordinates last set by :meth:`set_positions`."""
        return self.positions
