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
