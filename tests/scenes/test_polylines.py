"""Warped grids drawn as line segments look like manim's own drawing of their curves."""

from __future__ import annotations

import numpy as np
import pytest
from manim.camera.camera import Camera
from manim.camera.three_d_camera import ThreeDCamera

from scenes.lib import WarpedGrid, grid_lines
from scenes.lib.fast_paths import install_fast_paths
from scenes.lib.polylines import draw_polylines, straight_curves


def _grid(bend: float = 0.0) -> WarpedGrid:
    lines = grid_lines((-3, 3, -2, 2), lines=9, samples=30)  # (18, 30, 2)
    warped = lines + bend * np.sin(lines[..., ::-1])
    return WarpedGrid(np.pad(warped, ((0, 0), (0, 0), (0, 1))), color="#b0b8d0")


def _shoot(mobject, fast: bool, three_d: bool = False) -> np.ndarray:
    install_fast_paths()
    wrapper = Camera.display_vectorized
    camera = (ThreeDCamera if three_d else Camera)(background_color="#0e1117")
    if three_d:
        camera.set_phi(1.0)
        camera.set_theta(-0.7)
    if not fast:
        Camera.display_vectorized = wrapper.cairo
    try:
        camera.capture_mobjects([mobject])
    finally:
        Camera.display_vectorized = wrapper
    return camera.pixel_array[..., :3].astype(np.float64)


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a - b) ** 2)
    return np.inf if mse == 0 else 10 * np.log10(255.0**2 / mse)


@pytest.mark.parametrize("three_d", [False, True])
@pytest.mark.parametrize("bend", [0.0, 0.4])
def test_a_grid_drawn_as_lines_matches_manims_curves(small_frames, three_d, bend):
    grid = _grid(bend)
    fast, drawn = _shoot(grid, True, three_d), _shoot(grid, False, three_d)
    background = np.array([0x0E, 0x11, 0x17], float)
    ink_fast, ink_drawn = np.abs(fast - background).sum(), np.abs(drawn - background).sum()
    assert ink_drawn > 0
    assert 0.97 < ink_fast / ink_drawn < 1.03
    assert _psnr(fast, drawn) > 40


def test_a_grid_whose_curves_bend_is_left_to_manim(small_frames):
    camera = Camera(background_color="#0e1117")
    ctx = camera.get_cairo_context(camera.pixel_array)
    grid = _grid(0.3)
    assert draw_polylines(camera, grid, ctx)  # straight: the fast path takes it
    grid.points[1::4] += np.array([0.05, -0.05, 0.0])  # every first handle off its segment
    assert not draw_polylines(camera, grid, ctx)
    np.testing.assert_array_equal(_shoot(grid, True), _shoot(grid, False))


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
