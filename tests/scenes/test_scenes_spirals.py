"""Spirals scenes and the scene library, checked from rendered frames (small, in-process)."""

from __future__ import annotations

import numpy as np
import pytest
from manim import Scene
from scene_harness import (
    assert_frames_alive,
    assert_text_inside_frame,
    assert_texts_apart,
    assert_texts_clear_of,
    render_frames,
    rgb,
    scene_to_pixel,
    text_boxes,
)

from model.stages import apply_stage
from scenes import spirals
from scenes.lib import NetworkView, apply_theme, grid_lines, palette

W, H, FPS = 480, 270, 5


class ShortStretching(spirals.SpiralsStretching):
    intro_seconds = 0.6
    caption_seconds = 0.2
    stage_seconds = 0.4
    pause_seconds = 0.2
    final_seconds = 0.4


class ShortBoundary(spirals.SpiralsBoundary):
    snapshot_seconds = 0.2
    final_seconds = 0.2


class ShortTraining(spirals.SpiralsTraining):
    snapshot_stride = 10
    snapshot_seconds = 0.2
    final_seconds = 0.2


@pytest.fixture(scope="module")
def stretching(trained):
    trained("spirals2d")
    return render_frames(ShortStretching, W, H, FPS)


def test_stretching_frames_alive(stretching):
    assert stretching.duration > 5
    assert_frames_alive(stretching, palette().background)
    assert_text_inside_frame(stretching.scene)


def test_stretching_last_frame_points_on_their_side_of_the_drawn_line(stretching):
    scene, frame = stretching.scene, stretching.frames[-1]
    pal = palette()
    view = scene.view
    states = view.states
    t = states.stage_index(states.n_layers - 2, "activation")
    pts = view.viewport.to_scene(states["trace"][-1, t])
    pix = scene_to_pixel(pts, frame.shape)
    labels = np.asarray(states["labels"])
    correct = np.asarray(states["predictions"][-1]) == labels

    # The line, found from pixels: accent-coloured pixels inside the plot square.
    box = scene_to_pixel(
        np.array(
            [
                scene.plot_center[:2] + scene.plot_half * np.array([-1, 1]),
                scene.plot_center[:2] + scene.plot_half * np.array([1, -1]),
            ]
        ),
        frame.shape,
    )
    (r0, c0), (r1, c1) = box
    crop = frame[r0 + 3 : r1 - 3, c0 + 3 : c1 - 3, :3].astype(float)
    accent = np.abs(crop - rgb(pal.accent)).sum(-1) < 60
    rows, cols = np.nonzero(accent)
    assert len(rows) > 50, "no decision line drawn"
    line_pts = np.stack([rows + r0 + 3, cols + c0 + 3], -1).astype(float)
    mean = line_pts.mean(0)
    _, _, vt = np.linalg.svd(line_pts - mean)
    normal = vt[1]
    residual = np.abs((line_pts - mean) @ normal)
    assert np.percentile(residual, 90) < 2.5, "the accent pixels do not form a line"

    side = (pix - mean) @ normal
    inside = (pix[:, 0] >= 0) & (pix[:, 0] < H) & (pix[:, 1] >= 0) & (pix[:, 1] < W)
    usable = inside & correct & (np.abs(side) > 3)
    s0 = np.sign(side[usable & (labels == 0)])
    s1 = np.sign(side[usable & (labels == 1)])
    assert len(s0) > 100 and len(s1) > 100
    # each class keeps to one side, and the sides differ
    assert abs(s0.mean()) > 0.95 and abs(s1.mean()) > 0.95
    assert np.sign(s0.mean()) != np.sign(s1.mean())

    # the pixels at the points carry their class colours (best of each 3x3 neighbourhood:
    # a dot is about 2 px wide at this size, anti-aliased over the region's tint): the best
    # pixel is nearer the class colour than the region around it (4 px away) is, by half
    for k in (0, 1):
        idx = np.flatnonzero(usable & (labels == k))
        own, other = np.full(len(idx), np.inf), np.full(len(idx), np.inf)
        for dr in (-1, 0, 1):
            for dc in (-1, 0, 1):
                r = np.clip(pix[idx, 0] + dr, 0, H - 1)
                c = np.clip(pix[idx, 1] + dc, 0, W - 1)
                colors = frame[r, c, :3].astype(float)
                own = np.minimum(own, np.abs(colors - rgb(pal.classes[k])).sum(-1))
                other = np.minimum(other, np.abs(colors - rgb(pal.classes[1 - k])).sum(-1))
        around = np.stack([
            frame[np.clip(pix[idx, 0] + dr, 0, H - 1), np.clip(pix[idx, 1] + dc, 0, W - 1), :3]
            for dr, dc in ((-4, -4), (-4, 4), (4, -4), (4, 4))
        ]).astype(float)  # fmt: skip
        tint = np.abs(np.median(around, 0) - rgb(pal.classes[k])).sum(-1)
        assert (own < 0.5 * tint).mean() > 0.9, f"class {k} pixels lack their colour"
        assert (own < other).mean() > 0.95


class GridAfterStage(Scene):
    """Only the warped grid, thick, carried through layer 1 (linear, bias, tanh)."""

    def construct(self) -> None:
        from model.cache import states_for

        self.pal = apply_theme(self)
        self.view = NetworkView(
            states_for("spirals2d"), center=np.zeros(3), fit=3.5, lines=9, grid_width=4.0
        )
        self.view.cloud.set_fill(opacity=0)  # the grid alone
        self.add(self.view.grid)
        for t in (1, 2, 3):
            self.play(self.view.make_stage_animation(t, run_time=0.4))
        self.wait(0.2)  # an animation's own frames stop short of its end state


@pytest.mark.parametrize("theme", ["dark", "light"])
def test_grid_after_stage_passes_through_stage_images(trained, theme):
    states = trained("spirals2d")
    rendered = render_frames(GridAfterStage, W, H, FPS, theme=theme)
    frame, view = rendered.frames[-1], rendered.scene.view
    w, b = states.weights(-1)[0], states.biases(-1)[0]
    act = states.activations[0]

    def through_layer(x: np.ndarray) -> np.ndarray:  # independent of the library's code
        for kind in ("linear", "bias", "activation"):
            x = apply_stage(x, kind, w, b, act)
        return x

    lines = grid_lines(_extent(states), 9, 9)  # (18, 9, 2): nodes every 1/8 of the box
    nodes = through_layer(lines[:9].reshape(-1, 2))
    cells = 0.5 * (lines[:8, :-1] + lines[1:9, 1:])  # cell centres, between grid lines
    centres = through_layer(cells.reshape(-1, 2))
    bg = rgb(palette(theme).background)

    def ink(points: np.ndarray) -> np.ndarray:
        pix = scene_to_pixel(view.viewport.to_scene(points), frame.shape)
        inside = (pix[:, 0] >= 0) & (pix[:, 0] < H) & (pix[:, 1] >= 0) & (pix[:, 1] < W)
        seen = frame[np.clip(pix[:, 0], 0, H - 1), np.clip(pix[:, 1], 0, W - 1), :3]
        return np.where(inside, np.abs(seen.astype(float) - bg).sum(-1), 0.0)

    # cell centres far (> 4 px) from every line of the expected grid must stay background
    dense = through_layer(grid_lines(_extent(states), 9, 300).reshape(-1, 2))
    dense_pix = scene_to_pixel(view.viewport.to_scene(dense), frame.shape)
    centre_pix = scene_to_pixel(view.viewport.to_scene(centres), frame.shape)
    gap = np.linalg.norm(centre_pix[:, None, :] - dense_pix[None], axis=-1).min(1)
    clear = centres[gap > 4]
    on, off = ink(nodes), ink(clear)
    assert (on > 40).mean() > 0.9, "grid lines miss the stage function's images of grid nodes"
    assert len(clear) >= 10
    assert (off < 40).mean() > 0.9, "ink between the expected grid lines"


def _extent(states) -> tuple[float, float, float, float]:
    inputs = np.asarray(states["inputs"])
    lo, hi = inputs.min(0), inputs.max(0)
    pad = 0.1 * (hi - lo)
    return (lo[0] - pad[0], hi[0] + pad[0], lo[1] - pad[1], hi[1] + pad[1])


def test_boundary_renders(trained):
    trained("spirals2d")
    rendered = render_frames(ShortBoundary, W, H, FPS)
    assert_frames_alive(rendered, palette().background)
    assert_text_inside_frame(rendered.scene)
    # the background shows both class colours (tinted) in the last frame
    last = rendered.frames[-1][..., :3].astype(float)
    for k in (0, 1):
        a = ShortBoundary.region_opacity
        tint = (1 - a) * rgb(palette().background) + a * rgb(palette().classes[k])
        assert (np.abs(last - tint).sum(-1) < 30).mean() > 0.05


def test_training_renders_in_light_theme(trained):
    trained("spirals2d")
    rendered = render_frames(ShortTraining, W, H, FPS, theme="light")
    assert_frames_alive(rendered, palette("light").background)
    assert_text_inside_frame(rendered.scene, inset=0.05)
    # no panel title touches its points (nor any other text), at the end
    boxes = text_boxes(rendered.scene)
    assert_texts_apart(boxes)
    for view in rendered.scene.views:
        assert_texts_clear_of(boxes, view.cloud.positions, pad=0.03, what="panel")
