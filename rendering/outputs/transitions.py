"""The film's transitions: a part's first frame rising out of the background, its last sinking in.

Each part of the film keeps its packets as they are; a short clip, encoded
with the part's own encoder settings, goes before it (the background fading
into its first frame) and after it (its last frame fading into the
background). Two parts then meet through the background, never with a hard
cut, and the joins stay packet copies.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rendering.outputs.encode import VideoSink, opaque_frame

__all__ = ["FADE_SECONDS", "edge_frames", "fade_clip", "fade_frames"]

FADE_SECONDS = 0.4  # each side of a join: 0.8 s from one part's last frame to the next's first


def fade_frames(fps: int, seconds: float = FADE_SECONDS) -> int:
    """Frames of one fade at ``fps`` (at least one)."""
    return max(1, round(seconds * fps))


def edge_frames(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """The first and the last frame of a video, as RGB arrays (the last from its last keyframe)."""
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        first = next(container.decode(stream)).to_ndarray(format="rgb24")
        last = None
        if stream.duration:
            container.seek(int(stream.duration + (stream.start_time or 0)), stream=stream,
                           backward=True, any_frame=False)  # fmt: skip
        for frame in container.decode(stream):
            last = frame
        if last is None:  # a seek past every keyframe: decode it all
            container.seek(0, stream=stream)
            for frame in container.decode(stream):
                last = frame
    return first, last.to_ndarray(format="rgb24")


def fade_clip(
    image: np.ndarray, background: str, n_frames: int, path: Path, fps: int, rising: bool
) -> Path:
    """``n_frames`` of ``image`` fading out of (``rising``) or into the ``#rrggbb`` background.

    Rising ends one step before the image itself (the part's first frame comes
    next); sinking ends on the background alone.
    """
    back = np.array([int(background[i : i + 2], 16) for i in (1, 3, 5)], np.float32)
    height, width = image.shape[:2]
    sink = VideoSink("mp4", path, width, height, fps)
    for k in range(n_frames):
        alpha = k / n_frames if rising else 1.0 - (k + 1) / n_frames
        alpha = 0.5 - 0.5 * np.cos(np.pi * alpha)  # eased: no jolt where it starts or stops
        mixed = back + (image.astype(np.float32) - back) * alpha
        sink.add_frame(opaque_frame(np.clip(mixed + 0.5, 0, 255).astype(np.uint8)))
    sink.close()
    return path
