"""3-D views of wide layers: PCA fitted once per stage, aligned stage to stage.

A stage wider than 3 is shown through a PCA basis fitted on the last
snapshot and applied to every snapshot. Each basis is then rotated by an
orthogonal Procrustes fit onto the previous stage's picture, so clusters do
not flip or spin from one stage to the next.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import orthogonal_procrustes

__all__ = ["align_basis", "pad3", "pca_basis", "project_stages", "variance_kept"]


def pca_basis(x: np.ndarray, dims: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Centre ``(D,)`` and the top ``dims`` principal directions ``(D, dims)`` of ``x``.

    Signs are fixed so each direction's largest loading is positive, which
    makes the basis deterministic.
    """
    center = x.mean(axis=0)
    _, _, vt = np.linalg.svd(x - center, full_matrices=False)
    basis = vt[:dims].T
    signs = np.sign(basis[np.abs(basis).argmax(axis=0), np.arange(basis.shape[1])])
    return center, basis * np.where(signs == 0, 1.0, signs)


def align_basis(
    x: np.ndarray, center: np.ndarray, basis: np.ndarray, previous: np.ndarray
) -> np.ndarray:
    """Rotate ``basis`` so ``(x - center) @ basis`` best matches ``previous`` (P, 3)."""
    shown = (x - center) @ basis
    target = previous - previous.mean(axis=0)
    rotation, _ = orthogonal_procrustes(shown, target)
    return basis @ rotation


def variance_kept(x: np.ndarray, center: np.ndarray, basis: np.ndarray) -> float:
    """The share of ``x``'s variance (about ``center``) that the 3-D view ``basis`` shows.

    ``basis`` has orthonormal columns (a PCA basis, however rotated), so this is
    the explained variance ratio of its directions: 1.0 for a stage of at most
    3 dimensions, less the more the picture flattens.
    """
    spread = np.asarray(x, dtype=np.float64) - center
    total = float(np.einsum("ij,ij->", spread, spread))
    if total <= 0:
        return 1.0
    shown = spread @ basis
    return min(1.0, float(np.einsum("ij,ij->", shown, shown)) / total)


def pad3(x: np.ndarray) -> np.ndarray:
    """Points ``(..., d)`` as 3-D points ``(..., 3)``: zeros fill missing axes, axes past 3 drop."""
    x = np.asarray(x)
    out = np.zeros((*x.shape[:-1], 3))
    out[..., : min(x.shape[-1], 3)] = x[..., :3]
    return out


def project_stages(
    raw: list[list[np.ndarray]], align: bool = True
) -> tuple[np.ndarray, dict[int, tuple[np.ndarray, np.ndarray]]]:
    """Turn true-space stage outputs into 3-D traces.

    ``raw[s][t]`` is snapshot ``s``'s stage ``t`` output ``(P, d_t)``. Returns
    the trace ``(S, T, P, 3)`` and, for each stage wider than 3, its
    ``(center, basis)``.
    """
    n_snap, n_stage = len(raw), len(raw[0])
    n_points = raw[0][0].shape[0]
    trace = np.zeros((n_snap, n_stage, n_points, 3))
    projections: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    previous = None  # the last snapshot's picture of the previous stage
    for t in range(n_stage):
        final = raw[-1][t]
        if final.shape[-1] > 3:
            center, basis = pca_basis(final)
            if align and previous is not None:
                basis = align_basis(final, center, basis, previous)
            projections[t] = (center, basis)
            for s in range(n_snap):
                trace[s, t] = (raw[s][t] - center) @ basis
        else:
            for s in range(n_snap):
                trace[s, t] = pad3(raw[s][t])
        previous = trace[-1, t]
    return trace, projections
