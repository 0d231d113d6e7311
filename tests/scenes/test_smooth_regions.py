"""Decision regions at 1080p follow the network's own boundary, not a staircase of cells.

The measure: every pixel of the plot is read as the class whose tint it shows, and
compared with the class the network gives the pixel's centre (its scores, sampled at
every pixel; :func:`scene_harness.misplaced_region_pixels`). A pixel may disagree
only where the true boundary passes within :data:`EDGE_PX` of its centre (the
anti-aliased edge). Measured on spirals2d's last snapshot: the traced regions at most
0.5 px off; the 96-cell class map stretched over the 700-px plot (drawn before) 2.5 px,
at the steps of its stairs.
"""

from __future__ import annotations

import numpy as np
import pytest
from scene_harness import misplaced_region_pixels, network_classes, render_frames

from scenes import spirals
from scenes.lib import class_image, input_regions, palette

W, H = 1920, 1080
EDGE_PX = 1.5  # a pixel centre this close to the true boundary may show either class


def _check(frame, states, snapshot, viewport, box, colors, background, opacity) -> None:
    """The regions drawn over ``box`` (data coordinates) in ``frame`` follow the network."""
    from manim import config

    xmin, xmax, ymin, ymax = box
    px = W / config.frame_width  # pixels per scene unit
    (c0, r1), (c1, r0) = (  # the box's pixel corners
        (viewport.to_scene(np.array(corner))[:2] * [1, -1]) * px + [W / 2, H / 2]
        for corner in ([xmin, ymin], [xmax, ymax])
    )
    rows = np.arange(int(np.ceil(r0)) + 3, int(r1) - 3)  # 3 px inside
    cols = np.arange(int(np.ceil(c0)) + 3, int(c1) - 3)
    gx, gy = np.meshgrid((cols + 0.5 - W / 2) / px, (H / 2 - (rows + 0.5)) / px)
    data = viewport.to_data(np.stack([gx, gy, np.zeros_like(gx)], -1))[..., :2]
    crop = frame[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    truth = network_classes(data, states, snapshot)
    off, read, edge = misplaced_region_pixels(crop, truth, colors, background, opacity)
    assert read > 0.7 * 650**2 and edge > 500  # the plot was read, and it has a boundary
    worst = float(off.max(initial=0.0))
    assert worst <= EDGE_PX, (
        f"{len(off)} pixels show the wrong class, up to {worst:.1f} px from the network's "
        f"boundary (the stairs of a class map?)"
    )


def _one_frame(mobjects, background: str) -> np.ndarray:
    from manim import tempconfig
    from manim.camera.camera import Camera

    with tempconfig({"pixel_width": W, "pixel_height": H}):
        camera = Camera(background_color=background)
        camera.capture_mobjects(mobjects)
        return camera.pixel_array.copy()


def test_input_regions_follow_the_network_within_a_pixel_at_1080p(trained):
    states, pal = trained("spirals2d"), palette("dark")
    view = spirals._plot(spirals.SpiralsNetworkTraining.plot_center, 2.6, states)
    box = tuple(float(v) for v in states["grid_extent"])
    halfway = int(np.argmax(np.asarray(states["accuracy"]) > 0.8))  # a boundary still moving
    for snapshot in (halfway, -1):
        regions = input_regions(states, snapshot, view, box, pal.classes, opacity=0.4)
        frame = _one_frame([regions], pal.background)
        _check(frame, states, snapshot, view, box, pal.classes, pal.background, 0.4)


def test_the_measure_sees_the_stairs_of_a_class_map(trained):
    """The check fails on what the scenes drew before: the states' 96-cell grid_pred as an
    image, stretched over the plot (bilinear), as SpiralsNetworkTraining did."""
    states, pal = trained("spirals2d"), palette("dark")
    view = spirals._plot(spirals.SpiralsNetworkTraining.plot_center, 2.6, states)
    box = xmin, xmax, ymin, ymax = tuple(float(v) for v in states["grid_extent"])
    image = class_image(states["grid_pred"][-1], pal.classes, opacity=0.4)
    image.stretch_to_fit_width(view.scale * (xmax - xmin))
    image.stretch_to_fit_height(view.scale * (ymax - ymin))
    image.move_to(view.to_scene([(xmin + xmax) / 2, (ymin + ymax) / 2]))
    frame = _one_frame([image], pal.background)
    with pytest.raises(AssertionError, match="stairs"):
        _check(frame, states, -1, view, box, pal.classes, pal.background, 0.4)


class LastNetworkTraining(spirals.SpiralsNetworkTraining):
    snapshot_stride = 1000  # the first snapshot, then the last
    final_seconds = 0.2


@pytest.mark.slow
def test_spirals_network_training_ends_on_smooth_regions_at_1080p(trained):
    states, pal = trained("spirals2d"), palette("dark")
    rendered = render_frames(LastNetworkTraining, W, H, fps=2, theme="dark")
    scene = rendered.scene
    box = tuple(float(v) for v in states["grid_extent"])
    _check(rendered.frames[-1], states, -1, scene.viewport, box, pal.classes, pal.background,
           scene.region_opacity)  # fmt: skip


def test_boundary_over_training_draws_smooth_regions_at_1080p(trained):
    """SpiralsBoundary's regions (the storyboard's, in the light theme), as the scene lays
    them out, drawn at 1080p."""
    from manim import tempconfig

    states = trained("spirals2d")
    with tempconfig({"pixel_width": W, "pixel_height": H}):
        scene = spirals.SpiralsBoundary()
        pal = scene.pal = palette("light")
        scene.layout(states)
        regions = scene.regions(states, -1)
    box = (scene.lo[0], scene.hi[0], scene.lo[1], scene.hi[1])
    frame = _one_frame([regions], pal.background)
    _check(frame, states, -1, scene.viewport, box, pal.classes, pal.background,
           scene.region_opacity)  # fmt: skip
