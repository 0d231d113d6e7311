"""Small pieces of the scene library: captions keep inside the frame and never overlap."""

from __future__ import annotations

import numpy as np
from manim import UP, Scene, ThreeDScene, config
from scene_harness import assert_texts_apart, render_frames, text_boxes

from scenes.lib import Caption, apply_theme, change_caption_in_frame, palette, text


def test_a_long_caption_is_shrunk_to_the_room_right_of_its_anchor():
    pal = palette()
    anchor = np.array([1.5, 3.4, 0.0])
    caption = Caption(pal, anchor=anchor, font_size=32)
    long_title = "layer 12 - activation, a title far too long for the side column"
    caption.make_change_animation(long_title, text("tanh, each coordinate", pal.ink, 22))
    block = caption.submobjects[0]
    assert block.get_right()[0] <= config.frame_width / 2 - 0.19
    assert np.allclose(block.get_corner(np.array([-1, 1, 0]))[:2], anchor[:2], atol=1e-6)
    # a short one keeps its size
    short = Caption(pal, anchor=anchor, font_size=32)
    short.make_change_animation("input")
    assert abs(short.submobjects[0].height - text("input", pal.ink, 32).height) < 1e-6


STORIES = ("primer", "spirals", "disks", "mnist", "manifolds", "packing", "custom")


def test_manim_lists_each_storys_own_scenes_and_no_base_class(monkeypatch):
    """``manim -a`` and the scene chooser see the stories' scenes, never a storyboard or mixin."""
    import importlib
    import sys
    from pathlib import Path

    from manim import Scene
    from manim.utils.module_ops import get_module, get_scene_classes_from_module

    import scenes.lib

    root = Path(__file__).resolve().parents[2]
    monkeypatch.chdir(root)  # as `manim render -a scenes/spirals.py` from the repo root
    listed = {}
    for story in STORIES:
        name = f"scenes.{story}"
        before = sys.modules.get(name)
        try:
            found = get_scene_classes_from_module(get_module(Path("scenes") / f"{story}.py"))
        finally:  # manim registers the file under the same name: put the imported one back
            if before is not None:
                sys.modules[name] = before
        listed[story] = sorted(cls.__name__ for cls in found)
        module = importlib.import_module(name)
        own = sorted(n for n in module.__all__ if isinstance(getattr(module, n), type)
                     and issubclass(getattr(module, n), Scene))  # fmt: skip
        assert listed[story] == own, story
    # every story's scenes: the gallery's, the 3 custom ones and the film's cards (the seed's
    # four missing beats made it 42)
    assert sum(len(v) for v in listed.values()) == 42
    bases = {n for n in scenes.lib.__all__ if isinstance(getattr(scenes.lib, n), type)}
    assert not bases & {n for names in listed.values() for n in names}
    assert not any(n.startswith("_") for names in listed.values() for n in names)


def test_every_scene_that_shows_states_declares_them_once():
    """Scenes with trained states inherit StatesScene and say which in ``states_sources``."""
    import importlib

    from manim import Scene

    from scenes.lib import StatesScene

    no_network = {"ManifoldExamples", "MnistDigits"}  # shapes and raw digits, no trained net
    for story in STORIES[1:]:
        module = importlib.import_module(f"scenes.{story}")
        for name in module.__all__:
            cls = getattr(module, name)
            if isinstance(cls, type) and issubclass(cls, Scene) and name not in no_network:
                assert issubclass(cls, StatesScene), name
                assert cls.states_sources, name
                assert not hasattr(cls, "states_presets") and not hasattr(cls, "preset"), name


class _CaptionChanges(Scene):
    """Three caption changes of different lengths, as a stage-by-stage scene makes them."""

    def construct(self) -> None:
        pal = apply_theme(self)
        caption = Caption(pal, anchor=np.array([1.0, 3.4, 0.0]), font_size=32)
        self.add(caption)
        for title in ("input", "layer 1 - linear", "layer 1 - activation"):
            detail = text(f"{title}, the detail line", pal.ink, 22)
            self.play(caption.make_change_animation(title, detail), run_time=1.0)


class _CaptionChanges3D(ThreeDScene):
    """The same in a 3-D scene, whose captions stay flat on the screen."""

    def construct(self) -> None:
        pal = apply_theme(self)
        caption = Caption(pal, corner=UP, font_size=30)
        for title in ("input", "layer 1 - linear", "layer 1 - activation"):
            self.play(change_caption_in_frame(self, caption, title), run_time=1.0)


def test_a_caption_change_never_shows_two_captions_at_once():
    for scene in (_CaptionChanges, _CaptionChanges3D):
        rendered = render_frames(scene, 192, 108, 10, probe=text_boxes)
        counts = [len(boxes) for boxes in rendered.probes]
        assert max(counts) >= 1
        for i, boxes in enumerate(rendered.probes):
            assert_texts_apart(boxes, what=f"{scene.__name__} frame {i}")
        # each change passes through a moment with no caption (the old gone, the new not yet)
        assert min(counts) == 0, counts


def test_every_scene_has_a_title_as_a_person_writes_it():
    """Each story scene names itself in its own ``title`` (the gallery's heading): no CamelCase
    split such as "Mnist Clusters" or "Packing Input7"."""
    import importlib
    import re

    from manim import Scene

    for story in STORIES:
        module = importlib.import_module(f"scenes.{story}")
        for name in module.__all__:
            cls = getattr(module, name)
            if not (isinstance(cls, type) and issubclass(cls, Scene)):
                continue
            title = cls.__dict__.get("title")
            assert isinstance(title, str) and title.strip(), f"{name} has no title of its own"
            assert "Mnist" not in title, title
            # the words spelt in mixed case
            words = title.replace("ReLU", "relu").replace("PyTorch", "pytorch")
            assert not re.search(r"[a-z][A-Z]|[A-Za-z]\d|\d[A-Za-z]", words), title


def test_the_accuracy_chart_draws_the_curve_to_its_snapshot_wherever_it_is_moved():
    from scenes.lib import AccuracyChart

    steps, accuracy = np.array([0, 1, 10, 100, 1000]), np.array([0.1, 0.3, 0.6, 0.9, 0.95])
    chart = AccuracyChart(palette(), steps, accuracy, width=2.0, height=1.5)
    chart.move_to([3.0, -1.0, 0.0])
    origin = chart.axes.get_corner(np.array([-1, -1, 0]))
    for snapshot in (2, 4):
        end = chart.show_until(snapshot).curve.points[-1]
        x = 2.0 * np.log1p(steps[snapshot]) / np.log1p(steps[-1])  # log steps, first at 0
        assert np.allclose(end[:2] - origin[:2], [x, 1.5 * accuracy[snapshot]])
    # every label outside the axes' box (the curve is drawn inside it)
    x0, y0 = origin[:2]
    for label in text_boxes_of(chart):
        inside = label[0] < x0 + 2.0 and label[2] > x0 and label[1] < y0 + 1.5 and label[3] > y0
        assert not inside, label


def text_boxes_of(group) -> list[np.ndarray]:
    """``[x0, y0, x1, y1]`` of each Text in ``group``."""
    from manim import Text

    texts = [t for t in group.get_family() if isinstance(t, Text)]
    return [np.concatenate([t.get_corner(np.array([-1, -1, 0]))[:2],
                            t.get_corner(np.array([1, 1, 0]))[:2]]) for t in texts]  # fmt: skip
