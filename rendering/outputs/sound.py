"""A narrated video's sound: the lines mixed on the frames' clock, at -16 LUFS, and its subtitles.

:func:`sound_track` places each line's clip at its start (seconds from the
video's first frame, computed from frame counts, so the sound lands on its
frame), ramps each clip's ends so nothing clicks, and brings the whole to
-16 LUFS integrated (ITU-R BS.1770 through pyloudnorm) with its true peak
(4x oversampled) under -1 dBTP. :class:`SoundMuxer` adds the audio (AAC in
MP4, Opus in WebM) and a subtitle stream (``mov_text`` in MP4, WebVTT in
WebM) to a file whose video packets are being copied, interleaved by time.
:func:`srt_text` and :func:`vtt_text` write the subtitles beside the video.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np

from scenes.lib.voice import SAMPLE_RATE, read_clip

__all__ = [
    "PEAK_CEILING_DBTP",
    "TARGET_LUFS",
    "Cue",
    "SoundMuxer",
    "SoundTrack",
    "integrated_loudness",
    "limit_and_normalise",
    "sound_track",
    "srt_text",
    "true_peak_dbtp",
    "vtt_text",
]

TARGET_LUFS = -16.0  # integrated: what podcasts and video platforms play at
PEAK_CEILING_DBTP = -1.5  # the limit is -1 dBTP; AAC and Opus overshoot a little
RAMP_SECONDS = 0.005  # each clip fades in and out over this: no step, no click
TIME_BASE = Fraction(1, 1000)  # subtitles, in milliseconds
# codec, sample format, bit rate; both at 48 kHz mono
AUDIO_CODECS = {"mp4": ("aac", "fltp", 128_000), "webm": ("libopus", "flt", 96_000)}
SUBTITLE_CODECS = {"mp4": "mov_text", "webm": "webvtt"}
# The mov_text and WebVTT encoders want an ASS header to open; mov_text reads its style.
_ASS_HEADER = (
    b"[Script Info]\nScriptType: v4.00+\nPlayResX: 384\nPlayResY: 288\n\n[V4+ Styles]\n"
    b"Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, "
    b"BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, "
    b"BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding\n"
    b"Style: Default,Sans,16,&Hffffff,&Hffffff,&H0,&H0,0,0,0,0,100,100,0,0,1,1,0,2,10,10,10,0\n"
    b"\n[Events]\nFormat: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
)


@dataclass(frozen=True)
class Cue:
    """A subtitle: from ``start`` to ``end`` seconds, ``text``."""

    start: float
    end: float
    text: str


@dataclass
class SoundTrack:
    """The mixed samples (mono, 48 kHz), the subtitles, and the loudness measured on them."""

    samples: np.ndarray
    cues: list[Cue] = field(default_factory=list)
    lufs: float = float("-inf")
    true_peak: float = float("-inf")


def integrated_loudness(samples: np.ndarray, rate: int = SAMPLE_RATE) -> float:
    """Integrated loudness in LUFS (ITU-R BS.1770-4, gated), -inf for silence."""
    import pyloudnorm

    if len(samples) < int(0.4 * rate) or not np.any(samples):
        return float("-inf")
    return float(pyloudnorm.Meter(rate).integrated_loudness(samples.astype(np.float64)))


def _oversampled(samples: np.ndarray) -> np.ndarray:
    from scipy.signal import resample_poly

    return resample_poly(samples.astype(np.float64), 4, 1)


def true_peak_dbtp(samples: np.ndarray) -> float:
    """True peak in dBTP: the highest sample after 4x oversampling (BS.1770's method)."""
    if not len(samples):
        return float("-inf")
    peak = float(np.max(np.abs(_oversampled(samples))))
    return 20 * np.log10(peak) if peak > 0 else float("-inf")


def _limit(samples: np.ndarray, ceiling_db: float, rate: int) -> np.ndarray:
    """A look-ahead peak limiter: a smooth gain that keeps the true peak under the ceiling."""
    from scipy.ndimage import minimum_filter1d, uniform_filter1d

    ceiling = 10 ** (ceiling_db / 20)
    envelope = np.abs(_oversampled(samples)).reshape(-1, 4).max(1)[: len(samples)]
    gain = np.minimum(1.0, ceiling / np.maximum(envelope, 1e-12))
    window = max(3, int(0.005 * rate) | 1)  # 5 ms: the gain falls before the peak comes
    # The minimum over twice the window, then its mean over the window: smooth, and at
    # every sample no higher than that sample's own need.
    gain = uniform_filter1d(minimum_filter1d(gain, 2 * window + 1), window)
    return (samples * gain).astype(np.float32)


def limit_and_normalise(
    samples: np.ndarray, target: float = TARGET_LUFS, ceiling: float = PEAK_CEILING_DBTP
) -> np.ndarray:
    """``samples`` at ``target`` LUFS integrated with the true peak under ``ceiling`` dBTP."""
    out = samples.astype(np.float32)
    for _ in range(4):  # gain, limit, measure again: the limiter lowers the loudness a little
        lufs = integrated_loudness(out)
        if not np.isfinite(lufs):
            return out
        out = (out * 10 ** ((target - lufs) / 20)).astype(np.float32)
        if true_peak_dbtp(out) > ceiling:
            out = _limit(out, ceiling - 0.3, SAMPLE_RATE)
        if abs(integrated_loudness(out) - target) < 0.2 and true_peak_dbtp(out) <= ceiling:
            break
    return out


def _ramped(clip: np.ndarray) -> np.ndarray:
    n = min(len(clip) // 2, int(RAMP_SECONDS * SAMPLE_RATE))
    if n:
        ramp = np.linspace(0.0, 1.0, n, dtype=np.float32)
        clip = clip.copy()
        clip[:n] *= ramp
        clip[-n:] *= ramp[::-1]
    return clip


def sound_track(lines: Sequence[dict], seconds: float) -> SoundTrack:
    """The lines (``start``, ``seconds``, ``clip``, ``text``) mixed into ``seconds`` of sound.

    Each clip starts on the sample of its ``start``; the mix is normalised
    (:func:`limit_and_normalise`); a cue per line runs while it is said.
    """
    total = round(seconds * SAMPLE_RATE)
    mix = np.zeros(total, np.float32)
    cues = []
    for line in lines:
        clip = _ramped(read_clip(Path(line["clip"])))
        first = round(line["start"] * SAMPLE_RATE)
        if first >= total:
            continue
        piece = clip[: total - first]
        mix[first : first + len(piece)] += piece
        end = min(seconds, line["start"] + len(clip) / SAMPLE_RATE)
        cues.append(Cue(line["start"], end, line["text"]))
    mix = limit_and_normalise(mix)
    return SoundTrack(mix, cues, integrated_loudness(mix), true_peak_dbtp(mix))


def _clock(seconds: float, separator: str) -> str:
    ms = round(seconds * 1000)
    hours, ms = divmod(ms, 3_600_000)
    minutes, ms = divmod(ms, 60_000)
    secs, ms = divmod(ms, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{ms:03d}"


def _wrapped(text: str, width: int = 42) -> str:
    """Two lines at most for a subtitle, broken at a space near the middle."""
    text = " ".join(text.split())
    if len(text) <= width:
        return text
    middle = len(text) // 2
    spaces = [i for i, ch in enumerate(text) if ch == " "]
    cut = min(spaces, key=lambda i: abs(i - middle)) if spaces else middle
    return text[:cut].rstrip() + "\n" + text[cut:].lstrip()


def srt_text(cues: Sequence[Cue]) -> str:
    """SubRip: numbered cues, ``00:00:01,500 --> 00:00:03,000``."""
    return "".join(
        f"{k}\n{_clock(c.start, ',')} --> {_clock(c.end, ',')}\n{_wrapped(c.text)}\n\n"
        for k, c in enumerate(cues, 1)
    )


def vtt_text(cues: Sequence[Cue]) -> str:
    """WebVTT: what a page's ``<track kind="subtitles">`` reads."""
    body = "".join(
        f"{_clock(c.start, '.')} --> {_clock(c.end, '.')}\n{_wrapped(c.text)}\n\n" for c in cues
    )
    return "WEBVTT\n\n" + body


class SoundMuxer:
    """Adds a track's audio and subtitles to ``out`` (a ``fmt`` container) beside copied video.

    Construct it after the video stream is added and before any packet is
    muxed; call :meth:`until` with each video packet's time, then :meth:`finish`.
    """

    def __init__(self, out, fmt: str, track: SoundTrack) -> None:
        import av

        self.out, self.pending = out, []
        codec, sample_format, bit_rate = AUDIO_CODECS[fmt]
        audio = out.add_stream(codec, rate=SAMPLE_RATE, layout="mono")
        audio.codec_context.bit_rate = bit_rate
        audio.time_base = Fraction(1, SAMPLE_RATE)
        subtitles = out.add_stream(SUBTITLE_CODECS[fmt]) if track.cues else None
        if subtitles is not None:
            subtitles.codec_context.time_base = subtitles.time_base = TIME_BASE
            subtitles.codec_context.subtitle_header = _ASS_HEADER
            subtitles.metadata["language"] = "eng"
        audio.metadata["language"] = "eng"

        size = audio.codec_context.frame_size or 1024
        samples = track.samples
        for first in range(0, len(samples), size):
            piece = np.ascontiguousarray(samples[first : first + size]).reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(
                piece if sample_format == "flt" else piece.astype(np.float32),
                format=sample_format, layout="mono",
            )  # fmt: skip
            frame.sample_rate, frame.pts = SAMPLE_RATE, first
            frame.time_base = Fraction(1, SAMPLE_RATE)
            self._keep(audio.encode(frame))
        self._keep(audio.encode(None))
        for cue in track.cues if subtitles is not None else ():
            data = cue.text.encode()
            if fmt == "mp4":  # a tx3g sample: its length, then the UTF-8 text
                data = struct.pack(">H", len(data)) + data
            packet = av.Packet(data)
            packet.pts = packet.dts = round(cue.start / TIME_BASE)
            packet.duration = max(1, round((cue.end - cue.start) / TIME_BASE))
            packet.time_base, packet.stream = TIME_BASE, subtitles
            self.pending.append(packet)
        self.pending.sort(key=self._seconds)

    @staticmethod
    def _seconds(packet) -> float:
        return float((packet.dts if packet.dts is not None else packet.pts) * packet.time_base)

    def _keep(self, packets) -> None:
        self.pending += [p for p in packets if p.size]

    def until(self, seconds: float) -> None:
        """Mux the pending packets up to ``seconds`` (the next video packet's time)."""
        while self.pending and self._seconds(self.pending[0]) <= seconds:
            self.out.mux(self.pending.pop(0))

    def finish(self) -> None:
        self.until(float("inf"))
