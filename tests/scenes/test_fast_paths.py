"""Paths kept between frames draw exactly what manim draws, and only for the same points."""

from __future__ import annotations

import numpy as np
from manim import Circle, Text
from manim.camera.camera import Camera
from scene_harness import shoot

from scenes.lib.fast_paths import install_fast_paths


def test_a_kept_path_draws_what_manim_draws(small_frames):
    install_fast_paths()
    cache = Camera.display_vectorized.paths
    words = Text("layer 2 - activation", font_size=30).shift(0.5 * np.array([1, 1, 0]))
    ring = Circle(radius=1.2, stroke_width=6, fill_opacity=0.3)
    manims = shoot([words, ring], fast=False)
    hits = cache.hits
    first = shoot([words, ring], fast=True)  # built and kept
    again = shoot([words, ring], fast=True)  # every path kept from the frame before
    assert cache.hits - hits >= len(words.family_members_with_points()) + 1
    np.testing.assert_array_equal(first, manims)
    np.testing.assert_array_equal(again, manims)


def test_moved_points_get_a_new_path(small_frames):
    words = Text("epoch 12", font_size=30)
    shoot([words], fast=True)
    words.shift(np.array([0.37, -0.21, 0.0]))
    np.testing.assert_array_equal(shoot([words], fast=True), shoot([words], fast=False))


def test_a_3d_camera_keys_on_the_shown_points(small_frames):
    ring = Circle(radius=1.0, fill_opacity=0.5).rotate(0.7, axis=np.array([1.0, 0.0, 0.0]))
    flat = shoot([ring], fast=True)  # kept as a 2-D camera shows it
    tilted = shoot([ring], fast=True, three_d=True)
    np.testing.assert_array_equal(tilted, shoot([ring], fast=False, three_d=True))
    assert not np.array_equal(flat, tilted)


def test_the_cache_keeps_at_most_its_size():
    from scenes.lib.fast_paths import PathCache

    cache = PathCache(size=3)
    install_fast_paths()
    camera = Camera(background_color="#000000")
    ctx = camera.get_cairo_context(camera.pixel_array)
    for k in range(5):
        cache.set_path(camera, Circle(radius=0.5 + k / 10), ctx)
    assert len(cache.paths) == 3 and cache.misses == 5
