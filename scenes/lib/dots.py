"""Dots drawn by stamping: the point clouds' fast path through manim's Cairo camera.

A :class:`~scenes.lib.mobjects.PointCloud` is a few filled VMobjects (one per
class), each dot a circle of ``4 * segments`` bezier points. Cairo draws them
right, but manim builds every dot's path with Python calls (a new subpath, a
move, four curves, a close) and Cairo fills thousands of tiny circles: in
DisksTraining2D (12,700 dots a frame) that was two thirds of the render.

:func:`~scenes.lib.fast_paths.install_fast_paths` (an explicit call, made when a
``PointCloud`` is built) makes the camera draw a :class:`DotLayer` with numpy instead: the dots'
centres and radii are read back from their points after the camera's own
projection (so a 3-D camera, a moved frame and every animation that moves the
points still apply), each dot's anti-aliased coverage is stamped into the
frame, overlapping dots of one layer cover as their union does (the
maximum), and the layer's colour is laid over with Cairo's own operator
(premultiplied "over"). Any layer the stamp does not fit (a stroke, a
gradient, points that are not whole dots) goes to Cairo as before.
"""

from __future__ import annotations

import functools

import numpy as np
from manim import VMobject

__all__ = ["MAX_RADIUS", "DotLayer", "stamp_dots", "stamp_layer"]

# Device px: larger dots go to Cairo (a stamp costs its area, Cairo its outline). At 1080p
# the stamp was faster up to 8 px, Cairo from 12 px (``python -m bench draw`` times both).
MAX_RADIUS = 10.0


class DotLayer(VMobject):
    """One colour's dots: ``points_per_dot`` bezier points each, centred on their mean."""

    def __init__(self, points_per_dot: int = 16, **kwargs) -> None:
        super().__init__(**kwargs)
        self.points_per_dot = int(points_per_dot)


SUBPIXEL = 8  # a dot's centre is placed to 1/8 pixel
RADIUS_STEPS = 32  # its radius to 1/32 pixel (one stamp per radius)
AREA_SAMPLES = 16  # per pixel and axis, for the coverage of the stamps


@functools.lru_cache(maxsize=512)
def _sprites(radius_steps: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Coverage of a disc of radius ``radius_steps / RADIUS_STEPS`` px at each sub-pixel offset.

    Returns ``(cover, dy, dx)``: ``cover[qy, qx]`` is ``(K,)``, the share of each of
    the K pixels ``(dy, dx)`` (relative to the pixel holding the centre) that the
    disc covers, for a centre ``(qx + 1/2) / SUBPIXEL`` px right of and
    ``(qy + 1/2) / SUBPIXEL`` px below that pixel's top-left corner: the area, as
    Cairo computes it, from 16 x 16 samples per pixel, scaled to the disc's area.
    """
    radius = radius_steps / RADIUS_STEPS
    reach = int(np.ceil(radius + 0.5))
    grid = np.arange(-reach, reach + 1)
    samples = (np.arange(AREA_SAMPLES) + 0.5) / AREA_SAMPLES
    offsets = (np.arange(SUBPIXEL) + 0.5) / SUBPIXEL  # the centre within its pixel
    # (offset, pixel, sample): where each sample lies relative to the centre, one axis
    d = grid[None, :, None] + samples[None, None, :] - offsets[:, None, None]
    inside = (
        d[:, None, :, None, :, None] ** 2 + d[None, :, None, :, None, :] ** 2 <= radius**2
    )  # (qy, qx, y, x, sy, sx)
    cover = inside.mean(axis=(4, 5))
    cover *= np.pi * radius**2 / cover.sum(axis=(2, 3), keepdims=True)  # sampling's error
    np.clip(cover, 0.0, 1.0, out=cover)
    reached = (cover > 0).any(axis=(0, 1))  # (side, side)
    dy, dx = np.nonzero(reached)
    return cover[:, :, dy, dx].astype(np.float32), grid[dy], grid[dx]


@functools.lru_cache(maxsize=1024)
def _reach(radius_steps: int) -> int:
    """Whole pixels from the centre's pixel to the farthest one the disc ever covers."""
    _, dy, dx = _sprites(radius_steps)
    return int(max(np.abs(dy).max(), np.abs(dx).max())) if len(dy) else 0


@functools.lru_cache(maxsize=1024)
def _square_sprite(radius_steps: int, reach: int) -> np.ndarray:
    """:func:`_sprites` over the whole square of pixels ``[-reach, reach]`` around the centre,
    rows first: ``(SUBPIXEL, SUBPIXEL, (2 * reach + 1) ** 2)``, zero where the disc is not."""
    cover, dy, dx = _sprites(radius_steps)
    side = 2 * reach + 1
    square = np.zeros((SUBPIXEL, SUBPIXEL, side * side), np.float32)
    square[:, :, (dy + reach) * side + (dx + reach)] = cover
    return square


@functools.lru_cache(maxsize=2)
def _scratch(size: int) -> np.ndarray:
    """A float32 frame of zeros, kept between frames (a new one each frame costs its pages)."""
    return np.zeros(size, np.float32)


def stamp_dots(
    surface_pixels: np.ndarray,
    centres: np.ndarray,
    radii: np.ndarray,
    rgba: np.ndarray,
) -> None:
    """Lay anti-aliased discs of one colour over premultiplied RGBA pixels, in place.

    ``centres`` ``(N, 2)`` and ``radii`` ``(N,)`` are in device pixels (pixel
    ``(i, j)`` spans ``[i, i+1] x [j, j+1]``); ``rgba`` is the colour, each
    channel in ``[0, 1]``. Coverage by one disc: see :func:`_sprites`; by several
    overlapping discs, the largest of theirs (the union, as Cairo fills one path).
    Work grows with the number of dots, not with the frame.
    """
    if not surface_pixels.flags.c_contiguous:
        raise ValueError("stamp_dots draws into C-contiguous (height, width, 4) pixels only")
    height, width = surface_pixels.shape[:2]
    ok = np.isfinite(centres).all(axis=1) & np.isfinite(radii)
    steps = np.rint(np.where(ok, radii, 0.0) * RADIUS_STEPS)
    sub = np.floor(np.where(ok[:, None], centres, -1e9) * SUBPIXEL) / SUBPIXEL
    reach = steps / RADIUS_STEPS + 1.5
    on = (
        (steps > 0) & (sub[:, 0] + reach >= 0) & (sub[:, 0] - reach < width)
        & (sub[:, 1] + reach >= 0) & (sub[:, 1] - reach < height)
    )  # fmt: skip
    if not on.any() or rgba[3] <= 0:
        return
    # A stamp's radius is rounded; its ink is scaled back to the dot's area.
    ink = (radii[on] * RADIUS_STEPS / steps[on]) ** 2
    steps = steps[on].astype(np.int64)
    sub = (sub[on] * SUBPIXEL).astype(np.int64)
    pixel, frac = np.divmod(sub, SUBPIXEL)  # (N, 2) each
    # Every stamp's pixels inside the frame, as (index into the frame, coverage): the dots
    # of each reach (whole pixels around the centre) at once, over the square of that reach.
    if steps.min() == steps.max():  # one size (the usual case): no sorting
        sizes, size_of = steps[:1], np.zeros(len(steps), np.int64)
    else:
        sizes, size_of = np.unique(steps, return_inverse=True)
    reaches = np.array([_reach(int(size)) for size in sizes])
    places, covers = [], []
    for reach in np.unique(reaches):
        ours = np.flatnonzero(reaches == reach)  # this reach's sizes, as rows of the table
        group = reaches[size_of] == reach if len(ours) < len(sizes) else slice(None)
        table = np.stack([_square_sprite(int(sizes[k]), int(reach)) for k in ours])
        row = np.searchsorted(ours, size_of[group])
        py, px = pixel[group, 1], pixel[group, 0]
        stamp = table[row, frac[group, 1], frac[group, 0]]
        stamp *= ink[group, None].astype(np.float32)
        side = np.arange(-reach, reach + 1)
        place = (py * width + px)[:, None] + (side[:, None] * width + side).ravel()  # (n, K)
        keep = stamp > 0
        if not ((px >= reach) & (px < width - reach) & (py >= reach) & (py < height - reach)).all():
            y = py[:, None] + np.repeat(side, len(side))  # some stamp crosses an edge
            x = px[:, None] + np.tile(side, len(side))
            keep &= (x >= 0) & (x < width) & (y >= 0) & (y < height)
        places.append(place[keep])
        covers.append(np.minimum(stamp[keep], 1))
    place, cover = np.concatenate(places), np.concatenate(covers)
    if len(place) == 0:
        return
    # The union of overlapping discs: each pixel takes its largest coverage. The scratch
    # frame is all zeros between calls: only the pixels stamped here are touched and reset.
    union = _scratch(height * width)
    np.maximum.at(union, place, cover)
    alpha = union[place] * np.float32(rgba[3])  # repeated pixels get the same value
    union[place] = 0.0
    # A pixel's four bytes as one 32-bit word: one gather and one scatter, not four.
    words = surface_pixels.reshape(-1).view(np.uint32)
    source = np.float32(255.0) * np.array([*rgba[:3], 1.0], dtype=np.float32)
    # Flat, four channels a pixel: numpy is slow on rows of 4 (the same numbers, in order).
    below = words[place].view(np.uint8).astype(np.float32)
    weight = np.repeat(alpha, 4)
    below *= 1.0 - weight
    weight *= np.tile(source, len(alpha))
    below += weight
    below += np.float32(0.5)
    words[place] = below.astype(np.uint8).view(np.uint32)


def stamp_layer(camera, layer: DotLayer, ctx) -> bool:
    """Stamp ``layer`` into the context's surface; False if Cairo should draw it instead."""
    per = layer.points_per_dot
    points = layer.points
    if len(points) == 0:
        return True
    if per <= 0 or len(points) % per or layer.get_stroke_width() > 0:
        return False
    if layer.get_background_image() is not None:
        return False
    rgbas = camera.get_fill_rgbas(layer)
    if len(rgbas) != 1:
        return False
    half = per // 2
    if half % 4 == 0:  # an even number of arcs: anchor ``half`` is opposite the first
        ends = np.stack([points[::per], points[half::per]], axis=1).reshape(-1, 3)
    else:
        ends = points
    shown = camera.transform_points_pre_display(layer, ends)[:, :2]
    if not np.isfinite(shown).all():
        return False  # Cairo's path draws what manim does with non-finite points
    xx, yx, xy, yy, x0, y0 = ctx.get_matrix()
    device = np.empty_like(shown)
    device[:, 0] = xx * shown[:, 0] + xy * shown[:, 1] + x0
    device[:, 1] = yx * shown[:, 0] + yy * shown[:, 1] + y0
    if half % 4 == 0:
        first, opposite = device[0::2], device[1::2]
        centres = 0.5 * (first + opposite)
        radii = 0.5 * np.hypot(*(first - opposite).T)
    else:
        dots = device.reshape(-1, per, 2)
        centres = dots.mean(axis=1)
        radii = np.hypot(*(dots[:, 0] - centres).T)  # the first anchor lies on the circle
    if len(radii) and radii.max() > MAX_RADIUS:
        return False  # a dot zoomed up large: Cairo's path is the better drawing
    surface = ctx.get_target()
    surface.flush()
    height, width, stride = surface.get_height(), surface.get_width(), surface.get_stride()
    if stride != 4 * width:
        return False
    pixels = np.ndarray((height, width, 4), np.uint8, surface.get_data())
    # manim hands Cairo its colours as (b, g, r): in memory the frame is RGBA, premultiplied.
    stamp_dots(pixels, centres, radii, np.asarray(rgbas[0], dtype=np.float64))
    surface.mark_dirty()
    return True
