"""The activation registry: numpy and torch agree, torch modules map back, every CLI name exists."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from model.activations import (
    CHOICES,
    NAMES,
    canonical_name,
    is_known,
    lookup,
    name_of_module,
    numpy_function,
    torch_module,
)
from model.stages import apply_stage

# Every name, and the parametrised spellings a states file may hold.
SPELLINGS = (*NAMES, "leaky_relu:0.2", "leaky_relu:0.01", "elu:0.5", "elu:1.0")


@pytest.mark.parametrize("name", SPELLINGS)
def test_numpy_function_matches_the_torch_module(name):
    rng = np.random.default_rng(7)
    # rows of 2, 3 and 5 coordinates, from tiny to large, and exact zeros
    for dims in (2, 3, 5):
        x = rng.normal(size=(400, dims)) * np.geomspace(1e-6, 20.0, 400)[:, None]
        x[:3] = 0.0
        with torch.no_grad():
            expected = torch_module(name)(torch.from_numpy(x)).numpy()
        np.testing.assert_allclose(numpy_function(name)(x), expected, atol=1e-6, rtol=1e-6)


@pytest.mark.parametrize("name", SPELLINGS)
def test_a_built_torch_module_is_recognised_as_its_name(name):
    module = torch_module(name)
    assert name_of_module(module) == canonical_name(name)
    assert lookup(name_of_module(module)) is lookup(name)
    # and the recognised name computes the same as the original one
    x = np.linspace(-3, 3, 24).reshape(8, 3)
    np.testing.assert_array_equal(
        numpy_function(name_of_module(module))(x), numpy_function(name)(x)
    )


def test_recognition_reads_the_parameters_torch_modules_carry():
    assert name_of_module(nn.LeakyReLU()) == "leaky_relu:0.01"
    assert name_of_module(nn.LeakyReLU(0.3)) == "leaky_relu:0.3"
    assert name_of_module(nn.ELU()) == "elu"
    assert name_of_module(nn.ELU(alpha=2.0)) == "elu:2.0"
    assert name_of_module(nn.GELU()) == "gelu"
    assert name_of_module(nn.GELU(approximate="tanh")) == "gelu_tanh"
    for other in (nn.Linear(2, 2), nn.SiLU(), nn.Softmax(dim=1), nn.Hardtanh(), nn.ReLU6()):
        assert name_of_module(other) is None, other


def test_every_offered_choice_is_in_the_registry():
    assert CHOICES and set(CHOICES) <= set(NAMES)
    assert all(is_known(name) for name in CHOICES)
    assert "identity" not in CHOICES  # a hidden layer without an activation is not offered


@pytest.mark.parametrize("name", ["swish", "tanh:2", "elu:abc", "leaky_relu:nan", "", "relu:"])
def test_unknown_names_fail_in_one_line(name):
    assert not is_known(name)
    with pytest.raises(ValueError) as info:
        lookup(name)
    text = str(info.value)
    assert repr(name) in text and "\n" not in text
    with pytest.raises(ValueError, match="activation"):
        apply_stage(np.ones((2, 2)), "activation", activation=name)


def test_the_registry_lists_the_known_names_in_its_message():
    with pytest.raises(ValueError) as info:
        numpy_function("swish")
    assert all(name in str(info.value) for name in NAMES)
