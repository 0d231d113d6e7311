"""Every patch this package makes to manim, each undone when its block ends.

- :func:`frames_to`: the file writer sends frames to a sink and writes no movie;
  the renderer draws nothing while animations are skipped, and copies no frame.
- :func:`counting_plays`: each ``play`` appends the frames it writes (and whether
  it is still), by manim's own rules.
- :func:`skipped_as_drawn`: plays run skipped leave the state the same plays
  leave when drawn. A chunk runs every play before its range skipped, as manim's
  ``-n START,END`` does; manim steps a skipped play's updaters once, by its whole
  run time, where a drawn play steps them frame by frame to its last frame's time,
  ``(n - 1) / fps``, then settles them once more with ``dt = 0``. Time-driven
  updaters (a turning camera, a drift) would then leave another state, and the
  chunk after would draw other frames than one process does.

(The scenes' own speed-ups to manim are ``scenes/lib/fast_paths.py`` and
``scenes/lib/compat.py``: they change what a scene draws, these how it is run.)
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import numpy as np

__all__ = ["counting_plays", "frames_to", "skipped_as_drawn"]


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


@contextlib.contextmanager
def frames_to(sink: Callable[[np.ndarray, int], None]) -> Iterator[None]:
    """manim's file writer sends every frame to ``sink(rgba, repeat)`` and writes no movie.

    ``rgba`` is the camera's own buffer, drawn over by the next frame: the sink
    copies what it keeps.

    While animations are skipped the renderer draws nothing either: manim
    still draws the static and frozen frames of skipped plays, which no frame
    shows (each play draws them again when it is not skipped). At 1080p that is
    most of what a chunk's skipped prefix costs.
    """
    from manim.renderer.cairo_renderer import CairoRenderer
    from manim.scene.scene_file_writer import SceneFileWriter

    update_frame, render = CairoRenderer.update_frame, CairoRenderer.render

    def update_unless_skipping(self, *args, **kwargs):
        if not self.skip_animations:
            update_frame(self, *args, **kwargs)
        elif hasattr(self.camera, "reset_rotation_matrix"):
            # Drawing a frame leaves a 3-D camera's rotation at that frame's angles, and
            # updaters that project points read it: leave it where drawing would.
            self.camera.reset_rotation_matrix()

    def render_without_copy(self, scene, time, moving_mobjects=None):
        # manim copies each frame for its writer; ``sink`` copies what it keeps.
        self.update_frame(scene, moving_mobjects)
        self.add_frame(self.camera.pixel_array)

    patched = {
        "begin_animation": lambda self, allow_write=False, **kw: None,
        "end_animation": lambda self, allow_write=False: None,
        "write_frame": lambda self, pixels, *, repeat=1: sink(pixels, repeat),
        "finish": lambda self: None,
        "save_image": lambda self, pixels: None,
    }
    saved = {name: getattr(SceneFileWriter, name) for name in patched}
    for name, function in patched.items():
        setattr(SceneFileWriter, name, function)
    CairoRenderer.update_frame = update_unless_skipping
    CairoRenderer.render = render_without_copy
    try:
        with skipped_as_drawn():
            yield
    finally:
        for name, function in saved.items():
            setattr(SceneFileWriter, name, function)
        CairoRenderer.update_frame, CairoRenderer.render = update_frame, render


@contextlib.contextmanager
def counting_plays(counts: list[int], still: list | None = None) -> Iterator[None]:
    """Append to ``counts`` the frames each ``play`` writes, by manim's own rules (and to
    ``still`` whether the play is still), skipped or drawn."""
    from manim import config
    from manim.renderer.cairo_renderer import CairoRenderer

    original_play = CairoRenderer.play

    def counting_play(self, scene, *args, **kwargs):
        original_play(self, scene, *args, **kwargs)
        dt = 1 / self.camera.frame_rate
        frozen = scene.is_current_animation_frozen_frame()
        if frozen:
            counts.append(int(scene.duration / dt))
        else:
            counts.append(len(np.arange(0, scene.duration, 1 / config["frame_rate"])))
        if still is not None:
            still.append(bool(frozen))

    CairoRenderer.play = counting_play
    try:
        yield
    finally:
        CairoRenderer.play = original_play
