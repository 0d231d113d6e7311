"""Measurements of rendered files for the tests and the benchmark: PSNR, GIF and MP4 facts."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

from rendering.outputs.encode import video_frame_at
from rendering.outputs.gif import GIF_SCALING

__all__ = ["gif_info", "gif_psnr", "mp4_has_faststart", "psnr", "video_info"]


def mp4_has_faststart(path: Path) -> bool:
    """True if the MP4's ``moov`` box (its index) comes before ``mdat`` (the media)."""
    with open(path, "rb") as handle:
        while header := handle.read(8):
            if len(header) < 8:
                return False
            size, kind = struct.unpack(">I4s", header)
            if size == 1:
                size = struct.unpack(">Q", handle.read(8))[0] - 8
            if kind == b"moov":
                return True
            if kind == b"mdat":
                return False
            handle.seek(size - 8, 1)
    return False


def video_info(path: Path) -> dict:
    """Codec, size, frame rate and frame count of a video file (by decoding it)."""
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = sum(1 for _ in container.decode(video=0))
        return {
            "codec": stream.codec_context.name,
            "pix_fmt": stream.codec_context.pix_fmt,
            "width": stream.codec_context.width,
            "height": stream.codec_context.height,
            "fps": float(stream.average_rate or stream.guessed_rate),
            "frames": frames,
        }


def gif_info(path: Path) -> dict:
    """Parse a GIF's blocks: size, frame delays (centiseconds), loop count, palettes."""
    data = Path(path).read_bytes()
    if data[:6] not in (b"GIF87a", b"GIF89a"):
        raise ValueError(f"{path}: not a GIF")
    width, height, flags = struct.unpack("<HHB", data[6:11])
    pos = 13 + (3 * 2 ** ((flags & 7) + 1) if flags & 0x80 else 0)
    info = {
        "width": width,
        "height": height,
        "global_palette": bool(flags & 0x80),
        "local_palettes": 0,
        "delays": [],
        "loop": None,
        "frames": 0,
    }

    def skip_sub_blocks(pos: int) -> int:
        while data[pos]:
            pos += data[pos] + 1
        return pos + 1

    while pos < len(data):
        kind = data[pos]
        if kind == 0x3B:  # trailer
            break
        if kind == 0x21:  # extension
            label = data[pos + 1]
            if label == 0xF9:
                info["delays"].append(struct.unpack("<H", data[pos + 4 : pos + 6])[0])
            elif label == 0xFF and data[pos + 3 : pos + 14] == b"NETSCAPE2.0":
                info["loop"] = struct.unpack("<H", data[pos + 16 : pos + 18])[0]
            pos = skip_sub_blocks(pos + 2)
        elif kind == 0x2C:  # image
            local = data[pos + 9]
            pos += 10
            if local & 0x80:
                info["local_palettes"] += 1
                pos += 3 * 2 ** ((local & 7) + 1)
            info["frames"] += 1
            pos = skip_sub_blocks(pos + 1)
        else:
            raise ValueError(f"{path}: unexpected GIF block 0x{kind:02x} at byte {pos}")
    return info


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """Peak signal-to-noise ratio of two uint8 images, in dB (inf if identical)."""
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)


def gif_psnr(gif: Path, video: Path) -> float:
    """PSNR of a GIF against the video frames shown at the same times, at the GIF's size.

    The video frames are scaled down with the GIF pipeline's filter
    (``rendering.outputs.gif.GIF_SCALING``); the mean squared error is pooled over
    every GIF frame.
    """
    import av

    errors = []
    with av.open(str(video)) as source, av.open(str(gif)) as shown_file:
        stream = source.streams.video[0]
        fps, n_video = stream.average_rate, stream.frames or 10**9
        video_frames = enumerate(source.decode(stream))
        index, current = next(video_frames)
        for frame in shown_file.decode(video=0):
            shown = frame.to_ndarray(format="rgb24")
            wanted = video_frame_at(frame.pts * frame.time_base, fps, n_video)
            while index < wanted:
                index, current = next(video_frames, (wanted, current))
            height, width = shown.shape[:2]
            ref = current.reformat(width, height, "rgb24", interpolation=GIF_SCALING)
            errors.append(np.mean((shown.astype(np.float64) - ref.to_ndarray()) ** 2))
    mse = float(np.mean(errors))
    return float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)
