"""The custom scenes on wide data: 1-D on a line, wide inputs through a 3-D view, image riders."""

from __future__ import annotations

import numpy as np
import pytest
from custom_harness import six_features, write_images
from scene_harness import assert_text_inside_frame, render_frames

import scenes.custom as custom
from model.custom import custom_config, points_from_arrays, train_and_export_custom
from model.image_folder import load_image_folder
from model.states import load_states
from model.train import build_mlp
from scenes.lib import StatesFile, variance_kept, view_note

FAST = {"stage_seconds": 0.2, "pause_seconds": 0.1, "final_seconds": 0.2, "intro_seconds": 0.4,
        "caption_seconds": 0.1, "snapshot_seconds": 0.05}  # fmt: skip


def _export(points, path, widths):
    import torch

    torch.manual_seed(0)
    model = build_mlp([points.dims, *widths, points.n_classes], "tanh")
    config = custom_config(epochs=80, lr=5e-2, snapshots=4)
    return load_states(train_and_export_custom(model, points, path, config))


@pytest.fixture(scope="module")
def wide(tmp_path_factory):
    """States of a 1-D, a 6-D and an image (8 x 8, 64-D) data set."""
    folder = tmp_path_factory.mktemp("wide")
    line = np.linspace(-2, 2, 60)[:, None]
    x, y = six_features(90)
    write_images(folder / "bars")
    return {
        "line": _export(points_from_arrays(line, np.abs(line[:, 0]) < 1), folder / "1.npz", [2]),
        "six": _export(points_from_arrays(x, y), folder / "6.npz", [5, 3]),
        "images": _export(load_image_folder(folder / "bars"), folder / "i.npz", [4, 3]),
    }


def test_captions_say_how_each_input_is_drawn(wide):
    assert view_note(wide["line"], 0) == "1-D: on a line"
    six = wide["six"]
    share = variance_kept(six, 0)
    assert (
        0 < share < 1
        and view_note(six, 0) == f"6-D, seen in 3-D\nkeeps {share:.0%} of the variance"
    )
    assert custom.image_shape(wide["images"]) == (8, 8, 1) and custom.image_shape(six) is None


@pytest.mark.parametrize("kind", ["line", "six"])
@pytest.mark.parametrize("scene", ["Boundary", "Training"])
def test_the_training_scenes_draw_1d_and_wide_inputs(wide, kind, scene):
    shown = getattr(custom, scene).with_states(StatesFile(wide[kind].path))
    rendered = render_frames(type(scene, (shown,), FAST), width=192, height=108, fps=2)
    assert rendered.n_frames > 3
    assert_text_inside_frame(rendered.scene)


def test_a_1d_input_is_drawn_on_a_line(wide):
    shown = custom.Boundary.with_states(StatesFile(wide["line"].path))
    scene = render_frames(type("Boundary", (shown,), FAST), width=192, height=108, fps=2).scene
    cloud = next(m for m in scene.mobjects if hasattr(m, "positions"))
    assert np.ptp(cloud.positions[:, 1]) < 1e-9 < np.ptp(cloud.positions[:, 0])


def test_image_tiles_ride_their_points_to_the_end(wide):
    states = wide["images"]
    shown = custom.Stretching.with_states(StatesFile(states.path))
    rendered = render_frames(type("Stretching", (shown,), FAST), width=192, height=108, fps=2)
    scene = rendered.scene
    assert_text_inside_frame(scene)
    tiles = [m for m in scene.mobjects if m.updaters and len(m) == states.n_classes]
    assert len(tiles) == 1
    centre = scene.plot_center[:2]
    points = scene.view.cloud.positions[:, :2]
    for k, tile in enumerate(tiles[0]):
        mine = points[np.asarray(states["labels"]) == k].mean(0) - centre
        placed = tile.get_center()[:2] - centre
        # on the ring, on its class's side of the cloud
        assert np.linalg.norm(placed) > 2.5
        assert placed @ mine / (np.linalg.norm(placed) * np.linalg.norm(mine)) > 0.3
