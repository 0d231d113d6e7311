"""docs/own-network.md's Python, run as it is: the moons CSV, then a network trained on it."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from model.states import load_states

PAGE = Path(__file__).resolve().parents[2] / "docs" / "own-network.md"


def python_blocks() -> list[str]:
    """The page's ```python blocks, in order."""
    return re.findall(r"```python\n(.*?)```", PAGE.read_text(encoding="utf-8"), re.DOTALL)


@pytest.mark.slow  # 500 epochs of training: about 7 s on 2 cores
def test_the_pages_python_makes_the_moons_and_trains_and_exports_a_network(tmp_path, monkeypatch):
    blocks = python_blocks()
    assert len(blocks) == 2, "the moons CSV, then the network from Python"
    monkeypatch.chdir(tmp_path)
    space: dict = {}
    exec(compile(blocks[0], f"{PAGE}:moons", "exec"), space)
    table = np.loadtxt(tmp_path / "moons.csv", delimiter=",", skiprows=1)
    assert table.shape == (800, 3) and set(table[:, 2]) == {0.0, 1.0}
    exec(compile(blocks[1], f"{PAGE}:network", "exec"), space)
    trained, as_it_is = load_states(tmp_path / "moons.npz"), load_states(tmp_path / "as-it-is.npz")
    assert trained.n_snapshots > 1 and as_it_is.n_snapshots == 1  # trained, then exported as is
    assert trained.n_layers == as_it_is.n_layers == 3  # 2-3-3-2: three linear layers
