"""The generic scenes for your own network and data: they show the user's states file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from custom_harness import two_moons
from scene_harness import render_frames, scene_to_pixel
from torch import nn

import scenes.custom as custom
from model.custom import custom_config, points_from_arrays, train_and_export_custom
from model.states import load_states
from scenes.lib import StatesFile, TiltedView, palette

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def moons_states(tmp_path_factory):
    """A small net of our own, trained on two moons made here, exported to a states file."""
    x, y = two_moons(80)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 2), nn.Tanh(), nn.Linear(2, 2), nn.Tanh(), nn.Linear(2, 2))
    path = tmp_path_factory.mktemp("scenes") / "moons.npz"
    train_and_export_custom(
        model, points_from_arrays(x, y), path, custom_config(epochs=300, lr=5e-2, snapshots=8)
    )
    return load_states(path)


def _short(cls, **knobs):
    return type(cls.__name__, (cls,), knobs)


@pytest.mark.slow
def test_generic_scenes_render_the_users_states(moons_states, monkeypatch):
    assert moons_states["accuracy"][-1] > 0.9
    # as the renderer does: a copy of the scene class showing this file
    mine = custom.Stretching.with_states(StatesFile(moons_states.path))
    assert mine.__name__ == "Stretching" and mine.states_sources[0].path() == moons_states.path
    fast = {"stage_seconds": 0.4, "pause_seconds": 0.2, "final_seconds": 0.4}
    stretched = render_frames(_short(mine, **fast), width=640, height=360, fps=5)
    view = stretched.scene.view
    last = stretched.frame_at(-0.1)[..., :3].astype(int)
    # it ends in the last hidden space, the points where the trace puts them, in their colours
    assert view.stage == moons_states.stage_index(moons_states.n_layers - 2, "activation")
    pixels = scene_to_pixel(
        view.viewport.to_scene(moons_states["trace"][-1, view.stage]), last.shape
    )
    colours = np.array([[int(c[i : i + 2], 16) for i in (1, 3, 5)] for c in palette().classes])
    for k in range(2):
        mine_px = pixels[moons_states["labels"] == k]
        mine_px = mine_px[(mine_px.min(1) >= 1) & (mine_px[:, 0] < 359) & (mine_px[:, 1] < 639)]
        own, any_dot = np.full(len(mine_px), 999), np.full(len(mine_px), 999)
        for dr in (-1, 0, 1):
            for dc in (-1, 0, 1):
                got = last[mine_px[:, 0] + dr, mine_px[:, 1] + dc]
                own = np.minimum(own, np.abs(got - colours[k]).sum(1))
                other = np.abs(got - colours[1 - k]).sum(1)  # a dot of the other class on top
                any_dot = np.minimum(any_dot, np.minimum(own, other))
        assert len(mine_px) > 40
        assert (own < 60).mean() > 0.5, f"class {k}: {(own < 60).mean():.2f} in its colour"
        assert (any_dot < 100).mean() > 0.9, f"class {k}: {(any_dot < 100).mean():.2f} dotted"
    # as `STATES=... manim scenes/custom.py Boundary` does: the file named by $STATES
    monkeypatch.setenv("STATES", str(moons_states.path))
    boundary = render_frames(_short(custom.Boundary, snapshot_seconds=0.2, final_seconds=0.2))
    assert boundary.n_frames >= moons_states.n_snapshots
    assert len(np.unique(boundary.frame_at(-0.1)[..., :3].reshape(-1, 3), axis=0)) > 20
    # the panels are the user's network's stages, not the spirals preset's
    training = render_frames(_short(custom.Training, snapshot_seconds=0.1, final_seconds=0.2))
    views = training.scene.views
    assert len(views) == len(moons_states.stages()) == 9  # input, 2 x 3 hidden, 2 output
    assert all(v.states.path == moons_states.path for v in views)
    assert np.allclose(views[0].cloud.positions, views[0].viewport.to_scene(moons_states["inputs"]))


def three_blobs(n: int = 40, seed: int = 0):
    """Three round clusters at the corners of a triangle, made here."""
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0, 1.0], [-0.9, -0.6], [0.9, -0.6]])
    x = np.concatenate([c + 0.25 * rng.standard_normal((n, 2)) for c in centres])
    return x, np.repeat(["a", "b", "c"], n)


def test_a_three_class_network_ends_on_its_three_regions_under_the_points(tmp_path):
    """Custom Stretching of a 2-D, 3-class network ends in the last hidden space with the
    output layer's three regions drawn, each under its own class's points."""
    x, y = three_blobs()
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 2), nn.Tanh(), nn.Linear(2, 3))
    path = tmp_path / "blobs.npz"
    train_and_export_custom(
        model, points_from_arrays(x, y), path, custom_config(epochs=200, lr=5e-2, snapshots=2)
    )
    states = load_states(path)
    assert states["accuracy"][-1] > 0.95
    fast = {"stage_seconds": 0.2, "pause_seconds": 0.1, "final_seconds": 0.2,
            "caption_seconds": 0.2, "intro_seconds": 0.2}  # fmt: skip
    short = _short(custom.Stretching.with_states(StatesFile(path)), **fast)
    rendered = render_frames(short, width=320, height=180, fps=5)
    scene, last = rendered.scene, rendered.frames[-1][..., :3].astype(float)
    assert scene.view.stage == states.stage_index(states.n_layers - 2, "activation")
    pal = palette()
    background = np.array([int(pal.background[i : i + 2], 16) for i in (1, 3, 5)])
    points = scene.view.viewport.to_scene(states["trace"][-1, scene.view.stage])
    pixels = scene_to_pixel(points, last.shape)
    for k in range(3):
        colour = np.array([int(pal.classes[k][i : i + 2], 16) for i in (1, 3, 5)])
        tint = background + 0.28 * (colour - background)  # the region's fill over the background
        near = np.abs(last - tint).sum(-1) < 24
        assert near.mean() > 0.01, f"region {k} is not drawn ({near.mean():.4f} of the frame)"
        # around class k's points (a few pixels off each dot), the tint of region k
        mine = pixels[states["labels"] == k]
        rows, cols = np.clip(mine[:, 0] + 4, 0, 179), np.clip(mine[:, 1] + 4, 0, 319)
        assert near[rows, cols].mean() > 0.6, f"class {k}: {near[rows, cols].mean():.2f}"


def test_tilted_view_fits_what_lands_on_the_screen(tmp_path):
    """3-wide layers are seen obliquely; every stage's grid fills the plot square, no more."""
    x, y = two_moons(60)
    torch.manual_seed(1)
    model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 3), nn.Tanh(), nn.Linear(3, 2))
    path = tmp_path / "w3.npz"
    train_and_export_custom(
        model, points_from_arrays(x, y), path, custom_config(epochs=100, lr=5e-2, snapshots=3)
    )
    states = load_states(path)
    center, fit = np.array([-2.7, -0.1, 0.0]), 3.4
    view = TiltedView(states, 55 * np.pi / 180, -30 * np.pi / 180, center=center, fit=fit)
    for t in range(view.n_stages):
        view.set_stage(t)
        reach = np.abs(view.grid.positions[..., :2] - center[:2]).max()
        assert fit * 0.999 < reach < fit * 1.001, (t, reach)  # a box fit overshot: 3.8 at the input


def test_scenes_without_states_stop_with_one_line():
    env = {k: v for k, v in os.environ.items() if k != "STATES"}
    proc = subprocess.run(
        [sys.executable, "-m", "manim", "-ql", "--dry_run", "scenes/custom.py", "Stretching"],
        capture_output=True, text=True, cwd=REPO, env=env, timeout=120,
    )  # fmt: skip
    assert proc.returncode != 0
    assert "error: set STATES to a states file" in proc.stderr
    assert "Traceback" not in proc.stderr
    env["STATES"] = str(REPO / "no-such-file.npz")
    bad = subprocess.run(
        [sys.executable, "-m", "manim", "-ql", "--dry_run", "scenes/custom.py", "Boundary"],
        capture_output=True, text=True, cwd=REPO, env=env, timeout=120,
    )  # fmt: skip
    assert bad.returncode != 0 and "no such states file" in bad.stderr
    assert "Traceback" not in bad.stderr
