"""manim's Cairo camera with two fast paths: stamped dots and straight polylines.

Most of a frame's drawing time goes to two kinds of mobject: point clouds
(thousands of tiny filled circles) and warped grids (thousands of straight
segments stored as curves). :func:`install_fast_paths` wraps the camera's
``display_vectorized`` so that a :class:`~scenes.lib.dots.DotLayer` is stamped
(:func:`~scenes.lib.dots.stamp_layer`) and a mobject marked
``straight_segments`` is drawn as lines (:func:`~scenes.lib.polylines.draw_polylines`).
Either path may decline a mobject it does not fit; that mobject, and every other,
is drawn by manim as before.
"""

from __future__ import annotations

from scenes.lib.dots import DotLayer, stamp_layer
from scenes.lib.polylines import draw_polylines

__all__ = ["install_fast_paths"]


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
        return original(self, vmobject, ctx)

    display_vectorized.fast_paths = True
    display_vectorized.cairo = original
    Camera.display_vectorized = display_vectorized
    return True
