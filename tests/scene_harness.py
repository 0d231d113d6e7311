"""Render a manim Scene in-process at a small size and return its frames as numpy arrays.

``frames_comparison`` silently skips on this cairo (see ../shared/NOTES.md), so
scene tests render with :func:`render_frames` and assert what the pixels show;
:func:`rgb`, :func:`background_share` and :func:`assert_frames_alive` are the
checks the scene tests share.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "Rendered",
    "assert_frames_alive",
    "assert_text_inside_frame",
    "background_share",
    "render_frames",
    "rgb",
    "scene_to_pixel",
]


@dataclass
class Rendered:
    """Frames of one render: ``frames[i]`` is ``(H, W, 4)`` uint8 RGBA, shown ``counts[i]``
    times in a row."""

    scene: object
    frames: list[np.ndarray] = field(default_factory=list)
    counts: list[int] = field(default_factory=list)
    fps: float = 5.0

    @property
    def n_frames(self) -> int:
        """Frames in the video (repeats counted)."""
        return int(sum(self.counts))

    @property
    def duration(self) -> float:
        return self.n_frames / self.fps

    def frame_at(self, seconds: float) -> np.ndarray:
        """The frame shown at ``seconds`` (negative counts from the end)."""
        if seconds < 0:
            seconds += self.duration
        index = int(np.clip(seconds * self.fps, 0, self.n_frames - 1))
        return self.frames[int(np.searchsorted(np.cumsum(self.counts), index, side="right"))]


def rgb(hex_color: str) -> np.ndarray:
    """``"#rrggbb"`` as a float ``(3,)`` array of 0-255 values."""
    from manim import ManimColor

    return np.array(ManimColor(hex_color).to_int_rgb(), dtype=float)


def background_share(frame: np.ndarray, background: str) -> float:
    """Share of ``frame``'s pixels within 6 (summed over R, G, B) of ``background``."""
    diff = np.abs(frame[..., :3].astype(float) - rgb(background)).sum(-1)
    return float((diff <= 6).mean())


def assert_frames_alive(
    rendered: Rendered,
    background: str,
    *,
    moving: bool = True,
    max_background: float = 0.995,
    min_change: float = 0.01,
    what: str = "",
) -> None:
    """No frame is blank (at most ``max_background`` of it background); with ``moving``,
    more than ``min_change`` of the middle frame's pixels differ (by more than 30) from the
    first frame's, and from the last's. ``what`` prefixes the messages."""
    prefix = f"{what}: " if what else ""
    for i, frame in enumerate(rendered.frames):
        assert background_share(frame, background) < max_background, f"{prefix}frame {i} is blank"
    if not moving:
        return
    first, last = rendered.frames[0], rendered.frames[-1]
    middle = rendered.frame_at(rendered.duration / 2).astype(int)
    for other, name in ((first, "first"), (last, "last")):
        changed = (np.abs(middle - other.astype(int)).sum(-1) > 30).mean()
        assert changed > min_change, f"{prefix}the middle frame looks like the {name} one"


def assert_text_inside_frame(scene, margin: float = 0.02) -> None:
    """Every piece of text in ``scene`` (as it ends) lies inside the frame."""
    from manim import Text

    half_w, half_h = scene.camera.frame_width / 2, scene.camera.frame_height / 2
    for mob in scene.mobjects:
        for part in mob.get_family():
            points = part.get_all_points() if isinstance(part, Text) else ()
            if len(points) == 0:
                continue
            (x0, y0, _), (x1, y1, _) = points.min(0), points.max(0)
            inside = -half_w - margin <= x0 and x1 <= half_w + margin
            inside &= -half_h - margin <= y0 and y1 <= half_h + margin
            assert inside, (
                f"text {part.text!r} runs off the frame ({x0:.2f}..{x1:.2f}, {y0:.2f}..{y1:.2f})"
            )


def scene_to_pixel(points: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Scene coordinates ``(..., >=2)`` to integer ``(..., 2)`` pixel ``(row, col)``."""
    from manim import config

    h, w = shape[:2]
    p = np.asarray(points, dtype=np.float64)
    col = (p[..., 0] / config.frame_width + 0.5) * w
    row = (0.5 - p[..., 1] / config.frame_height) * h
    return np.stack([row, col], -1).round().astype(int)


def render_frames(
    scene_cls: type,
    width: int = 480,
    height: int = 270,
    fps: float = 5,
    theme: str | None = None,
) -> Rendered:
    """Render ``scene_cls`` in-process with ``tempconfig`` and collect every frame.

    Nothing is written to disk (no movie, no cache). ``theme`` sets
    ``$BENDSPACE_THEME`` for the render. Returns the frames (consecutive
    repeats, as from ``wait()``, stored once with a count) and the scene.
    """
    from manim import tempconfig

    old_theme = os.environ.get("BENDSPACE_THEME")
    if theme is not None:
        os.environ["BENDSPACE_THEME"] = theme
    try:
        with (
            tempfile.TemporaryDirectory() as tmp,
            tempconfig(
                {
                    "pixel_width": width,
                    "pixel_height": height,
                    "frame_rate": fps,
                    "write_to_movie": False,
                    "save_last_frame": False,
                    "disable_caching": True,
                    "media_dir": tmp,
                    "progress_bar": "none",
                    "verbosity": "WARNING",
                }
            ),
        ):
            scene = scene_cls()
            out = Rendered(scene=scene, fps=float(fps))
            renderer = scene.renderer

            def capture(frame, num_frames: int = 1) -> None:
                if renderer.skip_animations:
                    return
                renderer.time += num_frames / renderer.camera.frame_rate
                out.frames.append(np.array(frame, copy=True))
                out.counts.append(int(num_frames))

            renderer.add_frame = capture
            renderer.file_writer.finish = lambda: None  # no movie was written to combine
            scene.render()
            return out
    finally:
        if theme is not None:
            if old_theme is None:
                os.environ.pop("BENDSPACE_THEME", None)
            else:
                os.environ["BENDSPACE_THEME"] = old_theme
