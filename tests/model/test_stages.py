"""The numpy stages equal torch's forward pass, stage by stage, for every preset."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from model.config import PRESETS
from model.stages import forward_stages
from model.train import build_mlp


def _torch_stage_outputs(model: torch.nn.Sequential, x: np.ndarray) -> list[np.ndarray]:
    """Torch's own output after every Linear (as linear + bias) and every activation.

    In float64, as the numpy stages compute: in float32, torch's own rounding
    through a dozen stages reaches 1e-5 where a layer cancels large terms.
    """
    model = model.double()
    outs = [x.astype(np.float64)]
    h = torch.from_numpy(x.astype(np.float64))  # a writable copy: states arrays are read-only
    with torch.no_grad():
        for module in model:
            if isinstance(module, torch.nn.Linear):
                outs.append((h @ module.weight.T).numpy())
            h = module(h)
            outs.append(h.numpy())
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
            np.testing.assert_allclose(mine, theirs, atol=1e-9, rtol=1e-9, err_msg=f"stage {t}")
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
