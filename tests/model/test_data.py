"""Data sets: the generators are deterministic and follow their formulas; MNIST is the real one."""

from __future__ import annotations

import gzip
import hashlib

import numpy as np
import pytest

from model import data as datasets
from model.paths import cache_dir


@pytest.mark.parametrize("classes", range(2, 8))
def test_spiral_generators_are_deterministic_and_balanced(classes):
    for gen in (datasets.spirals, datasets.spirals_even):
        x1, y1 = gen(classes, points_per_class=50, seed=3)
        x2, y2 = gen(classes, points_per_class=50, seed=3)
        x3, _ = gen(classes, points_per_class=50, seed=4)
        assert x1.shape == (50 * classes, 2) and x1.dtype == np.float32
        np.testing.assert_array_equal(x1, x2)
        np.testing.assert_array_equal(y1, y2)
        assert not np.array_equal(x1, x3)
        assert np.bincount(y1).tolist() == [50] * classes
        assert np.abs(x1).max() <= 1.5


def test_cs231n_spiral_follows_the_formula_without_noise():
    x, y = datasets.spirals(3, points_per_class=20, noise=0.0)
    j = 2
    r = np.linspace(0, 1, 20)
    t = np.linspace(4 * j, 4 * (j + 1), 20)
    np.testing.assert_allclose(
        x[y == j], np.column_stack([r * np.sin(t), r * np.cos(t)]), atol=1e-6
    )


def test_even_spiral_arms_are_evenly_spaced():
    x, y = datasets.spirals_even(5, points_per_class=100, noise=0.0)
    first = np.array([x[y == k][0] for k in range(5)])  # innermost point of each arm
    starts = np.arctan2(first[:, 1], first[:, 0])
    gaps = np.diff(np.unwrap(starts))
    np.testing.assert_allclose(gaps, 2 * np.pi / 5, atol=1e-5)


def test_disks_radii():
    x, y = datasets.disks(points_per_class=400, seed=1)
    r = np.linalg.norm(x, axis=1)
    assert r[y == 0].max() <= 0.5 + 1e-6
    assert r[y == 1].min() >= 0.75 - 1e-6 and r[y == 1].max() <= 1.25 + 1e-6


def test_shipped_mnist_matches_its_checksums_and_counts():
    for name, md5 in datasets.MNIST_TEST_MD5.items():
        raw = gzip.decompress((datasets.MNIST_DIR / name).read_bytes())
        assert hashlib.md5(raw).hexdigest() == md5
    assert (datasets.MNIST_DIR / "README.md").read_text().count("Creative Commons") == 1
    digits = datasets.load_mnist()
    assert digits["x"].shape == (10000, 28, 28)
    assert np.bincount(digits["y"]).tolist() == [
        980,
        1135,
        1032,
        1010,
        982,
        892,
        958,
        1028,
        974,
        1009,
    ]
    split = datasets.mnist_split()
    assert split.x.shape == (8000, 784) and split.x_heldout.shape == (2000, 784)
    assert split.x.min() >= 0.0 and split.x.max() <= 1.0


def test_full_mnist_offline_falls_back_with_one_notice(tmp_path, monkeypatch, capsys):
    import urllib.request

    def offline(*_args, **_kwargs):
        raise OSError("network unreachable")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    digits = datasets.load_mnist(full=True, cache=tmp_path)
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("notice:") and "10,000" in err[0]
    assert "train_x" not in digits and digits["x"].shape == (10000, 28, 28)


def test_full_mnist_downloads_into_the_states_cache_wherever_it_runs(tmp_path, monkeypatch):
    import urllib.request

    monkeypatch.setattr(urllib.request, "urlopen", lambda *a, **k: (_ for _ in ()).throw(OSError()))
    monkeypatch.setenv("BENDSPACE_CACHE", str(tmp_path / "cache"))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    datasets.load_mnist(full=True)
    assert (cache_dir() / "mnist").is_dir() and cache_dir() == tmp_path / "cache"
    assert not any(elsewhere.iterdir()), "wrote into the current directory"
