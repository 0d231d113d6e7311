"""The packing scenes render small (few training steps), show something in every frame, move."""

from __future__ import annotations

import numpy as np
import pytest
from scene_harness import assert_text_inside_frame, assert_texts_apart, render_frames, text_boxes

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


def test_hidden_numbers_describe_the_snapshot_shown():
    """While the points flow, every accuracy on screen is its network's at the step shown
    (not the trained network's from the first frame on)."""
    knobs = {"epochs": SHORT, **SCENE_KNOBS["PackingHidden"], "run_seconds": 2.0}
    variant = type("PackingHidden", (packing.PackingHidden,), knobs)

    def probe(scene) -> list[str]:
        return [t for t, _ in text_boxes(scene)]

    rendered = render_frames(variant, 256, 144, 5, probe=probe)
    networks = [rendered.scene.states(i) for i in range(len(packing.PackingHidden.activations))]
    steps = [int(v) for v in networks[0]["steps"]]
    checked, steps_seen = 0, set()
    for texts in rendered.probes:
        step = [t for t in texts if t.startswith("step")]
        shown = sorted(t for t in texts if t.startswith("accuracy"))
        assert len(step) == 1 and len(shown) == len(networks), texts
        s = steps.index(int(step[0].removeprefix("step")))
        expected = sorted(packing.snapshot_accuracy(st, s).replace(" ", "") for st in networks)
        assert shown == expected, (step[0], shown, expected)
        steps_seen.add(s)
        checked += 1
    assert checked >= 10 and len(steps_seen) > 3  # the texts follow the snapshots


def test_gallery_labels_clear_of_the_panels_and_the_edge():
    """Row names keep off the frame's edge; the "k=..." captions sit below their panel's
    square (not on ReLU's axis line); no text overlaps another or a panel."""
    knobs = {"epochs": SHORT, **SCENE_KNOBS["PackingGallery"], "class_counts": (2, 3)}
    rendered = render_frames(type("PackingGallery", (packing.PackingGallery,), knobs), 480, 270, 5)
    scene = rendered.scene
    assert_text_inside_frame(scene, inset=0.15)
    boxes = text_boxes(scene)
    squares = []
    for panel in scene.panels:  # each panel's regions cover its square
        lo, hi = panel.get_corner(np.array([-1, -1, 0])), panel.get_corner(np.array([1, 1, 0]))
        squares.append(("panel", np.array([lo[0], lo[1], hi[0], hi[1]])))
    assert len(squares) == len(packing.PackingGallery.activations) * 2
    assert_texts_apart([*boxes, *squares], pad=0.02)
