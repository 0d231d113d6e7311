"""model.page_run: a run exported from the playground, checked and written as a states file."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest
from page_run_harness import exported_run

from model.page_run import read_page_run, write_page_states
from model.points import CustomError
from model.states import load_states


def test_the_states_file_holds_exactly_the_exported_run(tmp_path):
    run = exported_run()
    path = tmp_path / "run.json"
    path.write_text(json.dumps(run))
    states = load_states(write_page_states(read_page_run(path), tmp_path / "states.npz"))
    assert states.widths == [2, 3, 2] and states.activations == ["tanh", "identity"]
    assert list(states["steps"]) == [0, 10, 20]
    np.testing.assert_allclose(states["loss"], [0.7, 0.6, 0.5])
    for s, snap in enumerate(run["snapshots"]):
        for layer in range(2):
            expected = np.array(snap["W"][layer], dtype=np.float32)
            np.testing.assert_array_equal(states[f"W{layer}"][s], expected)
    np.testing.assert_array_equal(states["labels"], run["labels"])
    assert states.meta["label_names"] == run["classNames"]
    assert states.meta["custom"]["from_page"]["source"] == "xor"
    assert not states.meta["custom"]["trained_here"]


def _set(doc: dict, key: str, value) -> dict:
    """``doc`` with the dotted ``key`` (list indices as numbers) set to ``value``."""
    doc = copy.deepcopy(doc)
    *path, last = [int(p) if p.isdigit() else p for p in key.split(".")]
    target = doc
    for part in path:
        target = target[part]
    target[last] = value
    return doc


BAD = [
    (lambda d: _set(d, "format", "other"), "not a run exported from the playground"),
    (lambda d: _set(d, "version", 2), "version: is 2; this program reads version 1"),
    (lambda d: _set(d, "labels.3", 2), "labels[3]: is 2, not a class in 0..1"),
    (lambda d: _set(d, "labels.0", True), "labels[0]: is True"),
    (lambda d: _set(d, "points.5", [0.1]), "points[5]: has 1 entries, the network needs 2"),
    (lambda d: _set(d, "points.1.0", "x"), "points[1][0]: must be a number"),
    (lambda d: _set(d, "network.widths", [2, 3, 3]), "network.widths: is [2, 3, 3]; it starts"),
    (lambda d: _set(d, "network.activation", "swish"), "'swish' is not in the registry"),
    (lambda d: _set(d, "snapshots.1.step", 0), "snapshots[1].step: is 0; steps must increase"),
    (lambda d: _set(d, "snapshots.2.W.1", [[1, 2, 3]]), "snapshots[2].W[1]: has 1 entries"),
    (lambda d: _set(d, "snapshots.0.accuracy", 1.5), "snapshots[0].accuracy: must lie in 0..1"),
    (lambda d: _set(d, "snapshots", []), "snapshots: has 0; give 1 to 400"),
    (lambda d: _set(d, "classNames", ["one"]), "classNames: has 1 names; give 2 to 10"),
]


@pytest.mark.parametrize(("change", "message"), BAD, ids=[m[:30] for _, m in BAD])
def test_a_bad_export_is_one_line_naming_the_key(tmp_path, change, message):
    path = tmp_path / "run.json"
    path.write_text(json.dumps(change(exported_run())))
    with pytest.raises(CustomError) as err:
        read_page_run(path)
    assert message in str(err.value) and str(err.value).startswith(str(path))
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "not a JSON file"),
        ('{"loss": NaN}', "not a JSON file (NaN is not a number JSON allows"),
        ("[1, 2]", "not a run exported from the playground"),
        (b"\xff\xfe", "not a JSON file"),
    ],
)
def test_a_file_that_is_not_an_export_is_refused(tmp_path, text, message):
    path = tmp_path / "run.json"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(CustomError) as err:
        read_page_run(path)
    assert message in str(err.value)
    with pytest.raises(CustomError, match="no such file"):
        read_page_run(tmp_path / "absent.json")
