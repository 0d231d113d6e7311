"""Plays run skipped that leave the state the same plays leave when drawn.

A chunk runs every play before its range with animations skipped, as manim's
``-n START,END`` does. manim steps a skipped play's updaters once, by its whole
run time, and stops there; a drawn play steps them frame by frame to its last
frame's time, ``(n - 1) / fps``, then settles them once more with ``dt = 0``.
Time-driven updaters (a turning camera, a drift) then leave another state, and
the chunk after draws other frames than one process would.
:func:`skipped_as_drawn` makes a skipped play take one step to where the drawn
play ends, and settle as it does.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import numpy as np

__all__ = ["skipped_as_drawn"]


@contextlib.contextmanager
def skipped_as_drawn() -> Iterator[None]:
    """Inside it, a skipped play steps its updaters as the drawn play would end them."""
    from manim import config
    from manim.scene.scene import Scene
    from tqdm import tqdm

    progression, play_internal = Scene.get_time_progression, Scene.play_internal

    def progression_as_drawn(self, run_time, description, n_iterations=None,
                             override_skip_animations=False):  # fmt: skip
        if self.renderer.skip_animations and not override_skip_animations:
            return tqdm(np.arange(0, run_time, 1 / config.frame_rate)[-1:], disable=True)
        return progression(self, run_time, description, n_iterations, override_skip_animations)

    def play_then_settle(self, skip_rendering=False):
        play_internal(self, skip_rendering)
        if self.renderer.skip_animations:
            self.update_mobjects(0)  # a drawn play settles its updaters once it ends

    Scene.get_time_progression, Scene.play_internal = progression_as_drawn, play_then_settle
    try:
        yield
    finally:
        Scene.get_time_progression, Scene.play_internal = progression, play_internal
