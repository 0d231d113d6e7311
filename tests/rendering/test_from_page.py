"""``render.py custom --from-page``: an exported run to a states file, bad files refused."""

from __future__ import annotations

import json

from page_run_harness import exported_run

from model.states import load_states
from rendering.from_page import main as from_page_main
from rendering.from_page import wants_from_page


def test_from_page_writes_the_states_of_the_run(tmp_path, capsys):
    path = tmp_path / "run.json"
    path.write_text(json.dumps(exported_run(widths=(2, 2, 2, 2))))
    out = tmp_path / "out"
    assert from_page_main(["--from-page", str(path), "--no-render", "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "wrote" in err and "2-2-2-2 tanh, 3 snapshot(s) to step 20" in err
    assert load_states(out / "states.npz").widths == [2, 2, 2, 2]


def test_a_bad_run_is_one_line_exit_2_and_writes_nothing(tmp_path, capsys):
    run = exported_run()
    run["snapshots"][1]["W"][0] = [[0.0, 1.0]]  # one row where the network has three
    path = tmp_path / "run.json"
    path.write_text(json.dumps(run))
    out = tmp_path / "out"
    code = from_page_main(["--from-page", str(path), "--no-render", "--out", str(out)])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1
    assert err.startswith("error: ") and "snapshots[1].W[0]: has 1 entries" in err
    assert not out.exists()
    assert from_page_main(["--from-page", str(path), "--format", "avi"]) == 2
    assert "--format: unknown format 'avi'" in capsys.readouterr().err


def test_render_py_custom_sends_from_page_to_this_command():
    assert wants_from_page(["--from-page", "x.json"]) and wants_from_page(["--from-page=x.json"])
    assert not wants_from_page(["--data", "points.csv"])
