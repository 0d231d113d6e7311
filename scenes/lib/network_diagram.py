"""A network drawn as neurons and edges, each edge coloured by its weight's sign, sized by |w|."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from manim import DOWN, Circle, Line, VGroup

from scenes.lib.captions import text
from scenes.lib.palette import Palette

__all__ = ["NetworkDiagram", "weight_colors"]


def weight_colors(weight: np.ndarray, pal: Palette) -> list[str]:
    """One colour per entry of ``weight`` (flattened, row-major): warm for w >= 0, cool below.

    The same convention as :func:`scenes.lib.images.template_rgba`: positive
    weights take ``pal.classes[1]``, negative ones ``pal.classes[0]``.
    """
    flat = np.asarray(weight, dtype=np.float64).ravel()
    return [pal.classes[1] if w >= 0 else pal.classes[0] for w in flat]


class NetworkDiagram(VGroup):
    """Neurons as circles in columns, one column per layer, and every edge between them.

    Edge ``(l, i, j)`` joins neuron ``j`` of layer ``l`` to neuron ``i`` of
    layer ``l + 1``, as torch's ``W[l][i, j]``. :meth:`set_weights` colours each
    edge by its weight's sign (:func:`weight_colors`) and sets its width and
    opacity from ``|w|`` relative to the largest weight of that snapshot, so
    the diagram shows one snapshot of a real network. Without weights the
    edges are drawn thin and neutral.

    Parameters
    ----------
    widths
        Neurons per layer, input first (``states.widths``).
    pal
        The palette.
    height
        Height of the tallest column, scene units.
    layer_gap
        Distance between columns, scene units.
    radius
        Neuron radius; ``None`` picks one that fits the tallest column.
    max_stroke
        Stroke width of the largest weight.
    """

    def __init__(
        self,
        widths: Sequence[int],
        pal: Palette,
        height: float = 4.0,
        layer_gap: float = 1.3,
        radius: float | None = None,
        max_stroke: float = 7.0,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self.widths = [int(w) for w in widths]
        self.pal = pal
        self.max_stroke = float(max_stroke)
        tallest = max(self.widths)
        spacing = height / max(tallest - 1, 1) if tallest > 1 else 1.0
        self.radius = float(radius if radius is not None else min(0.3, 0.32 * spacing))
        x0 = -0.5 * layer_gap * (len(self.widths) - 1)
        # (layer) -> (width, 3) neuron centres, each column centred on y = 0
        self.centers = [
            np.array(
                [[x0 + layer_gap * layer, spacing * (0.5 * (w - 1) - k), 0.0] for k in range(w)]
            )
            for layer, w in enumerate(self.widths)
        ]
        self.edges = VGroup()  # one VGroup per layer of weights, edges row-major (i, j)
        for layer in range(len(self.widths) - 1):
            lines = VGroup()
            for i in range(self.widths[layer + 1]):
                for j in range(self.widths[layer]):
                    start, end = self.centers[layer][j], self.centers[layer + 1][i]
                    lines.add(
                        Line(
                            start,
                            end,
                            buff=self.radius,
                            stroke_width=1.2,
                            color=pal.muted,
                            stroke_opacity=0.6,
                        )
                    )
            self.edges.add(lines)
        self.neurons = VGroup(
            *[
                VGroup(
                    *[
                        Circle(
                            radius=self.radius,
                            color=pal.ink,
                            stroke_width=2.5,
                            fill_color=pal.background,
                            fill_opacity=1,
                        ).move_to(c)
                        for c in column
                    ]
                )
                for column in self.centers
            ]
        )
        self.add(self.edges, self.neurons)
        self.weights: list[np.ndarray] | None = None

    def set_weights(self, weights: Sequence[np.ndarray]) -> NetworkDiagram:
        """Colour and size every edge from one snapshot's weights (``states.weights(s)``)."""
        if len(weights) != len(self.edges):
            raise ValueError(f"{len(weights)} weight matrices for {len(self.edges)} layers")
        self.weights = [np.asarray(w, dtype=np.float64) for w in weights]
        biggest = max(float(np.abs(w).max()) for w in self.weights) or 1.0
        for lines, w in zip(self.edges, self.weights, strict=True):
            if w.size != len(lines):
                raise ValueError(f"weights of shape {w.shape} for {len(lines)} edges")
            for line, color, value in zip(
                lines, weight_colors(w, self.pal), w.ravel(), strict=True
            ):
                share = abs(float(value)) / biggest
                line.set_stroke(
                    color=color, width=0.6 + self.max_stroke * share, opacity=0.35 + 0.65 * share
                )
        return self

    def edge_midpoints(self, layer: int) -> np.ndarray:
        """``(w[l+1] * w[l], 3)`` midpoints of layer ``layer``'s edges, row-major like ``W``."""
        return np.array([line.get_center() for line in self.edges[layer]])

    def layer_labels(self, names: Sequence[str], font_size: float = 22) -> VGroup:
        """One muted label under each column (``input``, ``hidden 1``, ...)."""
        labels = VGroup()
        for column, name in zip(self.neurons, names, strict=True):
            labels.add(text(name, self.pal.muted, font_size).next_to(column, DOWN, buff=0.15))
        return labels
