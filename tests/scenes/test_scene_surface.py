"""The shaded mesh under a 3-D grid: shading, winding and the stage function."""

from __future__ import annotations

import numpy as np

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
