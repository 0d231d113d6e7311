"""Warped grids drawn as line segments look like manim's own drawing of their curves."""

from __future__ import annotations

import numpy as np
import pytest
from manim.camera.camera import Camera
from scene_harness import BACKGROUND, assert_drawn_as_manim_draws, psnr, rgb, shoot

from scenes.lib import WarpedGrid, grid_lines
from scenes.lib.polylines import draw_polylines, straight_curves


def _grid(bend: float = 0.0) -> WarpedGrid:
    lines = grid_lines((-3, 3, -2, 2), lines=9, samples=30)  # (18, 30, 2)
    warped = lines + bend * np.sin(lines[..., ::-1])
    return WarpedGrid(np.pad(warped, ((0, 0), (0, 0), (0, 1))), color="#b0b8d0")


@pytest.mark.parametrize("three_d", [False, True])
@pytest.mark.parametrize("bend", [0.0, 0.4])
def test_a_grid_drawn_as_lines_matches_manims_curves(small_frames, three_d, bend):
    grid = _grid(bend)
    fast, drawn = shoot([grid], True, three_d), shoot([grid], False, three_d)
    background = rgb(BACKGROUND)
    ink_fast, ink_drawn = np.abs(fast - background).sum(), np.abs(drawn - background).sum()
    assert ink_drawn > 0
    assert 0.97 < ink_fast / ink_drawn < 1.03
    assert psnr(fast, drawn) > 40


def test_a_grid_whose_curves_bend_is_left_to_manim(small_frames):
    camera = Camera(background_color=BACKGROUND)
    ctx = camera.get_cairo_context(camera.pixel_array)
    grid = _grid(0.3)
    assert draw_polylines(camera, grid, ctx)  # straight: the fast path takes it
    grid.points[1::4] += np.array([0.05, -0.05, 0.0])  # every first handle off its segment
    assert not draw_polylines(camera, grid, ctx)
    assert_drawn_as_manim_draws(shoot([grid], True), shoot([grid], False))


def test_straight_curves_need_handles_on_the_segment_and_between_its_ends():
    a, b = np.array([0.0, 0.0]), np.array([3.0, 1.5])
    straight = np.array([[a, a + (b - a) / 3, b - (b - a) / 3, b]])
    assert straight_curves(straight, 1e-6)
    off = straight.copy()
    off[0, 1] += [0.0, 0.01]
    assert not straight_curves(off, 1e-6)
    assert straight_curves(off, 0.1)  # within the tolerance
    past = straight.copy()
    past[0, 2] = b + (b - a) * 0.2  # on the line, beyond its end: the curve overshoots
    assert not straight_curves(past, 1e-6)
    dot = np.zeros((1, 4, 2))  # a segment of no length
    assert straight_curves(dot, 1e-6)
    dot[0, 1] = [0.5, 0.0]
    assert not straight_curves(dot, 1e-6)
