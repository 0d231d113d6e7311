"""Torch modules of our own that torch.nn does not have: the unit-disk activation."""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["UnitDisk"]


class UnitDisk(nn.Module):
    """x -> tanh(|x|) x / |x| (0 at 0): maps each row into the unit disk."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        norm = x.norm(dim=-1, keepdim=True)
        safe = torch.where(norm > 0, norm, torch.ones_like(norm))
        scale = torch.where(norm > 1e-8, torch.tanh(norm) / safe, 1.0 - norm**2 / 3.0)
        return x * scale
