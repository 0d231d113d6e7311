"""The layer's equation on screen: the stage's term lit, the snapshot's real W and b."""

from __future__ import annotations

import numpy as np
import pytest
from manim import DecimalMatrix, ManimColor
from scene_harness import assert_texts_apart, render_frames, text_boxes

from model.activations import REGISTRY
from scenes import spirals
from scenes.lib import activation_tex, layer_formula, palette, tex_available

W, H, FPS = 480, 270, 5


def test_every_activation_of_the_registry_has_a_name_in_tex():
    for name in REGISTRY:
        tex = activation_tex(name)
        assert (tex is None) == (name == "identity"), name
    assert activation_tex("tanh") == r"\tanh"
    assert activation_tex("relu") == r"\operatorname{ReLU}"
    assert activation_tex("leaky_relu:0.2") == r"\operatorname{LeakyReLU}_{0.2}"


def test_hidden_layers_apply_their_activation_and_the_output_layer_none(trained):
    states = trained("spirals2d")
    _first, parts = layer_formula(states, 0, "#ffffff")
    assert len(parts["open"].get_all_points()) and len(parts["close"].get_all_points())
    last, parts = layer_formula(states, states.n_layers - 1, "#ffffff")
    assert len(last) == 6  # y = W5 h4 + b5: no function around it
    assert not len(parts["open"].get_all_points())


class EquationStretching(spirals.SpiralsStretching):
    intro_seconds = 0.4
    caption_seconds = 0.2
    stage_seconds = 0.2
    pause_seconds = 0.2
    final_seconds = 0.2
    max_stages = 2  # layer 1: linear, then bias


def _color(mob) -> str:
    return ManimColor(mob.family_members_with_points()[0].get_fill_color()).to_hex().lower()


@pytest.mark.skipif(not tex_available(), reason="no TeX on this machine")
def test_the_bias_stage_lights_b_and_shows_the_trained_numbers(trained):
    states = trained("spirals2d")
    rendered = render_frames(EquationStretching, W, H, FPS)
    scene, pal = rendered.scene, palette()
    block = scene.equation.submobjects[0]
    assert scene.equation.layer == 0
    lit = pal.highlight.lower()
    assert _color(block.parts["b"]) == lit and _color(block.parts["plus"]) == lit
    assert _color(block.parts["W"]) != lit and _color(block.parts["open"]) != lit
    assert _color(block.values["b"]) == lit and _color(block.values["W"]) != lit
    # the matrices hold the trained layer's numbers, two decimals
    shown_w = next(m for m in block.values["W"].get_family() if isinstance(m, DecimalMatrix))
    values = [float(e.get_value()) for e in shown_w.get_entries()]
    assert np.allclose(values, states.weights(-1)[0].ravel(), atol=1e-6)
    # and nothing in the column runs into the caption
    assert_texts_apart(text_boxes(scene), what="end of layer 1")


def test_without_tex_the_scene_still_renders_its_equation_in_plain_text(trained, monkeypatch):
    from manim import Text

    from scenes.lib import formulas

    trained("spirals2d")
    monkeypatch.setattr(formulas.shutil, "which", lambda _tool: None)
    monkeypatch.setattr(formulas, "_TEX", {})
    try:
        rendered = render_frames(EquationStretching, W, H, FPS)
    finally:
        formulas._TEX.clear()
    block = rendered.scene.equation.submobjects[0]
    assert isinstance(block[0], Text) and block[0].original_text == "h₁ = tanh(W₁x + b₁)"
    cells = [t.text for t in block.values["b"].get_family() if isinstance(t, Text)]
    states = trained("spirals2d")
    assert cells[-2:] == [f"{v:.2f}" for v in states.biases(-1)[0]]
    assert_texts_apart(text_boxes(rendered.scene), what="plain-text equation")
