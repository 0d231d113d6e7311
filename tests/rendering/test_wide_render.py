"""Wide data through `render.py custom`: a 6-feature table, 64-feature digits, an image folder."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import pytest
from browser_harness import CHROMIUM, Chromium
from custom_harness import six_features, write_images, write_table
from render_harness import run_render

from model.custom_cli import main as model_main
from model.paths import REPO_ROOT
from model.states import load_states
from rendering.outputs.interactive import page_data, write_page
from scenes.custom import Stretching

DIGITS = REPO_ROOT / "model" / "data" / "tables" / "digits8x8.csv"


def _digits_sample(path: Path, rows: int = 400) -> Path:
    """The first ``rows`` digits of the shipped table: a 64-feature file a user could write."""
    lines = DIGITS.read_text().splitlines()
    path.write_text("\n".join(lines[: rows + 1]) + "\n")
    return path


def _inputs(folder: Path) -> dict[str, list[str]]:
    """The three kinds of input, as `--data` and the options each needs."""
    if not (folder / "six.csv").exists():
        x, y = six_features()
        names = ["alpha", "beta", "gamma", "delta", "eps", "zeta"]
        write_table(folder / "six.csv", x, y, names=names)
        write_images(folder / "bars", per_class=10)
    return {
        "table": ["--data", str(folder / "six.csv"), "--widths", "5,3", "--standardize"],
        "digits": ["--data", str(_digits_sample(folder / "digits.csv")), "--widths", "16,8"],
        "images": ["--data", str(folder / "bars"), "--image-size", "6", "--widths", "4,3"],
    }


def _states(folder: Path, kind: str) -> Path:
    out = folder / f"states-{kind}"
    args = [*_inputs(folder)[kind], "--epochs", "60", "--snapshots", "4", "--out", str(out)]
    assert model_main(args) == 0
    return out / "states.npz"


def test_the_page_carries_rows_for_tables_and_pixels_for_images(tmp_path):
    table = load_states(_states(tmp_path, "table"))
    data = page_data(table, Stretching, "dark")
    assert data["rowNames"] == ["alpha", "beta", "gamma", "delta", "eps", "zeta"]
    assert "images" not in data and data["stages"][0]["kept"] == table.meta["variance_kept"]["0"]
    rows = np.frombuffer(base64.b64decode(data["rows"]), "<f4").reshape(-1, 6)
    x, _ = six_features()  # the page shows the user's own values, the standardizing undone
    assert np.abs(rows[:, 0][:, None] - x[:, 0][None]).min(axis=1).max() < 1e-3
    scaling = table.meta["custom"]["standardize"]  # and what a page needs to standardize again
    assert data["standardize"] == {"mean": scaling["mean"], "std": scaling["std"]}
    images = load_states(_states(tmp_path, "images"))
    data = page_data(images, Stretching, "dark")
    assert data["imageShape"] == [6, 6, 1] and "rows" not in data and "standardize" not in data


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["table", "digits", "images"])
def test_wide_data_renders_to_mp4_gif_and_the_page(tmp_path, kind):
    out = tmp_path / "out"
    args = ["custom", *_inputs(tmp_path)[kind], "--epochs", "60", "--scene", "Stretching",
            "-q", "draft", "-f", "mp4,gif,html", "--out", str(out)]  # fmt: skip
    result = run_render(*args, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    folder = out / "videos" / "dark"
    for made in (folder / "draft" / "Stretching.mp4", folder / "draft" / "Stretching.gif",
                 folder / "Stretching.html"):  # fmt: skip
        assert made.is_file() and made.stat().st_size > 10_000, made
        assert made.name in result.stdout
    stamp = json.loads((folder / "draft" / "Stretching.json").read_text())
    assert stamp["frames"] > 100
    states = load_states(out / "states.npz")
    assert states.is_projected(0) and "0" in states.meta["variance_kept"]


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="needs chromium")
@pytest.mark.parametrize("kind", ["table", "images"])
def test_hovering_a_point_shows_its_row_or_its_image(tmp_path, kind):
    states = load_states(_states(tmp_path, kind))
    page = tmp_path / "page.html"
    write_page(page, states, Stretching, "dark", "Your network")
    browser = Chromium(str(tmp_path / "profile"), 900, 560)
    try:
        browser.open(page.as_uri(), wait_for="document.body && document.body.dataset.ready === '1'")
        tip = browser.evaluate(
            "(() => { const p = bendspace.screenPoints(), c = document.getElementById('view');"
            " const r = c.getBoundingClientRect();"
            " c.dispatchEvent(new PointerEvent('pointermove', {clientX: r.left + p.x[0],"
            " clientY: r.top + p.y[0]})); const t = document.getElementById('tip');"
            " return [t.innerText, t.querySelectorAll('canvas').length,"
            " document.getElementById('stage-detail').textContent]; })()"
        )
        problems = browser.problems()
    finally:
        browser.close()
    assert problems == []
    assert "of the variance" in tip[2]
    if kind == "table":
        assert "alpha: " in tip[0] and "zeta: " in tip[0] and tip[1] == 0
    else:
        assert tip[0].startswith("class") and tip[1] == 1
