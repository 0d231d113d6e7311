"""Chunked rendering: one scene cut into contiguous animation ranges, drawn and encoded in parallel.

A scene's ``play`` calls are its natural cut points (manim's ``-n START,END``).
:func:`plan_scene` runs the scene once with every animation skipped and counts
the frames each ``play`` will write (manim's own arithmetic);
:func:`split_chunks` cuts the plays into ranges of roughly equal frame counts;
:func:`render_chunk` renders one range in this process (the earlier animations
run skipped, so every later state is right) and sends its frames straight to
the encoders: an MP4 and a WebM segment, the GIF's frames at the GIF's size
(lossless), and the poster if it falls in the range; :func:`finish_outputs`
joins the segments packet by packet (no re-encoding) and makes the GIF.
"""

from __future__ import annotations

import contextlib
import math
import os
import shutil
from collections.abc import Callable, Iterator, Sequence
from fractions import Fraction
from pathlib import Path

import numpy as np

from rendering.draw.patches import skipped_as_drawn
from rendering.outputs.encode import (
    GIF_SCALING,
    VideoSink,
    gif_size,
    opaque_frame,
    poster_frame,
    steady,
    unmix_background,
    video_frame_at,
    wrap_pixels,
    write_gif,
)
from rendering.plan.cuts import STILL_SHARE, open_cut, play_costs, split_chunks
from rendering.plan.options import ALPHA_FORMATS, FORMATS, RenderOptions

__all__ = [
    "SEGMENT_FORMATS",
    "STILL_SHARE",
    "ChunkOutputs",
    "background_of",
    "chunk_files",
    "concat_segments",
    "counting_plays",
    "draw_frames",
    "finish_outputs",
    "gif_repeats",
    "gif_sources",
    "open_cut",
    "plan_scene",
    "play_costs",
    "poster_index_for",
    "render_alpha",
    "render_chunk",
    "render_range",
    "scene_frames",
    "split_chunks",
]

SEGMENT_FORMATS = ("mp4", "webm")  # encoded per chunk and joined packet by packet
GIF_CODEC = "qtrle"  # the GIF's frames between chunk and palette: lossless, small at 640 px


def gif_sources(n_frames: int, fps: int, gif_fps: float) -> list[int]:
    """The video frame each GIF frame shows (same rule as the video's own timeline)."""
    delay = Fraction(round(100 / gif_fps), 100)
    n_gif = max(1, int(Fraction(n_frames, fps) / delay))
    return [video_frame_at(k * delay, fps, n_frames) for k in range(n_gif)]


def gif_step(fps: int, gif_fps: float) -> Fraction:
    """Video frames per GIF frame (the GIF's delay is whole hundredths of a second)."""
    return Fraction(round(100 / gif_fps), 100) * Fraction(fps)


def gif_repeats(frame: int, fps: int, gif_fps: float, n_frames: int | None) -> int:
    """How many GIF frames show video frame ``frame``: :func:`gif_sources`, one frame at a time.

    GIF frame ``k`` shows video frame ``int(k * step + 1/2)``, clamped to the
    last one; there are ``int(duration / delay)`` of them. With ``n_frames``
    None (not known yet) the end is not applied, which changes only frames
    within a step or two of the end.
    """
    step = gif_step(fps, gif_fps)
    half = Fraction(1, 2)
    low = max(0, math.ceil((frame - half) / step))
    high = math.ceil((frame + half) / step) - 1
    if n_frames is not None:
        n_gif = max(1, int(Fraction(n_frames, fps) / (step / fps)))
        if frame >= n_frames:
            return 0
        high = n_gif - 1 if frame == n_frames - 1 else min(high, n_gif - 1)
    return max(0, high - low + 1)


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


@contextlib.contextmanager
def _frames_to(sink: Callable[[np.ndarray, int], None]) -> Iterator[None]:
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


def plan_scene(
    scene_cls: type, options: RenderOptions, work: Path, still: list | None = None
) -> tuple[list[int], str]:
    """Frames each ``play`` of the scene writes, and its background colour (``#rrggbb``).

    From a pass with every animation skipped.
    The counts use manim's own rules: a still wait writes ``int(duration / dt)``
    frames, an animation one frame per ``1/fps`` step of its run time. ``still``,
    if given, gets one flag per play: True for a still one (drawn once).
    """
    from manim import config

    _configure(options, work)
    config.from_animation_number = 2**31  # every play is skipped, as with -n past the end
    counts: list[int] = []
    try:
        with counting_plays(counts, still), _frames_to(lambda pixels, repeat: None):
            scene = scene_cls()
            scene.render()
    finally:
        config.from_animation_number = 0
    return counts, background_of(scene)


def background_of(scene) -> str:
    """A scene's background colour as ``#rrggbb``."""
    from manim import ManimColor

    rgb = ManimColor(scene.camera.background_color).to_int_rgb()
    return "#" + "".join(f"{int(c):02x}" for c in rgb)


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
        with _frames_to(sink):
            scene = scene_cls()
            created(scene)
            scene.render()
    finally:
        config.from_animation_number, config.upto_animation_number = 0, -1
    return np.array(ManimColor(scene.camera.background_color).to_int_rgb(), np.float32)


def chunk_files(work: Path, index: int) -> dict[str, Path]:
    """Where chunk ``index`` of a scene puts its pieces inside the scene's work folder."""
    return {
        "mp4": work / f"chunk{index:03d}.mp4",
        "webm": work / f"chunk{index:03d}.webm",
        "gif": work / f"chunk{index:03d}.gif.mov",
        "png": work / "poster.png",
    }


class _SmallFrames:
    """The GIF's frames of one chunk at the GIF's size, in a lossless file."""

    def __init__(self, path: Path, size: tuple[int, int]) -> None:
        import av

        self.size = size
        self.out = av.open(str(path), "w", format="mov")
        self.stream = self.out.add_stream(GIF_CODEC, rate=25)
        self.stream.width, self.stream.height, self.stream.pix_fmt = *size, "rgb24"
        self.index = 0

    def resize(self, pixels: np.ndarray):
        """A frame (RGB, or manim's opaque RGBA as it is) at the GIF's size (GIF_SCALING), ready
        for :meth:`add_small`. From RGBA it is the same image, without a copy: twice as fast."""
        import av

        if pixels.shape[-1] == 4:  # read in place: the result is a new frame (RGB)
            frame = wrap_pixels(pixels, "rgba")
        else:  # a copy: resizing RGB to its own size would hand back the same frame
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(pixels), format="rgb24")
        return frame.reformat(*self.size, "rgb24", interpolation=GIF_SCALING)

    def add_small(self, small, times: int) -> None:
        for _ in range(times):
            small.pts = self.index
            self.index += 1
            self.out.mux(self.stream.encode(small))

    def close(self) -> None:
        self.out.mux(self.stream.encode())
        self.out.close()


class ChunkOutputs:
    """Where one chunk's frames go: its video segments, the GIF's small frames, the poster.

    ``n_frames`` and ``poster`` may be unknown (None) when the chunk starts (the
    open chunk, see :func:`render_open_chunk`): GIF frames then follow the
    timeline frame by frame (:func:`gif_repeats`) and the last few are held
    back until :meth:`know_total` says where the scene ends.
    """

    def __init__(self, work, index, formats, options, first_frame, n_frames, poster) -> None:
        self.files = chunk_files(work, index)
        self.formats, self.options = list(formats), options
        self.first, self.count = first_frame, 0
        self.n_frames, self.poster = n_frames, poster
        self.poster_missed = False
        self.videos = [
            VideoSink(fmt, self.files[fmt], options.width, options.height, options.fps)
            for fmt in SEGMENT_FORMATS
            if fmt in formats
        ]
        self.small = None
        if "gif" in formats:
            size = gif_size(options.width, options.height, options.gif_width)
            self.small = _SmallFrames(self.files["gif"], size)
        self.held: list[tuple[int, np.ndarray]] = []  # (frame, GIF-size image) not yet written
        self.newest: tuple[int, np.ndarray] | None = None  # see _take_small
        # Frames this far before the last one seen get the same GIF repeats whatever the total.
        self.tail = int(gif_step(options.fps, options.gif_fps)) + 2

    def know_total(self, n_frames: int, poster: int) -> None:
        self.n_frames, self.poster = n_frames, poster
        if self.first + self.count > poster:
            self.poster_missed = True

    def add(self, rgba: np.ndarray, repeat: int) -> None:
        # A frame written ``repeat`` times (a still wait) is converted and resized once.
        yuv = opaque_frame(rgba) if self.videos else None  # manim's RGBA: alpha 255 everywhere
        small = None
        for _ in range(repeat):
            frame = self.first + self.count
            for video in self.videos:
                video.add_frame(yuv)
            if self.small is not None:
                small = self._take_small(frame, rgba, small)
            if frame == self.poster:
                self.save_poster(rgba)
            self.count += 1
        if self.newest is not None and self.newest[1] is rgba:  # manim reuses its buffer
            self.newest = (self.newest[0], rgba.copy())
        self._write_held(final=False)

    def save_poster(self, rgba: np.ndarray) -> None:
        """The poster PNG from manim's RGBA frame (if the formats ask for it)."""
        if "png" in self.formats:
            from PIL import Image

            opaque = np.ascontiguousarray(rgba[..., :3])
            Image.fromarray(opaque).save(self.files["png"], format="PNG", optimize=True)

    def _take_small(self, frame: int, rgba: np.ndarray, small):
        """The frame at the GIF's size (``small``, or resized now) if the GIF shows it.

        Until the total is known the end can only lower a frame's count
        (:func:`gif_repeats`), except for the very last frame: the newest frame the
        GIF skips is kept at full size until the next one comes.
        """
        self.newest = None
        if gif_repeats(frame, self.options.fps, self.options.gif_fps, self.n_frames):
            small = small if small is not None else self.small.resize(rgba)
            self.held.append((frame, small))
        elif self.n_frames is None:
            self.newest = (frame, rgba)
        return small

    def _write_held(self, final: bool) -> None:
        last = self.first + self.count - 1
        while self.held and (final or self.held[0][0] < last - self.tail):
            frame, image = self.held.pop(0)
            times = gif_repeats(frame, self.options.fps, self.options.gif_fps, self.n_frames)
            self.small.add_small(image, times)

    def close(self) -> None:
        """Finish every file (``n_frames`` must be known by now)."""
        for video in self.videos:
            video.close()
        if self.small is not None:
            if self.newest is not None and self.newest[0] == self.n_frames - 1:
                self.held.append((self.newest[0], self.small.resize(self.newest[1])))
            self._write_held(final=True)
            self.small.close()


def render_chunk(
    scene_cls: type,
    plays: tuple[int, int],
    first_frame: int,
    n_frames: int,
    formats: Sequence[str],
    options: RenderOptions,
    poster_index: int,
    work: Path,
    index: int,
    progress: Callable[[int], None] = lambda done: None,
) -> int:
    """Render plays ``[start, end)`` straight into this chunk's segments; returns its frames.

    ``first_frame`` is the chunk's first frame in the whole scene of
    ``n_frames`` frames (from :func:`plan_scene`); the GIF frames and the
    poster that fall inside the chunk are taken here, from the lossless frames.
    """
    work.mkdir(parents=True, exist_ok=True)
    outputs = ChunkOutputs(work, index, formats, options, first_frame, n_frames, poster_index)

    def sink(rgba: np.ndarray, repeat: int) -> None:
        outputs.add(rgba, repeat)
        progress(outputs.count)

    render_range(scene_cls, options, work / f"manim{index}", plays, sink)
    outputs.close()
    shutil.rmtree(work / f"manim{index}", ignore_errors=True)
    return outputs.count


def render_alpha(
    scene_cls: type, formats: Sequence[str], options: RenderOptions, work: Path
) -> dict[str, Path]:
    """The transparent formats, from a second, transparent render of the whole scene."""
    wanted = [fmt for fmt in formats if fmt in ALPHA_FORMATS]
    files = {fmt: work / f"alpha{FORMATS[fmt][0]}" for fmt in wanted}
    if not wanted:
        return files
    frames: list[tuple[np.ndarray, int]] = []
    background = render_range(
        scene_cls, options, work / "manim-alpha", None,
        lambda px, n: frames.append((px.copy(), n)), transparent=True,
    )  # fmt: skip
    sinks = [VideoSink(f, p, options.width, options.height, options.fps) for f, p in files.items()]
    for rgba, repeat in frames:
        straight = unmix_background(rgba, background)
        for _ in range(repeat):
            for video in sinks:
                video.add(np.ascontiguousarray(rgba[..., :3]), straight)
    for video in sinks:
        video.close()
    shutil.rmtree(work / "manim-alpha", ignore_errors=True)
    return files


def concat_segments(segments: Sequence[Path], out: Path, fmt: str) -> None:
    """Join video segments (same codec and settings, each starting on a keyframe) losslessly.

    Packets are copied, their timestamps shifted by the frames before them.
    """
    import av

    options = {"movflags": "+faststart"} if fmt == "mp4" else {}
    with av.open(str(out), "w", format=FORMATS[fmt][0].lstrip(".").split(".")[-1],
                 options=options) as output:  # fmt: skip
        stream = None
        offset = 0  # in the output stream's time base
        for path in segments:
            with av.open(str(path)) as source:
                in_stream = source.streams.video[0]
                if stream is None:
                    stream = output.add_stream_from_template(in_stream)
                rate = in_stream.average_rate or in_stream.guessed_rate
                step = Fraction(1, 1) / Fraction(rate) / in_stream.time_base
                frames = 0
                for packet in source.demux(in_stream):
                    if packet.dts is None and packet.pts is None:
                        continue  # the flush packet
                    frames += 1
                    if packet.pts is not None:
                        packet.pts += offset
                    if packet.dts is not None:
                        packet.dts += offset
                    packet.stream = stream
                    output.mux(packet)
                offset += round(frames * step)


def _gif_frames(parts: Sequence[Path]) -> Iterator[np.ndarray]:
    """The GIF's frames from the chunks' lossless files, steadied (:func:`steady`)."""
    import av

    shown = None
    for path in parts:
        with av.open(str(path)) as container:
            for frame in container.decode(video=0):
                shown = steady(frame.to_ndarray(format="rgb24"), shown)
                yield shown


GIF_KEPT_BYTES = 384 << 20  # the GIF's frames kept between its two passes up to this size


class _Twice:
    """The GIF's frames for its two passes (palette, then the frames): decoded and steadied
    once, and kept for the second pass while they fit in ``GIF_KEPT_BYTES``."""

    def __init__(self, parts: Sequence[Path]) -> None:
        self.parts = parts
        self.kept: list[np.ndarray] | None = None

    def __iter__(self) -> Iterator[np.ndarray]:
        if self.kept is not None:
            yield from self.kept
            return
        kept: list[np.ndarray] | None = []
        size = 0
        for frame in _gif_frames(self.parts):
            if kept is not None:
                size += frame.nbytes
                if size <= GIF_KEPT_BYTES:
                    kept.append(frame)
                else:
                    kept = None
            yield frame
        self.kept = kept


def finish_outputs(
    work: Path,
    n_chunks: int,
    n_frames: int,
    folder: Path,
    name: str,
    formats: Sequence[str],
    options: RenderOptions,
    alpha: dict[str, Path] | None = None,
) -> dict[str, str]:
    """Join the chunks into the final files (temporary names, then renamed); ``{fmt: name}``."""
    from rendering.plan.stamps import temporary_name

    finals = {fmt: folder / f"{name}{FORMATS[fmt][0]}" for fmt in formats}
    temps = {fmt: temporary_name(path) for fmt, path in finals.items()}
    pieces = [chunk_files(work, k) for k in range(n_chunks)]
    try:
        for fmt in formats:
            if fmt in SEGMENT_FORMATS:
                concat_segments([p[fmt] for p in pieces], temps[fmt], fmt)
            elif fmt == "gif":
                write_gif(_Twice([p["gif"] for p in pieces]), temps[fmt], options.gif_fps)
            elif fmt == "png":
                shutil.copyfile(pieces[0]["png"], temps[fmt])
            elif fmt in ALPHA_FORMATS and alpha:
                shutil.copyfile(alpha[fmt], temps[fmt])
        for fmt in formats:
            os.replace(temps[fmt], finals[fmt])
    finally:
        for path in temps.values():
            path.unlink(missing_ok=True)
    return {fmt: path.name for fmt, path in finals.items()}


def poster_index_for(n_frames: int, options: RenderOptions, poster_time: float | None) -> int:
    """The poster frame of a scene of ``n_frames`` (``--poster-at`` over the scene's own)."""
    return poster_frame(n_frames, options.fps, options.poster_seconds(poster_time))
