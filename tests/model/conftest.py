"""Fixtures of the model tests: a quick training config."""

from __future__ import annotations

import pytest

from model.config import TrainConfig, preset


@pytest.fixture(scope="session")
def quick():
    """``quick(name="spirals2d", **changes)``: a preset cut to 60 epochs and 6 snapshots."""

    def make(name: str = "spirals2d", **changes) -> TrainConfig:
        return preset(name, **{"epochs": 60, "snapshots": 6, **changes})

    return make
