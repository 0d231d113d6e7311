"""Training: log-spaced snapshots, the claims each preset is trained for, seeds, divergence."""

from __future__ import annotations

import numpy as np
import pytest

from model.config import PRESETS
from model.states import load_states
from model.train import TrainingError, load_dataset, snapshot_steps, train


def test_snapshot_steps_are_log_spaced_with_first_and_last():
    steps = snapshot_steps(3000, 60)
    assert steps[0] == 0 and steps[-1] == 3000
    assert np.all(np.diff(steps) > 0)
    # the early steps are where the change is: more than half the snapshots in the first 10%
    assert (steps <= 300).sum() > len(steps) / 2


# The thresholds below hold for any successful training, not one CPU's: measured over five
# trainings each (BENDSPACE_PERTURB 0 to 3, and 2 torch threads; see Makefile test-portable).


def test_spirals2d_separates_the_spirals(trained):
    states = trained("spirals2d")
    assert states.meta["final_accuracy"] >= 0.99  # measured 99.83% every time
    assert states.widths == [2, 2, 2, 2, 2, 2]


def _thinness(states) -> list[float]:
    """Per stage, the points' long axis over their short one (1 = round, large = a line)."""
    points, out = np.asarray(states["inputs"], dtype=np.float64), []
    for stage in range(len(states.stages())):
        points = states.apply(points, stage)
        spread = np.linalg.eigvalsh(np.cov(points.T))
        out.append(float(np.sqrt(spread[-1] / max(spread[0], 1e-300))))
    return out


def test_spirals2d_keeps_a_plane_to_watch_until_the_last_hidden_layer(trained):
    # SpiralsStretching shows every stage: until layer 4 (the last hidden layer, where the
    # classes part) the points must stay a plane, not a line. Measured for the preset's seed 6:
    # at most 10.0 (layer 1's linear stage) over five trainings; seed 0's layer 3 gave 429.
    states = trained("spirals2d")
    last_hidden = states.stage_index(states.n_layers - 2, "linear")
    thin = _thinness(states)[:last_hidden]
    assert max(thin) < 20, [round(t, 1) for t in thin]
    assert max(_thinness(trained("spirals2d", seed=0))[:last_hidden]) > 100  # what it guards


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_two_neurons_cannot_tear_the_plane_but_three_can(trained, seed):
    # measured: disks2d 93.2%, 69.5 to 69.6%, 94.6 to 95.3% for seeds 0, 1, 2 (at most 99.5%
    # would still say "cannot"); disks3d 100% for every seed
    flat = trained("disks2d", seed=seed).meta["final_accuracy"]
    bulge = trained("disks3d", seed=seed).meta["final_accuracy"]
    assert flat < 0.995, f"disks2d seed {seed} reached {flat:.2%}"
    assert bulge >= 0.995, f"disks3d seed {seed} reached only {bulge:.2%}"


def test_mnist_and_templates_reach_their_heldout_accuracy(trained):
    # measured: 95.4% and 90.5% held out every time; margins of 1.4 and 1.5 points
    assert trained("mnist").meta["final_heldout_accuracy"] >= 0.94
    assert trained("templates").meta["final_heldout_accuracy"] >= 0.89


def test_same_seed_same_arrays_different_seed_differs(tmp_path, quick):
    from model.train import train_and_export

    paths = [
        train_and_export(quick(seed=s), tmp_path / f"{i}.npz", progress=False)
        for i, s in enumerate([5, 5, 6])
    ]
    a, b, c = (load_states(p) for p in paths)
    for key in a.arrays:
        if key != "meta":
            np.testing.assert_array_equal(a[key], b[key], err_msg=key)
    assert not np.array_equal(a["W0"], c["W0"])
    assert not np.array_equal(a["trace"], c["trace"])


def test_divergence_stops_with_a_clear_message(quick):
    config = quick(lr=1e9, epochs=200)
    with pytest.raises(TrainingError, match=r"diverged at step .* lower the learning rate"):
        train(config, progress=False)


def test_load_dataset_for_every_preset():
    for name, config in PRESETS.items():
        data = load_dataset(config)
        assert data.n_classes == config.classes, name


def test_perturbation_nudges_the_first_weights_by_ulps_and_changes_the_cache_key(
    quick, monkeypatch
):
    """``BENDSPACE_PERTURB`` stands for another CPU: the same start to a few float32 ulps,
    a different trained network, and its own cache entry."""
    monkeypatch.delenv("BENDSPACE_PERTURB", raising=False)  # make test-portable sets it
    config = quick()
    plain = train(config, progress=False)
    key = config.key()
    monkeypatch.setenv("BENDSPACE_PERTURB", "1")
    nudged = train(config, progress=False)
    assert config.key() != key
    w0, n0 = plain.snapshots[0].weights[0], nudged.snapshots[0].weights[0]
    relative = np.abs(n0 - w0) / np.abs(w0)
    assert 0 < relative.max() < 1e-5  # a few ulps (float32 eps is 1.2e-7), not a new seed
    assert not np.array_equal(plain.snapshots[-1].weights[0], nudged.snapshots[-1].weights[0])
    monkeypatch.setenv("BENDSPACE_PERTURB", "one")
    with pytest.raises(TrainingError, match="BENDSPACE_PERTURB='one' is not a whole number"):
        train(config, progress=False)
