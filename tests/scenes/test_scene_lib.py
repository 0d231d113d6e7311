"""Small pieces of the scene library: the caption keeps inside the frame."""

from __future__ import annotations

import numpy as np
from manim import config

from scenes.lib import Caption, palette, text


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


STORIES = ("primer", "spirals", "disks", "mnist", "packing", "custom")


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
    assert sum(len(v) for v in listed.values()) == 34  # 31 in the gallery, 3 custom
    bases = {n for n in scenes.lib.__all__ if isinstance(getattr(scenes.lib, n), type)}
    assert not bases & {n for names in listed.values() for n in names}
    assert not any(n.startswith("_") for names in listed.values() for n in names)


def test_every_scene_that_shows_states_declares_them_once():
    """Scenes with trained states inherit StatesScene and say which in ``states_sources``."""
    import importlib

    from manim import Scene

    from scenes.lib import StatesScene

    for story in STORIES[1:]:
        module = importlib.import_module(f"scenes.{story}")
        for name in module.__all__:
            cls = getattr(module, name)
            if isinstance(cls, type) and issubclass(cls, Scene):
                assert issubclass(cls, StatesScene), name
                assert cls.states_sources, name
                assert not hasattr(cls, "states_presets") and not hasattr(cls, "preset"), name
