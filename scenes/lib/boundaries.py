"""Decision boundaries: smooth class regions (contours of the scores), lines, planes, sides.

Regions are drawn as filled polygons traced by ``contourpy`` along the level 0
of each class's margin (its score minus the best other score), linearly
interpolated between lattice nodes: a boundary is a smooth line, not the
staircase of a resampled class image.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import contourpy
import numpy as np
from manim import ImageMobject, Line, ManimColor, Polygon, VGroup, VMobject

from model.stages import logits
from model.states import States
from scenes.lib.images import image_mobject
from scenes.lib.mobjects import PointCloud
from scenes.lib.network_view import NetworkView
from scenes.lib.viewport import TiltedViewport, Viewport

__all__ = [
    "box_plane_polygon",
    "class_image",
    "class_regions",
    "decision_line",
    "decision_regions",
    "half_planes",
    "input_regions",
    "lattice",
    "output_plane",
    "output_regions",
    "plane_grid",
    "regions_in_view",
]


def class_image(
    classes: np.ndarray,
    colors: Sequence[str],
    opacity: float = 0.35,
    resampling: str = "bilinear",
) -> ImageMobject:
    """An RGBA image of a class map: row 0 is the *lowest* y, as in ``grid_pred``.

    Size and place it with ``stretch_to_fit_width/height`` and ``move_to``.
    """
    rgb = np.array([ManimColor(c).to_int_rgb() for c in colors], dtype=np.uint8)
    cls = np.asarray(classes, dtype=int)[::-1]  # image rows run downwards
    rgba = np.empty((*cls.shape, 4), dtype=np.uint8)
    rgba[..., :3] = rgb[cls % len(rgb)]
    rgba[..., 3] = round(255 * opacity)
    return image_mobject(rgba, resampling=resampling)


def lattice(
    box: tuple[float, float, float, float], resolution: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``xs (nx,)``, ``ys (ny,)`` and the ``(ny, nx, 3)`` scene points of a lattice over ``box``.

    ``resolution`` nodes along the longer side; row 0 is the lowest ``y``.
    """
    xmin, xmax, ymin, ymax = box
    long = max(xmax - xmin, ymax - ymin)
    nx = max(2, round(resolution * (xmax - xmin) / long))
    ny = max(2, round(resolution * (ymax - ymin) / long))
    xs, ys = np.linspace(xmin, xmax, nx), np.linspace(ymin, ymax, ny)
    gx, gy = np.meshgrid(xs, ys)
    return xs, ys, np.stack([gx, gy, np.zeros_like(gx)], -1)


def _add_rings(mob: VMobject, points: Sequence[np.ndarray], offsets: Sequence[np.ndarray]) -> None:
    """Append contourpy's ``OuterOffset`` polygons (outer ring and holes) as closed subpaths."""
    for pts, offs in zip(points, offsets, strict=True):
        for a, b in itertools.pairwise(offs):
            ring = np.pad(np.asarray(pts[a:b], dtype=np.float64), ((0, 0), (0, 1)))
            if len(ring) < 3:
                continue
            mob.start_new_path(ring[0])
            mob.add_points_as_corners(ring[1:])
            if not np.allclose(ring[-1], ring[0]):
                mob.add_line_to(ring[0])


def class_regions(
    scores: np.ndarray,
    xs: np.ndarray,
    ys: np.ndarray,
    colors: Sequence[str],
    opacity: float = 0.28,
    edge_color: str | None = None,
    edge_width: float = 2.0,
) -> VGroup:
    """Smooth decision regions from scores on a lattice, as one filled polygon per class.

    ``scores`` is ``(ny, nx, K)`` over the scene points ``xs`` x ``ys`` (row 0 the
    lowest ``y``); child ``k`` fills where class ``k`` scores highest, in
    ``colors[k]``. With ``edge_color`` a last child strokes the boundaries. The
    polygons follow the level 0 of each class's margin, interpolated between
    nodes, so a few dozen nodes a side draw a smooth boundary (a linear output
    layer's regions, which are convex, are traced exactly).
    """
    s = np.asarray(scores, dtype=np.float64)
    group, edges = VGroup(), VMobject(stroke_color=edge_color or "#ffffff", stroke_width=edge_width)
    for k in range(s.shape[-1]):
        margin = s[..., k] - np.delete(s, k, axis=-1).max(-1)  # > 0 where class k wins
        poly = VMobject(fill_color=colors[k % len(colors)], fill_opacity=opacity, stroke_width=0)
        top = float(margin.max())
        if top > 0:
            gen = contourpy.contour_generator(xs, ys, margin, fill_type="OuterOffset",
                                              line_type="Separate")  # fmt: skip
            # (where three regions meet, interpolation leaves a gap of about a cell: a
            # lattice of ~100 nodes a side keeps it under a pixel or two)
            _add_rings(poly, *gen.filled(0.0, top + 1.0))
            for line in gen.lines(0.0) if edge_color else ():
                if len(line) >= 2:
                    edges.start_new_path([*line[0], 0.0])
                    edges.add_points_as_corners(np.pad(line[1:], ((0, 0), (0, 1))))
        group.add(poly)
    if edge_color:
        group.add(edges.set_stroke(opacity=0.8))
    return group


def input_regions(
    states: States,
    snapshot: int,
    viewport: Viewport,
    box: tuple[float, float, float, float],
    colors: Sequence[str],
    resolution: int = 128,
    opacity: float = 0.28,
    edge_color: str | None = None,
) -> VGroup:
    """A 2-D input network's decision regions over ``box`` (data coordinates), smooth at 1080p.

    The scores come from the snapshot's weights through :func:`model.stages.logits`
    on a ``resolution``-node lattice: with 128 nodes over a 700-px plot the traced
    boundary keeps within half a pixel of the network's own (a 96-cell class map
    stretched over it: 2.5 px off, in stairs; ``tests/scenes/test_smooth_regions.py``).
    Child ``k`` is class ``k``'s region (see :func:`class_regions`).
    """
    xs, ys, data = lattice(box, resolution)
    scores = logits(data[..., :2].reshape(-1, 2), states.weights(snapshot),
                    states.biases(snapshot), states.activations)  # fmt: skip
    center, scale = np.asarray(viewport.center, dtype=np.float64), float(viewport.scale)
    return class_regions(scores.reshape(len(ys), len(xs), -1), center[0] + scale * xs,
                         center[1] + scale * ys, colors, opacity, edge_color)  # fmt: skip


def decision_regions(
    view: NetworkView,
    box: tuple[float, float, float, float],
    resolution: int = 96,
    opacity: float = 0.25,
    edge_color: str | None = None,
) -> VGroup:
    """The output layer's regions (K classes) in a flat 2-D last hidden space, over ``box``.

    ``box`` is ``(xmin, xmax, ymin, ymax)`` in *scene* coordinates; the scores
    come from the view's current viewport. Child ``k`` is class ``k``'s region
    (see :func:`class_regions`).
    """
    xs, ys, scene_pts = lattice(box, resolution)
    scores = view.output_logits(view.viewport.to_data(scene_pts))
    return class_regions(scores, xs, ys, view.pal.classes, opacity, edge_color)


def half_planes(
    line: Line, box: tuple[float, float, float, float], colors: Sequence[str], opacity: float = 0.25
) -> VGroup:
    """The two sides of a :func:`decision_line` as filled polygons clipped to ``box``.

    Child ``k`` is class ``k``'s side in ``colors[k]``. Much cheaper to draw at 1080p
    than an image (two polygons instead of a resampled full-frame bitmap).
    """
    xmin, xmax, ymin, ymax = box
    corners = np.array([[xmin, ymin], [xmax, ymin], [xmax, ymax], [xmin, ymax]])
    n, k = np.asarray(line.normal_scene), float(line.offset_scene)
    sides = VGroup()
    for cls, sign in ((0, -1.0), (1, 1.0)):
        kept = []  # Sutherland-Hodgman: clip the box by sign * (n . p + k) >= 0
        for i in range(4):
            p, q = corners[i], corners[(i + 1) % 4]
            fp, fq = sign * (n @ p + k), sign * (n @ q + k)
            if fp >= 0:
                kept.append(p)
            if fp * fq < 0:
                kept.append(p + (q - p) * fp / (fp - fq))
        poly = VMobject(fill_color=colors[cls], fill_opacity=opacity, stroke_width=0)
        if len(kept) >= 3:
            poly.set_points_as_corners([[*v, 0.0] for v in [*kept, kept[0]]])
        sides.add(poly)
    return sides


def decision_line(
    view: NetworkView,
    box: tuple[float, float, float, float],
    color: str | None = None,
    stroke_width: float = 4.0,
) -> Line | None:
    """The two-class decision line ``logit_1 = logit_0`` in the (2-D) last hidden space.

    Clipped to ``box`` (scene coordinates); ``None`` if it misses the box or the
    output has more than two classes.
    """
    if view.states.n_classes != 2:
        return None
    last = view.states.n_layers - 1
    w = view.states.weights(view.snapshot)[last]
    b = view.states.biases(view.snapshot)[last]
    normal, offset = w[1] - w[0], b[1] - b[0]  # normal . h + offset = 0
    # in scene coordinates: h = (p - c) / s
    c, s = view.viewport.center[:2], view.viewport.scale
    n_scene = normal[:2] / s
    k = offset - n_scene @ c
    xmin, xmax, ymin, ymax = box
    hits = []
    for x in (xmin, xmax):
        if abs(n_scene[1]) > 1e-12:
            y = -(k + n_scene[0] * x) / n_scene[1]
            if ymin - 1e-9 <= y <= ymax + 1e-9:
                hits.append((x, y))
    for y in (ymin, ymax):
        if abs(n_scene[0]) > 1e-12:
            x = -(k + n_scene[1] * y) / n_scene[0]
            if xmin - 1e-9 <= x <= xmax + 1e-9:
                hits.append((x, y))
    if len(hits) < 2:
        return None
    hits = np.array(hits)
    far = np.argmax(np.linalg.norm(hits - hits[0], axis=1))
    p, q = hits[0], hits[far]
    line = Line([*p, 0], [*q, 0], color=color or view.pal.accent, stroke_width=stroke_width)
    line.normal_scene = n_scene  # (2,) class 1 lies where normal . p + k > 0
    line.offset_scene = k
    return line


def output_regions(
    view: NetworkView, box: tuple[float, float, float, float], opacity: float = 0.22
) -> VGroup:
    """Shade a 2-D *output* space (``box``, scene coordinates) by which score is larger."""
    xs, ys, scene_pts = lattice(box, 64)
    scores = view.viewport.to_data(scene_pts)[..., :2]
    return class_regions(scores, xs, ys, view.pal.classes, opacity)


def output_plane(states: States, snapshot: int = -1) -> tuple[np.ndarray, float]:
    """The two-class output layer as a plane in the last hidden space: ``(w, c)``.

    Class 0 wins where ``w . h + c > 0`` (``w = W[0] - W[1]``, ``c = b[0] - b[1]``).
    """
    last = states.n_layers - 1
    weights, biases = states.weights(snapshot)[last], states.biases(snapshot)[last]
    return weights[0] - weights[1], float(biases[0] - biases[1])


def box_plane_polygon(
    normal: np.ndarray, point: np.ndarray, lo: np.ndarray, hi: np.ndarray
) -> np.ndarray:
    """Corners of the plane through ``point`` with ``normal`` clipped to the box ``[lo, hi]``.

    Returns ``(n, 3)`` corners in order around the polygon (``n`` is 0 or 3 to 6).
    """
    n = np.asarray(normal, dtype=np.float64)
    n = n / np.linalg.norm(n)
    corners = np.array([[x, y, z] for x in (lo[0], hi[0]) for y in (lo[1], hi[1])
                        for z in (lo[2], hi[2])])  # fmt: skip
    f = (corners - point) @ n  # signed distance of each corner
    hits = []
    for i in range(8):
        for j in range(i + 1, 8):
            if np.sum(corners[i] != corners[j]) == 1 and f[i] * f[j] < 0:  # an edge it crosses
                hits.append(corners[i] + (corners[j] - corners[i]) * f[i] / (f[i] - f[j]))
    if len(hits) < 3:
        return np.zeros((0, 3))
    hits = np.array(hits)
    mid = hits.mean(0)
    u = hits[0] - mid
    u /= np.linalg.norm(u)
    v = np.cross(n, u)
    angle = np.arctan2((hits - mid) @ v, (hits - mid) @ u)
    return hits[np.argsort(angle)]


def regions_in_view(
    view: NetworkView,
    box: tuple[float, float, float, float],
    opacity: float = 0.28,
    volume_nodes: int = 9,
) -> VGroup | None:
    """The output layer's decision regions where the view's points are (its current stage).

    The view must show the last hidden space. Flat 2-D: smooth filled regions of
    the K classes over ``box`` (scene coordinates) with their boundaries drawn.
    A plane seen obliquely (a :class:`TiltedViewport`) gets the same regions,
    tilted. 3-D seen obliquely: two classes get their separating plane clipped
    to the points' box, translucent with its outline; more classes get a faint
    lattice of dots through the box, each in the colour of the class the output
    layer picks there. ``None`` when the space is wider
    than 3-D (the view is a projection, where the output layer cannot be drawn).
    """
    states, stage, pal = view.states, view.stage, view.pal
    if states.is_projected(stage):
        return None
    if not isinstance(view.viewport, TiltedViewport):
        return decision_regions(view, box, opacity=opacity, edge_color=pal.ink)
    data = np.asarray(view.positions(stage), dtype=np.float64)  # (P, 3)
    lo, hi = data.min(0), data.max(0)
    pad = 0.08 * np.maximum(hi - lo, 1e-6)
    lo, hi = lo - pad, hi + pad
    if int(states["stage_dim"][stage]) <= 2:  # a plane seen obliquely: its regions, tilted
        xs, ys = np.linspace(lo[0], hi[0], 96), np.linspace(lo[1], hi[1], 96)
        gx, gy = np.meshgrid(xs, ys)
        scores = view.output_logits(np.stack([gx, gy, np.zeros_like(gx)], -1))
        regions = class_regions(scores, xs, ys, pal.classes, opacity, edge_color=pal.ink)
        for part in regions.get_family():  # data-plane polygons -> their oblique image
            if len(part.points):
                part.points = view.viewport.to_scene(part.points)
        return regions
    if states.n_classes == 2:
        w, c = output_plane(states, view.snapshot)
        w3 = np.pad(w, (0, 3 - len(w)))
        if np.linalg.norm(w3) < 1e-12:
            return None
        point = -c / float(w3 @ w3) * w3  # on w . h + c = 0
        corners = box_plane_polygon(w3, point, lo, hi)
        if len(corners) < 3:
            return None
        plane = Polygon(*view.viewport.to_scene(corners), color=pal.ink, stroke_width=2.0,
                        fill_color=pal.accent, fill_opacity=0.5 * opacity)  # fmt: skip
        return VGroup(plane)
    axes = [np.linspace(a, b, volume_nodes) for a, b in zip(lo, hi, strict=True)]
    nodes = np.stack(np.meshgrid(*axes, indexing="ij"), -1).reshape(-1, 3)
    guess = view.output_logits(nodes).argmax(-1)
    cloud = PointCloud(view.viewport.to_scene(nodes), guess, pal.classes[: states.n_classes],
                       radius=0.03, opacity=opacity)  # fmt: skip
    return VGroup(cloud)


def plane_grid(corners: np.ndarray, normal: np.ndarray, lines: int = 7) -> np.ndarray:
    """Segments ``(n, 2, 3)`` of a grid drawn on a convex plane polygon (its ``corners``).

    ``lines`` evenly spaced lines each way, along two directions in the plane,
    clipped to the polygon: drawn on a translucent plane they make it read as a
    surface in 3-D (the lines foreshorten with the tilt).
    """
    p = np.asarray(corners, dtype=np.float64)
    n = np.asarray(normal, dtype=np.float64) / np.linalg.norm(normal)
    mid = p.mean(0)
    u = p[0] - mid
    u /= np.linalg.norm(u)
    v = np.cross(n, u)
    flat = np.stack([(p - mid) @ u, (p - mid) @ v], -1)  # (m, 2) corners in the plane
    segments = []
    for axis in (0, 1):
        lo, hi = flat[:, axis].min(), flat[:, axis].max()
        for t in np.linspace(lo, hi, lines + 2)[1:-1]:
            hits = []
            for a, b in zip(flat, np.roll(flat, -1, axis=0), strict=True):
                if (a[axis] - t) * (b[axis] - t) < 0:  # this edge crosses the line
                    hits.append(a + (b - a) * (t - a[axis]) / (b[axis] - a[axis]))
            if len(hits) == 2:
                segments.append([mid + h[0] * u + h[1] * v for h in hits])
    return np.array(segments).reshape(-1, 2, 3)
