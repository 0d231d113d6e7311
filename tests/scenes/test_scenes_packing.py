"""The packing scenes render small (few training steps), show something in every frame, move."""

from __future__ import annotations

import numpy as np
import pytest
from scene_harness import assert_text_inside_frame, render_frames

import scenes.packing as packing

SHORT = 150  # training steps: enough to leave the initial state


def assert_not_blank(rendered) -> None:
    """Every frame shown after the video's first third, and the scene's final picture, has
    more than 3 colours (in bins of 16 levels)."""
    assert rendered.frames
    after_first_third = np.cumsum(rendered.counts) > rendered.n_frames // 3
    final = rendered.scene.renderer.get_frame()
    shown = [f for f, late in zip(rendered.frames, after_first_third, strict=True) if late]
    for f in [*shown, final]:
        rgb = f[..., :3].reshape(-1, 3).astype(int)
        assert len(np.unique(rgb // 16, axis=0)) > 3, "frame is blank"


SCENE_KNOBS = {
    "PackingInput": {"classes": 3},
    "PackingHidden": {"classes": 3, "run_seconds": 1.0},
    "PackingGallery": {"class_counts": (3,), "grid_cells": 16},  # states shared with the others
    "PackingVectorField": {"classes": 3, "arrows_per_side": 9},
    "PackingAngles": {"classes": 3},
}


@pytest.mark.parametrize("name", sorted(SCENE_KNOBS))
def test_scene_renders_small_and_no_frame_is_blank(name):
    knobs = {"epochs": SHORT, **SCENE_KNOBS[name]}
    scene_cls = getattr(packing, name)
    variant = type(scene_cls.__name__, (scene_cls,), knobs)
    rendered = render_frames(variant, 480, 270, 5)
    assert_not_blank(rendered)
    assert_text_inside_frame(rendered.scene)


def test_hidden_points_move_during_the_flow():
    """The clouds move while the flow plays, not only once it has ended."""
    knobs = {"epochs": SHORT, **SCENE_KNOBS["PackingHidden"], "run_seconds": 2.0}
    variant = type("PackingHidden", (packing.PackingHidden,), knobs)
    rendered = render_frames(variant, 480, 270, 5)
    early, late = rendered.frame_at(0.1).astype(int), rendered.frame_at(1.9).astype(int)
    changed = (np.abs(late - early)[..., :3].sum(-1) > 30).mean()
    assert changed > 0.001, f"only {changed:.3%} of the pixels changed during the flow"


def test_states_sources_follow_the_knobs():
    """A variant that changes k or the training declares the networks it will show."""
    variant = type("PackingHidden", (packing.PackingHidden,), {"classes": 3, "epochs": SHORT})
    configs = [source.config() for source in variant.states_sources]
    assert [(c.classes, c.activation, c.epochs) for c in configs] == [
        (3, a, SHORT) for a in packing.PackingHidden.activations
    ]
    gallery = packing.PackingGallery.states_sources
    assert len(gallery) == len(packing.PackingGallery.activations) * 6
    assert len(set(gallery)) == len(gallery)
    # the renderer's copy with other states keeps them
    other = packing.PackingInput.with_states(*gallery[:1])
    assert other.states_sources == gallery[:1] and other.__name__ == "PackingInput"
