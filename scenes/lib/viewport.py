"""Data coordinates to scene coordinates: the flat viewport and the oblique (tilted) one."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from manim import ORIGIN

__all__ = ["TiltedViewport", "Viewport", "tilt_rotation"]


@dataclass
class Viewport:
    """Maps data coordinates (any width <= 3) to scene coordinates: ``center + scale * x``."""

    center: np.ndarray = field(default_factory=lambda: ORIGIN.copy())
    scale: float = 1.0

    def to_scene(self, points: np.ndarray, scale: float | None = None) -> np.ndarray:
        """``(..., d)`` data points, ``d <= 3``, to ``(..., 3)`` scene points."""
        x = np.asarray(points, dtype=np.float64)
        out = np.zeros((*x.shape[:-1], 3))
        out[..., : x.shape[-1]] = x
        return (
            np.asarray(self.center, dtype=np.float64)
            + (self.scale if scale is None else scale) * out
        )

    def to_data(self, points: np.ndarray) -> np.ndarray:
        """Scene points back to 3-D data coordinates."""
        return (np.asarray(points, dtype=np.float64) - self.center) / self.scale


def tilt_rotation(tilt: float, turn: float) -> np.ndarray:
    """The 3 x 3 rotation of the oblique view: ``turn`` about z, then ``tilt`` about x (radians)."""
    cz, sz = np.cos(turn), np.sin(turn)
    cx, sx = np.cos(tilt), np.sin(tilt)
    spin = np.array([[cz, -sz, 0], [sz, cz, 0], [0, 0, 1.0]])
    lean = np.array([[1.0, 0, 0], [0, cx, -sx], [0, sx, cx]])
    return lean @ spin


class TiltedViewport(Viewport):
    """A viewport that turns 3-D data to an oblique view (flat 2-D data is unchanged).

    A fixed oblique projection in a flat ``Scene``: no 3-D camera, so text and
    the rest of the frame stay as they are.
    """

    def __init__(self, center: np.ndarray, scale: float, tilt: float, turn: float) -> None:
        super().__init__(np.asarray(center, dtype=np.float64), scale)
        self.rotation = tilt_rotation(tilt, turn)

    def to_scene(self, points: np.ndarray, scale: float | None = None) -> np.ndarray:
        """``(..., d)`` data points, turned and flattened onto the screen: ``(..., 3)``."""
        x = np.asarray(points, dtype=np.float64)
        out = np.zeros((*x.shape[:-1], 3))
        out[..., : x.shape[-1]] = x
        out = out @ self.rotation.T
        out[..., 2] = 0.0  # flatten onto the screen: a fixed oblique projection
        return self.center + (self.scale if scale is None else scale) * out

    def to_data(self, points: np.ndarray) -> np.ndarray:
        """Screen points back to data coordinates (exact in the screen plane of 2-D data)."""
        flat = (np.asarray(points, dtype=np.float64) - self.center) / self.scale
        return flat @ self.rotation  # exact for points in the screen plane of 2-D data
