"""The render registries (qualities, formats, themes) and the options that decide the pixels."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import click
import numpy as np

from model.text import printable
from rendering.errors import RenderError
from scenes.lib import THEMES

__all__ = [
    "ALPHA_FORMATS",
    "DEFAULT_FORMATS",
    "DEFAULT_GIF_FPS",
    "FORMATS",
    "GIF_DELAYS_CS",
    "MAX_POSTER_SECONDS",
    "PIPELINE_VERSION",
    "QUALITIES",
    "THEMES",
    "RenderOptions",
    "gif_fps_for",
    "parse_formats",
    "quality_option",
    "render_options",
    "themes_for",
]

PIPELINE_VERSION = 2  # bump when an encoder setting changes what the files contain

# name -> (width, height, fps); the same sizes as manim's -ql/-qm/-qh/-qp/-qk
QUALITIES: dict[str, tuple[int, int, int]] = {
    "draft": (854, 480, 15),
    "720p30": (1280, 720, 30),
    "1080p60": (1920, 1080, 60),
    "1440p60": (2560, 1440, 60),
    "4k": (3840, 2160, 60),
}
# name -> (file suffix, what it is)
FORMATS: dict[str, tuple[str, str]] = {
    "mp4": (".mp4", "H.264 MP4 with its index at the front (streams on the web)"),
    "webm": (".webm", "VP9 WebM"),
    "gif": (".gif", "GIF, one pal8 palette, loops forever"),
    "png": (".png", "poster frame"),
    "mov": (".mov", "transparent ProRes 4444 for video editors"),
    "alpha-webm": (".alpha.webm", "transparent VP9 WebM"),
    "html": (".html", "interactive page: the network in the reader's browser"),
}
DEFAULT_FORMATS = ("mp4", "webm", "gif", "png", "html")
ALPHA_FORMATS = frozenset({"mov", "alpha-webm"})  # these need a second, transparent render
DEFAULT_GIF_FPS = 12.5  # 8 centiseconds a frame
#: A GIF frame's delay, in centiseconds: a 16-bit field, and browsers play 0 or 1 as 10.
GIF_DELAYS_CS = (2, 65_535)
#: ``--poster-at``, in seconds either way: far beyond any scene, within what floats count.
MAX_POSTER_SECONDS = 86_400.0


@dataclass(frozen=True)
class RenderOptions:
    """What decides the pixels of every output (formats excluded: they only add files)."""

    width: int
    height: int
    fps: int
    gif_width: int = 640
    gif_fps: float = DEFAULT_GIF_FPS
    poster_at: float | None = None  # overrides the scenes' own poster_time
    voice: str = ""  # the narrator (scenes.lib.voice): "" the installed engine, a folder, "none"

    def poster_seconds(self, poster_time: float | None) -> float | None:
        """Where the poster is, in seconds (negative: from the end): ``--poster-at``, else
        the scene's own ``poster_time`` (None: two thirds of the way)."""
        return self.poster_at if self.poster_at is not None else poster_time

    def key(self) -> dict:
        """The options as they enter the up-to-date hash (the voice enters narrated scenes'
        hashes only, by what it is: :func:`rendering.plan.stamps.job_hash`)."""
        key = asdict(self) | {"pipeline": PIPELINE_VERSION}
        del key["voice"]
        return key


def gif_fps_for(video_fps: float, wanted: float | None = None) -> float:
    """The GIF frame rate: a whole number of centiseconds per frame.

    By default 12.5 fps (8 cs), or the video's rate rounded down to such a value
    when it is lower: GIF size grows with every frame, and the GIF is the
    fallback for the video, not the main course.

    Raises
    ------
    RenderError
        If ``wanted`` is not 100 divided by a whole number from 2 to 65,535 (GIF's delays).
    """
    if wanted is not None:
        lowest, highest = 100 / GIF_DELAYS_CS[1], 100 / GIF_DELAYS_CS[0]
        delay = 100.0 / wanted if lowest <= wanted <= highest else 0.5  # nan fails too
        if abs(delay - round(delay)) > 1e-9 or not GIF_DELAYS_CS[0] <= round(delay):
            raise RenderError(
                f"--gif-fps {wanted:g}: GIF frame delays are whole centiseconds from "
                f"{GIF_DELAYS_CS[0]} to {GIF_DELAYS_CS[1]:,}, so 100/n fps for a whole n in "
                "that range: use 10, 12.5, 20, 25 or 50"
            )
        return float(wanted)
    if video_fps >= DEFAULT_GIF_FPS:
        return DEFAULT_GIF_FPS
    return 100.0 / float(np.ceil(100.0 / video_fps - 1e-9))


def render_options(
    quality: str,
    fps: int | None = None,
    width: int | None = None,
    gif_width: int = 640,
    gif_fps: float | None = None,
    poster_at: float | None = None,
) -> RenderOptions:
    """Options from a quality preset, with ``fps`` and ``width`` (height at 16:9) overriding it.

    Raises
    ------
    RenderError
        If ``gif_fps`` is not a whole number of centiseconds per frame (2 to 65,535), or
        ``poster_at`` is not a finite time within :data:`MAX_POSTER_SECONDS`.
    """
    if poster_at is not None and not abs(poster_at) <= MAX_POSTER_SECONDS:  # nan fails too
        raise RenderError(
            f"--poster-at {poster_at:g}: give a time in seconds from -{MAX_POSTER_SECONDS:,.0f} "
            f"to {MAX_POSTER_SECONDS:,.0f} (negative: from the end)"
        )
    w, h, rate = QUALITIES[quality]
    if width:
        w, h = width // 2 * 2, round(width * 9 / 16 / 2) * 2
    rate = fps or rate
    return RenderOptions(w, h, rate, gif_width, gif_fps_for(rate, gif_fps), poster_at)


def parse_formats(values: Sequence[str]) -> list[str]:
    """Comma-separated format lists to one list without repeats, in the order given.

    Raises
    ------
    RenderError
        For a name that is not in :data:`FORMATS`, or values that name no format at all.
    """
    formats = [f.strip() for value in values for f in value.split(",") if f.strip()]
    for fmt in formats:
        if fmt not in FORMATS:
            raise RenderError(
                f"unknown format {printable(repr(fmt), 60)}; valid formats: {', '.join(FORMATS)}"
            )
    if values and not formats:  # -f , or -f "": not "the defaults"
        raise RenderError(f"--format names no format; give some of: {', '.join(FORMATS)}")
    return list(dict.fromkeys(formats))


def themes_for(theme: str) -> list[str]:
    """The themes a ``--theme`` value means (``both``: every theme)."""
    return list(THEMES) if theme == "both" else [theme]


def quality_option(help: str = "Size and frame rate, as manim's presets."):
    """The ``--quality/-q`` option, the same on every command that renders."""
    return click.option(
        "--quality",
        "-q",
        type=click.Choice(list(QUALITIES)),
        default="720p30",
        show_default=True,
        help=help,
    )
