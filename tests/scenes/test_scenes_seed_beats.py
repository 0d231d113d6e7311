"""Seed 002's last beats (issue 30): the opening, the non-linearity, the code and the takeaway."""

from __future__ import annotations

import numpy as np
import pytest
from scene_harness import assert_frames_alive, render_frames

from scenes import primer, spirals
from scenes.lib import palette

W, H, FPS = 320, 180, 4


def test_the_code_on_screen_builds_the_network_the_project_trains():
    from torch import nn

    from model import train
    from model.activations import torch_module

    shown = spirals.model_source()
    assert shown.startswith("def build_mlp(") and '"""' not in shown  # its docstring left out
    namespace = {"nn": nn, "torch_module": torch_module}
    exec(shown, namespace)  # the text on screen, run: the same network as model/train.py's
    widths = [2, 2, 2, 2, 2, 2]
    assert str(namespace["build_mlp"](widths, "tanh")) == str(train.build_mlp(widths, "tanh"))


def test_an_unknown_function_is_one_clear_error():
    with pytest.raises(LookupError, match="no function 'nope'"):
        spirals.model_source("nope")


def test_the_non_linearity_moves_and_ends_at_tanh_of_the_sum():
    rendered = render_frames(primer.NonLinearity, W, H, FPS)
    assert_frames_alive(rendered, palette().background)
    z = float(primer.EXAMPLE_W[0] @ np.array([2.0, 1.0]))
    scene = rendered.scene
    assert np.allclose(scene.dot.get_center(), scene.at(z, np.tanh(z)))


@pytest.mark.slow
@pytest.mark.parametrize("scene_cls", [spirals.SpiralsOpening, spirals.SpiralsCode,
                                       spirals.SpiralsTakeaway])  # fmt: skip
def test_the_spirals_beats_render_and_move(scene_cls):
    short = type(f"Short{scene_cls.__name__}", (scene_cls,), {"final_seconds": 0.5})
    rendered = render_frames(short, W, H, FPS)
    assert_frames_alive(rendered, palette().background)
