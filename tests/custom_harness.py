"""Helpers the custom-network tests share: two moons, wide tables and image folders, CSV files,
the torch forward pass by stage."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn

__all__ = [
    "assert_trace_matches",
    "leaf_modules",
    "odd_network",
    "six_features",
    "torch_stage_outputs",
    "two_moons",
    "write_csv",
    "write_images",
    "write_table",
]


def leaf_modules(module: nn.Module) -> list[nn.Module]:
    """The layers of nested ``nn.Sequential`` containers, in the order they run."""
    out = []
    for child in module.children():
        if isinstance(child, nn.Sequential):
            out += leaf_modules(child)
        else:
            out.append(child)
    return out


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
    h = torch.tensor(np.asarray(x), dtype=torch.float32)
    outs, open_layer = [h], False
    with torch.no_grad():
        for module in leaf_modules(model):
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


def six_features(n: int = 120, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Three Gaussian classes in 6-D, apart along their own axis."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 3
    return rng.normal(size=(n, 6)) + 2.5 * np.eye(3, 6)[y], y


def write_table(path, x, y, names=None, extra=None) -> None:
    names = names or [f"f{i}" for i in range(x.shape[1])]
    lines = [",".join([*names, *(extra or {}), "kind"])]
    for i, (row, label) in enumerate(zip(x, y, strict=True)):
        cells = [f"{v:.5f}" for v in row] + [values[i] for values in (extra or {}).values()]
        lines.append(",".join([*cells, f"k{label}"]))
    path.write_text("\n".join(lines) + "\n")


def write_images(folder, per_class: int = 6, size: int = 8, classes: int = 3) -> None:
    """``folder/<class>/<i>.png`` (and one JPEG): a bright bar whose place is the class."""
    rng = np.random.default_rng(1)
    from PIL import Image

    for k in range(classes):
        (folder / f"class{k}").mkdir(parents=True)
        for i in range(per_class):
            pixels = rng.integers(0, 40, (size, size)).astype(np.uint8)
            pixels[:, 2 * k : 2 * k + 2] = 230
            suffix = ".jpg" if i == 0 and k == 0 else ".png"
            Image.fromarray(pixels).save(folder / f"class{k}" / f"{i}{suffix}")
