"""Point clouds stamped by the camera look like Cairo's own drawing of the same dots."""

from __future__ import annotations

import numpy as np
import pytest
from manim import config
from scene_harness import BACKGROUND, assert_drawn_as_manim_draws, psnr, rgb, shoot

from scenes.lib import PointCloud
from scenes.lib.dots import MAX_RADIUS, stamp_dots

COLOURS = ["#ff6b6b", "#4dabf7", "#ffd43b"]


def _cloud(n: int, radius: float, seed: int = 0, spread: float = 2.5) -> PointCloud:
    rng = np.random.default_rng(seed)
    positions = np.c_[rng.normal(0, spread, (n, 2)), np.zeros(n)]
    return PointCloud(positions, rng.integers(0, 3, n), COLOURS, radius=radius)


@pytest.mark.parametrize("three_d", [False, True])
@pytest.mark.parametrize("radius", [0.02, 0.05])
def test_stamped_dots_match_cairos_drawing(small_frames, three_d, radius):
    cloud = _cloud(400, radius)
    stamped = shoot([cloud], True, three_d, face=True)
    drawn = shoot([cloud], False, three_d, face=True)
    background = rgb(BACKGROUND)
    ink_stamped = np.abs(stamped - background).sum()
    ink_drawn = np.abs(drawn - background).sum()
    assert ink_drawn > 0
    # Cairo's coverage of a dot a pixel or two across falls up to a tenth short of its
    # area (see the next test); the stamps hold the area.
    assert 0.97 < ink_stamped / ink_drawn < 1.12
    assert psnr(stamped, drawn) > 38  # in the same places


@pytest.mark.parametrize("radius_px", [0.5, 0.9, 1.3, 2.0, 3.0, 4.0])
def test_each_stamped_dot_holds_its_discs_area_in_ink(small_frames, radius_px):
    rng = np.random.default_rng(1)
    n = 40
    positions = np.c_[rng.uniform(-6, 6, n), rng.uniform(-3, 3, n), np.zeros(n)]
    scale = config.pixel_width / config.frame_width
    cloud = PointCloud(positions, np.zeros(n, int), ["#ffffff"], radius=radius_px / scale)
    background = rgb(BACKGROUND)
    ink = (shoot([cloud], True) - background).sum() / (3 * 255 - background.sum())
    per_dot = ink / n / 0.95  # the cloud's fill opacity
    assert per_dot == pytest.approx(np.pi * radius_px**2, rel=0.02)


def test_overlapping_dots_of_one_class_cover_as_their_union(small_frames):
    one = PointCloud(np.zeros((1, 3)), [0], COLOURS, radius=0.05)
    two = PointCloud(np.zeros((2, 3)), [0, 0], COLOURS, radius=0.05)
    np.testing.assert_array_equal(shoot([one], True), shoot([two], True))


def test_dots_off_the_frame_and_on_its_edge_are_clipped(small_frames):
    edge = config.frame_width / 2
    positions = np.array([[edge, 0, 0], [-edge, 1, 0], [0, 100.0, 0], [1e6, -1e6, 0]])
    cloud = PointCloud(positions, [0, 1, 2, 0], COLOURS, radius=0.05)
    stamped = shoot([cloud], True)
    assert psnr(stamped, shoot([cloud], False)) > 40
    assert stamped[:, -1].max() > 100 and stamped[:, 0].max() > 100  # the half dots show


def test_layers_the_stamp_does_not_fit_are_drawn_by_cairo(small_frames):
    big = _cloud(30, radius=2.0 * MAX_RADIUS * config.frame_width / config.pixel_width)
    stroked = _cloud(30, radius=0.05, seed=1)
    stroked.set_stroke(width=2, color="#ffffff")
    broken = _cloud(30, radius=0.05, seed=2)
    for layer in broken.submobjects:
        layer.points[0] = np.nan  # what Cairo does with it is manim's business
    for cloud in (big, stroked, broken):
        # Cairo's drawing through the kept paths; a stamp would differ far more (34 to 51 dB)
        assert_drawn_as_manim_draws(shoot([cloud], True), shoot([cloud], False))


def test_stamping_keeps_the_drawing_order(small_frames):
    from manim import Square

    cloud = _cloud(200, 0.05, spread=1.0)
    cover = Square(side_length=3, fill_color="#ffffff", fill_opacity=1, stroke_width=0)
    over = shoot([cloud, cover], True)
    assert np.all(over[180, 320] == 255)  # the square drawn after the dots hides them
    under = shoot([cover, cloud], True)
    assert np.any(under[140:220, 260:380] < 250)  # dots drawn after the square show on it


def test_stamping_refuses_pixels_it_could_not_write_in_place():
    pixels = np.zeros((20, 40, 4), np.uint8)
    with pytest.raises(ValueError, match="C-contiguous"):
        stamp_dots(pixels[:, ::2], np.array([[5.0, 5.0]]), np.array([2.0]), np.ones(4))


def test_a_stamp_reaches_every_pixel_its_disc_covers_at_every_offset():
    from scenes.lib.dots import RADIUS_STEPS, _reach, _sprites, _square_sprite

    for steps in range(RADIUS_STEPS // 4, int(MAX_RADIUS * RADIUS_STEPS) + 1, 3):
        cover, dy, dx = _sprites(steps)
        reach = _reach(steps)
        assert max(np.abs(dy).max(), np.abs(dx).max()) == reach
        square = _square_sprite(steps, reach)
        assert np.count_nonzero(square) == np.count_nonzero(cover)
        np.testing.assert_allclose(square.sum(axis=2), cover.sum(axis=2), rtol=1e-5)


def test_stamps_that_cross_the_frame_edge_draw_only_their_inside_part():
    # One dot a pixel in from each edge and corner: what falls outside is dropped, not
    # wrapped onto the next row; the inside part is what the same dot draws in a wider frame.
    centres = np.array([[1.3, 10.4], [38.6, 10.5], [20.2, 0.7], [20.5, 19.2], [0.6, 0.6]])
    small = np.zeros((20, 40, 4), np.uint8)
    stamp_dots(small, centres, np.full(5, 2.6), np.ones(4))
    wide = np.zeros((40, 80, 4), np.uint8)
    stamp_dots(wide, centres + 20, np.full(5, 2.6), np.ones(4))
    np.testing.assert_array_equal(small, wide[20:40, 20:60])
    assert small[..., 3].sum() < wide[..., 3].sum()
