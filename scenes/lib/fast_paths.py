"""manim's Cairo camera with three fast paths: stamped dots, straight polylines, kept paths.

Most of a frame's drawing time goes to three kinds of mobject: point clouds
(thousands of tiny filled circles), warped grids (thousands of straight
segments stored as curves) and glyphs (hundreds of small outlines that manim
turns into a Cairo path again on every frame, though most of them have not
moved). :func:`install_fast_paths` wraps the camera's ``display_vectorized`` so
that a :class:`~scenes.lib.dots.DotLayer` is stamped
(:func:`~scenes.lib.dots.stamp_layer`), a mobject marked ``straight_segments``
is drawn as lines (:func:`~scenes.lib.polylines.draw_polylines`), and any other
mobject whose shown points have the same shape as on an earlier frame (moved or
not) gets the Cairo path built then, shifted (:class:`PathCache`). Either of the
first two may decline a mobject it does not fit; manim then draws it as before.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict

import numpy as np

from scenes.lib.dots import DotLayer, stamp_layer
from scenes.lib.polylines import draw_polylines

__all__ = ["PathCache", "build_path", "install_fast_paths"]


def _split(vmobject, flat: list, n: int, nppcc: int) -> list:
    """``[start, end)`` of each subpath of ``n`` finite points (``flat``: x0, y0, x1, ...).

    manim's rule (``get_subpath_split_indices_from_points`` with ``n_dims=2``), one
    anchor pair at a time: a glyph's few curves pay numpy's overhead per call more
    than they gain from its speed.
    """
    rtol, atol = 1.0e-5, vmobject.tolerance_for_point_equality
    starts = [0]
    for b in range(nppcc, n, nppcc):
        x0, y0, x1, y1 = flat[2 * b - 2 : 2 * b + 2]
        if abs(x0 - x1) > atol + rtol * abs(x1) or abs(y0 - y1) > atol + rtol * abs(y1):
            starts.append(b)
    starts.append(n)
    return list(itertools.pairwise(starts))


def build_path(ctx, vmobject, points) -> None:
    """The Cairo path of ``vmobject`` at its shown ``points``: manim's, call for call.

    manim's ``Camera.set_cairo_context_path`` makes the same calls with the same
    numbers, but reads each coordinate from numpy one at a time and splits the
    subpaths with numpy even for a glyph of a dozen curves. Here the coordinates
    are Python floats, read once, and small mobjects are split in Python: the
    paths a turning 3-D camera builds anew every frame cost about half as much
    (``python -m bench draw``, its path rows).
    """
    n, nppcc = len(points), vmobject.n_points_per_cubic_curve
    if n == 0:
        return
    ctx.new_path()
    flat = points[:, :2].ravel().tolist()
    if n < 256 and np.isfinite(points[:, :2]).all():
        ranges = _split(vmobject, flat, n, nppcc) if n >= nppcc else []
    else:
        ranges = vmobject.get_subpath_split_indices_from_points(points, n_dims=2).tolist()
    move_to, curve_to, new_sub_path, close_path = (
        ctx.move_to, ctx.curve_to, ctx.new_sub_path, ctx.close_path
    )  # fmt: skip
    close = vmobject.consider_points_equals_2d
    for start, end in ranges:
        if end - start < nppcc:
            continue
        new_sub_path()
        move_to(flat[2 * start], flat[2 * start + 1])
        # Curve k of the subpath: its handles and end anchor are points 4k+1 .. 4k+3.
        for b in range(2 * start + 2, 2 * end - 2 * nppcc + 3, 2 * nppcc):
            curve_to(*flat[b : b + 6])
        last = 2 * end - 2
        if close(flat[2 * start : 2 * start + 2], flat[last : last + 2]):
            close_path()


class PathCache:
    """Cairo paths of the mobjects drawn lately, by their shape (least recently used out).

    A path is kept in user space, relative to the mobject's first shown point
    (after a 3-D camera's projection), and laid down shifted to where that point
    is now: a tile or a label that only moves gets the path built on an earlier
    frame. Every path is drawn this way, built or kept, so a frame's pixels do
    not depend on what the cache held. The shape is keyed to 1e-9 scene units (so
    the rounding of a shift does not change it) and to the context's transform.
    ``size`` paths are kept; glyphs of a few hundred points each make 4,096
    paths about 20 MB.
    """

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self.paths: OrderedDict[bytes, object] = OrderedDict()
        self.hits = self.misses = 0

    def set_path(self, camera, vmobject, ctx) -> None:
        """Give ``ctx`` the path of ``vmobject``: the kept one, or manim's, built now and kept."""
        points = camera.transform_points_pre_display(vmobject, vmobject.points)[:, :2]
        origin = points[0] if np.isfinite(points[0]).all() else np.zeros(2)
        shape = np.round(points - origin, 9) + 0.0  # (+ 0.0: no negative zeros in the key)
        matrix = ctx.get_matrix()  # a path kept in user space is reused under the same one
        key = b"%d %r %r " % (
            vmobject.n_points_per_cubic_curve, vmobject.tolerance_for_point_equality, tuple(matrix)
        )  # fmt: skip
        key += shape.tobytes()
        path = self.paths.get(key)
        if path is not None:
            self.hits += 1
            self.paths.move_to_end(key)
        else:
            self.misses += 1
            build_path(ctx, vmobject, shape)
            path = self.paths[key] = ctx.copy_path()
            if len(self.paths) > self.size:
                self.paths.popitem(last=False)
        ctx.new_path()
        ctx.translate(*origin.tolist())
        ctx.append_path(path)
        ctx.set_matrix(matrix)


_CACHE = PathCache()


def install_fast_paths() -> bool:
    """Put the fast paths into manim's Cairo cameras (2-D and 3-D); idempotent.

    Wraps ``Camera.display_vectorized``; the wrapper's ``cairo`` attribute is
    manim's own drawing, for comparison. Returns True once the wrapper is in place.
    """
    from manim.camera.camera import Camera

    if getattr(Camera.display_vectorized, "fast_paths", False):
        return True
    original = Camera.display_vectorized

    def display_vectorized(self, vmobject, ctx):
        if isinstance(vmobject, DotLayer) and stamp_layer(self, vmobject, ctx):
            return self
        if getattr(vmobject, "straight_segments", False) and draw_polylines(self, vmobject, ctx):
            return self
        if len(vmobject.points) == 0:
            return original(self, vmobject, ctx)
        _CACHE.set_path(self, vmobject, ctx)
        self.apply_stroke(ctx, vmobject, background=True)
        self.apply_fill(ctx, vmobject)
        self.apply_stroke(ctx, vmobject)
        return self

    display_vectorized.fast_paths = True
    display_vectorized.cairo = original
    display_vectorized.paths = _CACHE
    Camera.display_vectorized = display_vectorized
    return True
