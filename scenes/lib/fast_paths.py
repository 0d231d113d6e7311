"""manim's Cairo camera with three fast paths: stamped dots, straight polylines, kept paths.

Most of a frame's drawing time goes to three kinds of mobject: point clouds
(thousands of tiny filled circles), warped grids (thousands of straight
segments stored as curves) and glyphs (hundreds of small outlines that manim
turns into a Cairo path again on every frame, though most of them have not
moved). :func:`install_fast_paths` wraps the camera's ``display_vectorized`` so
that a :class:`~scenes.lib.dots.DotLayer` is stamped
(:func:`~scenes.lib.dots.stamp_layer`), a mobject marked ``straight_segments``
is drawn as lines (:func:`~scenes.lib.polylines.draw_polylines`), and any other
mobject whose shown points are the same as on an earlier frame gets the Cairo
path built then (:class:`PathCache`). Either of the first two may decline a
mobject it does not fit; manim then draws it as before.
"""

from __future__ import annotations

from collections import OrderedDict

from scenes.lib.dots import DotLayer, stamp_layer
from scenes.lib.polylines import draw_polylines

__all__ = ["PathCache", "install_fast_paths"]


class PathCache:
    """Cairo paths of the mobjects drawn lately, by their shown points (least recently used out).

    A path is kept in user space, as manim builds it from the points the camera
    shows (after a 3-D camera's projection): the same points give the same path
    under any frame's transform. ``size`` paths are kept; glyphs of a few
    hundred points each make 4,096 paths about 20 MB.
    """

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self.paths: OrderedDict[bytes, object] = OrderedDict()
        self.hits = self.misses = 0

    def set_path(self, camera, vmobject, ctx) -> None:
        """Give ``ctx`` the path of ``vmobject``: the kept one, or manim's, built now and kept."""
        points = camera.transform_points_pre_display(vmobject, vmobject.points)
        key = b"%d %r " % (vmobject.n_points_per_cubic_curve, vmobject.tolerance_for_point_equality)
        key += points.tobytes()
        path = self.paths.get(key)
        if path is not None:
            self.hits += 1
            self.paths.move_to_end(key)
            ctx.new_path()
            ctx.append_path(path)
            return
        self.misses += 1
        camera.set_cairo_context_path(ctx, vmobject)
        self.paths[key] = ctx.copy_path()
        if len(self.paths) > self.size:
            self.paths.popitem(last=False)


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
