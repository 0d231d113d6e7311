"""No text on a text, no digit tile pressing one, nothing clipped, nothing too small to read:
every gallery scene, every frame.

Each gallery scene is rendered small and short (its ``*_seconds`` knobs a quarter,
snapshot strides four times as long) at 2 frames a second, once for both checks, and
every captured frame's texts, formulas, numbers and digit tiles are checked
(:func:`scene_harness.assert_layout_clean`). Boxes are in scene units, so the
verdict holds at any pixel size (the GIF's 640 px too). Legible means each text's
tallest glyph (:func:`scene_harness.glyph_heights`), at its largest over the scene
(a text being drawn or scaled in is smaller on the way), is at least
:data:`MIN_GLYPH_PX` high in the 640 px GIF. Scenes that need trained states are
marked slow (training takes seconds to minutes in a fresh cache).
"""

from __future__ import annotations

import functools
import importlib

import pytest
from manim import Scene, Text
from scene_harness import assert_layout_clean, glyph_heights, layout_boxes, render_frames

STORIES = ("primer", "spirals", "disks", "manifolds", "mnist", "packing")
GIF_WIDTH = 640  # px: the gallery's GIFs
MIN_GLYPH_PX = 9.0  # a capital or a digit this high reads at arm's length in the GIF


def gallery_scenes() -> list[type]:
    """The stories' scenes that the default gallery renders, in file order."""
    out = []
    for story in STORIES:
        module = importlib.import_module(f"scenes.{story}")
        for name in module.__all__:
            cls = getattr(module, name)
            if (isinstance(cls, type) and issubclass(cls, Scene) and getattr(cls, "gallery", True)
                    and not cls.__dict__.get("abstract", False)):  # fmt: skip
                out.append(cls)
    return out


def shortened(cls: type) -> type:
    """``cls`` with its waits a quarter as long and a quarter of its snapshots."""
    knobs = {k: max(0.1, 0.25 * getattr(cls, k)) for k in dir(cls)
             if k.endswith("_seconds") and isinstance(getattr(cls, k), int | float)}  # fmt: skip
    if isinstance(getattr(cls, "snapshot_stride", None), int):
        knobs["snapshot_stride"] = 4 * cls.snapshot_stride
    return type(f"Short{cls.__name__}", (cls,), knobs)


def _param(cls: type):
    trains = bool(getattr(cls, "states_sources", ()))
    return pytest.param(cls, id=cls.__name__, marks=[pytest.mark.slow] if trains else [])


def _stale(scene) -> list[str]:
    """What a frame draws that is no longer in the scene: manim 0.22 draws a play's frames from
    the family members listed as it began, so a part an updater replaces is drawn on."""
    now = {id(m) for m in scene.get_mobject_family_members()}
    return [type(m).__name__ for m in scene.moving_mobjects if len(m.points) and id(m) not in now]


def _both(scene) -> tuple:
    return layout_boxes(scene), glyph_heights(scene), _stale(scene)


@functools.cache
def probed(scene_cls: type) -> tuple[tuple[float, float], list[tuple]]:
    """The frame's size and every frame's (layout boxes, glyph heights) of a short render
    (kept: the two tests render each scene once; the frames themselves are dropped)."""
    rendered = render_frames(shortened(scene_cls), 320, 180, 2, probe=_both)
    camera = rendered.scene.camera
    return (camera.frame_width, camera.frame_height), rendered.probes


@pytest.mark.parametrize("scene_cls", [_param(cls) for cls in gallery_scenes()])
def test_no_text_overlaps_or_runs_off_in_any_frame(scene_cls):
    frame, probes = probed(scene_cls)
    boxes = [p[0] for p in probes]
    assert len(boxes) >= 2
    assert any(boxes), "no text found: the check would pass on anything"
    assert_layout_clean(boxes, frame, what=scene_cls.__name__)


def smallest_texts(frame: tuple[float, float], heights: list[list[tuple[str, float]]]) -> dict:
    """``{text: tallest glyph in GIF pixels}`` of the texts under :data:`MIN_GLYPH_PX`, each
    at its largest over the frames."""
    largest: dict[str, float] = {}
    for frame_heights in heights:
        for label, height in frame_heights:
            largest[label] = max(largest.get(label, 0.0), height * GIF_WIDTH / frame[0])
    return {label: px for label, px in largest.items() if px < MIN_GLYPH_PX}


@pytest.mark.parametrize("scene_cls", [_param(cls) for cls in gallery_scenes()])
def test_every_text_is_legible_in_the_gif(scene_cls):
    frame, probes = probed(scene_cls)
    small = smallest_texts(frame, [p[1] for p in probes])
    worst = sorted(small.items(), key=lambda kv: kv[1])[:5]
    assert not small, (
        f"{scene_cls.__name__}: {len(small)} texts under {MIN_GLYPH_PX:g} px at {GIF_WIDTH} px "
        "wide: " + ", ".join(f"{label[:30]!r} {px:.1f} px" for label, px in worst)
    )


def poster_seconds(scene_cls: type, duration: float) -> float:
    """When the gallery takes a scene's poster: its ``poster_time`` (negative from the end),
    else two thirds of the way (``render.py``'s default)."""
    at = getattr(scene_cls, "poster_time", None)
    if at is None:
        return 2 * duration / 3
    return at + duration if at < 0 else at


@pytest.mark.parametrize(
    "scene_cls", [cls for cls in gallery_scenes() if not getattr(cls, "states_sources", ())],
    ids=lambda cls: cls.__name__,
)  # fmt: skip
def test_the_poster_is_taken_at_rest(scene_cls):
    """The poster frame and the frames 0.2 s either side are the same picture (not mid-fade)."""
    import numpy as np

    rendered = render_frames(scene_cls, 160, 90, 10)
    at = poster_seconds(scene_cls, rendered.duration)
    poster = rendered.frame_at(at).astype(int)
    for other in (at - 0.2, min(at + 0.2, rendered.duration - 0.05)):
        moved = (np.abs(rendered.frame_at(other).astype(int) - poster).sum(-1) > 30).mean()
        assert moved < 0.001, f"{scene_cls.__name__}: {moved:.2%} of the poster moves at {at:.1f} s"


class Tangled(Scene):
    """Two texts on each other, a third off the frame's edge: what the check must catch."""

    def construct(self) -> None:
        self.add(Text("on top"), Text("of each other").shift([0.3, 0.05, 0]))
        self.wait(0.5)


class OffTheEdge(Scene):
    def construct(self) -> None:
        self.add(Text("half out").move_to([7.0, 0.0, 0.0]))
        self.wait(0.5)


class Tiny(Scene):
    """A caption at font size 12: 4 px high in the GIF."""

    def construct(self) -> None:
        self.add(
            Text("small print", font_size=12), Text("Readable", font_size=36).shift([0, 1.5, 0])
        )
        self.wait(0.5)


def test_the_legibility_check_catches_small_print_only():
    rendered = render_frames(Tiny, 320, 180, 2, probe=glyph_heights)
    small = smallest_texts((rendered.scene.camera.frame_width, 0.0), rendered.probes)
    assert list(small) == ["smallprint"]


@pytest.mark.parametrize(("scene_cls", "words"), [(Tangled, "overlap"), (OffTheEdge, "off")])
def test_the_check_catches_a_tangled_frame(scene_cls, words):
    rendered = render_frames(scene_cls, 320, 180, 2, probe=layout_boxes)
    camera = rendered.scene.camera
    with pytest.raises(AssertionError, match=words):
        assert_layout_clean(rendered.probes, (camera.frame_width, camera.frame_height))


@pytest.mark.parametrize("scene_cls", [_param(cls) for cls in gallery_scenes()])
def test_no_frame_draws_what_left_the_scene(scene_cls):
    _, probes = probed(scene_cls)
    stale = [(i, p[2]) for i, p in enumerate(probes) if p[2]]
    assert not stale, f"{scene_cls.__name__}: frames draw parts no longer shown: {stale[:3]}"
