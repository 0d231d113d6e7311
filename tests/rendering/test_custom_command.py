"""The custom commands: `render.py custom` and `python -m model custom`, bad input to render."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import torch
from custom_harness import assert_trace_matches, two_moons, write_csv
from render_harness import ROOT, run_render
from torch import nn

from model.states import load_states
from rendering.custom import main as custom_main

# -- the CLI ---------------------------------------------------------------------------


MODELS = """
from torch import nn

def build():
    return nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 2))

def conv():
    return nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Conv1d(4, 4, 1), nn.Linear(4, 2))

def batchnorm():
    return nn.Sequential(nn.Linear(2, 4), nn.BatchNorm1d(4), nn.Tanh(), nn.Linear(4, 2))

def dropout():
    return nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Dropout(0.2), nn.Linear(4, 2))

def three_inputs():
    return nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))

def mish():
    return nn.Sequential(nn.Linear(2, 4), nn.Mish(), nn.Linear(4, 2))
"""


@pytest.fixture
def files(tmp_path):
    x, y = two_moons(40)
    write_csv(tmp_path / "moons.csv", x, y)
    (tmp_path / "models.py").write_text(MODELS)
    bad = {
        "text.csv": "x,y,label\n0.1,0.2,a\n0.3,abc,b\n0.5,0.6,a\n0.7,0.8,b\n",
        "nan.csv": "x,y,label\n0.1,0.2,a\n0.3,0.4,b\nNaN,0.6,a\n0.7,0.8,b\n",
        "single.csv": "x,y,label\n0.1,0.2,a\n0.3,0.4,a\n0.5,0.6,a\n0.7,0.8,a\n",
        "nolabel.csv": "x,y\n0.1,0.2\n0.3,0.4\n0.5,0.6\n0.7,0.8\n",
    }
    for name, text in bad.items():
        (tmp_path / name).write_text(text)
    torch.save(nn.Sequential(nn.Linear(2, 5), nn.Tanh(), nn.Linear(5, 2)).state_dict(),
               tmp_path / "wrong.pt")  # fmt: skip
    return tmp_path


BAD_INPUTS = [
    (["--model", "{d}/models.py:conv"], "layer 2 (Conv1d): convolutions cannot be shown"),
    (["--model", "{d}/models.py:batchnorm"], "layer 1 (BatchNorm1d): batch-norm cannot be shown"),
    (["--model", "{d}/models.py:dropout"], "layer 2 (Dropout): dropout in train mode"),
    (["--model", "{d}/models.py:mish"], "layer 1 (Mish): only nn.Linear"),
    (["--model", "{d}/models.py:three_inputs"], "layer 0 (Linear) takes 3 inputs but"),
    (["--data", "{d}/text.csv"], "text.csv line 3, column 'y': 'abc' is not a number"),
    (["--data", "{d}/nan.csv"], "nan.csv line 4, column 'x': NaN"),
    (["--data", "{d}/single.csv"], "every point has the label 'a'"),
    # two columns are one feature and a label now (1-D data): the label column is named
    (["--data", "{d}/nolabel.csv"], "column 'y': label 0.2 is not a whole number"),
    (["--label", "class"], "no label column named 'class'; the columns are x, y, label"),
    (["--data", "{d}/absent.csv"], "absent.csv: no such file"),
    (["--model", "{d}/models.py:build", "--weights", "{d}/wrong.pt"], "does not fit the model"),
    (["--widths", "2,two"], "--widths '2,two': give the hidden layer widths"),
    (["--model", "{d}/models.py:nothing"], "has no function 'nothing'"),
    (["--bogus"], "No such option '--bogus'"),
    (["--format", "mp4,avi"], "--format: unknown format 'avi'; valid formats: mp4"),
]


@pytest.mark.parametrize(("args", "message"), BAD_INPUTS, ids=[m[:24] for _, m in BAD_INPUTS])
def test_bad_input_is_one_line_exit_2_and_writes_nothing(files, capsys, args, message):
    out = files / "out"
    argv = ["--data", str(files / "moons.csv"), "--epochs", "3", "--no-render"]
    argv += [a.format(d=files) for a in args] + ["--out", str(out)]
    code = custom_main(argv)
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert message in err
    assert len(err.splitlines()) == 1 and err.startswith("error: ")
    assert not out.exists()


@pytest.mark.slow
def test_python_m_model_custom_writes_states(files):
    out = files / "run"
    proc = subprocess.run(
        [sys.executable, "-m", "model", "custom", "--data", str(files / "moons.csv"),
         "--model", f"{files}/models.py:build", "--epochs", "60", "--no-render", "--out", str(out)],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "render later: STATES=" in proc.stderr and "render.py custom" in proc.stderr
    assert sorted(p.name for p in out.iterdir()) == ["states.npz"]  # trained, not rendered
    states = load_states(out / "states.npz")
    assert states.widths == [2, 3, 2] and states["steps"][-1] == 60
    assert states.meta["custom"]["model"].endswith("models.py:build")
    bad = subprocess.run(
        [sys.executable, "-m", "model", "custom", "--data", str(files / "nan.csv"),
         "--out", str(files / "bad")],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "NaN" in bad.stderr
    assert not (files / "bad").exists()


def test_weights_are_exported_as_given(files):
    torch.manual_seed(5)
    trained = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 2))
    torch.save(trained.state_dict(), files / "good.pt")
    code = custom_main(
        ["--data", str(files / "moons.csv"), "--model", f"{files}/models.py:build",
         "--weights", str(files / "good.pt"), "--no-render", "--out", str(files / "w")]
    )  # fmt: skip
    assert code == 0
    states = load_states(files / "w" / "states.npz")
    assert states.n_snapshots == 1
    np.testing.assert_array_equal(states["W0"][0], trained[0].weight.detach().numpy())
    assert_trace_matches(states, trained, 0)


@pytest.mark.slow
def test_render_py_custom_renders_the_users_states_and_skips_them_next_time(files):
    out = files / "moons"
    args = ["custom", "--data", str(files / "moons.csv"), "--widths", "2", "--epochs", "50",
            "--scene", "Stretching", "-q", "draft", "-f", "mp4", "--out", str(out)]  # fmt: skip
    first = run_render(*args)
    assert first.returncode == 0, first.stderr
    video = out / "videos" / "dark" / "draft" / "Stretching.mp4"
    assert str(video.name) in first.stdout and video.is_file()
    stamp = json.loads((out / "videos" / "dark" / "draft" / "Stretching.json").read_text())
    assert stamp["width"] == 854 and stamp["frames"] > 30
    assert (out / "gallery.html").is_file()  # beside OUT/videos, as render.py --out does
    made = video.stat().st_mtime_ns
    again = run_render(*args)  # the same data and seed: the same states, nothing to render
    assert again.returncode == 0, again.stderr
    assert "up to date" in again.stderr and video.stat().st_mtime_ns == made
