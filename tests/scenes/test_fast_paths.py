"""Paths kept between frames: the same pixels as paths built anew, and what manim draws."""

from __future__ import annotations

import numpy as np
from manim import Circle, Text
from manim.camera.camera import Camera
from scene_harness import assert_drawn_as_manim_draws, psnr, shoot

from scenes.lib.fast_paths import install_fast_paths


def test_a_kept_path_draws_what_a_new_one_draws_and_what_manim_draws(small_frames):
    install_fast_paths()
    cache = Camera.display_vectorized.paths
    cache.paths.clear()
    words = Text("layer 2 - activation", font_size=30).shift(0.5 * np.array([1, 1, 0]))
    ring = Circle(radius=1.2, stroke_width=6, fill_opacity=0.3)
    manims = shoot([words, ring], fast=False)
    hits = cache.hits
    first = shoot([words, ring], fast=True)  # built and kept
    again = shoot([words, ring], fast=True)  # every path kept from the frame before
    assert cache.hits - hits >= len(words.family_members_with_points()) + 1
    np.testing.assert_array_equal(again, first)  # what the cache held changes no pixel
    assert_drawn_as_manim_draws(first, manims)


def test_a_moved_mobject_keeps_its_paths_and_is_drawn_where_it_is(small_frames):
    install_fast_paths()
    cache = Camera.display_vectorized.paths
    words = Text("epoch 12", font_size=30)
    shoot([words], fast=True)
    misses = cache.misses
    words.shift(np.array([0.37, -0.21, 0.0]))
    moved = shoot([words], fast=True)
    assert cache.misses == misses  # the same shapes, somewhere else
    cache.paths.clear()
    np.testing.assert_array_equal(shoot([words], fast=True), moved)
    assert_drawn_as_manim_draws(moved, shoot([words], fast=False))
    words.stretch(1.5, 0)
    assert not np.array_equal(shoot([words], fast=True), moved)
    assert cache.misses > misses


def test_a_3d_camera_keys_on_the_shown_points(small_frames):
    ring = Circle(radius=1.0, fill_opacity=0.5).rotate(0.7, axis=np.array([1.0, 0.0, 0.0]))
    flat = shoot([ring], fast=True)  # kept as a 2-D camera shows it
    tilted = shoot([ring], fast=True, three_d=True)
    assert_drawn_as_manim_draws(tilted, shoot([ring], fast=False, three_d=True))
    assert psnr(flat, tilted) < 40.0


def test_the_cache_keeps_at_most_its_size():
    from scenes.lib.fast_paths import PathCache

    cache = PathCache(size=3)
    install_fast_paths()
    camera = Camera(background_color="#000000")
    ctx = camera.get_cairo_context(camera.pixel_array)
    for k in range(5):
        cache.set_path(camera, Circle(radius=0.5 + k / 10), ctx)
    assert len(cache.paths) == 3 and cache.misses == 5


def test_a_path_built_anew_is_manims_call_for_call():
    # Small mobjects are split in Python, large ones with numpy: both must give the path
    # manim's set_cairo_context_path gives, open and closed subpaths, gaps and odd points.
    import cairo
    from manim import Line, VMobject

    from scenes.lib import digit_squares, palette
    from scenes.lib.fast_paths import build_path

    camera = Camera()
    ctx = cairo.Context(cairo.ImageSurface(cairo.FORMAT_ARGB32, 64, 64))
    pal = palette("dark")
    gapped = VMobject().set_points_as_corners([[0, 0, 0], [1, 0, 0], [1, 1, 0]])
    gapped.append_points(Line([2, 2, 0], [3, 2, 0]).points)  # a second, open subpath
    near = Circle().shift([1e-9, 0, 0])  # closed, its ends within manim's tolerance
    odd = VMobject()
    odd.points = np.array([[0, 0, 0], [1, 1, 0], [2, 0, 0], [3, 1, 0], [4, 4, 0.0]])
    holed = VMobject().set_points_as_corners([[0, 0, 0], [np.nan, 1, 0], [2, 2, 0]])
    tile = digit_squares(np.random.default_rng(2).random(784), pal, pal.ink, 0.5)
    mobjects = [*Text("layer 2 - bias").family_members_with_points(), gapped, near, odd,
                holed, *tile.family_members_with_points()]  # fmt: skip
    for mob in mobjects:
        camera.set_cairo_context_path(ctx, mob)
        manims = list(ctx.copy_path())
        build_path(ctx, mob, camera.transform_points_pre_display(mob, mob.points))
        assert list(ctx.copy_path()) == manims, type(mob).__name__
    assert any(len(m.points) >= 256 for m in mobjects)  # both ways of splitting are used
