"""The narrator's voice: a line of text to a WAV, synthesised offline and cached, or recorded.

The voice is chosen by ``BENDSPACE_VOICE`` (the renderer sets it for every
worker): unset or ``festival`` is Festival's HTS voice ``cmu_us_slt_arctic_hts``
(espeak-ng when Festival is missing), ``espeak`` is espeak-ng, a folder is a
person's recordings (one ``<line id>.wav`` per line). Synthesised lines are
cached under ``media/voice/<engine>/`` by a hash of the engine and the text,
so the plan and every chunk of a scene, in their own processes, read the same
clip and agree on its length.
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from model.files import temporary_name
from model.paths import REPO_ROOT

__all__ = [
    "SAMPLE_RATE",
    "VOICE_CACHE_ENV",
    "VOICE_ENV",
    "RecordedVoice",
    "SpeechEngine",
    "Voice",
    "VoiceError",
    "clip_seconds",
    "current_voice",
    "read_clip",
    "voice_key",
    "voice_named",
]

VOICE_ENV = "BENDSPACE_VOICE"
VOICE_CACHE_ENV = "BENDSPACE_VOICE_CACHE"  # default: media/voice
SAMPLE_RATE = 48_000  # every clip is read at this rate, mono: AAC and Opus both take it

HTS_VOICE = "cmu_us_slt_arctic_hts"


class VoiceError(RuntimeError):
    """A line has no voice: no engine installed, or no recording of it."""


def read_clip(path: Path) -> np.ndarray:
    """A sound file as mono float32 samples at :data:`SAMPLE_RATE` (any rate, format, channels)."""
    import av

    chunks = []
    try:
        with av.open(str(path)) as container:
            resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
            for frame in container.decode(audio=0):
                chunks += [f.to_ndarray().reshape(-1) for f in resampler.resample(frame)]
            chunks += [f.to_ndarray().reshape(-1) for f in resampler.resample(None)]
    except (av.FFmpegError, IndexError) as err:
        raise VoiceError(f"{path}: not a sound file PyAV can read ({err})") from None
    return np.concatenate(chunks).astype(np.float32) if chunks else np.zeros(0, np.float32)


@functools.lru_cache(maxsize=4096)
def _seconds(path: Path, mtime_ns: int, size: int) -> float:
    return len(read_clip(path)) / SAMPLE_RATE


def clip_seconds(path: Path) -> float:
    """A clip's length in seconds, as :func:`read_clip` reads it."""
    stat = Path(path).stat()
    return _seconds(Path(path), stat.st_mtime_ns, stat.st_size)


@dataclass(frozen=True)
class Voice:
    """Says lines: :meth:`clip` gives the WAV of one, :attr:`key` names the voice in hashes."""

    key: str

    def clip(self, line_id: str, text: str) -> Path:
        raise NotImplementedError


@dataclass(frozen=True)
class SpeechEngine(Voice):
    """An offline speech engine driven as a command, its clips cached by a hash of key and text."""

    engine: str = "festival"
    cache: Path = Path()

    def clip(self, line_id: str, text: str) -> Path:
        digest = hashlib.sha256(f"{self.key}\0{text}".encode()).hexdigest()[:20]
        path = self.cache / self.engine / f"{digest}.wav"
        if path.is_file():
            return path
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = temporary_name(path)
        try:
            self._synthesise(text, tmp)
            os.replace(tmp, path)  # two processes saying the same line write the same bytes
        finally:
            tmp.unlink(missing_ok=True)
        return path

    def _synthesise(self, text: str, out: Path) -> None:
        if self.engine == "festival":
            txt = out.with_suffix(".txt")
            txt.write_text(text + "\n")
            command = ["text2wave", "-eval", f"(voice_{HTS_VOICE})", str(txt), "-o", str(out)]
        else:
            txt = None
            command = ["espeak-ng", "-v", "en-us", "-s", "165", "-w", str(out), "--", text]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        finally:
            if txt is not None:
                txt.unlink(missing_ok=True)
        if done.returncode != 0 or not out.is_file() or out.stat().st_size < 100:
            why = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
            raise VoiceError(f"{self.engine} could not say {text[:40]!r}: {why[0]}")


@dataclass(frozen=True)
class RecordedVoice(Voice):
    """A person's recordings: ``<line id>.wav`` in one folder."""

    folder: Path = Path()

    def clip(self, line_id: str, text: str) -> Path:
        path = self.folder / f"{line_id}.wav"
        if not path.is_file():
            raise VoiceError(
                f"no recording {path.name} in {self.folder} (the line: {text[:60]!r}); "
                "record every line of the film's narration script, or drop --voice"
            )
        return path


def _version(command: list[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return (done.stdout or done.stderr).strip().splitlines()[0] if done.returncode == 0 else ""


@functools.cache
def _engines() -> dict[str, str]:
    """The installed engines and their version lines (which enter the voice's key)."""
    found = {}
    hts = Path("/usr/share/festival/voices/us") / HTS_VOICE
    if shutil.which("text2wave") and shutil.which("festival") and hts.is_dir():
        found["festival"] = _version(["festival", "--version"]) or "festival"
    if shutil.which("espeak-ng"):
        found["espeak"] = _version(["espeak-ng", "--version"]) or "espeak-ng"
    return found


def _folder_key(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.glob("*.wav")):
        stat = path.stat()
        digest.update(f"{path.name}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
    return f"recorded {digest.hexdigest()[:16]}"


def current_voice() -> Voice:
    """The voice ``BENDSPACE_VOICE`` names (see the module's opening)."""
    return voice_named(os.environ.get(VOICE_ENV, ""))


def voice_key(name: str) -> str:
    """What identifies the voice ``name`` in a render's hash (``none``: no voice)."""
    if name.strip().lower() == "none":
        return "none"
    try:
        return voice_named(name).key
    except VoiceError as err:
        return f"unavailable: {err}"


def voice_named(name: str) -> Voice:
    """The voice ``name`` names: ``festival`` (or empty), ``espeak``, or a folder of recordings.

    Raises
    ------
    VoiceError
        If no speech engine is installed, or the folder named is not one.
    """
    wanted = name.strip() or "festival"
    cache = Path(os.environ.get(VOICE_CACHE_ENV) or REPO_ROOT / "media" / "voice")
    if wanted not in ("festival", "espeak"):
        folder = Path(wanted).expanduser().resolve()
        if not folder.is_dir():
            raise VoiceError(f"--voice {wanted}: not a folder of recordings (<line id>.wav)")
        return RecordedVoice(_folder_key(folder), folder)
    engines = _engines()
    engine = wanted if wanted in engines else next(iter(engines), None)
    if engine is None:
        raise VoiceError(
            "no speech engine: install festival and festvox-us-slt-hts (scripts/setup.sh), "
            "or give --voice DIR, or --no-voice"
        )
    name = f"{engine} {HTS_VOICE}" if engine == "festival" else engine
    return SpeechEngine(f"{name} ({engines[engine]})", engine, cache)
