"""Encoding with PyAV: the video encoders a chunk feeds, frame by frame, and the poster's frame.

:class:`VideoSink` encodes MP4 (x264), WebM (VP9) and the transparent formats
(ProRes 4444, VP9 with alpha) from frames converted once to BT.709
(:func:`opaque_frame`); a chunk's segments are joined by
:func:`rendering.outputs.segments.concat_segments`; the GIF is
:mod:`rendering.outputs.gif`'s.
"""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path
from typing import ClassVar

import numpy as np

from rendering.plan.options import RenderOptions

__all__ = [
    "VideoSink",
    "opaque_frame",
    "poster_frame",
    "poster_index_for",
    "set_encoder_threads",
    "unmix_background",
    "video_frame_at",
    "wrap_pixels",
]


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


def video_frame_at(seconds: Fraction, fps: Fraction | int, n_frames: int) -> int:
    """The video frame on screen at a time (nearest frame start, exact arithmetic)."""
    return min(n_frames - 1, int(Fraction(seconds) * Fraction(fps) + Fraction(1, 2)))


def poster_frame(n_frames: int, fps: float, seconds: float | None) -> int:
    """Index of the poster frame: at ``seconds`` (negative: from the end), else 2/3 of the way."""
    if seconds is None:
        index = n_frames * 2 // 3
    else:  # within the scene first: round(1e308 * fps) would overflow
        offset = seconds * fps
        offset = round(min(max(offset, -n_frames), n_frames)) if math.isfinite(offset) else 0
        index = offset if seconds >= 0 else n_frames - 1 + offset
    return int(min(max(index, 0), n_frames - 1))


def poster_index_for(n_frames: int, options: RenderOptions, poster_time: float | None) -> int:
    """The poster frame of a scene of ``n_frames`` (``--poster-at`` over the scene's own)."""
    return poster_frame(n_frames, options.fps, options.poster_seconds(poster_time))
