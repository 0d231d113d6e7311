"""Images as pixels and as mobjects: MNIST digits, a user's images, weight templates."""

from __future__ import annotations

import numpy as np
from manim import RESAMPLING_ALGORITHMS, ImageMobject, ManimColor, Rectangle, VGroup, VMobject

from model.states import States
from scenes.lib.compat import install_compat
from scenes.lib.palette import Palette

__all__ = [
    "SIDE",
    "digit_rgba",
    "digit_squares",
    "digit_tile",
    "image_mobject",
    "image_shape",
    "input_values",
    "rgb_array",
    "standardizing",
    "template_rgba",
]

SIDE = 28  # MNIST images are 28 x 28, stored row by row


def rgb_array(color: str) -> np.ndarray:
    """A colour as ``(3,)`` float RGB in 0..255."""
    return np.array(ManimColor(color).to_int_rgb(), dtype=np.float64)


def digit_rgba(pixels: np.ndarray, pal: Palette, border: str | None = None) -> np.ndarray:
    """A digit (784 values in 0..1, row-major as MNIST stores it) as an opaque RGBA tile.

    Ink is ``pal.ink`` on ``pal.background``, so the digit reads in either
    theme; a one-pixel frame in ``border`` (default ``pal.muted``) makes the
    tile ``(30, 30, 4)`` uint8. Row 0 is the top of the digit.
    """
    ink = np.clip(np.asarray(pixels, dtype=np.float64).reshape(SIDE, SIDE), 0.0, 1.0)
    bg, fg = rgb_array(pal.background), rgb_array(pal.ink)
    tile = np.empty((SIDE + 2, SIDE + 2, 4), dtype=np.uint8)
    tile[..., :3] = rgb_array(border or pal.muted).round().astype(np.uint8)
    tile[1:-1, 1:-1, :3] = (bg + ink[..., None] * (fg - bg)).round().astype(np.uint8)
    tile[..., 3] = 255
    return tile


def image_mobject(
    rgba: np.ndarray, height: float | None = None, resampling: str = "nearest"
) -> ImageMobject:
    """An ``(H, W, 4)`` uint8 array as an ImageMobject (``height`` scene units tall if given).

    ``resampling`` is manim's name (``nearest`` keeps pixels sharp, ``bilinear`` smooths).
    """
    install_compat()  # this manim draws images through a Pillow call new Pillow refuses
    image = ImageMobject(rgba)
    image.set_resampling_algorithm(RESAMPLING_ALGORITHMS[resampling])
    if height is not None:
        image.height = height
    return image


def digit_tile(
    pixels: np.ndarray, pal: Palette, border: str | None = None, height: float = 0.6
) -> ImageMobject:
    """:func:`digit_rgba` as an ImageMobject ``height`` scene units tall."""
    tile = image_mobject(digit_rgba(pixels, pal, border), height)
    tile.digit_tile = True  # what a layout check keeps clear of texts
    return tile


def square_paths(x: np.ndarray, y: np.ndarray, side: float) -> np.ndarray:
    """Axis-aligned squares centred at ``(x, y)`` as cubic bezier subpaths: ``(16 n, 3)``."""
    h = side / 2
    corners = np.array([[-h, -h], [h, -h], [h, h], [-h, h], [-h, -h]])  # (5, 2), closed
    t = np.array([0.0, 1 / 3, 2 / 3, 1.0])[:, None]
    edges = np.stack([(1 - t) * corners[i] + t * corners[i + 1] for i in range(4)])  # (4, 4, 2)
    pts = np.zeros((len(x), 16, 3))
    pts[..., :2] = np.stack([x, y], -1)[:, None, :] + edges.reshape(16, 2)
    return pts.reshape(-1, 3)


def digit_squares(
    pixels: np.ndarray,
    pal: Palette,
    border: str | None = None,
    height: float = 0.6,
    levels: int = 6,
    shape: tuple[int, int, int] = (SIDE, SIDE, 1),
) -> VGroup:
    """A digit as vector squares, grey levels quantised: the same picture as :func:`digit_tile`.

    Cairo composites every ImageMobject through a full-frame canvas (about
    11 ms a frame each at 1080p), which is too slow for tiles that move in
    every frame of a 3-D scene; a handful of filled VMobjects costs almost
    nothing. Child 0 is the framed background square, then one VMobject per
    grey level (per colour for a colour image).

    ``shape`` ``(height, width, channels)`` reads any image in 0..1, row by row:
    grey (1 channel) as ink on the background, colour (3) in its own colours,
    each channel quantised to ``levels`` steps.
    """
    rows_n, cols_n, channels = shape
    values = np.clip(np.asarray(pixels, dtype=np.float64).reshape(rows_n, cols_n, channels), 0, 1)
    level = np.ceil(values * levels - 1e-9).astype(int)  # (h, w, c), 0 = no ink
    side = height / (max(rows_n, cols_n) + 2)  # one pixel; the frame takes one on each side
    bg, fg = rgb_array(pal.background), rgb_array(pal.ink)
    tile = VGroup(
        Rectangle(width=side * (cols_n + 2), height=side * (rows_n + 2),
                  stroke_color=border or pal.muted, stroke_width=2.5,
                  fill_color=pal.background, fill_opacity=1)
    )  # fmt: skip
    if channels == 1:
        codes = level[..., 0]
        shades = {k: (bg + (k / levels) * (fg - bg)) / 255.0 for k in range(1, levels + 1)}
    else:  # one code per quantised colour; black stays the background's frame of reference
        codes = (level[..., 0] * (levels + 1) + level[..., 1]) * (levels + 1) + level[..., 2]
        shades = {
            int(k): np.array([k // (levels + 1) ** 2, k // (levels + 1) % (levels + 1),
                              k % (levels + 1)]) / levels
            for k in np.unique(codes)
        }  # fmt: skip
    for k, shade in shades.items():
        rows, cols = np.nonzero(codes == k)
        if not len(rows):
            continue
        squares = VMobject(fill_color=ManimColor.from_rgb(tuple(shade)), fill_opacity=1,
                           stroke_width=0)  # fmt: skip
        # 3% larger than a pixel, so neighbouring squares leave no hairline seams
        x = (cols - (cols_n - 1) / 2) * side
        y = ((rows_n - 1) / 2 - rows) * side
        squares.points = square_paths(x, y, 1.03 * side)
        tile.add(squares)
    tile.digit_tile = True  # what a layout check keeps clear of texts
    return tile


def template_rgba(weights: np.ndarray, pal: Palette) -> np.ndarray:
    """One output neuron's 784 weights rolled into 28 x 28, on a diverging colour map.

    Scaled per image by its largest absolute weight: 0 is the background,
    positive weights go to ``pal.classes[1]`` (warm), negative ones to
    ``pal.classes[0]`` (cool), full colour at the extreme. ``(28, 28, 4)`` uint8.
    """
    w = np.asarray(weights, dtype=np.float64).reshape(SIDE, SIDE)
    v = w / max(float(np.abs(w).max()), 1e-12)  # (28, 28) in -1..1
    bg = rgb_array(pal.background)
    warm, cool = rgb_array(pal.classes[1]), rgb_array(pal.classes[0])
    towards = np.where(v[..., None] >= 0, warm, cool)
    rgba = np.empty((SIDE, SIDE, 4), dtype=np.uint8)
    rgba[..., :3] = (bg + np.abs(v)[..., None] * (towards - bg)).round().astype(np.uint8)
    rgba[..., 3] = 255
    return rgba


def image_shape(states: States) -> tuple[int, int, int] | None:
    """``(height, width, channels)`` of a user's image inputs, from the states' meta.

    ``None`` when the inputs are not images (or the meta does not fit them).
    """
    custom = states.meta.get("custom")
    shape = custom.get("image") if isinstance(custom, dict) else None
    if (
        isinstance(shape, list)
        and len(shape) == 3
        and all(isinstance(n, int) and n > 0 for n in shape)
        and int(np.prod(shape)) == states.widths[0]
    ):
        return (shape[0], shape[1], shape[2])
    return None


def standardizing(states: States) -> tuple[np.ndarray, np.ndarray] | None:
    """The ``(mean, std)`` a ``--standardize`` run applied to its inputs (``None``: none, or
    a meta that does not fit the inputs)."""
    custom = states.meta.get("custom")
    scaling = custom.get("standardize") if isinstance(custom, dict) else None
    if not isinstance(scaling, dict):
        return None
    try:
        mean = np.asarray(scaling.get("mean"), dtype=np.float64)
        std = np.asarray(scaling.get("std"), dtype=np.float64)
    except (TypeError, ValueError):
        return None
    if mean.shape != std.shape or mean.shape != (states.widths[0],):
        return None
    return mean, std


def input_values(states: States) -> np.ndarray:
    """The traced inputs in the user's own units (a ``--standardize`` undone)."""
    inputs = np.asarray(states["inputs"], dtype=np.float64)
    scaling = standardizing(states)
    return inputs if scaling is None else inputs * scaling[1] + scaling[0]
