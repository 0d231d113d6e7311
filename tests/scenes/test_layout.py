"""No text on a text, no digit tile pressing one, nothing clipped: every gallery scene, every frame.

Each gallery scene is rendered small and short (its ``*_seconds`` knobs a quarter,
snapshot strides four times as long) at 2 frames a second, and every captured
frame's texts, formulas, numbers and digit tiles are checked
(:func:`scene_harness.assert_layout_clean`). Boxes are in scene units, so the
verdict holds at any pixel size (the GIF's 640 px too). Scenes that need trained
states are marked slow (training takes seconds to minutes in a fresh cache).
"""

from __future__ import annotations

import importlib

import pytest
from manim import Scene, Text
from scene_harness import assert_layout_clean, layout_boxes, render_frames

STORIES = ("primer", "spirals", "disks", "manifolds", "mnist", "packing")


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


@pytest.mark.parametrize("scene_cls", [_param(cls) for cls in gallery_scenes()])
def test_no_text_overlaps_or_runs_off_in_any_frame(scene_cls):
    rendered = render_frames(shortened(scene_cls), 320, 180, 2, probe=layout_boxes)
    camera = rendered.scene.camera
    assert len(rendered.probes) >= 2
    assert any(rendered.probes), "no text found: the check would pass on anything"
    assert_layout_clean(rendered.probes, (camera.frame_width, camera.frame_height),
                        what=scene_cls.__name__)  # fmt: skip


class Tangled(Scene):
    """Two texts on each other, a third off the frame's edge: what the check must catch."""

    def construct(self) -> None:
        self.add(Text("on top"), Text("of each other").shift([0.3, 0.05, 0]))
        self.wait(0.5)


class OffTheEdge(Scene):
    def construct(self) -> None:
        self.add(Text("half out").move_to([7.0, 0.0, 0.0]))
        self.wait(0.5)


@pytest.mark.parametrize(("scene_cls", "words"), [(Tangled, "overlap"), (OffTheEdge, "off")])
def test_the_check_catches_a_tangled_frame(scene_cls, words):
    rendered = render_frames(scene_cls, 320, 180, 2, probe=layout_boxes)
    camera = rendered.scene.camera
    with pytest.raises(AssertionError, match=words):
        assert_layout_clean(rendered.probes, (camera.frame_width, camera.frame_height))
