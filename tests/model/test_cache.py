"""The states cache: trained once, keyed by config, anchored at the project; no torch to read."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from model.paths import REPO_ROOT, cache_dir

REPO = Path(__file__).resolve().parents[2]


def test_cache_trains_once_and_keys_on_config(states_cache, quick):
    from model.cache import states_for, states_path

    config = quick(seed=11)
    first = states_for(config, progress=False)
    stamp = first.path.stat().st_mtime_ns
    again = states_for(config, progress=False)
    assert again.path == first.path and again.path.stat().st_mtime_ns == stamp
    assert states_path(config.replace(seed=12)) != states_path(config)
    assert states_path(config.replace(epochs=61)) != states_path(config)
    assert first.path.parent == states_cache


def test_reader_does_not_import_torch():
    code = (
        "import model, model.states, model.cache, model.stages, model.activations, model.sources, "
        "model.project, model.data, sys; print('torch' in sys.modules)"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert run.stdout.strip() == "False"


def test_cache_dir_is_the_projects_media_states_from_any_directory(tmp_path, monkeypatch):
    monkeypatch.delenv("BENDSPACE_CACHE", raising=False)
    monkeypatch.delenv("NNVIZ_CACHE", raising=False)
    monkeypatch.chdir(tmp_path)
    assert cache_dir() == REPO / "media" / "states" == REPO_ROOT / "media" / "states"
    monkeypatch.setenv("BENDSPACE_CACHE", str(tmp_path / "x"))
    assert cache_dir() == tmp_path / "x"


def test_the_cache_variable_is_bendspace_cache_and_the_old_name_still_counts(tmp_path, monkeypatch):
    monkeypatch.delenv("BENDSPACE_CACHE", raising=False)
    monkeypatch.setenv("NNVIZ_CACHE", str(tmp_path / "old"))
    assert cache_dir() == tmp_path / "old"  # a set-up from before the rename keeps its cache
    monkeypatch.setenv("BENDSPACE_CACHE", str(tmp_path / "new"))
    assert cache_dir() == tmp_path / "new"  # the new name wins


def _as_version_1(states, trace=None):
    from model.states import save_states

    arrays = {k: v for k, v in states.arrays.items() if k not in ("version", "meta")}
    if trace is not None:
        arrays["trace"] = trace
    return save_states(states.path, arrays, states.meta, version=1)


def test_a_cached_version_1_file_is_rewritten_smaller_with_the_same_values(
    states_cache, quick, capfd
):
    import numpy as np

    from model.cache import states_for

    config = quick(seed=13, hidden=(6, 2))
    new = states_for(config, progress=False)
    values = {k: np.array(v) for k, v in new.arrays.items()}
    _as_version_1(new)
    old_size = new.path.stat().st_size
    again = states_for(config, progress=False)
    assert again.version == 2 and again.path.stat().st_size < 0.5 * old_size
    assert "rewrote cached states" in capfd.readouterr().err
    for key, value in values.items():
        assert np.array_equal(again[key], value) and again[key].dtype == value.dtype, key


def test_a_cached_version_1_file_whose_trace_differs_is_left_as_it_is(states_cache, quick):
    import numpy as np

    from model.cache import states_for

    config = quick(seed=14)
    new = states_for(config, progress=False)
    trace = np.array(new["trace"])
    trace[0, 1, 0, 0] = np.nextafter(trace[0, 1, 0, 0], np.float32(np.inf))  # one ulp
    _as_version_1(new, trace)
    again = states_for(config, progress=False)
    assert again.version == 1 and np.array_equal(again["trace"], trace)
