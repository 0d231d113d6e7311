"""A scene's Python work besides drawing: texts made again, and the riders placed each frame.

Rows, each timed in this process as the better of rounds taken in turns:

- SpiralsStretching's pass with every play skipped (what a chunk runs before
  its range, and what the plan runs), its texts copied from the ones made by
  an earlier pass (:func:`scenes.lib.captions._text`) against made anew by
  manim: aim faster;
- MnistClusters' ten digit tiles placed on their ring once a frame: sizes and
  centres from one pass over the points (:func:`scenes.lib.clusters._extent`)
  against manim's ``width``, ``height`` and ``move_to``: aim faster, same places.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import numpy as np

__all__ = ["run"]

ROUNDS = 3


def _skipped_pass() -> dict:
    import rendering
    from rendering.draw.scene import plan_scene
    from scenes.lib import captions
    from scenes.spirals import SpiralsStretching

    os.environ.setdefault("BENDSPACE_THEME", "dark")
    options = rendering.RenderOptions(1280, 720, 30)
    kept = captions.TEXTS_KEPT
    best = {"copied": float("inf"), "made anew": float("inf")}
    with tempfile.TemporaryDirectory() as tmp:
        plan_scene(SpiralsStretching, options, Path(tmp))  # states loaded, texts made once
        texts = len(captions._TEXTS)
        try:
            for _ in range(ROUNDS):
                for how in best:
                    captions.TEXTS_KEPT = kept if how == "copied" else 0
                    if how == "made anew":
                        captions._TEXTS.clear()
                    start = time.process_time()
                    plan_scene(SpiralsStretching, options, Path(tmp))
                    best[how] = min(best[how], time.process_time() - start)
        finally:
            captions.TEXTS_KEPT = kept
    return {
        "benchmark": f"SpiralsStretching, every play skipped (a chunk's prefix), {texts} texts "
        "copied vs made anew",
        "seconds": round(best["copied"], 2),
        "baseline": f"made anew {best['made anew']:.2f} s CPU",
        "ratio": round(best["made anew"] / best["copied"], 2),
        "aim": "faster",
        "ok": best["copied"] < best["made anew"],
    }


def _riders() -> dict:
    from manim import VGroup

    from scenes.lib import digit_squares, palette
    from scenes.lib.clusters import _extent

    pal = palette("dark")
    rng = np.random.default_rng(0)
    tiles = VGroup(*[digit_squares(rng.random(784) ** 3, pal, pal.class_color(k), 0.9)
                     for k in range(10)])  # fmt: skip
    spots = rng.uniform(-3, 3, (10, 3))
    spots[:, 2] = 0.0

    def manims(group) -> list:
        halves = [0.5 * max(tile.width, tile.height) for tile in group]
        for tile, spot in zip(group, spots, strict=True):
            tile.move_to(spot)
        return halves

    def one_pass(group) -> list:
        boxes = [_extent(tile) for tile in group]
        for tile, (_, centre), spot in zip(group, boxes, spots, strict=True):
            tile.shift(spot - centre)
        return [0.5 * max(size[:2]) for size, _ in boxes]

    frames, best, placed = 50, {}, {}
    for _ in range(ROUNDS):
        for name, place in (("manim", manims), ("one pass", one_pass)):
            group = tiles.copy()
            start = time.process_time()
            for _ in range(frames):
                halves = place(group)
            took = (time.process_time() - start) / frames
            best[name] = min(best.get(name, float("inf")), took)
            placed[name] = (halves, group.get_all_points())
    same = placed["manim"][0] == placed["one pass"][0] and np.array_equal(
        placed["manim"][1], placed["one pass"][1]
    )
    return {
        "benchmark": "MnistClusters' 10 digit tiles placed on their ring, one frame",
        "seconds": round(best["one pass"], 4),
        "baseline": f"manim's width/height/move_to {1e3 * best['manim']:.1f} ms",
        "ratio": round(best["manim"] / best["one pass"], 2),
        "aim": "faster, same places",
        "ok": best["one pass"] < best["manim"] and same,
        "value": "same places" if same else "PLACES DIFFER",
    }


def run() -> list[dict]:
    """Texts copied against made anew, and the riders' placement against manim's."""
    return [_skipped_pass(), _riders()]


if __name__ == "__main__":
    for row in run():
        print(row)
