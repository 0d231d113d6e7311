"""A chunk's pieces and the files joined from them: the MP4 and WebM, the GIF, the poster.

A chunk sends each frame it draws to :class:`ChunkOutputs`: one encoder per
video segment (:class:`rendering.outputs.encode.VideoSink`), the GIF's small
frames (:mod:`rendering.outputs.gif`) and the poster PNG if it falls in the
chunk. :func:`finish_outputs` joins the segments packet by packet
(:func:`concat_segments`, no re-encoding) and writes the GIF from the small frames.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

import numpy as np

from model.files import temporary_name, write_text_atomic
from rendering.outputs.encode import VideoSink, opaque_frame
from rendering.outputs.gif import SmallFrames, TwoPasses, gif_repeats, gif_size, gif_step, write_gif
from rendering.outputs.sound import SoundMuxer, SoundTrack, srt_text, vtt_text
from rendering.plan.options import ALPHA_FORMATS, FORMATS, RenderOptions

__all__ = ["SEGMENT_FORMATS", "ChunkOutputs", "chunk_files", "concat_segments", "finish_outputs"]


SEGMENT_FORMATS = ("mp4", "webm")  # encoded per chunk and joined packet by packet


def chunk_files(work: Path, index: int) -> dict[str, Path]:
    """Where chunk ``index`` of a scene puts its pieces inside the scene's work folder."""
    return {
        "mp4": work / f"chunk{index:03d}.mp4",
        "webm": work / f"chunk{index:03d}.webm",
        "gif": work / f"chunk{index:03d}.gif.mov",
        "png": work / "poster.png",
    }


class ChunkOutputs:
    """Where one chunk's frames go: its video segments, the GIF's small frames, the poster.

    ``n_frames`` and ``poster`` may be unknown (None) when the chunk starts (the
    open chunk, see :func:`rendering.draw.chunk.render_open_chunk`): GIF frames then follow the
    timeline frame by frame (:func:`rendering.outputs.gif.gif_repeats`) and the last few are held
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
            self.small = SmallFrames(self.files["gif"], size)
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
        (:func:`rendering.outputs.gif.gif_repeats`), except for the very last frame:
        the newest frame the GIF skips is kept at full size until the next one comes.
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


def concat_segments(
    segments: Sequence[Path], out: Path, fmt: str, sound: SoundTrack | None = None
) -> None:
    """Join video segments (same codec and settings, each starting on a keyframe) losslessly.

    Packets are copied, their timestamps shifted by the frames before them;
    ``sound``, if given, adds its audio and subtitle streams, interleaved.
    """
    import av

    options = {"movflags": "+faststart"} if fmt == "mp4" else {}
    with av.open(str(out), "w", format=FORMATS[fmt][0].lstrip(".").split(".")[-1],
                 options=options) as output:  # fmt: skip
        stream = muxer = None
        offset = 0  # in the output stream's time base
        for path in segments:
            with av.open(str(path)) as source:
                in_stream = source.streams.video[0]
                if stream is None:
                    stream = output.add_stream_from_template(in_stream)
                    muxer = SoundMuxer(output, fmt, sound) if sound is not None else None
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
                    if muxer is not None and packet.dts is not None:
                        muxer.until(float(packet.dts * in_stream.time_base))
                    output.mux(packet)
                offset += round(frames * step)
        if muxer is not None:
            muxer.finish()


def finish_outputs(
    work: Path,
    n_chunks: int,
    n_frames: int,
    folder: Path,
    name: str,
    formats: Sequence[str],
    options: RenderOptions,
    alpha: dict[str, Path] | None = None,
    sound: SoundTrack | None = None,
) -> dict[str, str]:
    """Join the chunks into the final files (temporary names, then renamed); ``{fmt: name}``.

    With ``sound`` (a narrated scene) the MP4 and WebM carry its audio and subtitles,
    and ``<name>.srt`` and ``<name>.vtt`` are written beside them.
    """
    finals = {fmt: folder / f"{name}{FORMATS[fmt][0]}" for fmt in formats}
    if sound is not None and sound.cues:
        write_text_atomic(folder / f"{name}.srt", srt_text(sound.cues))
        write_text_atomic(folder / f"{name}.vtt", vtt_text(sound.cues))
    temps: dict[str, Path] = {}
    pieces = [chunk_files(work, k) for k in range(n_chunks)]
    try:
        for fmt, path in finals.items():
            temps[fmt] = temporary_name(path)  # ours alone: created, never followed
        for fmt in formats:
            if fmt in SEGMENT_FORMATS:
                concat_segments([p[fmt] for p in pieces], temps[fmt], fmt, sound)
            elif fmt == "gif":
                write_gif(TwoPasses([p["gif"] for p in pieces]), temps[fmt], options.gif_fps)
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
