"""Your own network and data: conversion, export against torch, the CLI's bad inputs, a render."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from model.custom import (
    CustomError,
    custom_config,
    export_custom,
    load_points_csv,
    network_from_model,
    points_from_arrays,
    train_and_export_custom,
)
from model.custom_cli import main as custom_main
from model.states import load_states

REPO = Path(__file__).resolve().parent.parent


def two_moons(n: int = 100, noise: float = 0.1, seed: int = 0):
    """Two interleaved half circles, made here (not a preset)."""
    rng = np.random.default_rng(seed)
    t = rng.uniform(0, np.pi, n)
    upper = np.column_stack([np.cos(t), np.sin(t)])
    lower = np.column_stack([1 - np.cos(t), 0.5 - np.sin(t)])
    x = np.concatenate([upper, lower]) + noise * rng.standard_normal((2 * n, 2))
    return x, np.repeat(["upper", "lower"], n)


def write_csv(path: Path, x: np.ndarray, y, header: str | None = "x,y,label") -> Path:
    lines = [header] if header else []
    lines += [
        ",".join([*(f"{v:.5f}" for v in row), str(lab)]) for row, lab in zip(x, y, strict=True)
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def odd_network() -> nn.Sequential:
    """Every construct the converter must handle, in one small model."""
    torch.manual_seed(1)
    return nn.Sequential(
        nn.Linear(2, 2),
        nn.Tanh(),
        nn.Sequential(nn.Linear(2, 5), nn.GELU(approximate="tanh")),  # nested, 5 wide
        nn.ReLU(),  # two activations in a row
        nn.Dropout(0.3),  # identity in eval mode
        nn.Linear(5, 3, bias=False),  # Linear-Linear, no bias
        nn.Linear(3, 3),
        nn.LeakyReLU(0.2),
        nn.ELU(alpha=0.5),
        nn.Identity(),
        nn.Linear(3, 2),
        nn.Sigmoid(),  # an activation on the output layer too
    ).eval()


def torch_stage_outputs(model: nn.Sequential, x: np.ndarray) -> list[np.ndarray]:
    """The model's own forward pass, cut at every stage the schema shows."""
    from model.custom import _flatten

    h = torch.tensor(np.asarray(x), dtype=torch.float32)
    outs, open_layer = [h], False
    with torch.no_grad():
        for _, module in _flatten(model):
            if isinstance(module, (nn.Identity, nn.Dropout)):
                continue
            if isinstance(module, nn.Linear):
                outs.append(h @ module.weight.T)  # linear stage: W x
                h = module(h)
                outs.append(h)  # bias stage: W x + b, as torch computes it
                open_layer = True
            else:
                if not open_layer:
                    outs += [h, h]  # the inserted identity layer's linear and bias stages
                h = module(h)
                outs.append(h)
                open_layer = False
        final = model(torch.tensor(np.asarray(x), dtype=torch.float32))
    np.testing.assert_array_equal(outs[-1].numpy(), final.numpy())
    return [o.numpy() for o in outs]


def assert_trace_matches(states, model: nn.Sequential, snapshot: int) -> None:
    ref = torch_stage_outputs(model, states["inputs"])
    assert len(ref) == len(states.stages())
    for t, expected in enumerate(ref):
        shown = states["trace"][snapshot, t]
        if states.is_projected(t):
            np.testing.assert_allclose(
                shown, states.project(expected, t), atol=1e-5, rtol=1e-5, err_msg=f"stage {t}"
            )
        else:
            np.testing.assert_allclose(
                shown[:, : expected.shape[1]], expected, atol=1e-5, rtol=1e-5, err_msg=f"stage {t}"
            )
            assert np.all(shown[:, expected.shape[1] :] == 0)


# -- conversion ------------------------------------------------------------------


def test_network_conversion_handles_every_supported_construct():
    network = network_from_model(odd_network())
    assert network.widths == [2, 2, 5, 5, 3, 3, 3, 2]
    assert network.activations == [
        "tanh", "gelu_tanh", "relu", "identity", "leaky_relu:0.2", "elu:0.5", "sigmoid",
    ]  # fmt: skip
    assert network.inserted == [2, 5]
    assert [layer.name for layer in network.layers][:2] == ["0", "2.0"]


@pytest.mark.parametrize(
    ("layers", "message"),
    [
        ([nn.Linear(2, 4), nn.Conv1d(4, 4, 1), nn.Linear(4, 2)], "layer 1 (Conv1d): convolution"),
        (
            [nn.Linear(2, 4), nn.Sequential(nn.Tanh(), nn.BatchNorm1d(4)), nn.Linear(4, 2)],
            "layer 1.1 (BatchNorm1d): batch-norm",
        ),
        (
            [nn.Linear(2, 4), nn.Dropout(0.5), nn.Linear(4, 2)],
            "layer 1 (Dropout): dropout in train",
        ),
        ([nn.Linear(2, 4), nn.SiLU(), nn.Linear(4, 2)], "layer 1 (SiLU): only nn.Linear"),
        ([nn.Linear(2, 4), nn.Tanh(), nn.Linear(3, 2)], "layer 2 (Linear) takes 3 inputs"),
        ([nn.Tanh(), nn.Linear(2, 2)], "layer 0 (Tanh) comes before any nn.Linear"),
        ([nn.Linear(2, 2), nn.Softmax(dim=1)], "layer 1 (Softmax): remove it"),
    ],
)
def test_layers_we_cannot_show_are_named(layers, message):
    with pytest.raises(CustomError, match="^" + re.escape(message)):
        network_from_model(nn.Sequential(*layers))


def test_dropout_with_p_zero_or_in_eval_mode_is_identity():
    train_mode = nn.Sequential(nn.Linear(2, 3), nn.Dropout(0.0), nn.Tanh(), nn.Linear(3, 2))
    assert network_from_model(train_mode).widths == [2, 3, 2]
    eval_mode = nn.Sequential(nn.Linear(2, 3), nn.Dropout(0.4), nn.Linear(3, 2)).eval()
    assert network_from_model(eval_mode).activations == ["identity", "identity"]


def test_non_sequential_model_is_refused():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(nn.Linear(2, 2))

        def forward(self, x):
            return self.body(x) * 2

    with pytest.raises(CustomError, match=r"must be an nn\.Sequential"):
        network_from_model(Net())


# -- data --------------------------------------------------------------------------


def test_labels_are_remapped_and_named():
    x, _ = two_moons(10)
    points = points_from_arrays(x, np.repeat([7, 3], 10))
    assert points.label_names == ["3", "7"]
    assert points.y.tolist() == [1] * 10 + [0] * 10
    assert points.x.dtype == np.float32 and points.dims == 2


def test_csv_without_header_and_with_named_label_column(tmp_path):
    x, y = two_moons(10)
    plain = load_points_csv(write_csv(tmp_path / "plain.csv", x, y, header=None))
    assert plain.label_names == ["lower", "upper"] and len(plain.y) == 20
    # label first, named by --label, semicolons, a comment and a blank line
    text = "# my points\nclass;a;b\n\n" + "\n".join(
        f"{lab};{p[0]:.4f};{p[1]:.4f}" for p, lab in zip(x, y, strict=True)
    )
    (tmp_path / "named.csv").write_text(text)
    named = load_points_csv(tmp_path / "named.csv", label="class")
    assert named.columns == ["a", "b"]
    np.testing.assert_allclose(named.x, plain.x, atol=1e-4)
    np.testing.assert_array_equal(named.y, plain.y)


# -- export against torch -----------------------------------------------------------


def test_trained_export_equals_the_models_own_forward_pass(tmp_path):
    x, y = two_moons(60)
    points = points_from_arrays(x, y)
    model = odd_network()
    path = train_and_export_custom(
        model, points, tmp_path / "odd.npz", custom_config(epochs=40, snapshots=6)
    )
    states = load_states(path)
    assert states.widths == [2, 2, 5, 5, 3, 3, 3, 2]
    assert states.meta["label_names"] == ["lower", "upper"]
    assert states.meta["custom"]["inserted_identity_layers"] == [2, 5]
    assert states.n_snapshots >= 4 and states["steps"][-1] == 40
    assert_trace_matches(states, model, -1)  # the trained model itself
    logits = model(torch.from_numpy(np.array(states["inputs"]))).detach().numpy()
    np.testing.assert_array_equal(states["predictions"][-1], logits.argmax(1))

    # every earlier snapshot: its weights put back into the torch model
    from model.train import linear_layers

    network = network_from_model(model)
    real = [i for i, layer in enumerate(network.layers) if layer.linear is not None]
    for s in range(states.n_snapshots - 1):
        with torch.no_grad():
            for module, layer in zip(linear_layers(model), real, strict=True):
                module.weight.copy_(torch.from_numpy(np.array(states[f"W{layer}"][s])))
                if module.bias is not None:
                    module.bias.copy_(torch.from_numpy(np.array(states[f"b{layer}"][s])))
        assert_trace_matches(states, model, s)


def test_untrained_export_with_3d_points_and_checkpoints(tmp_path):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((90, 3))
    y = (np.linalg.norm(x, axis=1) > 1.3).astype(int) + (x[:, 2] > 1).astype(int)
    points = points_from_arrays(x, y)
    torch.manual_seed(3)
    model = nn.Sequential(nn.Linear(3, 4), nn.ELU(), nn.Linear(4, 3), nn.GELU(), nn.Linear(3, 3))
    first = {k: v.clone() for k, v in model.state_dict().items()}
    with torch.no_grad():
        for p in model.parameters():
            p.mul_(1.5)
    states = load_states(
        export_custom(
            model, points, tmp_path / "ckpt.npz", checkpoints=[first, model.state_dict()],
            steps=[0, 100],
        )
    )  # fmt: skip
    assert states["steps"].tolist() == [0, 100] and "grid_pred" not in states.arrays
    assert_trace_matches(states, model, 1)
    model.load_state_dict(first)
    assert_trace_matches(states, model, 0)
    one = load_states(export_custom(model, points, tmp_path / "one.npz"))
    assert one.n_snapshots == 1 and one.meta["custom"]["trained_here"] is False


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
    (["--data", "{d}/nolabel.csv"], "the label column is missing"),
    (["--label", "class"], "no label column named 'class'; the columns are x, y, label"),
    (["--data", "{d}/absent.csv"], "absent.csv: no such file"),
    (["--model", "{d}/models.py:build", "--weights", "{d}/wrong.pt"], "does not fit the model"),
    (["--widths", "2,two"], "--widths '2,two': give the hidden layer widths"),
    (["--model", "{d}/models.py:nothing"], "has no function 'nothing'"),
    (["--bogus"], "No such option '--bogus'"),
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
        capture_output=True, text=True, cwd=REPO, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    states = load_states(out / "states.npz")
    assert states.widths == [2, 3, 2] and states["steps"][-1] == 60
    assert states.meta["custom"]["model"].endswith("models.py:build")
    bad = subprocess.run(
        [sys.executable, "-m", "model", "custom", "--data", str(files / "nan.csv"),
         "--out", str(files / "bad")],
        capture_output=True, text=True, cwd=REPO, timeout=120,
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


# -- the generic scenes -------------------------------------------------------------


@pytest.fixture(scope="module")
def moons_states(tmp_path_factory):
    """A small net of our own, trained on two moons made here, exported to a states file."""
    x, y = two_moons(80)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 2), nn.Tanh(), nn.Linear(2, 2), nn.Tanh(), nn.Linear(2, 2))
    path = tmp_path_factory.mktemp("scenes") / "moons.npz"
    train_and_export_custom(
        model, points_from_arrays(x, y), path, custom_config(epochs=300, lr=5e-2, snapshots=8)
    )
    return load_states(path)


def _short(cls, **knobs):
    return type(cls.__name__, (cls,), knobs)


@pytest.mark.slow
def test_generic_scenes_render_the_users_states(moons_states, monkeypatch):
    from scene_harness import render_frames, scene_to_pixel

    import scenes.custom as custom
    from scenes.lib import palette

    monkeypatch.setenv("STATES", str(moons_states.path))
    assert moons_states["accuracy"][-1] > 0.9
    fast = {"stage_seconds": 0.4, "pause_seconds": 0.2, "final_seconds": 0.4}
    stretched = render_frames(_short(custom.Stretching, **fast), width=640, height=360, fps=5)
    view = stretched.scene.view
    last = stretched.frame_at(-0.1)[..., :3].astype(int)
    # the points sit where the trace's output stage puts them, in their class colours
    pixels = scene_to_pixel(view.viewport.to_scene(moons_states["trace"][-1, -1]), last.shape)
    colours = np.array([[int(c[i : i + 2], 16) for i in (1, 3, 5)] for c in palette().classes])
    for k in range(2):
        mine = pixels[moons_states["labels"] == k]
        mine = mine[(mine.min(1) >= 1) & (mine[:, 0] < 359) & (mine[:, 1] < 639)]
        own, any_dot = np.full(len(mine), 999), np.full(len(mine), 999)
        for dr in (-1, 0, 1):
            for dc in (-1, 0, 1):
                got = last[mine[:, 0] + dr, mine[:, 1] + dc]
                own = np.minimum(own, np.abs(got - colours[k]).sum(1))
                other = np.abs(got - colours[1 - k]).sum(1)  # a dot of the other class on top
                any_dot = np.minimum(any_dot, np.minimum(own, other))
        assert len(mine) > 40
        assert (own < 60).mean() > 0.5, f"class {k}: {(own < 60).mean():.2f} in its colour"
        assert (any_dot < 100).mean() > 0.9, f"class {k}: {(any_dot < 100).mean():.2f} dotted"
    boundary = render_frames(_short(custom.Boundary, snapshot_seconds=0.2, final_seconds=0.2))
    assert boundary.n_frames >= moons_states.n_snapshots
    assert len(np.unique(boundary.frame_at(-0.1)[..., :3].reshape(-1, 3), axis=0)) > 20
    # the panels are the user's network's stages, not the spirals preset's
    training = render_frames(_short(custom.Training, snapshot_seconds=0.1, final_seconds=0.2))
    views = training.scene.views
    assert len(views) == len(moons_states.stages()) == 9  # input, 2 x 3 hidden, 2 output
    assert all(v.states.path == moons_states.path for v in views)
    assert np.allclose(views[0].cloud.positions, views[0].viewport.to_scene(moons_states["inputs"]))


def test_tilted_view_fits_what_lands_on_the_screen(tmp_path):
    """3-wide layers are seen obliquely; every stage's grid fills the plot square, no more."""
    from scenes.custom import TiltedView

    x, y = two_moons(60)
    torch.manual_seed(1)
    model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 3), nn.Tanh(), nn.Linear(3, 2))
    path = tmp_path / "w3.npz"
    train_and_export_custom(
        model, points_from_arrays(x, y), path, custom_config(epochs=100, lr=5e-2, snapshots=3)
    )
    states = load_states(path)
    center, fit = np.array([-2.7, -0.1, 0.0]), 3.4
    view = TiltedView(states, 55 * np.pi / 180, -30 * np.pi / 180, center=center, fit=fit)
    for t in range(view.n_stages):
        view.set_stage(t)
        reach = np.abs(view.grid.positions[..., :2] - center[:2]).max()
        assert fit * 0.999 < reach < fit * 1.001, (t, reach)  # a box fit overshot: 3.8 at the input


def test_scenes_without_states_stop_with_one_line():
    env = {k: v for k, v in os.environ.items() if k != "STATES"}
    proc = subprocess.run(
        [sys.executable, "-m", "manim", "-ql", "--dry_run", "scenes/custom.py", "Stretching"],
        capture_output=True, text=True, cwd=REPO, env=env, timeout=120,
    )  # fmt: skip
    assert proc.returncode != 0
    assert "error: set STATES to a states file" in proc.stderr
    assert "Traceback" not in proc.stderr
    env["STATES"] = str(REPO / "no-such-file.npz")
    bad = subprocess.run(
        [sys.executable, "-m", "manim", "-ql", "--dry_run", "scenes/custom.py", "Boundary"],
        capture_output=True, text=True, cwd=REPO, env=env, timeout=120,
    )  # fmt: skip
    assert bad.returncode != 0 and "no such states file" in bad.stderr
