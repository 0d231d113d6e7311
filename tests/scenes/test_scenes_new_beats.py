"""The video's remaining beats (issue 17), checked from rendered frames (small, in-process)."""

from __future__ import annotations

import numpy as np
import pytest
from scene_harness import assert_frames_alive, assert_text_inside_frame, render_frames, rgb

from scenes import disks as disks_story
from scenes import film, manifolds, primer, spirals
from scenes.lib import NetworkDiagram, palette, weight_colors

W, H, FPS = 320, 180, 4


class ShortNetworkTraining(spirals.SpiralsNetworkTraining):
    snapshot_stride = 12
    snapshot_seconds = 0.25
    final_seconds = 0.25


class ShortSpirals3D(spirals.Spirals3DTraining):
    intro_seconds = 0.5
    caption_seconds = 0.25
    stage_seconds = 0.25
    pause_seconds = 0.25
    camera_seconds = 0.25
    plane_seconds = 0.25
    final_seconds = 0.25
    snapshot_stride = 20
    snapshot_seconds = 0.25
    replay_seconds = 0.25
    max_stages = None


class ShortUnrolled(disks_story.DisksUnrolled):
    morph_seconds = 1.0


class ShortManifolds(manifolds.ManifoldExamples):
    draw_seconds = 0.25


class ShortCard(film.PrimerChapter):
    hold_seconds = 0.5


def _check(rendered, moving: bool = True) -> None:
    assert_frames_alive(rendered, palette().background, moving=moving)
    assert_text_inside_frame(rendered.scene)


def test_network_training_edges_follow_the_shown_snapshot(trained):
    states = trained("spirals2d")
    rendered = render_frames(ShortNetworkTraining, W, H, FPS)
    _check(rendered)
    scene = rendered.scene
    assert scene.shown == states.n_snapshots - 1
    pal = palette()
    for lines, w in zip(scene.diagram.edges, states.weights(scene.shown), strict=True):
        expected = weight_colors(w, pal)
        drawn = [line.get_stroke_color().to_hex().lower() for line in lines]
        assert drawn == [c.lower() for c in expected]
    # the biggest weight is drawn widest
    widths = np.array([line.get_stroke_width() for lines in scene.diagram.edges for line in lines])
    sizes = np.concatenate([np.abs(w).ravel() for w in states.weights(scene.shown)])
    assert widths.argmax() == sizes.argmax()


def test_two_to_two_shows_the_first_layers_trained_signs(trained):
    states = trained("spirals2d")
    rendered = render_frames(spirals.TwoToTwo, W, H, FPS)
    _check(rendered, moving=False)
    diagram = rendered.scene.diagram
    for value, line in zip(states.weights(-1)[0].ravel(), diagram.edges[0], strict=True):
        assert line.get_stroke_color().to_hex().lower() == weight_colors([value], palette())[0]


def test_two_to_eight_and_a_chapter_card_render():
    _check(render_frames(primer.TwoToEight, W, H, FPS))
    _check(render_frames(ShortCard, W, H, FPS), moving=False)


def test_network_diagram_refuses_weights_of_the_wrong_size():
    diagram = NetworkDiagram((2, 3), palette())
    with pytest.raises(ValueError):
        diagram.set_weights([np.ones((2, 2))])


def test_unrolling_separates_the_disk_from_the_ring(trained):
    states = trained("disks2d")
    x, y = states["inputs"], np.asarray(states["labels"])
    height = disks_story.unroll(x)[:, 1]
    assert height[y == 0].max() < height[y == 1].min()  # one horizontal line separates them
    rendered = render_frames(ShortUnrolled, W, H, FPS)
    _check(rendered)
    assert height[y == 0].max() < rendered.scene.cut < height[y == 1].min()


def test_manifold_examples_have_the_right_dimensions_and_are_drawn():
    rendered = render_frames(ShortManifolds, W, H, FPS)
    _check(rendered)
    shapes = rendered.scene.shapes
    assert {n: s.dimension for n, s in shapes.items()} == {
        "dot": 0, "line": 1, "circle": 1, "plane": 2, "sphere": 2, "torus": 2,
    }  # fmt: skip
    # the sphere's wireframe lies on the unit sphere, the circle's on the unit circle
    assert np.allclose(np.linalg.norm(manifolds.manifold_lines("sphere"), axis=-1), 1.0)
    assert np.allclose(np.linalg.norm(manifolds.manifold_lines("circle"), axis=-1), 1.0)
    # every shape's colour shows in the last frame
    # (thin strokes at this size blend with the background: measure how far each pixel
    # has gone from the background towards the colour)
    frame = rendered.frames[-1][..., :3].astype(float)
    background = rgb(palette().background)
    for dim in (0, 1, 2):
        towards = rgb(palette().classes[dim]) - background
        share = (frame - background) @ towards / (towards @ towards)
        off_axis = np.linalg.norm(frame - background - share[..., None] * towards, axis=-1)
        assert ((share > 0.3) & (off_axis < 40)).sum() > 10, f"no {dim}-D manifold drawn"


def test_mnist_digits_are_real_digits_of_each_class():
    rendered = render_frames(manifolds.MnistDigits, W, H, FPS)
    _check(rendered)
    from model.data import mnist_split

    labels = mnist_split().y_heldout
    shown = rendered.scene.shown
    assert (labels[shown] == np.arange(10)).all()


@pytest.mark.slow
def test_tanh_and_relu_clusters_come_from_two_real_trainings(trained):
    tanh, relu = trained("mnist"), trained("mnist_relu")
    assert tanh.activations[0] == "tanh" and relu.activations[0] == "relu"
    rendered = render_frames(manifolds.MnistTanhRelu, W, H, FPS)
    _check(rendered)
    scene = rendered.scene
    assert [p.activation for p in scene.panels] == ["tanh", "relu"]
    # "seen in 3-D": both clouds turn at the scene's rate from the first frame to the last
    for p in scene.panels:
        turned = np.degrees(p.turned) - scene.turn
        assert turned == pytest.approx(scene.turn_rate * rendered.duration,
                                       abs=2 * scene.turn_rate / FPS)  # fmt: skip
    # no still: every second of the scene, a frame and the one a second later differ
    changes = [moved_share(rendered.frame_at(t), rendered.frame_at(t + 1.0))
               for t in np.arange(0.0, rendered.duration - 1.0, 0.5)]  # fmt: skip
    assert min(changes) > 0.005, [f"{c:.2%}" for c in changes]


def moved_share(a: np.ndarray, b: np.ndarray) -> float:
    """Share of pixels that differ by more than 30 (summed over R, G, B) between two frames."""
    return float((np.abs(a[..., :3].astype(int) - b[..., :3].astype(int)).sum(-1) > 30).mean())


def test_a_still_scene_fails_the_motion_check():
    """The check above on a still scene: a frame and the one a second later are the same."""
    rendered = render_frames(manifolds.MnistDigits, W, H, FPS)
    end = rendered.duration
    assert moved_share(rendered.frame_at(end - 1.5), rendered.frame_at(end - 0.5)) == 0.0


@pytest.mark.slow
def test_spirals_3d_trains_and_replays(trained):
    states = trained("spirals3d")
    assert states.widths == [2, 3, 3, 3, 3, 2]
    rendered = render_frames(ShortSpirals3D, W, H, FPS)
    _check(rendered)
    assert rendered.scene.shown_snapshot == states.n_snapshots - 1
    assert rendered.scene.plane not in rendered.scene.mobjects


def test_dataset_examples_say_the_dimensions_of_the_data_shown(trained):
    trained("spirals2d")
    trained("disks2d")
    rendered = render_frames(manifolds.DatasetExamples, W, H, FPS)
    _check(rendered)
    assert [toy.dimension for toy in rendered.scene.toys] == [2, 2]
    assert rendered.scene.real_dimension == 28 * 28
