"""Decision boundaries: class maps as images, the two-class line and plane, shaded sides."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from manim import ImageMobject, Line, ManimColor, VGroup, VMobject

from model.states import States
from scenes.lib.images import image_mobject
from scenes.lib.network_view import NetworkView

__all__ = [
    "box_plane_polygon",
    "class_image",
    "decision_line",
    "decision_regions",
    "half_planes",
    "output_plane",
    "output_regions",
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


def decision_regions(
    view: NetworkView,
    box: tuple[float, float, float, float],
    resolution: int = 200,
    opacity: float = 0.25,
) -> ImageMobject:
    """Shade a 2-D last hidden space by the output layer's predicted class.

    ``box`` is ``(xmin, xmax, ymin, ymax)`` in *scene* coordinates; the image
    covers it and is computed through the view's current viewport.
    """
    xmin, xmax, ymin, ymax = box
    aspect = (ymax - ymin) / (xmax - xmin)
    nx, ny = resolution, max(2, round(resolution * aspect))
    xs, ys = np.meshgrid(np.linspace(xmin, xmax, nx), np.linspace(ymin, ymax, ny))
    scene_pts = np.stack([xs, ys, np.zeros_like(xs)], -1)
    hidden = view.viewport.to_data(scene_pts)
    classes = view.output_logits(hidden).argmax(-1)
    image = class_image(classes, view.pal.classes, opacity=opacity)
    image.stretch_to_fit_width(xmax - xmin).stretch_to_fit_height(ymax - ymin)
    return image.move_to([(xmin + xmax) / 2, (ymin + ymax) / 2, 0])


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
) -> ImageMobject:
    """Shade a 2-D *output* space (``box``, scene coordinates) by which score is larger."""
    xmin, xmax, ymin, ymax = box
    n = 160
    xs, ys = np.meshgrid(np.linspace(xmin, xmax, n), np.linspace(ymin, ymax, n))
    scores = view.viewport.to_data(np.stack([xs, ys, np.zeros_like(xs)], -1))[..., :2]
    image = class_image(scores.argmax(-1), view.pal.classes, opacity=opacity)
    image.stretch_to_fit_width(xmax - xmin).stretch_to_fit_height(ymax - ymin)
    return image.move_to([(xmin + xmax) / 2, (ymin + ymax) / 2, 0])


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
