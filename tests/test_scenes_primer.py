"""Primer scenes render small and in-process, show something in every frame, and move."""

from __future__ import annotations

import numpy as np
import pytest
from manim import ManimColor
from scene_harness import render_frames

from scenes import primer
from scenes.lib import palette


@pytest.mark.parametrize("name", primer.__all__)
def test_primer_scene_renders_and_moves(name):
    rendered = render_frames(getattr(primer, name), 320, 180, 5)
    bg = np.array(ManimColor(palette().background).to_int_rgb(), dtype=float)
    for i, frame in enumerate(rendered.frames):
        ink = np.abs(frame[..., :3].astype(float) - bg).sum(-1) > 6
        assert ink.mean() > 0.002, f"{name}: frame {i} is blank"
    middle = rendered.frame_at(rendered.duration / 2).astype(int)
    for other in (rendered.frames[0], rendered.frames[-1]):
        assert (np.abs(middle - other.astype(int)).sum(-1) > 30).mean() > 0.005


def test_full_layer_ends_inside_the_tanh_square():
    """After tanh every grid vertex lies in (-1, 1)^2 (scene: center + scale * that)."""
    scene = render_frames(primer.FullLayer, 160, 90, 2).scene
    data = (scene.grid.get_positions() - scene.center) / scene.scale
    assert np.all(np.abs(data[..., :2]) < 1.0)
    assert np.abs(data[..., :2]).max() > 0.8  # and it fills most of it
