"""``python -m model``: train and info, with one-line errors and no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from model.activations import CHOICES, is_known
from model.states import load_states

REPO = Path(__file__).resolve().parents[2]


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


def test_train_offers_the_registry_activations():
    run = subprocess.run(
        [sys.executable, "-m", "model", "train", "spirals2d", "--activation", "swish"],
        capture_output=True, text=True, cwd=REPO,
    )  # fmt: skip
    assert run.returncode == 2 and "Traceback" not in run.stderr
    offered = run.stderr.split("is not one of", 1)[1]
    assert all(f"'{name}'" in offered for name in CHOICES), offered
    assert offered.count("'") == 2 * len(CHOICES), offered
    assert all(is_known(name) for name in CHOICES)
