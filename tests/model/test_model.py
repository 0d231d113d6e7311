"""The foundation: data sets, training claims, the numpy trace against torch, the states file."""

from __future__ import annotations

import gzip
import hashlib
import json
import pickle
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch

from model import data as datasets
from model.config import PRESETS, preset
from model.stages import forward_stages
from model.states import StatesError, load_states, save_states
from model.train import TrainingError, build_mlp, load_dataset, snapshot_steps, train

REPO = Path(__file__).resolve().parent.parent


# -- data sets -----------------------------------------------------------------


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


# -- training ------------------------------------------------------------------


def test_snapshot_steps_are_log_spaced_with_first_and_last():
    steps = snapshot_steps(3000, 60)
    assert steps[0] == 0 and steps[-1] == 3000
    assert np.all(np.diff(steps) > 0)
    # the early steps are where the change is: more than half the snapshots in the first 10%
    assert (steps <= 300).sum() > len(steps) / 2


def test_spirals2d_separates_the_spirals(trained):
    states = trained("spirals2d")
    assert states.meta["final_accuracy"] >= 0.99
    assert states.widths == [2, 2, 2, 2, 2, 2]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_two_neurons_cannot_tear_the_plane_but_three_can(trained, seed):
    flat = trained("disks2d", seed=seed).meta["final_accuracy"]
    bulge = trained("disks3d", seed=seed).meta["final_accuracy"]
    assert flat < 0.995, f"disks2d seed {seed} reached {flat:.2%}"
    assert bulge >= 0.995, f"disks3d seed {seed} reached only {bulge:.2%}"


def test_mnist_and_templates_reach_their_heldout_accuracy(trained):
    assert trained("mnist").meta["final_heldout_accuracy"] >= 0.94
    assert trained("templates").meta["final_heldout_accuracy"] >= 0.89


def _quick(name="spirals2d", **changes):
    return preset(name, **{"epochs": 60, "snapshots": 6, **changes})


def test_same_seed_same_arrays_different_seed_differs(tmp_path):
    from model.train import train_and_export

    paths = [
        train_and_export(_quick(seed=s), tmp_path / f"{i}.npz", progress=False)
        for i, s in enumerate([5, 5, 6])
    ]
    a, b, c = (load_states(p) for p in paths)
    for key in a.arrays:
        if key != "meta":
            np.testing.assert_array_equal(a[key], b[key], err_msg=key)
    assert not np.array_equal(a["W0"], c["W0"])
    assert not np.array_equal(a["trace"], c["trace"])


def test_divergence_stops_with_a_clear_message():
    config = _quick(lr=1e9, epochs=200)
    with pytest.raises(TrainingError, match=r"diverged at step .* lower the learning rate"):
        train(config, progress=False)


# -- the numpy trace equals torch ----------------------------------------------


def _torch_stage_outputs(model: torch.nn.Sequential, x: np.ndarray) -> list[np.ndarray]:
    """Torch's own output after every Linear (as linear + bias) and every activation."""
    outs = [x.astype(np.float64)]
    h = torch.from_numpy(x)
    with torch.no_grad():
        for module in model:
            if isinstance(module, torch.nn.Linear):
                outs.append((h @ module.weight.T).double().numpy())
            h = module(h)
            outs.append(h.double().numpy())
    return outs


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_numpy_trace_equals_torch_forward(trained, name):
    states = trained(name)
    widths, acts = states.widths, states.activations
    model = build_mlp(widths, states.meta["config"]["activation"])
    for snapshot in (0, states.n_snapshots // 2, -1):
        linears = [m for m in model if isinstance(m, torch.nn.Linear)]
        with torch.no_grad():
            for layer, lin in enumerate(linears):
                lin.weight.copy_(torch.from_numpy(np.array(states[f"W{layer}"][snapshot])))
                lin.bias.copy_(torch.from_numpy(np.array(states[f"b{layer}"][snapshot])))
        x = np.asarray(states["inputs"])
        expected = _torch_stage_outputs(model, x)
        ours = forward_stages(x, states.weights(snapshot), states.biases(snapshot), acts)
        assert len(ours) == len(expected) == len(states.stages())
        for t, (mine, theirs) in enumerate(zip(ours, expected, strict=True)):
            np.testing.assert_allclose(mine, theirs, atol=1e-5, rtol=1e-5, err_msg=f"stage {t}")
            # and the stored trace is the same points, shown through the stage's view
            np.testing.assert_allclose(
                states["trace"][snapshot, t], states.project(theirs, t), atol=1e-4, rtol=1e-4
            )
    predicted = np.asarray(states["predictions"][-1])
    assert np.array_equal(predicted, expected[-1].argmax(1))


def test_wide_stages_are_projected_and_narrow_ones_kept(trained):
    states = trained("mnist")
    assert all(states.is_projected(t) for t in range(len(states.stages())))
    basis = states["proj_basis3"]
    np.testing.assert_allclose(basis.T @ basis, np.eye(3), atol=1e-6)
    spirals = trained("spirals2d")
    assert not any(spirals.is_projected(t) for t in range(len(spirals.stages())))
    assert np.all(spirals["trace"][..., 2] == 0)


def test_decision_grid_agrees_with_the_network(trained):
    states = trained("spirals2d")
    grid = states["grid_pred"][-1]
    xmin, xmax, ymin, ymax = states["grid_extent"]
    g = grid.shape[0]
    for i, j in [(0, 0), (g // 3, g // 2), (g - 1, 5), (g // 2, g - 1)]:
        point = np.array([[xmin + (xmax - xmin) * j / (g - 1), ymin + (ymax - ymin) * i / (g - 1)]])
        out = forward_stages(point, states.weights(-1), states.biases(-1), states.activations)[-1]
        assert out.argmax() == grid[i, j]


# -- the states file -----------------------------------------------------------


@pytest.fixture(scope="module")
def small_states(tmp_path_factory):
    from model.train import train_and_export

    path = tmp_path_factory.mktemp("small") / "small.npz"
    return train_and_export(_quick(), path, progress=False)


def _arrays(path):
    with np.load(path, allow_pickle=False) as npz:
        return {k: npz[k] for k in npz.files}


def _rewrite(path, arrays):
    with open(path, "wb") as handle:
        np.savez(handle, **arrays)
    return path


def test_round_trip(small_states, tmp_path):
    states = load_states(small_states)
    arrays = {k: v for k, v in states.arrays.items() if k not in ("version", "meta")}
    copy = save_states(tmp_path / "copy.npz", arrays, states.meta)
    again = load_states(copy)
    assert again.meta == states.meta
    for key in states.arrays:
        np.testing.assert_array_equal(again[key], states[key])
    assert not list(tmp_path.glob(".*tmp*")), "a temporary file was left behind"


class _Boom:
    def __reduce__(self):
        return (Path.touch, (Path(_Boom.marker),))


def _corrupt(kind: str, src: Path, dst: Path) -> Path:
    arrays = _arrays(src)
    if kind == "pickled":
        arrays["labels"] = np.array([_Boom()], dtype=object)
        with open(dst, "wb") as handle:
            np.savez(handle, **{k: v for k, v in arrays.items()}, allow_pickle=True)
        return dst
    if kind == "missing key":
        del arrays["trace"]
    elif kind == "wrong version":
        arrays["version"] = np.array(99)
    elif kind == "wrong shape":
        arrays["W1"] = arrays["W1"][:, :1]
    elif kind == "NaN":
        arrays["loss"] = arrays["loss"].copy()
        arrays["loss"][2] = np.nan
    elif kind == "a CSV":  # a user's data file passed where states belong
        dst.write_text("x,y,label\n0.5,0.25,1\n")
        return dst
    elif kind == "truncated":
        blob = src.read_bytes()
        dst.write_bytes(blob[: len(blob) // 2])
        return dst
    return _rewrite(dst, arrays)


@pytest.mark.parametrize(
    "kind, message",
    [
        ("pickled", "not a plain-array states file"),
        ("missing key", "missing key"),
        ("wrong version", "schema version 99"),
        ("wrong shape", "key 'W1' has shape"),
        ("NaN", "key 'loss' contains NaN"),
        ("truncated", "unreadable or truncated"),
        ("a CSV", "not an .npz file"),
    ],
)
def test_bad_states_files_are_rejected_in_one_line(small_states, tmp_path, kind, message):
    _Boom.marker = str(tmp_path / "code-ran")
    bad = _corrupt(kind, small_states, tmp_path / "bad.npz")
    with pytest.raises(StatesError) as info:
        load_states(bad)
    text = str(info.value)
    assert message in text and str(bad) in text and "\n" not in text
    assert not (tmp_path / "code-ran").exists(), "loading ran code from the file"
    # the command line says the same in one line, exit code 2, no traceback
    run = subprocess.run(
        [sys.executable, "-m", "model", "info", str(bad)], capture_output=True, text=True, cwd=REPO
    )
    assert run.returncode == 2
    assert run.stderr.strip().count("\n") == 0 and message in run.stderr
    assert "Traceback" not in run.stderr and not (tmp_path / "code-ran").exists()


def test_pickle_marker_really_runs_code_when_unpickled(tmp_path):
    # guards the test above: the object array would have run code if unpickled
    _Boom.marker = str(tmp_path / "ran")
    pickle.loads(pickle.dumps(_Boom()))
    assert (tmp_path / "ran").exists()


def test_meta_records_config_seed_versions_and_accuracy(small_states):
    states = load_states(small_states)
    meta = states.meta
    assert meta["config"]["name"] == "spirals2d" and meta["seed"] == 0
    assert {"numpy", "torch", "python"} <= set(meta["versions"])
    assert meta["final_accuracy"] == pytest.approx(states["accuracy"][-1])
    assert json.loads(str(states["meta"])) == meta
    with zipfile.ZipFile(small_states) as archive:
        assert all(info.compress_type == zipfile.ZIP_DEFLATED for info in archive.infolist())


# -- the cache and the command line --------------------------------------------


def test_cache_trains_once_and_keys_on_config(states_cache):
    from model.cache import states_for, states_path

    config = _quick(seed=11)
    first = states_for(config, progress=False)
    stamp = first.path.stat().st_mtime_ns
    again = states_for(config, progress=False)
    assert again.path == first.path and again.path.stat().st_mtime_ns == stamp
    assert states_path(config.replace(seed=12)) != states_path(config)
    assert states_path(config.replace(epochs=61)) != states_path(config)
    assert first.path.parent == states_cache


def test_cli_train_and_info(tmp_path):
    out = tmp_path / "s.npz"
    run = subprocess.run(
        [sys.executable, "-m", "model", "train", "disks3d", "--epochs", "30", "--snapshots", "5",
         "--seed", "3", "--out", str(out)],
        capture_output=True, text=True, cwd=REPO,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert f"wrote {out}" in run.stdout
    states = load_states(out)
    assert states.meta["seed"] == 3 and states.n_snapshots == 5
    info = subprocess.run(
        [sys.executable, "-m", "model", "info", str(out)], capture_output=True, text=True, cwd=REPO
    )
    assert info.returncode == 0
    assert "2-3-3-3-3-2" in info.stdout and "layer 2 - bias" in info.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "model", "train", "nosuch"], capture_output=True, text=True, cwd=REPO
    )
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_reader_does_not_import_torch():
    code = "import model, model.states, model.cache, sys; print('torch' in sys.modules)"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert run.stdout.strip() == "False"


def test_load_dataset_for_every_preset():
    for name, config in PRESETS.items():
        data = load_dataset(config)
        assert data.n_classes == config.classes, name
