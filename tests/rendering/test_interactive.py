"""rendering.outputs.interactive: the html format, its page played in headless Chromium."""

from __future__ import annotations

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
