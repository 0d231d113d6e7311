"""Where a scene is cut into chunks: play ranges of roughly equal cost.

The plan (:func:`rendering.draw.scene.plan_scene`) gives each play's frame count
and whether it is still (a wait: drawn once, written again). A still frame
costs less than a moving one, so the cuts weigh plays by :func:`play_costs`
rather than by frames alone.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

__all__ = ["STILL_SHARE", "open_cut", "play_costs", "split_chunks"]

# A still frame (a wait: drawn once, converted once, encoded again) costs about this share
# of a moving frame's time: 13.0 against 49.1 ms and 13.6 against 50.9 ms per frame in two
# one-process renders of SpiralsStretching at 1080p60, MP4.
STILL_SHARE = 0.27


def play_costs(frames: Sequence[int], still: Sequence[bool] | None = None) -> np.ndarray:
    """Each play's expected cost in moving frames: its frames, a still play's at STILL_SHARE."""
    costs = np.asarray(frames, dtype=np.float64)
    if still is not None and len(still) == len(costs):
        costs = np.where(np.asarray(still, dtype=bool), STILL_SHARE * costs, costs)
    return costs


def split_chunks(
    frames: Sequence[int], n_chunks: int, still: Sequence[bool] | None = None
) -> list[tuple[int, int]]:
    """Contiguous ``[start, end)`` ranges of plays of roughly equal cost.

    A play costs its frames, a still one (``still``, from the plan) less: see
    :func:`play_costs`. Cuts fall at the play boundaries nearest to
    ``k * total / n_chunks``; a range is never empty, so a scene with few plays
    gets fewer chunks.
    """
    n_plays = len(frames)
    if n_plays == 0:
        return [(0, 0)]
    cumulative = np.cumsum(play_costs(frames, still))
    total = cumulative[-1]
    cuts = [0]
    for k in range(1, max(1, n_chunks)):
        target = total * k / n_chunks
        cut = int(np.argmin(np.abs(cumulative - target))) + 1
        if cuts[-1] < cut < n_plays:
            cuts.append(cut)
    cuts.append(n_plays)
    return list(itertools.pairwise(cuts))


def open_cut(
    frames: Sequence[int],
    plays_started: int,
    frames_done: int,
    n_chunks: int,
    still: Sequence[bool] | None = None,
) -> int:
    """Where the open chunk stops: the play boundary that leaves it its share of the rest.

    It is in play ``plays_started - 1`` with ``frames_done`` frames written;
    the cost left (:func:`play_costs`) is shared out among ``n_chunks``
    processes, itself included, and the cut is never before the play it is in ends.
    """
    costs = play_costs(frames, still)
    cumulative = np.concatenate([[0.0], np.cumsum(costs)])
    before = np.concatenate([[0], np.cumsum(frames)])
    play = min(max(plays_started - 1, 0), len(frames))
    done = cumulative[play]
    if play < len(frames) and frames[play]:  # part of the play it is in
        share = min(max(frames_done - before[play], 0), frames[play]) / frames[play]
        done += share * costs[play]
    target = done + (cumulative[-1] - done) / max(1, n_chunks)
    candidates = np.arange(max(1, plays_started), len(frames) + 1)
    if len(candidates) == 0:
        return len(frames)
    return int(candidates[np.argmin(np.abs(cumulative[candidates] - target))])
