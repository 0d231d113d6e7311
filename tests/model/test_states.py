"""The states file: round trip, meta, and one-line rejection of every kind of bad file."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from model.config import PRESETS
from model.states import StatesError, load_states, save_states

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def small_states(tmp_path_factory, quick):
    from model.train import train_and_export

    path = tmp_path_factory.mktemp("small") / "small.npz"
    return train_and_export(quick(), path, progress=False)


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
        del arrays["inputs"]
    elif kind == "wrong version":
        arrays["version"] = np.array(99)
    elif kind == "wrong shape":
        arrays["W1"] = arrays["W1"][:, :1]
    elif kind == "stored trace":  # version 2 recomputes it: a stored one could disagree
        arrays["trace"] = np.zeros((len(arrays["steps"]), 2, 2, 3), dtype=np.float32)
    elif kind == "float weights":  # version 2 stores byte planes
        arrays["W0"] = load_states(src)["W0"].copy()
    elif kind == "overflow":  # finite weights whose products are not
        w = load_states(src)["W0"].copy()
        w[...] = 3e38
        arrays["W0"] = np.moveaxis(w.view(np.uint8).reshape(*w.shape, 4), -1, 0).copy()
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
        ("pickled", "not a plain number array"),
        ("missing key", "missing key"),
        ("wrong version", "schema version 99"),
        ("wrong shape", "key 'W1' has shape"),
        ("stored trace", "unexpected key 'trace'"),
        ("float weights", "key 'W0' has dtype float32"),
        ("overflow", "overflow"),
        ("NaN", "key 'loss' contains NaN"),
        ("truncated", "unreadable, truncated"),
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
    assert meta["config"]["name"] == "spirals2d" and meta["seed"] == PRESETS["spirals2d"].seed
    assert {"numpy", "torch", "python"} <= set(meta["versions"])
    assert meta["final_accuracy"] == pytest.approx(states["accuracy"][-1])
    assert json.loads(str(states["meta"])) == meta
    with zipfile.ZipFile(small_states) as archive:
        assert all(info.compress_type == zipfile.ZIP_LZMA for info in archive.infolist())


def _reference_trace(states):
    """The trace as version 1 stored it, through the exporter's PCA path (model.project)."""
    from model.project import project_stages
    from model.stages import forward_stages

    raw = [
        forward_stages(states["inputs"], states.weights(s), states.biases(s), states.activations)
        for s in range(states.n_snapshots)
    ]
    return project_stages(raw)[0].astype(np.float32)


@pytest.fixture(scope="module")
def wide_states(tmp_path_factory, quick):
    """A network with layers wider than 3, so some stages are shown through a projection."""
    from model.train import train_and_export

    path = tmp_path_factory.mktemp("wide") / "wide.npz"
    return train_and_export(quick(hidden=(8, 5, 2), epochs=60), path, progress=False)


@pytest.mark.parametrize("which", ["small_states", "wide_states"])
def test_the_recomputed_trace_is_the_exporters_bit_for_bit(request, which):
    states = load_states(request.getfixturevalue(which))
    assert states.version == 2
    with zipfile.ZipFile(states.path) as archive:
        assert "trace.npy" not in archive.namelist()
    trace, reference = states["trace"], _reference_trace(states)
    assert trace.dtype == np.float32 and trace.shape == reference.shape
    last = trace[-1]  # computed alone, when first read
    assert not last.flags.writeable and np.array_equal(last, reference[-1])
    assert np.array_equal(trace[0, 1], reference[0, 1])
    whole = np.asarray(trace)
    assert not whole.flags.writeable and np.array_equal(whole, reference)
    if which == "wide_states":
        assert any(states.is_projected(t) for t in range(len(states.stages())))


def test_version_1_files_still_load_with_the_same_values(wide_states, tmp_path):
    states = load_states(wide_states)
    arrays = {k: v for k, v in states.arrays.items() if k not in ("version", "meta")}
    old = save_states(tmp_path / "v1.npz", arrays, states.meta, version=1)
    with zipfile.ZipFile(old) as archive:
        assert "trace.npy" in archive.namelist()
    again = load_states(old)
    assert again.version == 1
    for key in states.arrays:
        if key != "version":
            assert np.array_equal(again[key], states[key]) and again[key].dtype == states[key].dtype
    # version 2 is a fraction of version 1's size: the trace was most of it
    assert states.path.stat().st_size < 0.5 * old.stat().st_size


def test_a_version_1_file_without_its_trace_is_refused(wide_states, tmp_path):
    states = load_states(wide_states)
    arrays = {k: v for k, v in states.arrays.items() if k not in ("version", "meta", "trace")}
    old = save_states(tmp_path / "v1.npz", arrays, states.meta, version=1)
    with pytest.raises(StatesError, match="missing key 'trace'"):
        load_states(old)


def test_a_trace_too_costly_to_recompute_is_refused(small_states, tmp_path, monkeypatch):
    import model.states

    monkeypatch.setattr(model.states, "MAX_TRACE_MULADDS", 1000)
    with pytest.raises(StatesError, match="multiply-adds"):
        load_states(small_states)


@pytest.mark.parametrize("which", ["small_states", "wide_states"])
def test_the_trace_bound_holds_and_a_file_past_it_is_computed_whole(request, which, tmp_path):
    from model.states import LazyTrace, trace_bound

    states = load_states(request.getfixturevalue(which))
    trace = np.asarray(states["trace"])
    bound = trace_bound(states.arrays, states.activations)
    assert np.abs(trace).max() <= bound < 1e6  # a real network: lazy, and the bound is true
    assert isinstance(states.arrays["trace"], LazyTrace)
    # Weights scaled so the bound passes 1e30 while the values stay finite: computed at once.
    arrays = {k: v for k, v in states.arrays.items() if k not in ("version", "meta", "trace")}
    arrays["W0"] = arrays["W0"] * np.float32(1e32)
    big = load_states(save_states(tmp_path / "big.npz", arrays, states.meta))
    assert isinstance(big.arrays["trace"], np.ndarray)
    assert np.all(np.isfinite(big["trace"])) and np.abs(big["trace"]).max() > 1e30


def test_a_worker_keeps_loaded_files_until_they_change(small_states, tmp_path, monkeypatch):
    import model.states as module

    monkeypatch.setattr(module, "_KEPT", None)
    assert load_states(small_states) is not load_states(small_states)  # off by default
    module.keep_loaded(entries=1)
    first = load_states(small_states)
    assert load_states(small_states) is first
    arrays = {k: v for k, v in first.arrays.items() if k not in ("version", "meta", "trace")}
    copy = save_states(tmp_path / "copy.npz", arrays, first.meta)
    other = load_states(copy)  # one entry: the first file is let go
    assert other is not first and load_states(small_states) is not first
    arrays["b0"] = arrays["b0"] + np.float32(1)
    save_states(copy, arrays, first.meta)  # rewritten: loaded anew
    assert np.array_equal(load_states(copy)["b0"], arrays["b0"])


def test_the_schema_table_the_loader_checks_is_the_one_its_documentation_shows():
    import re

    import model.states

    documented = {
        match["key"]: (match["shape"], match["dtype"])
        for match in re.finditer(
            r"^(?P<key>\w+(?:\{[lt]\})?) +(?P<shape>\(.*?\)) +(?P<dtype>\w+) ",
            model.states.__doc__,
            re.MULTILINE,
        )
    }
    kinds = {"int": "iu", "float": "f", "float64": "f", "str": "U"}
    checked = {
        key: (
            "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")",
            dtype if isinstance(dtype, str) else np.dtype(dtype).name,
        )
        for key, shape, dtype, versions in model.states._SCHEMA
        if model.states.SCHEMA_VERSION in versions
    }
    documented = {
        key: (shape, kinds.get(dtype, dtype)) for key, (shape, dtype) in documented.items()
    }
    assert documented == checked
