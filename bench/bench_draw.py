"""The camera's fast paths against manim's own drawing, one 1080p frame at a time.

Each row draws the same mobjects with manim's drawing (the wrapper's ``cairo``)
and with the fast paths (:mod:`scenes.lib.fast_paths`), and times the better of
several rounds of each, in this process:

- 300 and 3,000 dots at 4.7 px (SpiralsStretching's dots at 1080p): stamped, aim
  faster; at 12 px the stamp costs more than Cairo's outline (a row stamps them
  anyway, aim slower), so they go to Cairo (``MAX_RADIUS``), aim no slower;
- a warped grid of 34 lines of 46 vertices, bent: drawn as line segments, aim
  no slower (Cairo's stroke is most of it; the Python calls are what is saved);
- a caption's glyphs, not moved since the last frame: kept paths, aim faster;
- ten digit tiles moved a little before every frame: kept paths laid down
  shifted, aim faster;
- paths built anew, as a turning 3-D camera needs every frame (a caption's
  glyphs, a digit tile of squares, a shaded surface's layers): the fast path's
  builder against manim's ``set_cairo_context_path``, the same path, aim faster.
"""

from __future__ import annotations

import time

import numpy as np

__all__ = ["run"]

ROUNDS, REPEATS = 5, 4


def _camera():
    from manim import config
    from manim.camera.camera import Camera

    config.pixel_width, config.pixel_height = 1920, 1080
    return Camera(background_color="#0e1117")


def _best(camera, mobjects, drawing, move=None) -> float:
    """The fastest of ``ROUNDS`` rounds of ``REPEATS`` frames, in ms per frame (``move()``,
    if given, moves the mobjects before each frame, and is timed too)."""
    from manim.camera.camera import Camera

    wrapper = Camera.display_vectorized
    Camera.display_vectorized = drawing
    try:
        camera.capture_mobjects(mobjects)  # warm: sprites, kept paths
        best = np.inf
        for _ in range(ROUNDS):
            start = time.perf_counter()
            for _ in range(REPEATS):
                camera.reset()
                if move is not None:
                    move()
                camera.capture_mobjects(mobjects)
            best = min(best, (time.perf_counter() - start) / REPEATS)
    finally:
        Camera.display_vectorized = wrapper
    return best * 1000


def _cloud(n: int, radius_px: float):
    from manim import config

    from scenes.lib import PointCloud

    rng = np.random.default_rng(0)
    positions = np.c_[rng.normal(0, 2.5, (n, 2)), np.zeros(n)]
    radius = radius_px * config.frame_width / config.pixel_width
    return [PointCloud(positions, rng.integers(0, 2, n), ["#ff6b6b", "#4dabf7"], radius=radius)]


def _grid():
    from scenes.lib import WarpedGrid, grid_lines

    lines = grid_lines((-6, 6, -3.4, 3.4), lines=17, samples=46)
    bent = lines + 0.3 * np.sin(1.3 * lines[..., ::-1])
    return [WarpedGrid(np.pad(bent, ((0, 0), (0, 0), (0, 1))))]


def _caption():
    from manim import UP, Text

    return [Text("layer 2 - activation: tanh on each coordinate", font_size=30).to_edge(UP)]


def _tile_and_surface():
    from scenes.lib import WarpedSurface, digit_squares, mesh_nodes, palette

    pal = palette("dark")
    pixels = np.random.default_rng(1).random(784) ** 3  # mostly dark, as digits are
    tile = digit_squares(pixels, pal, pal.class_color(3), 0.45)
    nodes = np.pad(mesh_nodes((-3, 3, -3, 3), 31), ((0, 0), (0, 0), (0, 1)))
    nodes[..., 2] = 1.5 * np.exp(-0.3 * (nodes[..., :2] ** 2).sum(-1))
    surface = WarpedSurface(nodes, light=np.array([0.4, -0.5, 0.77]))
    return tile.family_members_with_points(), surface.family_members_with_points()


def _riders():
    """Ten digit tiles of squares, each moved a little before every frame (MnistClusters'
    tiles riding a ring around a turning cloud), and the move."""
    from scenes.lib import digit_squares, palette

    pal = palette("dark")
    rng = np.random.default_rng(4)
    tiles = [digit_squares(rng.random(784) ** 3, pal, pal.class_color(k), 0.45) for k in range(10)]
    for k, tile in enumerate(tiles):
        tile.shift([3.5 * np.cos(0.63 * k), 2.5 * np.sin(0.63 * k), 0.0])

    def move():
        for tile in tiles:
            tile.shift([*rng.normal(0.0, 0.01, 2), 0.0])

    return tiles, move


def _path_rows(camera) -> list[dict]:
    """Paths built anew: the fast path's builder against manim's, the same calls."""
    import cairo

    from scenes.lib.fast_paths import build_path

    surface = cairo.ImageSurface(cairo.FORMAT_ARGB32, 1920, 1080)
    ctx = cairo.Context(surface)
    tile, layers = _tile_and_surface()
    cases = [("a caption's glyphs", _caption()[0].family_members_with_points()),
             ("a 28 x 28 digit tile of squares", tile),
             ("a shaded surface's layers, 30 x 30 faces", layers)]  # fmt: skip
    rows = []
    for what, mobjects in cases:
        shown = [camera.transform_points_pre_display(m, m.points) for m in mobjects]

        def manims(mobjects=mobjects):
            for m in mobjects:
                camera.set_cairo_context_path(ctx, m)

        def ours(mobjects=mobjects, shown=shown):
            for m, points in zip(mobjects, shown, strict=True):
                build_path(ctx, m, points)

        same = True
        for m, points in zip(mobjects, shown, strict=True):
            camera.set_cairo_context_path(ctx, m)
            theirs = list(ctx.copy_path())
            build_path(ctx, m, points)
            same &= list(ctx.copy_path()) == theirs
        timed = {}
        for name, build in (("manim", manims), ("ours", ours)):
            best = np.inf
            for _ in range(ROUNDS):
                start = time.perf_counter()
                for _ in range(REPEATS * 5):
                    build()
                best = min(best, (time.perf_counter() - start) / (REPEATS * 5))
            timed[name] = best * 1000
        ratio = timed["manim"] / timed["ours"]
        rows.append({
            "benchmark": f"path built anew: {what} ({len(mobjects)} mobjects)",
            "seconds": round(timed["ours"] / 1000, 5),
            "baseline": f"manim's set_cairo_context_path {timed['manim']:.2f} ms",
            "ratio": round(ratio, 2),
            "aim": "> 1.1x faster, the same path",
            "ok": ratio > 1.1 and same,
            "value": "the same path" if same else "PATHS DIFFER",
        })  # fmt: skip
    return rows


def run() -> list[dict]:
    """One row per fast path: manim's drawing as the baseline, same frame, same camera."""
    from manim.camera.camera import Camera

    from scenes.lib import dots
    from scenes.lib.fast_paths import install_fast_paths

    install_fast_paths()
    fast = Camera.display_vectorized
    camera = _camera()
    aims = {"faster": ("> 1.1x faster", 1.1, np.inf), "no slower": (">= 0.9x", 0.9, np.inf),
            "slower": ("< 1x (Cairo is faster)", 0.0, 1.0)}  # fmt: skip
    cases = [
        ("300 dots of 4.7 px, stamped", _cloud(300, 4.7), "faster", None),
        ("3,000 dots of 4.7 px, stamped", _cloud(3000, 4.7), "faster", None),
        ("3,000 dots of 12 px, stamped anyway", _cloud(3000, 12.0), "slower", 1e9),
        ("3,000 dots of 12 px, left to Cairo", _cloud(3000, 12.0), "no slower", None),
        ("warped grid, 34 lines x 46 vertices, as line segments", _grid(), "no slower", None),
        ("caption glyphs, kept paths", _caption(), "faster", None),
        ("10 digit tiles moved every frame, kept paths shifted", _riders(), "faster", None),
    ]
    rows = []
    for what, mobjects, aim, max_radius in cases:
        mobjects, move = mobjects if isinstance(mobjects, tuple) else (mobjects, None)
        manims = _best(camera, mobjects, fast.cairo, move)
        saved = dots.MAX_RADIUS
        dots.MAX_RADIUS = max_radius or saved
        try:
            ours = _best(camera, mobjects, fast, move)
        finally:
            dots.MAX_RADIUS = saved
        ratio = manims / ours
        label, low, high = aims[aim]
        rows.append({
            "benchmark": f"1080p frame: {what}",
            "seconds": round(ours / 1000, 5),
            "baseline": f"manim's drawing {manims:.2f} ms",
            "ratio": round(ratio, 2),
            "aim": label,
            "ok": low <= ratio < high,
        })  # fmt: skip
    return rows + _path_rows(camera)


if __name__ == "__main__":
    for row in run():
        print(row)
