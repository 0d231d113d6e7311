"""Primer scenes render small and in-process, show something in every frame, and move."""

from __future__ import annotations

import numpy as np
import pytest
from scene_harness import assert_frames_alive, assert_text_inside_frame, render_frames, text_boxes

from scenes import primer
from scenes.lib import palette


@pytest.mark.parametrize("name", primer.__all__)
def test_primer_scene_renders_and_moves(name):
    rendered = render_frames(getattr(primer, name), 320, 180, 5)
    # small scenes: more than 0.2 % ink in every frame, more than 0.5 % of the middle changed
    assert_frames_alive(
        rendered, palette().background, max_background=0.998, min_change=0.005, what=name
    )
    assert_text_inside_frame(rendered.scene)


def test_full_layer_ends_inside_the_tanh_square():
    """After tanh every grid vertex lies in (-1, 1)^2 (scene: center + scale * that)."""
    scene = render_frames(primer.FullLayer, 160, 90, 2).scene
    data = (scene.grid.get_positions() - scene.center) / scene.scale
    assert np.all(np.abs(data[..., :2]) < 1.0)
    assert np.abs(data[..., :2]).max() > 0.8  # and it fills most of it


@pytest.mark.parametrize("name", ["FullLayer", "MatrixOnGrid"])
def test_the_grid_is_drawn_in_its_window_on_every_frame(name):
    """A stretching matrix plus a bias carries the grid past the frame: the view stays
    put (sizes read true against the axes) and the grid is cut at the window."""

    def reach(scene) -> float:
        drawn = scene.grid.points[:, :2]
        half = np.array([scene.camera.frame_width, scene.camera.frame_height]) / 2
        x0, x1, y0, y1 = scene.box
        inside = (drawn[:, 0] >= x0 - 1e-9) & (drawn[:, 0] <= x1 + 1e-9)
        inside &= (drawn[:, 1] >= y0 - 1e-9) & (drawn[:, 1] <= y1 + 1e-9)
        assert inside.all(), "grid drawn outside its window"
        return float((np.abs(drawn) / half).max())

    rendered = render_frames(getattr(primer, name), 160, 90, 5, probe=reach)
    assert max(rendered.probes) < 0.97, f"the grid reaches {max(rendered.probes):.2f}"
    assert_text_inside_frame(rendered.scene, inset=0.1)
    assert len(text_boxes(rendered.scene)) >= 1
