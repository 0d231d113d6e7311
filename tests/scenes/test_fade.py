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


@pytest.mark.parametrize("into", [True, False], ids=["in", "out"])
def test_a_fade_ends_where_it_ends_however_many_frames_it_took(into):
    # A chunk runs its earlier plays skipped (one step each); drawn, a play takes many.
    # Both must leave the text's points the same to the bit, or the chunk after draws
    # the caption a fraction of a pixel off.
    def ended(alphas):
        scene, words = Scene(), text("layer 2 - bias", palette().ink, 40).shift(0.37 * DOWN)
        scene.add(words)
        fade = Fade(words, into=into, shift=0.1 * DOWN)
        fade._setup_scene(scene)
        fade.begin()
        for alpha in alphas:
            fade.interpolate(alpha)
        fade.finish()
        fade.clean_up_from_scene(scene)
        return words.get_all_points()

    drawn = ended(np.arange(0, 1, 1 / 47))
    assert np.array_equal(drawn, ended([46 / 47]))


def _shot(mobject) -> np.ndarray:
    scene = Scene()
    scene.add(mobject)
    scene.renderer.camera.reset()
    scene.renderer.camera.capture_mobjects(scene.mobjects)
    return scene.renderer.camera.pixel_array.copy()


def test_a_text_made_again_is_the_same_picture_and_its_own_mobject():
    from manim import Text

    from scenes.lib.captions import _TEXTS
    from scenes.lib.palette import MONO

    ink = palette().ink
    _TEXTS.clear()
    fresh = Text("loss 0.041  W = [ +1.20 ]", font=MONO, font_size=30, color=ink)
    first = text("loss 0.041  W = [ +1.20 ]", ink, 30, mono=True)
    again = text("loss 0.041  W = [ +1.20 ]", ink, 30, mono=True)
    assert len(_TEXTS) == 1  # made once, copied the second time
    assert again is not first and again.submobjects[0] is not first.submobjects[0]
    assert np.array_equal(again.get_all_points(), fresh.get_all_points())
    assert np.array_equal(_shot(again), _shot(fresh))
    first.shift(DOWN).set_fill(opacity=0.2)  # changing one copy leaves the next as made
    assert np.array_equal(text("loss 0.041  W = [ +1.20 ]", ink, 30, mono=True).get_all_points(),
                          fresh.get_all_points())  # fmt: skip
    assert len(text("loss 0.042  W = [ +1.20 ]", ink, 30, mono=True)) == len(fresh)
    assert len(_TEXTS) == 2


def test_a_holder_shows_the_new_text_whatever_it_showed_before():
    # manim's become() pads the holder with copies of its parts to match the longest
    # text it has shown: what it draws then depends on its history, and a chunk that
    # ran the play skipped drew other pixels than one process (PackingHidden's labels).
    # A play that began before the swap keeps the old parts in its list of moving
    # mobjects and draws them too, unless they are emptied.
    from scenes.lib import show_instead

    ink = palette().ink
    holder = text("step 0", ink)
    listed = holder.get_family()  # what a running play draws, listed when it began
    for words in ("step 12500", "step 3"):
        new = text(words, ink)
        assert show_instead(holder, new) is holder
        listed += holder.get_family()
    fresh = text("step 3", ink)
    assert holder.text == fresh.text
    assert np.array_equal(holder.get_all_points(), fresh.get_all_points())
    assert np.array_equal(_shot(holder), _shot(fresh))
    scene = Scene()
    scene.renderer.camera.reset()
    scene.renderer.camera.capture_mobjects(listed)
    assert np.array_equal(scene.renderer.camera.pixel_array, _shot(fresh))
