"""Encoding with PyAV: the video encoders a chunk feeds, frame by frame, and the poster's frame.

:class:`VideoSink` encodes MP4 (x264), WebM (VP9) and the transparent formats
(ProRes 4444, VP9 with alpha) from frames converted once to BT.709
(:func:`opaque_frame`); a chunk's segments are joined by
:func:`rendering.draw.scene.concat_segments`; the GIF is written by
:func:`write_gif` from the chunks' small frames, two passes for one palette.
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction
from pathlib import Path
from typing import ClassVar

import numpy as np

__all__ = [
    "GIF_SCALING",
    "VideoSink",
    "gif_size",
    "opaque_frame",
    "poster_frame",
    "set_encoder_threads",
    "steady",
    "unmix_background",
    "video_frame_at",
    "write_gif",
]

GIF_DITHER = "bayer:bayer_scale=5"  # ordered: no banding on gradients, compresses well
GIF_STEADY = 3  # colour levels of flicker the GIF ignores in still areas (see steady)
# The filter that scales frames down to the GIF's size: an area average (each GIF pixel
# the mean of the video pixels it covers). Against the same frames drawn at the GIF's
# size it is 4 to 7 dB closer than Lanczos (which rings at the dots' and lines' edges),
# the GIF is 18 to 25% smaller, and it scales 2.5 to 2.7x faster (``python -m bench encode``,
# its GIF scaling row; 720p frames of DisksTraining2D, MnistClusters, SpiralsStretching).
GIF_SCALING = "AREA"


def unmix_background(rgba: np.ndarray, background: np.ndarray) -> np.ndarray:
    """Straight-alpha colours from manim's transparent frames.

    manim's transparent frames carry the colours blended over the background
    colour (with the coverage as alpha); a video editor expects the colours
    alone, so the background is taken out again: ``c = (rgb - (1 - a) bg) / a``.
    """
    alpha = rgba[..., 3:4].astype(np.float32) / 255.0
    rgb = rgba[..., :3].astype(np.float32) - (1.0 - alpha) * background
    rgb = np.where(alpha > 0, rgb / np.maximum(alpha, 1e-6), 0.0)
    out = np.empty_like(rgba)
    out[..., :3] = np.clip(rgb + 0.5, 0, 255).astype(np.uint8)
    out[..., 3] = rgba[..., 3]
    return out


# Constant quality, measured by bench/bench_encode.py on SpiralsStretching's frames.
# x264 veryfast, tune animation, crf 18 encodes 1.34x faster than medium crf 20 at
# 1080p60, for 0.26 dB less PSNR and 18% more bytes. VP9 realtime speed 6 at crf 33
# encodes 3x faster than good/speed 4 at crf 32 at 854x480, for 0.2 dB less PSNR
# and 6% more bytes (at 1080p60: 2.8x faster, 26% more bytes). libvpx's screen-content
# tuning (flat colours, sharp edges, as these pictures are) then gives 0.07 to 0.15 dB
# more PSNR for 1 to 4% fewer bytes, at the same speed (measured on 854x480 and 720p
# frames of SpiralsStretching, MnistClusters and DisksTraining2D).
X264_OPTIONS = {"crf": "18", "preset": "veryfast", "tune": "animation"}
VP9_OPTIONS = {"crf": "33", "b": "0", "row-mt": "1", "deadline": "realtime", "cpu-used": "6",
               "tune-content": "screen"}  # fmt: skip


_THREADS = [0]  # threads per encoder: 0 lets each codec choose (every core)


def set_encoder_threads(threads: int) -> None:
    """Threads each x264 or VP9 encoder of this process may use (0: the codec's choice).

    A batch that runs a worker on every core gives each encoder one thread: the
    cores are busy drawing anyway, and encoder threads would only compete with
    the other workers. One thread costs no more CPU time per frame and gives the
    same PSNR (``python -m bench encode``, its encoder-thread rows); threads
    change the bits, not the quality.
    """
    _THREADS[0] = max(0, int(threads))


def wrap_pixels(pixels: np.ndarray, layout: str):
    """A VideoFrame reading ``pixels`` in place (no copy), valid while ``pixels`` is."""
    import av

    return av.VideoFrame.from_numpy_buffer(np.ascontiguousarray(pixels), format=layout)


# swscale's filter for the chroma planes, which yuv420p keeps at half size: an area
# average takes each 2x2 block's mean, 1.15x faster than bicubic on 720p frames and
# 0.05 dB closer on the round trip (``python -m bench encode``, its conversion row).
YUV_SCALING = "AREA"


def _to_yuv(pixels: np.ndarray, layout: str, pix_fmt: str, scaling: str | None = None):
    # swscale's SIMD path (no ACCURATE_RND): at most 1 level off the exact rounding.
    return wrap_pixels(pixels, layout).reformat(
        format=pix_fmt,
        dst_colorspace="ITU709",
        dst_color_range="MPEG",
        dst_color_trc=1,
        dst_color_primaries=1,
        interpolation=scaling or YUV_SCALING,
    )


def opaque_frame(opaque: np.ndarray):
    """An opaque frame (RGB, or manim's RGBA as it is) as BT.709 ``yuv420p``.

    The MP4 and the WebM take the same converted frame, so it is converted once.
    Passing manim's RGBA saves a 15 ms copy per 1080p frame: the alpha is ignored.
    """
    return _to_yuv(opaque, "rgba" if opaque.shape[-1] == 4 else "rgb24", "yuv420p")


class VideoSink:
    """One encoded video file fed frame by frame."""

    # format -> (container, codec, pix_fmt, codec options, alpha)
    SETTINGS: ClassVar[dict[str, tuple]] = {
        "mp4": ("mp4", "libx264", "yuv420p", X264_OPTIONS, False),
        "webm": ("webm", "libvpx-vp9", "yuv420p", VP9_OPTIONS, False),
        "mov": ("mov", "prores_ks", "yuva444p10le", {"profile": "4444", "alpha_bits": "8"}, True),
        "alpha-webm": ("webm", "libvpx-vp9", "yuva420p", VP9_OPTIONS, True),
    }

    def __init__(self, fmt: str, path: Path, width: int, height: int, fps: int) -> None:
        import av

        container, codec, pix_fmt, options, self.alpha = self.SETTINGS[fmt]
        container_options = {"movflags": "+faststart"} if fmt == "mp4" else {}
        self.out = av.open(str(path), "w", format=container, options=container_options)
        if _THREADS[0] and codec in ("libx264", "libvpx-vp9"):
            options = {**options, "threads": str(_THREADS[0])}
        self.stream = self.out.add_stream(codec, rate=Fraction(fps), options=options)
        self.stream.width, self.stream.height, self.stream.pix_fmt = width, height, pix_fmt
        # BT.709, limited range, tagged: what players assume for HD video.
        context = self.stream.codec_context
        context.colorspace, context.color_primaries, context.color_trc = 1, 1, 1
        context.color_range = 1
        self.pix_fmt = pix_fmt
        self.index = 0

    def add(self, opaque: np.ndarray, straight: np.ndarray | None) -> None:
        """Encode one frame: ``straight`` (RGBA) if this format keeps alpha, else ``opaque``."""
        if self.alpha:
            self.add_frame(_to_yuv(straight, "rgba", self.pix_fmt))
        else:
            self.add_frame(opaque_frame(opaque))

    def add_frame(self, frame) -> None:
        """Encode a frame already in this stream's pixel format (see :func:`opaque_frame`).

        One converted frame may go to several sinks: the encoders keep their own copy.
        """
        frame.pts = self.index
        self.index += 1
        self.out.mux(self.stream.encode(frame))

    def close(self) -> None:
        self.out.mux(self.stream.encode())
        self.out.close()


def gif_size(width: int, height: int, gif_width: int) -> tuple[int, int]:
    """The GIF's size: ``gif_width`` wide (never wider than the video), even, same aspect."""
    gif_w = min(gif_width, width) // 2 * 2
    return gif_w, round(height * gif_w / width / 2) * 2


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


def video_frame_at(seconds: Fraction, fps: Fraction | int, n_frames: int) -> int:
    """The video frame on screen at a time (nearest frame start, exact arithmetic)."""
    return min(n_frames - 1, int(Fraction(seconds) * Fraction(fps) + Fraction(1, 2)))


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


def poster_frame(n_frames: int, fps: float, seconds: float | None) -> int:
    """Index of the poster frame: at ``seconds`` (negative: from the end), else 2/3 of the way."""
    if seconds is None:
        index = n_frames * 2 // 3
    elif seconds >= 0:
        index = round(seconds * fps)
    else:
        index = n_frames - 1 + round(seconds * fps)
    return int(min(max(index, 0), n_frames - 1))
