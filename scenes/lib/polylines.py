"""Straight strokes drawn as line segments: the warped grids' fast path through manim's camera.

A :class:`~scenes.lib.mobjects.WarpedGrid` is thousands of straight segments,
each stored as a cubic bezier curve whose handles lie on the segment (manim has
only curves). manim hands Cairo every one of them as a curve, one Python call
each, and Cairo flattens each curve again before it strokes it: in
SpiralsStretching at 1080p that was a third of the drawing.

:func:`draw_polylines` builds the same path from the anchors alone (a move, then
one line per segment, closed where manim closes it) and then fills and strokes
it with the camera's own calls, so colours, widths, joins, a 3-D camera's
shading and every animation of the points still apply. A mobject whose curves
are not straight (a handle off its segment, or past its ends) is left to manim.
"""

from __future__ import annotations

import numpy as np
from manim import VMobject

__all__ = ["STRAIGHT_TOLERANCE", "draw_polylines", "straight_curves"]

STRAIGHT_TOLERANCE = 1e-3  # device px: a handle this far off its segment still counts as on it


def straight_curves(curves: np.ndarray, tolerance: float) -> bool:
    """True if every cubic in ``curves`` ``(n, 4, 2)`` is the straight segment between its anchors.

    A handle must lie within ``tolerance`` of the segment through the anchors,
    and between them, so the curve neither bends nor runs past its ends.
    """
    start, end = curves[:, 0], curves[:, 3]
    chord = end - start  # (n, 2)
    length2 = np.einsum("ij,ij->i", chord, chord)
    handles = curves[:, 1:3] - start[:, None]  # (n, 2, 2)
    along = np.einsum("ikj,ij->ik", handles, chord)  # (n, 2): projection times |chord|
    across = handles[..., 0] * chord[:, None, 1] - handles[..., 1] * chord[:, None, 0]
    slack = tolerance * np.sqrt(length2)[:, None]
    on_line = np.abs(across) <= slack
    between = (along >= -slack) & (along <= length2[:, None] + slack)
    # A segment shorter than the tolerance: its handles need only lie near its start.
    tiny = length2 <= tolerance**2
    near = np.abs(handles).max(axis=(1, 2)) <= 2 * tolerance
    return bool(np.all(np.where(tiny, near, (on_line & between).all(axis=1))))


def draw_polylines(camera, vmobject: VMobject, ctx) -> bool:
    """Draw ``vmobject`` as line segments; False (nothing drawn) if its curves are not straight."""
    points = camera.transform_points_pre_display(vmobject, vmobject.points)
    per = vmobject.n_points_per_cubic_curve
    if len(points) == 0 or len(points) % per or not np.isfinite(points).all():
        return False
    xy = points[:, :2]
    scale = float(np.hypot(*ctx.user_to_device_distance(1.0, 0.0)))  # px per scene unit
    if not straight_curves(xy.reshape(-1, per, 2), STRAIGHT_TOLERANCE / max(scale, 1e-12)):
        return False
    ctx.new_path()
    move_to, line_to, close_path = ctx.move_to, ctx.line_to, ctx.close_path
    # Two flat lists of floats: a list per point would wake the garbage collector.
    xs, ys = xy[:, 0].tolist(), xy[:, 1].tolist()
    for start, end in vmobject.get_subpath_split_indices_from_points(points, n_dims=2):
        start, end = int(start), int(end)
        if end - start < per:
            continue
        ctx.new_sub_path()
        move_to(xs[start], ys[start])
        ends = slice(start + per - 1, end, per)  # each curve's end anchor
        for x, y in zip(xs[ends], ys[ends], strict=True):
            line_to(x, y)
        if vmobject.consider_points_equals_2d(points[start], points[end - 1]):
            close_path()
    camera.apply_stroke(ctx, vmobject, background=True)
    camera.apply_fill(ctx, vmobject)
    camera.apply_stroke(ctx, vmobject)
    return True
