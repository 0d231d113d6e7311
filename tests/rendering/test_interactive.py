"""rendering.outputs.interactive: the html format, its page played in headless Chromium."""

from __future__ import annotations

import base64
import io
import itertools
import json
import re
from pathlib import Path

import numpy as np
import pytest
from browser_harness import CHROMIUM, Chromium
from PIL import Image
from render_harness import run_render

from rendering.outputs.interactive import budget_bytes, is_interactive, page_data, write_page
from scenes.disks import DisksBulge3D, DisksSideBySide
from scenes.lib import NetworkView, palette
from scenes.mnist import MnistClusters, MnistTemplates
from scenes.spirals import SpiralsBoundary, SpiralsStretching, SpiralsTraining

READY = "document.body && document.body.dataset.ready === '1'"
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium")


def test_eligible_scenes_are_decided_by_their_storyboard():
    for cls in (SpiralsStretching, SpiralsBoundary, SpiralsTraining, DisksBulge3D, MnistClusters):
        assert is_interactive(cls), cls
    for cls in (DisksSideBySide, MnistTemplates, int):
        assert not is_interactive(cls), cls


@pytest.fixture(scope="module")
def spirals_page(trained, tmp_path_factory) -> tuple[Path, object]:
    states = trained("spirals2d")
    path = tmp_path_factory.mktemp("pages") / "SpiralsStretching.html"
    write_page(path, states, SpiralsStretching, "dark", "Spirals Stretching")
    return path, states


def test_page_is_self_contained_and_within_budget(spirals_page):
    path, states = spirals_page
    text = path.read_text()
    assert path.stat().st_size <= budget_bytes(states) == 1_500_000
    # nothing is fetched: no src/href attribute, no URL to another host
    assert not re.search(r"\b(src|href)\s*=", text)
    assert not re.search(r"https?://", text)
    data = page_data(states, SpiralsStretching, "dark")
    assert data["mode"] == "weights" and len(data["snapshots"]["steps"]) == states.n_snapshots
    assert data["classNames"] == list(SpiralsStretching.class_names)


def _shot(browser: Chromium, url: str, path: Path) -> np.ndarray:
    browser.open(url, wait_for=READY)
    browser.screenshot(path)
    return np.asarray(Image.open(path).convert("RGB")).astype(int)


@needs_chromium
def test_spirals_page_in_headless_chromium(spirals_page, tmp_path):
    path, states = spirals_page
    url = path.as_uri()
    browser = Chromium(str(tmp_path / "profile"), 900, 560)
    try:
        first = _shot(browser, url + "#stage=3&step=10", tmp_path / "a.png")
        again = _shot(browser, url + "#stage=3&step=10", tmp_path / "b.png")
        other = _shot(browser, url + "#stage=9&theme=light", tmp_path / "c.png")
        # the stage slider moves the points
        before = browser.evaluate("bendspace.screenPoints().x.slice(0, 50)")
        browser.evaluate(
            "(() => { const s = document.getElementById('stage-slider'); s.value = 11;"
            " s.dispatchEvent(new Event('input')); })()"
        )
        browser.evaluate("new Promise((r) => requestAnimationFrame(() => setTimeout(r, 50)))")
        after = browser.evaluate("bendspace.screenPoints().x.slice(0, 50)")
        last = _shot(browser, url + "#stage=12&theme=dark", tmp_path / "last.png")
        layout = browser.evaluate("bendspace.layout")
        drawn = browser.evaluate("bendspace.screenPoints()")
        frame_ms = browser.evaluate("bendspace.timeFrames(60)")
        problems = browser.problems()
    finally:
        browser.close()
    assert problems == []
    assert first.std() > 15 and len(np.unique(first.reshape(-1, 3), axis=0)) > 50  # it paints
    assert np.array_equal(first, again)  # the same fragment, the same picture
    assert np.abs(first - other).mean() > 5  # another fragment, another picture
    assert np.abs(np.array(before) - np.array(after)).max() > 5

    # At the last stage the classes sit where the video puts them: NetworkView (the
    # scene's own view, in scene units about its centre, over its fit) against the
    # page's points on the screen (about the plot centre, over its radius)...
    view = NetworkView(states, fit=SpiralsStretching.plot_half).set_stage(12)
    scene = view.viewport.to_scene(view.positions(12))[:, :2] / SpiralsStretching.plot_half
    labels = np.asarray(states["labels"])
    x, y = np.array(drawn["x"]), np.array(drawn["y"])
    page = np.stack([x - layout["cx"], layout["cy"] - y], -1) / layout["R"]
    for k in range(states.n_classes):
        got, expected = page[labels == k].mean(0), scene[labels == k].mean(0)
        assert np.abs(got - expected).max() < 0.01, (k, got, expected)
    # ...and each point is painted there, in its class colour
    colors = np.array([[int(c[i : i + 2], 16) for i in (1, 3, 5)] for c in palette("dark").classes])
    at = last[np.round(y).astype(int), np.round(x).astype(int)]
    assert (np.abs(at - colors[labels]).sum(-1) < 40).mean() > 0.9
    print(f"spirals frame ms: median {np.median(frame_ms):.2f}, max {np.max(frame_ms):.2f}")
    assert np.median(frame_ms) < 16.7


@needs_chromium
@pytest.mark.slow
def test_mnist_page_hover_orbit_and_frame_times(trained, tmp_path):
    states = trained("mnist")
    path = tmp_path / "MnistClusters.html"
    size = write_page(path, states, MnistClusters, "dark", "MNIST Clusters")
    assert size <= budget_bytes(states) == 5_000_000
    browser = Chromium(str(tmp_path / "profile"), 900, 560)
    try:
        url = path.as_uri()
        a = _shot(browser, url + "#stage=8&yaw=-62&pitch=68", tmp_path / "a.png")
        b = _shot(browser, url + "#stage=8&yaw=20&pitch=68", tmp_path / "b.png")
        point = browser.evaluate(
            "(() => { const p = bendspace.screenPoints();"
            " return [p.x[0], p.y[0], p.labels[0]]; })()"
        )
        tip = browser.evaluate(
            f"(() => {{ const c = document.getElementById('view'), r = c.getBoundingClientRect();"
            f" c.dispatchEvent(new PointerEvent('pointermove', {{clientX: r.left + {point[0]},"
            f" clientY: r.top + {point[1]}}})); const t = document.getElementById('tip');"
            f" return [t.textContent, t.querySelectorAll('canvas').length]; }})()"
        )
        frame_ms = browser.evaluate("bendspace.timeFrames(120)")
        problems = browser.problems()
    finally:
        browser.close()
    assert problems == []
    assert np.abs(a - b).mean() > 2  # the camera turned
    assert tip[0].startswith(str(point[2])) and tip[1] == 1  # class and its digit image
    print(f"mnist (2,000 points) frame ms: median {np.median(frame_ms):.2f}")
    assert np.median(frame_ms) < 16.7


def test_render_html_writes_pages_and_skips_other_scenes(scene_dir, tmp_path):
    out = tmp_path / "gallery"
    result = run_render(
        "--file", str(scene_dir / "tiny_scenes.py"), "--scene", "TinyMove",
        "--scene", "SpiralsStretching", "-f", "html", "--out", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "TinyMove (dark): no html page" in result.stdout + result.stderr
    page = out / "dark" / "SpiralsStretching.html"
    assert page.is_file() and not (out / "dark" / "TinyMove.html").exists()
    assert not list((out / "dark").glob("*.mp4"))  # the page needs no video
    digest = re.search(r'bendspace-digest" content="(\w+)"', page.read_text()).group(1)
    data = re.search(r'id="bendspace-data" type="application/json">(.*?)</script>',
                     page.read_text(), re.S).group(1)  # fmt: skip
    from scenes.spirals import SpiralsStretching

    assert json.loads(data)["title"] == SpiralsStretching.title and digest


# -- the decision stage, the panels, the class names ---------------------------------------


def _settle(browser: Chromium) -> None:
    browser.evaluate("new Promise((r) => requestAnimationFrame(() => setTimeout(r, 50)))")


def _slide_stage_to_its_end(browser: Chromium) -> float:
    """Drag the stage slider to its last value, as a reader does; returns that value."""
    return browser.evaluate(
        "(() => { const s = document.getElementById('stage-slider'); s.value = s.max;"
        " s.dispatchEvent(new Event('input')); return +s.max; })()"
    )


def _open_at_the_end(browser: Chromium, path: Path, shot: Path) -> tuple:
    """Open a page on its last snapshot and slide the stage to its end: the slider's last
    value, the caption (label, detail), ``bendspace.layout`` and the screenshot."""
    browser.open(path.as_uri() + "#step=-1", wait_for=READY)
    end = _slide_stage_to_its_end(browser)
    _settle(browser)
    words = browser.evaluate(
        "['stage-label', 'stage-detail'].map((id) => document.getElementById(id).textContent)"
    )
    layout = browser.evaluate("bendspace.layout")
    image = np.asarray(Image.open(browser.screenshot(shot)).convert("RGB"))
    return end, words, layout, image


def _custom_states(x, labels, model, path: Path):
    """``model`` trained briefly on the points by ``render.py custom``'s export, loaded."""
    from model.config import custom_config
    from model.custom import train_and_export_custom
    from model.points import points_from_arrays
    from model.states import load_states

    config = custom_config(epochs=150, snapshots=6)
    return load_states(train_and_export_custom(model, points_from_arrays(x, labels), path, config))


def _rgb(hex_color: str) -> np.ndarray:
    return np.array([int(hex_color[i : i + 2], 16) for i in (1, 3, 5)])


@needs_chromium
def test_the_last_stage_is_the_decision_line_between_the_half_planes(spirals_page, tmp_path):
    path, states = spirals_page
    browser = Chromium(str(tmp_path / "profile"), 900, 560)
    try:
        end, (label, _), layout, shot = _open_at_the_end(browser, path, tmp_path / "line.png")
        drawn = browser.evaluate("bendspace.screenPoints()")
        problems = browser.problems()
    finally:
        browser.close()
    assert problems == []
    last_hidden = states.stage_index(states.n_layers - 2, "activation")
    assert end == last_hidden + 1 and label == "output - decision line"
    line = layout["decision"]
    assert line["sides"] == 1 and line["drawn"] == 1 and line["ends"] is not None

    # The line is the output layer's boundary: the side each point is on (in the last
    # hidden plane, read back from the screen) is the network's guess for it.
    x, y = np.array(drawn["x"]), np.array(drawn["y"])
    hidden = np.stack([x - layout["cx"], layout["cy"] - y], -1) / layout["scale"]
    side = (hidden @ np.array(line["normal"]) + line["offset"] > 0).astype(int)
    labels = np.asarray(states["labels"])
    assert np.mean(side == states["predictions"][-1]) > 0.995
    assert abs(np.mean(side == labels) - float(states["accuracy"][-1])) < 0.005

    # On the screen: each side tinted with its class (0.28 over the background, as
    # half_planes), the line in the accent colour across them.
    pal = palette("dark")
    bg, tints = _rgb(pal.background), [_rgb(c) for c in pal.classes[:2]]
    tint = [bg + 0.28 * (c - bg) for c in tints]
    (x0, y0), (x1, y1) = line["ends"]
    mid, along = np.array([(x0 + x1) / 2, (y0 + y1) / 2]), np.array([x1 - x0, y1 - y0])
    across = np.array([-along[1], along[0]]) / np.linalg.norm(along)  # on the screen
    normal_screen = np.array([line["normal"][0], -line["normal"][1]])
    for c, sign in ((0, -1), (1, 1)):
        spot = mid + sign * np.sign(across @ normal_screen) * 60 * across
        col, row = int(spot[0]), int(spot[1])
        patch = shot[row - 8 : row + 9, col - 8 : col + 9].reshape(-1, 3)
        median = np.median(patch, axis=0)  # a grid line or a point does not move it
        near, other = np.abs(median - tint[c]).sum(), np.abs(median - tint[1 - c]).sum()
        assert near < 30 and near < other, (c, median, tint)
    on_line = [mid + a * along for a in (-0.3, -0.1, 0.1, 0.3)]  # points are drawn under it
    hits = [np.abs(shot[int(p[1]), int(p[0])] - _rgb(pal.accent)).sum() < 60 for p in on_line]
    assert sum(hits) >= 3, hits


@pytest.fixture(scope="module")
def named_states(tmp_path_factory):
    """A custom states file with three named classes (one name with a bidi control) and a
    2-wide last hidden layer: two moons and a blob, trained briefly."""
    from custom_harness import two_moons
    from torch import manual_seed, nn

    x, y = two_moons(60)
    blob = np.random.default_rng(1).normal([2.6, 1.2], 0.15, (40, 2))
    names = np.where(y == "upper", "upper\u202e", y)  # drawn escaped, not reversing text
    manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 2), nn.Tanh(), nn.Linear(2, 3))
    path = tmp_path_factory.mktemp("named") / "named.npz"
    return _custom_states(np.concatenate([x, blob]), [*names, *["blob"] * 40], model, path)


def test_pages_carry_the_states_class_names(named_states):
    from scenes.custom import Boundary, Stretching, Training

    shown = ["blob", "lower", "upper\\u202e"]  # model.text.visible's escape
    for cls in (Stretching, Boundary, Training, SpiralsTraining):
        expected = list(SpiralsTraining.class_names) if cls is SpiralsTraining else shown
        assert page_data(named_states, cls, "dark")["classNames"] == expected, cls
    # three classes make the output 3-D, and the view with it: no line to draw
    assert page_data(named_states, Stretching, "dark")["decision"] is None


@needs_chromium
def test_panels_page_shows_every_stage_and_legends_name_the_classes(named_states, tmp_path):
    from scenes.custom import Stretching, Training

    pages = {}
    for cls in (Training, Stretching):
        pages[cls] = tmp_path / f"{cls.__name__}.html"
        assert write_page(pages[cls], named_states, cls, "dark") <= budget_bytes(named_states)
    n_stages = len(named_states.stages())
    labels = np.asarray(named_states["labels"])
    hover = (
        "((x, y) => { const c = document.getElementById('view'), r = c.getBoundingClientRect();"
        " c.dispatchEvent(new PointerEvent('pointermove', {clientX: r.left + x,"
        " clientY: r.top + y})); return document.getElementById('tip').textContent; })"
    )
    legend = "[...document.querySelectorAll('#legend div')].map((d) => d.textContent)"
    browser = Chromium(str(tmp_path / "profile"), 1000, 620)
    try:
        browser.open(pages[Training].as_uri() + "#step=-1", wait_for=READY)
        layout = browser.evaluate("bendspace.layout")
        shot = np.asarray(Image.open(browser.screenshot(tmp_path / "panels.png")).convert("RGB"))
        panel_points = [browser.evaluate(f"bendspace.panelPoints({t})") for t in range(n_stages)]
        panels_legend = browser.evaluate(legend)
        frame_ms = browser.evaluate("bendspace.timeFrames(60)")
        i = int(np.flatnonzero(labels == 2)[0])  # a point of the escaped name, in panel 0
        panels_tip = browser.evaluate(
            f"{hover}({panel_points[0]['x'][i]}, {panel_points[0]['y'][i]})"
        )
        # a click on a panel opens its stage in one view; the button brings the panels back
        third = layout["panels"][3]
        browser.evaluate(
            f"['pointerdown', 'pointerup'].forEach((type) => document.getElementById('view')"
            f".dispatchEvent(new PointerEvent(type, {{clientX: {third['cx']},"
            f" clientY: {third['cy']}}})))"
        )
        browser.evaluate("new Promise((r) => setTimeout(r, 300))")  # the fragment follows
        one_view = browser.evaluate(
            "[bendspace.state.panels, bendspace.state.stage, location.hash]"
        )
        browser.evaluate("document.getElementById('layout').click()")
        _settle(browser)
        back = browser.evaluate("bendspace.layout.panels.length")

        browser.open(pages[Stretching].as_uri() + "#step=-1", wait_for=READY)
        point = browser.evaluate("bendspace.screenPoints()")
        stretching_legend = browser.evaluate(legend)
        j = int(np.flatnonzero(labels == 0)[0])
        stretching_tip = browser.evaluate(f"{hover}({point['x'][j]}, {point['y'][j]})")
        problems = browser.problems()
    finally:
        browser.close()
    assert problems == []

    # N panels, one per stage, in rows of the scene's columns, none overlapping
    panels = layout["panels"]
    assert [p["stage"] for p in panels] == list(range(n_stages)) and back == n_stages
    rows = {round(p["cy"]) for p in panels}
    assert len(rows) == -(-n_stages // Training.columns)
    for a, b in itertools.pairwise(panels):
        assert max(abs(a["cx"] - b["cx"]), abs(a["cy"] - b["cy"])) >= a["half"] + b["half"]
    pal = palette("dark")
    colors = np.array([_rgb(c) for c in pal.classes[:3]])
    for p, drawn in zip(panels, panel_points, strict=True):
        x, y = np.array(drawn["x"]), np.array(drawn["y"])
        inside = (np.abs(x - p["cx"]) <= p["half"] + 3) & (np.abs(y - p["cy"]) <= p["half"] + 3)
        assert inside.all(), p  # every point in its own panel...
        at = shot[np.round(y).astype(int), np.round(x).astype(int)]
        painted = np.abs(at - colors[labels]).sum(-1) < 40
        assert painted.mean() > 0.5, (p, painted.mean())  # ...and painted there (overlaps aside)
    assert one_view[0] is False and one_view[1] == 3 and "panels=0" in one_view[2]
    print(f"panels ({n_stages} of {len(labels)} points) frame ms: median {np.median(frame_ms):.2f}")
    assert np.median(frame_ms) < 16.7

    # every legend and tip names the classes, escaped as the video draws them
    shown = ["blob", "lower", "upper\\u202e"]
    assert panels_legend == shown and stretching_legend == shown
    assert panels_tip.startswith("upper\\u202e (point") and "input" in panels_tip
    assert stretching_tip.startswith("blob (point")


@needs_chromium
def test_a_3d_page_ends_on_the_output_plane(tmp_path):
    from custom_harness import two_moons
    from torch import manual_seed, nn

    manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 3), nn.Tanh(), nn.Linear(3, 2))
    states = _custom_states(*two_moons(60), model, tmp_path / "bulge.npz")
    path = tmp_path / "DisksBulge3D.html"
    write_page(path, states, DisksBulge3D, "dark")
    browser = Chromium(str(tmp_path / "profile"), 900, 560)
    try:
        end, words, layout, shot = _open_at_the_end(browser, path, tmp_path / "plane.png")
        plane = layout["decision"]
        problems = browser.problems()
    finally:
        browser.close()
    assert problems == []
    assert end == states.stage_index(states.n_layers - 2, "activation") + 1
    assert words == ["output: one plane", "disk on one side, ring on the other"]  # the scene's
    w, b = states.weights(-1)[-1], states.biases(-1)[-1]  # the output layer's own plane
    np.testing.assert_allclose(plane["normal"], w[1] - w[0], rtol=1e-5, atol=1e-6)
    assert plane["offset"] == pytest.approx(b[1] - b[0], abs=1e-5)
    corners = np.array(plane["corners"])
    assert 3 <= len(corners) <= 6
    accent = _rgb(palette("dark").accent)  # its outline, edge by edge
    for p, q in zip(corners, np.roll(corners, -1, axis=0), strict=True):
        col, row = np.round((p + q) / 2).astype(int)
        patch = shot[row - 2 : row + 3, col - 2 : col + 3].reshape(-1, 3)
        assert (np.abs(patch - accent).sum(-1) < 90).any(), (p, q)


@needs_chromium
def test_the_boundary_page_draws_smooth_regions_in_the_light_theme(trained, tmp_path):
    """The page's regions (SpiralsBoundary's input plane, light theme) follow the network's
    own boundary within a pixel and a half: no stairs of a class map's cells."""
    from scene_harness import misplaced_region_pixels, network_classes

    states = trained("spirals2d")
    path = tmp_path / "SpiralsBoundary.html"
    write_page(path, states, SpiralsBoundary, "light", "Spirals Boundary")
    browser = Chromium(str(tmp_path / "profile"), 1000, 800)
    try:
        shot = _shot(browser, path.as_uri() + "#stage=0&step=-1&theme=light", tmp_path / "r.png")
        layout = browser.evaluate("bendspace.layout")
        problems = browser.problems()
    finally:
        browser.close()
    assert problems == []
    cx, cy, scale, reach = layout["cx"], layout["cy"], layout["scale"], layout["R"]
    rows = np.arange(int(cy - reach), int(cy + reach))
    cols = np.arange(int(cx - reach), int(cx + reach))
    gx, gy = np.meshgrid((cols + 0.5 - cx) / scale, (cy - rows - 0.5) / scale)
    truth = network_classes(np.stack([gx, gy], -1), states, -1)
    pal = palette("light")
    crop = shot[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    off, read, edge = misplaced_region_pixels(crop, truth, pal.classes, pal.background, 0.3)
    assert read > 0.6 * crop.shape[0] * crop.shape[1] and edge > 300
    assert off.max(initial=0.0) <= 1.5, f"{len(off)} pixels up to {off.max():.1f} px off"


@needs_chromium
def test_the_pages_region_painter_draws_a_circle_from_40_nodes_smooth(spirals_page, tmp_path):
    """BendspaceRegions.paint (both pages draw their regions with it): the scores of a circle
    on a 40 x 40 lattice, painted at 600 px, put no pixel more than 1.5 px on the wrong side
    of the true circle (one colour per lattice cell would: 15 px cells)."""
    from scene_harness import misplaced_region_pixels

    path, _ = spirals_page
    browser = Chromium(str(tmp_path / "profile"), 700, 700)
    try:
        browser.open(path.as_uri(), wait_for=READY)
        png = browser.evaluate(
            """(() => {
              const n = 40, scores = new Float64Array(n * n * 2);
              const c = document.createElement("canvas");
              for (let r = 0; r < n; r++) for (let k = 0; k < n; k++) {  // top row first
                const x = -1 + (k + 0.5) * 2 / n, y = 1 - (r + 0.5) * 2 / n;
                const inside = 0.36 - (x - 0.1) ** 2 - (y + 0.05) ** 2;
                scores[(r * n + k) * 2] = -inside; scores[(r * n + k) * 2 + 1] = inside;
              }
              BendspaceRegions.paint(c, 600, n, scores, 2, [[224, 96, 32], [32, 96, 224]],
                                     [0.5, 0.5]);
              return c.toDataURL("image/png");
            })()"""
        )
        problems = browser.problems()
    finally:
        browser.close()
    assert problems == []
    drawn = np.asarray(Image.open(io.BytesIO(base64.b64decode(png.split(",")[1]))))
    assert drawn.shape == (600, 600, 4)
    over_white = 255 + (drawn[..., :3] - 255.0) * drawn[..., 3:] / 255  # as laid on white
    centres = -1 + (np.arange(600) + 0.5) * 2 / 600
    gx, gy = np.meshgrid(centres, -centres)
    truth = ((gx - 0.1) ** 2 + (gy + 0.05) ** 2 < 0.36).astype(int)
    colors = ["#e06020", "#2060e0"]
    off, read, edge = misplaced_region_pixels(over_white, truth, colors, "#ffffff", 0.5)
    assert read > 0.95 * 600 * 600 and edge > 1000
    assert off.max(initial=0.0) <= 1.5, f"{len(off)} pixels up to {off.max():.1f} px off"


def test_a_3d_page_starts_where_the_video_starts(tmp_path):
    # The video turns its camera to see the 2-to-3 first layer's plane squarely; the page
    # starts at the same angle, not at the class's fixed theta.
    from custom_harness import two_moons
    from torch import manual_seed, nn

    manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 3), nn.Tanh(), nn.Linear(3, 2))
    states = _custom_states(*two_moons(60), model, tmp_path / "bulge.npz")
    view = page_data(states, DisksBulge3D, "dark")["view"]
    facing = float(np.degrees(DisksBulge3D.facing_theta(states, -1)))
    assert view["yaw"] == pytest.approx(facing)
    assert view["yaw"] != pytest.approx(float(np.degrees(DisksBulge3D.theta)))  # it matters
