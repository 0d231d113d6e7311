"""MNIST states: aligned PCA views that do not flip, and weight templates that look like digits."""

from __future__ import annotations

import numpy as np

from model.data import mnist_split
from model.project import pca_basis
from model.stages import forward_stages


def _centroids(points: np.ndarray, labels: np.ndarray) -> np.ndarray:
    return np.stack([points[labels == d].mean(axis=0) for d in range(10)])


def test_procrustes_keeps_digit_centroids_from_jumping_between_stages(trained):
    states = trained("mnist")
    labels = np.asarray(states["labels"])
    raw = forward_stages(
        states["inputs"], states.weights(-1), states.biases(-1), states.activations
    )
    aligned_moves, unaligned_moves = [], []
    for t in range(1, len(raw)):
        before, after = states["trace"][-1, t - 1], states["trace"][-1, t]
        aligned_moves.append(np.linalg.norm(_centroids(after, labels) - _centroids(before, labels)))
        # the same stages, each with its own PCA and no Procrustes step
        prev_plain = (raw[t - 1] - pca_basis(raw[t - 1])[0]) @ pca_basis(raw[t - 1])[1]
        plain = (raw[t] - pca_basis(raw[t])[0]) @ pca_basis(raw[t])[1]
        unaligned_moves.append(
            np.linalg.norm(_centroids(plain, labels) - _centroids(prev_plain, labels))
        )
    aligned_moves, unaligned_moves = np.array(aligned_moves), np.array(unaligned_moves)
    assert aligned_moves.sum() < 0.8 * unaligned_moves.sum(), (aligned_moves, unaligned_moves)
    assert np.all(aligned_moves <= unaligned_moves * 1.05 + 1e-6), (aligned_moves, unaligned_moves)


def test_template_of_zero_looks_like_a_zero(trained):
    states = trained("templates")
    split = mnist_split()
    mean_image = {d: split.x[split.y == d].mean(axis=0) for d in range(10)}
    weights = np.asarray(states["W0"][-1])  # (10, 784): one template per digit
    corr = lambda a, b: float(np.corrcoef(a, b)[0, 1])  # noqa: E731
    assert corr(weights[0], mean_image[0]) > corr(weights[0], mean_image[1])
    # and every digit's template matches its own mean image better than most others
    own = [
        sum(corr(weights[d], mean_image[d]) > corr(weights[d], mean_image[e]) for e in range(10))
        for d in range(10)
    ]
    assert np.mean(own) >= 8, own
    # before training the templates are noise: no such preference
    start = np.asarray(states["W0"][0])
    assert abs(corr(start[0], mean_image[0])) < 0.2
