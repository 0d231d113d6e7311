"""Drawing a scene with manim: its plan (frames per play), its frames, any range of its plays.

A scene's ``play`` calls are its natural cut points (manim's ``-n START,END``).
:func:`plan_scene` runs the scene once with every animation skipped and counts
the frames each ``play`` will write (manim's own arithmetic); :func:`render_range`
draws plays ``[start, end)`` (the earlier ones run skipped, so every later state
is right) into a sink, frame by frame, with no movie file: the chunks of
:mod:`rendering.draw.chunk` and the tests and benches draw through it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from rendering.draw.patches import counting_plays, frames_to
from rendering.plan.options import RenderOptions

__all__ = [
    "background_of",
    "draw_frames",
    "narration_lines",
    "plan_scene",
    "render_range",
    "scene_frames",
]


def _configure(options: RenderOptions, work: Path, transparent: bool = False) -> None:
    from manim import config

    config.pixel_width, config.pixel_height = options.width, options.height
    config.frame_rate = options.fps
    config.disable_caching = True
    config.verbosity = "WARNING"
    config.progress_bar = "none"
    config.write_to_movie = True
    config.save_last_frame = False
    config.format = "mov"
    config.transparent = transparent
    config.media_dir = str(work / ("alpha" if transparent else "opaque"))
    config.from_animation_number = 0
    config.upto_animation_number = -1


def plan_scene(
    scene_cls: type,
    options: RenderOptions,
    work: Path,
    still: list | None = None,
    narration: list | None = None,
) -> tuple[list[int], str]:
    """Frames each ``play`` of the scene writes, and its background colour (``#rrggbb``).

    From a pass with every animation skipped.
    The counts use manim's own rules: a still wait writes ``int(duration / dt)``
    frames, an animation one frame per ``1/fps`` step of its run time. ``still``,
    if given, gets one flag per play: True for a still one (drawn once);
    ``narration`` the scene's spoken lines (:func:`narration_lines`).
    """
    from manim import config

    _configure(options, work)
    config.from_animation_number = 2**31  # every play is skipped, as with -n past the end
    counts: list[int] = []
    try:
        with counting_plays(counts, still), frames_to(lambda pixels, repeat: None):
            scene = scene_cls()
            scene.render()
    finally:
        config.from_animation_number = 0
    if narration is not None:
        narration += narration_lines(scene, counts, options.fps)
    return counts, background_of(scene)


def narration_lines(scene, frames: list[int], fps: int) -> list[dict]:
    """The lines a scene said (``scenes.lib.narration``), each with its ``start`` in seconds:
    the frames of the plays before its own, so the sound starts on its animation's frame."""
    before = [0]
    for count in frames:
        before.append(before[-1] + count)
    lines = []
    for line in getattr(scene, "narration", []):
        start = before[min(line.play, len(frames))] / fps
        lines.append(line.to_json() | {"start": start})
    return lines


def background_of(scene) -> str:
    """A scene's background colour as ``#rrggbb``."""
    from manim import ManimColor

    rgb = ManimColor(scene.camera.background_color).to_int_rgb()
    return "#" + "".join(f"{int(c):02x}" for c in rgb)


def draw_frames(
    scene_cls: type,
    options: RenderOptions,
    work: Path,
    sink: Callable[[np.ndarray, int], None],
    plays: tuple[int, int] | None = None,
) -> None:
    """Draw the scene (or plays ``[start, end)``) into ``sink(rgba, repeat)``, frame by frame.

    ``rgba`` is manim's buffer, valid only during the call: copy what you keep.
    """
    render_range(scene_cls, options, work, plays, sink)


def scene_frames(
    scene_cls: type, options: RenderOptions, work: Path, plays: tuple[int, int] | None = None
) -> Iterator[np.ndarray]:
    """Every RGBA frame of the scene (or of plays ``[start, end)``), for tests and tools."""
    frames: list[np.ndarray] = []
    render_range(scene_cls, options, work, plays, lambda px, n: frames.extend([px.copy()] * n))
    yield from frames


def render_range(
    scene_cls, options, work, plays, sink, transparent=False, created=lambda scene: None
) -> np.ndarray:
    """Render plays ``[start, end)`` (all if None) into ``sink``; returns the background RGB."""
    from manim import ManimColor, config

    _configure(options, work, transparent)
    if plays is not None:
        config.from_animation_number, config.upto_animation_number = plays[0], plays[1] - 1
    try:
        with frames_to(sink):
            scene = scene_cls()
            created(scene)
            scene.render()
    finally:
        config.from_animation_number, config.upto_animation_number = 0, -1
    return np.array(ManimColor(scene.camera.background_color).to_int_rgb(), np.float32)
