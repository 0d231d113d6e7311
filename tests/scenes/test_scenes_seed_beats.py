"""Seed 002's last beats (issue 30): the opening, the non-linearity, the code and the takeaway."""

from __future__ import annotations

import numpy as np
import pytest
from scene_harness import assert_frames_alive, render_frames, rgb

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


def _luminance(hex_color: str) -> float:
    """WCAG relative luminance of ``#rrggbb``."""
    c = np.array([int(hex_color[i : i + 2], 16) for i in (1, 3, 5)]) / 255.0
    c = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return float(c @ [0.2126, 0.7152, 0.0722])


@pytest.mark.parametrize("theme", ["dark", "light"])
def test_the_code_reads_on_either_themes_background(theme):
    """Every glyph of the code on screen stands out from the background by a contrast of 3
    (WCAG's floor for large text): monokai's near-white ink on the light theme's white did not."""
    pal = palette(theme)
    code = spirals.code_block(spirals.model_source(), pal)
    back = _luminance(pal.background)
    glyphs = [m for m in code.code_lines.get_family() if not m.submobjects and len(m.points)]
    assert len(glyphs) > 100
    worst = min(
        (max(lum, back) + 0.05) / (min(lum, back) + 0.05)
        for lum in (_luminance(g.get_fill_color().to_hex()) for g in glyphs)
    )
    assert worst >= 3.0, f"{theme}: a glyph at contrast {worst:.2f}"


@pytest.mark.slow
def test_the_code_and_the_network_it_builds_fill_the_frame():
    """The code block and, under it, the network its call builds reach the frame's lower
    third (the code alone left it empty): a column of neurons per width, a tanh on each
    hidden one."""
    short = type("ShortSpiralsCode", (spirals.SpiralsCode,), {"final_seconds": 0.5})
    rendered = render_frames(short, W, H, 2)
    last = rendered.frames[-1]
    drawn = np.abs(last[..., :3].astype(float) - rgb(palette().background)).sum(-1) > 30
    rows = np.flatnonzero(drawn.any(1))
    assert rows[-1] > 0.9 * H, f"the picture ends {rows[-1] / H:.0%} of the way down"
    assert drawn[2 * H // 3 :].mean() > 0.05, "the lower third is nearly empty"  # code alone: 1.1%
    scene = rendered.scene
    assert scene.diagram.get_top()[1] < scene.code.get_bottom()[1]  # under the code
    assert scene.diagram.widths == [2, 2, 2, 2, 2, 2]
