"""The shaded mesh under a 3-D grid: shading, winding and the stage function."""

from __future__ import annotations

import numpy as np
import pytest

from model.stages import apply_stage
from scenes.lib import NetworkView, WarpedSurface, mesh_nodes


def _flat(n: int = 5) -> np.ndarray:
    return np.pad(mesh_nodes((-1, 1, -1, 1), n), ((0, 0), (0, 0), (0, 1)))


def _faces(layer) -> np.ndarray:
    """A layer's faces as ``(F, 4, 3)`` corners (the first point of each edge)."""
    return layer.points.reshape(-1, 4, 4, 3)[:, :, 0]


def test_a_face_towards_the_light_is_strongest_and_one_edge_on_is_faintest():
    surface = WarpedSurface(_flat(), levels=4)
    counts = [len(_faces(layer)) for layer in surface]
    assert counts == [0, 0, 0, 16]  # 4 x 4 faces, all facing the light (0, 0, 1)
    surface.set_light(np.array([1.0, 0.0, 0.0]))
    assert [len(_faces(layer)) for layer in surface] == [16, 0, 0, 0]
    opacities = [layer.get_fill_opacity() for layer in surface]
    assert opacities == sorted(opacities) and opacities[0] < opacities[-1]


def test_folded_faces_are_all_wound_the_same_way_seen_from_the_light():
    nodes = _flat(9)
    nodes[..., 2] = 0.0
    fold = nodes[..., 0] > 0  # fold the right half back over the left one
    nodes[fold, 0] *= -1
    nodes[fold, 2] = 0.3
    light = np.array([0.0, 0.0, 1.0])
    surface = WarpedSurface(nodes, light=light)
    faces = np.concatenate([_faces(layer) for layer in surface])
    assert len(faces) == 64
    signed = []
    for a, b, c, d in faces:
        normal = np.cross(c - a, d - b)
        if np.linalg.norm(normal) > 1e-9:
            signed.append(np.sign(normal @ light))
    assert len(signed) == 64 and set(signed) == {1.0}  # unflipped, the folded half is -1


def test_view_surface_follows_the_stage_function(trained):
    states = trained("disks3d")
    view = NetworkView(states, surface=7)
    assert view.surface is not None and len(view.surface_data) == view.n_stages
    nodes = view.surface_input.reshape(-1, 2)
    weights, biases = states.weights(-1), states.biases(-1)
    true = nodes
    for t in range(1, view.n_stages):
        layer, kind = states.stages()[t]
        true = apply_stage(true, kind, weights[layer], biases[layer], states.activations[layer])
        assert np.allclose(view.surface_data[t].reshape(-1, 3), states.project(true, t), atol=1e-9)
    # the mobject shows the stage it is set to
    view.set_stage(3)
    shown = view.viewport.to_scene(view.surface_data[3])
    assert np.allclose(view.surface.positions, shown)


def test_the_ambient_turn_is_the_same_in_one_step_as_frame_by_frame():
    # A chunk runs the plays before its range in one step each; the angle it reaches
    # must be the drawn frames' angle to the bit (a surface face near a shade edge
    # turned to the next shade when it was not).
    from manim import config

    from scenes.lib import Scene3D

    def angle(steps: list[float]) -> float:
        scene = Scene3D()
        scene.camera.theta_tracker.set_value(-0.9)
        scene.begin_ambient_camera_rotation(rate=0.07)
        for dt in steps:
            scene.camera.theta_tracker.update(dt)
        return scene.camera.theta_tracker.get_value()

    fps = config.frame_rate
    frames = np.arange(0, 2.3, 1 / fps)  # a 2.3 s play drawn, as manim steps it
    drawn = angle([0.0, *np.diff(frames)] * 5)  # five plays
    assert angle([frames[-1]] * 5) == drawn
    assert drawn == pytest.approx(-0.9 + 0.07 * 5 * frames[-1], abs=1e-12)


def test_a_surface_fades_in_to_every_shade_while_its_faces_change_layers():
    # A surface is made lit from above, and the first frame turns its faces to the
    # camera: they leave the brightest layer for others. manim's FadeIn sets only the
    # layers with faces in that frame, so DisksBulge3D's brightest layer stayed at
    # opacity 0 (as the fade began) for the rest of the scene.
    from manim import Scene

    from scenes.lib.captions import Fade

    bulge = _flat(9)
    bulge[..., 2] = 1.2 * np.exp(-4 * (bulge[..., :2] ** 2).sum(-1))
    surface = WarpedSurface(bulge)  # lit from above, as made
    scene = Scene()
    scene.add(surface)
    fade = Fade(surface)
    fade._setup_scene(scene)
    fade.begin()
    toward = np.array([0.5, -0.6, 0.62])  # the camera, as the scene's updater sets it
    for alpha in np.linspace(0, 1, 12):
        fade.interpolate(alpha)
        surface.set_light(toward)
    fade.finish()
    shown = [layer.get_fill_opacity() for layer in surface.submobjects]
    assert np.allclose(shown, surface.opacities)
    assert sum(len(layer.points) > 0 for layer in surface.submobjects) >= 3  # shades in view
