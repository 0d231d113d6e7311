"""The caption's copy-free Fade shows what manim's FadeIn / FadeOut show, frame for frame."""

from __future__ import annotations

import numpy as np
import pytest
from manim import DOWN, FadeIn, FadeOut, Scene

from scenes.lib import palette, text
from scenes.lib.captions import Fade


def _frames(make_animation, alphas) -> list[np.ndarray]:
    scene = Scene()
    words = text("layer 2 - bias", palette().ink, 40)
    words.set_fill(opacity=0.8)  # a part's own opacity is kept, not set to 1
    scene.add(words)
    animation = make_animation(words)
    animation._setup_scene(scene)
    animation.begin()
    shots = []
    for alpha in alphas:
        animation.interpolate(alpha)
        scene.renderer.camera.reset()
        scene.renderer.camera.capture_mobjects(scene.mobjects)
        shots.append(scene.renderer.camera.pixel_array[..., :3].astype(float))
    animation.finish()
    animation.clean_up_from_scene(scene)
    shots.append(np.array([len(scene.mobjects), words.get_fill_opacity(), *words.get_center()]))
    return shots


@pytest.mark.parametrize(
    ("ours", "manims"),
    [
        (lambda m: Fade(m, shift=0.3 * DOWN), lambda m: FadeIn(m, shift=0.3 * DOWN)),
        (lambda m: Fade(m, into=False), lambda m: FadeOut(m)),
    ],
    ids=["in", "out"],
)
def test_fade_shows_what_manims_fade_shows(small_frames, ours, manims):
    alphas = [0.0, 0.25, 0.5, 0.8, 1.0]
    mine, theirs = _frames(ours, alphas), _frames(manims, alphas)
    for alpha, a, b in zip(alphas, mine[:-1], theirs[:-1], strict=True):
        assert np.abs(a - b).max() <= 2, alpha  # colour rounding only
    assert mine[0].max() > 0 or mine[-2].max() > 0
    # After the animation: in or out of the scene, opacity and place as manim leaves them.
    np.testing.assert_allclose(mine[-1], theirs[-1], atol=1e-9)
