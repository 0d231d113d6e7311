"""model.custom: your own network and data, converted and exported, checked against torch."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch
from custom_harness import assert_trace_matches, odd_network, two_moons, write_csv
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
from model.states import load_states

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
