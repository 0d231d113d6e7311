"""The GIF: the video frames it shows, its frames kept small per chunk, its palette and file.

A chunk resizes the frames the GIF shows (:func:`gif_repeats`) to the GIF's size
as it draws them and keeps them losslessly (:class:`SmallFrames`); the finish
decodes the chunks' small frames, steadies them (:func:`steady`) and writes
one palette GIF in two passes (:func:`write_gif`, ffmpeg's palettegen and
paletteuse).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from fractions import Fraction
from pathlib import Path

import numpy as np

from rendering.outputs.encode import video_frame_at, wrap_pixels

__all__ = [
    "GIF_SCALING",
    "GIF_STEADY",
    "SmallFrames",
    "TwoPasses",
    "gif_repeats",
    "gif_size",
    "gif_sources",
    "gif_step",
    "steady",
    "write_gif",
]


GIF_DITHER = "bayer:bayer_scale=5"  # ordered: no banding on gradients, compresses well
GIF_STEADY = 3  # colour levels of flicker the GIF ignores in still areas (see steady)
GIF_CODEC = "qtrle"  # the GIF's frames between chunk and palette: lossless, small at 640 px
# The filter that scales frames down to the GIF's size: an area average (each GIF pixel
# the mean of the video pixels it covers). Against the same frames drawn at the GIF's
# size it is 4 to 7 dB closer than Lanczos (which rings at the dots' and lines' edges),
# the GIF is 18 to 25% smaller, and it scales 2.5 to 2.7x faster (``python -m bench encode``,
# its GIF scaling row; 720p frames of DisksTraining2D, MnistClusters, SpiralsStretching).
GIF_SCALING = "AREA"


def gif_size(width: int, height: int, gif_width: int) -> tuple[int, int]:
    """The GIF's size: ``gif_width`` wide (never wider than the video), even, same aspect."""
    gif_w = min(gif_width, width) // 2 * 2
    return gif_w, round(height * gif_w / width / 2) * 2


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


class SmallFrames:
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


def steady(rgb: np.ndarray, shown: np.ndarray | None) -> np.ndarray:
    """``rgb`` with every pixel within ``GIF_STEADY`` levels of ``shown`` (the GIF's frame
    before) in all three channels set to ``shown``'s, in place: still areas do not flicker.

    Flat byte arithmetic: a pixel's three channels are adjacent bytes, and numpy is slow
    on masks that broadcast over them (4x slower at 640x360).
    """
    if shown is None:
        return rgb
    near = np.maximum(rgb, shown)
    near -= np.minimum(rgb, shown)  # |rgb - shown| in uint8, per channel
    channels = near.reshape(-1, 3)
    top = np.maximum(np.maximum(channels[:, 0], channels[:, 1]), channels[:, 2])
    still = (top <= GIF_STEADY).view(np.uint8)
    keep = np.empty_like(channels)  # 255 in each byte of a still pixel, else 0
    for channel in range(3):
        keep[:, channel] = still
    keep *= 255
    flat = rgb.reshape(-1)
    change = np.bitwise_xor(flat, shown.reshape(-1))
    change &= keep.reshape(-1)
    flat ^= change  # shown's bytes where kept, rgb's elsewhere
    return rgb


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


class TwoPasses:
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


def _gif_graph(size: tuple[int, int], palette: object | None):
    """A filter graph: palettegen (without a palette) or paletteuse (with one)."""
    import av

    graph = av.filter.Graph()
    width, height = size
    src = graph.add_buffer(width=width, height=height, format="rgb24", time_base=Fraction(1, 100))
    if palette is None:
        stage = graph.add("palettegen", "max_colors=256:stats_mode=full")
        src.link_to(stage)
        pal_src = None
    else:
        pal_src = graph.add_buffer(
            width=16, height=16, format=palette.format.name, time_base=Fraction(1, 100)
        )
        stage = graph.add("paletteuse", f"dither={GIF_DITHER}:diff_mode=rectangle")
        src.link_to(stage, 0, 0)
        pal_src.link_to(stage, 0, 1)
    sink = graph.add("buffersink")
    stage.link_to(sink)
    graph.configure()
    return graph, src, pal_src, sink


def _pull_all(sink) -> list:
    import av

    frames = []
    while True:
        try:
            frames.append(sink.pull())
        except (av.error.BlockingIOError, av.error.EOFError):
            return frames


def write_gif(frames: Iterable[np.ndarray], path: Path, fps: float) -> None:
    """Encode a GIF from RGB frames of its final size (an iterable that can be walked twice).

    Two passes: ``palettegen`` over every frame makes one palette, ``paletteuse``
    maps the frames to it; the stream stays ``pal8`` so the palette is kept
    (one global palette, no local ones), and the file loops forever.
    """
    import av

    delay = round(100.0 / fps)
    size = None
    # Pass 1: the palette.
    for k, rgb in enumerate(frames):
        if size is None:
            size = (rgb.shape[1], rgb.shape[0])
            _graph, src, _, sink = _gif_graph(size, None)
        frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
        frame.pts = k * delay
        src.push(frame)
    src.push(None)
    palette = _pull_all(sink)[-1]
    # Pass 2: map every frame to it.
    _graph, src, pal_src, sink = _gif_graph(size, palette)
    pal_src.push(palette)
    pal_src.push(None)
    out = av.open(str(path), "w", format="gif", options={"loop": "0"})
    stream = out.add_stream("gif", rate=Fraction(100, delay))
    stream.width, stream.height, stream.pix_fmt = *size, "pal8"
    stream.codec_context.time_base = Fraction(1, 100)

    def mux(pulled: list) -> None:
        for frame in pulled:
            frame.time_base = Fraction(1, 100)
            out.mux(stream.encode(frame))

    for k, rgb in enumerate(frames):
        frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
        frame.pts = k * delay
        src.push(frame)
        mux(_pull_all(sink))
    src.push(None)
    mux(_pull_all(sink))
    out.mux(stream.encode())
    out.close()
