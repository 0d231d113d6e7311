"""Framing: the stage-by-stage view follows the points, eased, with rulers; the primer's stays."""

from __future__ import annotations

import numpy as np
import pytest
from manim import config
from scene_harness import render_frames

from scenes import primer, spirals


class SlowStretching(spirals.SpiralsStretching):
    """Stages long enough (10 frames at 10 fps) to see how the view moves within one."""

    intro_seconds = 0.4
    caption_seconds = 0.2
    stage_seconds = 1.0
    pause_seconds = 0.1
    final_seconds = 0.2
    max_stages = 7  # through layer 3's linear stage, where the spirals network collapses a lot


def _view(scene):
    vp = scene.view.viewport
    rulers = scene.ruler

    def value(label) -> float:  # a DecimalNumber, or its plain-text stand-in
        return float(label.get_value() if hasattr(label, "get_value") else label.text)

    numbers = [(value(label), label.get_center()) for label in rulers.numbers]
    return vp.center.copy(), float(vp.scale), scene.view.cloud.get_positions().copy(), numbers


@pytest.mark.slow
def test_the_view_follows_the_points_extent_and_never_jumps(trained):
    trained("spirals2d")
    rendered = render_frames(SlowStretching, 320, 180, 10, probe=_view)
    x0, x1, y0, y1 = rendered.scene.box
    side = x1 - x0
    fills = []
    for _centre, _scale, points, _numbers in rendered.probes:
        # every point inside the plot square, in every frame
        assert points[:, 0].min() >= x0 and points[:, 0].max() <= x1
        assert points[:, 1].min() >= y0 and points[:, 1].max() <= y1
        fills.append((points[:, :2].max(0) - points[:, :2].min(0)).max() / side)
    scales = np.array([p[1] for p in rendered.probes])
    fills = np.array(fills)
    rest = np.r_[True, np.abs(np.diff(np.log(scales))) < 1e-9]  # between two stages
    assert rest.sum() > 20 and fills[rest].min() > 0.85, f"only {fills[rest].min():.0%} at rest"
    # Within a linear stage the view moves the points' box from the start's to the end's: where
    # (1 - t) I + t W passes a singular matrix (W has a negative eigenvalue), the points fold
    # through a line and are seen to thin (measured 46% at the narrowest), not hidden by a zoom.
    assert fills.min() > 0.4, f"the points fill only {fills.min():.0%} of the square"
    assert np.log(scales.max() / scales.min()) > 1.5, "the view should zoom a lot in this scene"

    # Eased, never a jump: at twice the frame rate the largest change in a frame shrinks to
    # about half (a jump would stay as large).
    def largest_step(fps: int) -> tuple[float, float]:
        probes = render_frames(FirstLayer, 320, 180, fps, probe=_view).probes
        zoom = np.abs(np.diff(np.log([p[1] for p in probes]))).max()
        pan = np.linalg.norm(np.diff([p[0] for p in probes], axis=0), axis=1).max()
        return float(zoom), float(pan)

    (zoom10, pan10), (zoom20, pan20) = largest_step(10), largest_step(20)
    assert zoom10 > 0.1 and pan10 > 0.05  # it does zoom and pan
    assert zoom20 < 0.8 * zoom10 and pan20 < 0.8 * pan10


class FirstLayer(SlowStretching):
    max_stages = 3


def test_the_rulers_number_their_ticks_in_data_units(trained):
    trained("spirals2d")
    rendered = render_frames(SlowStretching, 320, 180, 10, probe=_view)
    y0 = rendered.scene.box[2]
    checked = 0
    for centre, scale, _points, numbers in rendered.probes:
        for value, at in numbers:
            below = at[1] < y0  # a number of the bottom ruler (the left one's sit left of x0)
            data = (at[0] - centre[0]) / scale if below else (at[1] - centre[1]) / scale
            step = 10 ** np.floor(np.log10(max(abs(value), 1e-9))) if value else 1.0
            assert abs(data - value) < 0.02 * step + 0.05 / scale, (value, data)
            checked += 1
    assert checked > 100


class StillMatrix(primer.MatrixOnGrid):
    stage_seconds = 1.0
    pause_seconds = 0.2


def test_matrix_on_grid_keeps_its_frame_and_the_square_grows_by_det_w():
    view = lambda s: (s.viewport.center.copy(), s.viewport.scale)  # noqa: E731
    rendered = render_frames(StillMatrix, 320, 180, 5, probe=view)
    centres = np.array([p[0] for p in rendered.probes])
    assert np.ptp(centres, axis=0).max() == 0 and len({p[1] for p in rendered.probes}) == 1
    scene = rendered.scene
    corners = scene.patch.get_positions()[:, :2] / scene.viewport.scale  # data units
    x, y = corners[:, 0], corners[:, 1]
    area = 0.5 * abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))
    assert abs(area - np.linalg.det(primer.EXAMPLE_W)) < 1e-9
    # the grid is cut at the window: nothing of it outside
    x0, x1, y0, y1 = scene.box
    pts = scene.grid.points
    assert pts[:, 0].min() >= x0 - 1e-9 and pts[:, 0].max() <= x1 + 1e-9
    assert pts[:, 1].min() >= y0 - 1e-9 and pts[:, 1].max() <= y1 + 1e-9
    assert config.frame_width / 2 > x1  # and the window is inside the frame


def test_numbers_the_rulers_replace_are_not_drawn_again(trained):
    # manim draws a play's frames from the mobjects listed when it began: a number the
    # rulers replaced in the middle of a stage was drawn on, at its old place, over the new.
    trained("spirals2d")

    def stale(scene) -> int:
        now = {id(m) for m in scene.get_mobject_family_members()}
        return sum(1 for m in scene.moving_mobjects if len(m.points) and id(m) not in now)

    rendered = render_frames(FirstLayer, 160, 90, 5, probe=stale)
    assert len(rendered.probes) > 10 and max(rendered.probes) == 0


def test_the_3d_box_follows_the_cloud_and_ticks_round_data_values():
    """ExtentBox: 12 edges around the points' box (padded), ticks at round data values on
    three edges, and after the points move (a stage, a zoom) the box moves with them."""
    from scenes.lib import ExtentBox, PointCloud, Viewport, palette
    from scenes.lib.rulers import tick_values

    rng = np.random.default_rng(0)
    data = rng.uniform([-1.0, -0.5, 0.0], [2.0, 0.5, 0.4], (200, 3))
    vp = Viewport(np.array([0.3, -0.2, 0.1]), 1.5)
    cloud = PointCloud(vp.to_scene(data), np.zeros(200, int), ["#ffffff"])
    box = ExtentBox(cloud, vp, palette())

    def check() -> None:
        lo, hi = box.corners()
        p = cloud.positions
        assert np.all(lo < p.min(0)) and np.all(p.max(0) < hi)
        grow = ExtentBox.pad * float(np.ptp(p, 0).max())
        assert np.allclose(lo, p.min(0) - grow) and np.allclose(hi, p.max(0) + grow)
        segments = box.points.reshape(-1, 4, 3)
        data_lo, data_hi = vp.to_data(lo), vp.to_data(hi)
        ticks = sum(len(tick_values(data_lo[k], data_hi[k], box.ticks)[0]) for k in range(3))
        assert len(segments) == 12 + ticks
        edges = segments[:12, [0, 3]]
        for a, b in edges:  # each edge runs along one axis between two corners of the box
            assert np.count_nonzero(np.abs(b - a) > 1e-9) == 1
            for end in (a, b):
                assert np.all(np.isclose(end, lo) | np.isclose(end, hi))
        starts = vp.to_data(segments[12:, 0])  # ticks at round data values, on the edges
        at = 0
        for k in range(3):  # one block of ticks per axis, on the edge from the lowest corner
            values = tick_values(data_lo[k], data_hi[k], box.ticks)[0]
            block = starts[at : at + len(values)]
            assert len(values) >= 2 and np.allclose(block[:, k], values)
            others = [j for j in range(3) if j != k]
            assert np.allclose(block[:, others], data_lo[others])
            at += len(values)

    check()
    vp.center, vp.scale = np.array([-1.0, 0.5, 0.0]), 0.6  # the view zooms out and pans
    cloud.set_positions(vp.to_scene(2.0 * data))  # the points move
    box.update()
    check()


def test_a_centred_3d_view_fills_its_ball_at_every_stage(trained):
    """With ``centred``, every stage's points fill the ball of radius ``fit`` about the centre
    (the farthest point on its edge), however far a bias moved them; anchored at the origin,
    DisksBulge3D's cloud swings from 2.5 to 4.4 units out (measured): past the ball, then
    small."""
    from scenes.lib import NetworkView

    states = trained("disks3d")
    reach = {}
    for centred in (True, False):
        view = NetworkView(states, fit=3.0, fit_to="points", centred=centred, lines=3, samples=4)
        reach[centred] = []
        for stage in range(view.n_stages):
            view.set_stage(stage)
            p = view.cloud.positions
            mid = 0.5 * (p.min(0) + p.max(0))
            reach[centred].append(float(np.linalg.norm(p - mid, axis=-1).max()))
            if centred:
                assert np.allclose(mid, 0.0, atol=1e-9)
    assert np.allclose(reach[True], 3.0)
    assert max(reach[False]) / min(reach[False]) > 1.25

    # a stretched grid holds the zoom back: it stays within grid_reach, the points fill the
    # ball where it does not bind
    view = NetworkView(states, fit=3.0, fit_to="points", centred=True, grid_reach=3.4, lines=3,
                       samples=4)  # fmt: skip
    bound = 0
    for stage in range(view.n_stages):
        view.set_stage(stage)
        p = view.cloud.positions
        points = np.linalg.norm(p, axis=-1).max()
        grid = np.linalg.norm(view.grid.get_positions().reshape(-1, 3), axis=-1).max()
        assert points <= 3.0 + 1e-9 and grid <= 3.4 + 1e-9
        assert np.isclose(points, 3.0) or np.isclose(grid, 3.4)
        bound += bool(np.isclose(grid, 3.4) and points < 3.0 - 1e-6)
    assert 0 < bound < view.n_stages  # it binds at some stages, not all
