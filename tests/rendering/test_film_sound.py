"""The narrated film: lines timed on the frames' clock, -16 LUFS, subtitles, a recorded voice.

Recorded voices here are tones written by the test (``--voice DIR``): fast,
and the same on every machine; one test says a line with the installed engine.
"""

from __future__ import annotations

import wave
from pathlib import Path

import av
import numpy as np
import pytest
from rich.console import Console

import rendering
from rendering.film import Chapter, make_film, read_chapters
from rendering.outputs.sound import (
    Cue,
    integrated_loudness,
    limit_and_normalise,
    srt_text,
    true_peak_dbtp,
    vtt_text,
)
from rendering.plan.registry import scene_class
from scenes.lib.voice import SAMPLE_RATE, VoiceError, voice_named

TONES = {"TinyNarrated-01": (0.8, 440.0), "TinyNarrated-02": (1.2, 660.0)}


def _tone(path: Path, seconds: float, hz: float, rate: int = 22_050) -> Path:
    t = np.arange(int(seconds * rate)) / rate
    samples = (0.3 * np.sin(2 * np.pi * hz * t) * 32767).astype(np.int16)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples.tobytes())
    return path


@pytest.fixture
def recorded(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "voice"
    folder.mkdir()
    for line_id, (seconds, hz) in TONES.items():
        _tone(folder / f"{line_id}.wav", seconds, hz)
    monkeypatch.setenv("BENDSPACE_VOICE_CACHE", str(tmp_path / "cache"))
    return folder


def test_subtitles_are_written_as_srt_and_webvtt():
    cues = [Cue(0.5, 2.25, "A square."), Cue(61.0, 3723.5, "It moves.")]
    assert srt_text(cues) == (
        "1\n00:00:00,500 --> 00:00:02,250\nA square.\n\n"
        "2\n00:01:01,000 --> 01:02:03,500\nIt moves.\n\n"
    )
    assert vtt_text(cues).startswith("WEBVTT\n\n00:00:00.500 --> 00:00:02.250\nA square.\n")
    long = srt_text([Cue(0, 1, "word " * 20)]).strip().splitlines()
    assert len(long) == 4 and all(len(line) <= 60 for line in long)  # two lines at most


def test_loudness_is_brought_to_minus_16_lufs_under_minus_1_dbtp():
    rng = np.random.default_rng(0)
    t = np.arange(6 * SAMPLE_RATE) / SAMPLE_RATE
    speechlike = np.sin(2 * np.pi * 220 * t) * (0.5 + 0.5 * np.sin(2 * np.pi * 3 * t)) ** 2
    speechlike[::997] += 0.9 * rng.standard_normal(len(speechlike[::997]))  # sharp peaks
    for gain in (0.01, 0.9):
        out = limit_and_normalise((gain * speechlike).astype(np.float32))
        assert integrated_loudness(out) == pytest.approx(-16.0, abs=0.5)
        assert true_peak_dbtp(out) <= -1.0


def test_a_missing_recording_is_named_in_one_line(recorded):
    voice = voice_named(str(recorded))
    assert voice.clip("TinyNarrated-01", "A square.") == recorded / "TinyNarrated-01.wav"
    with pytest.raises(VoiceError, match=r"no recording Other-01\.wav in .*record every line"):
        voice.clip("Other-01", "Something else.")


def test_a_narrated_block_lasts_as_long_as_its_voice_and_starts_on_a_frame(
    scene_dir, recorded, monkeypatch, tmp_path
):
    from rendering.draw.scene import plan_scene

    monkeypatch.setenv("BENDSPACE_VOICE", str(recorded))
    entries, _ = rendering.discover([scene_dir / "tiny_scenes.py"])
    entry = next(e for e in entries if e.name == "TinyNarrated")
    scene_cls = scene_class({"name": entry.name, "path": str(entry.path)})
    lines: list[dict] = []
    frames, _ = plan_scene(scene_cls, rendering.RenderOptions(192, 108, 10), tmp_path, None, lines)
    assert [line["id"] for line in lines] == list(TONES)
    assert [line["seconds"] for line in lines] == pytest.approx([0.8, 1.2], abs=1e-3)
    # The first line starts after the 0.5 s wait: on frame 5 at 10 fps.
    assert lines[0]["start"] == pytest.approx(0.5)
    # Each block lasts its voice and a breath, not the 0.5 s of its animation.
    assert lines[1]["start"] - lines[0]["start"] >= 0.8
    assert sum(frames) / 10 >= lines[1]["start"] + 1.2


def _onset(samples: np.ndarray, near: float, rate: int = SAMPLE_RATE) -> float:
    """The first sample above a tenth of the loudest, within half a second of ``near``."""
    lo = max(0, int((near - 0.5) * rate))
    window = np.abs(samples[lo : int((near + 0.5) * rate)])
    return (lo + int(np.argmax(window > 0.1 * window.max()))) / rate


def _square_appears(path: Path, near: float) -> float:
    """The time of the first video frame near ``near`` with the orange square on it."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        for frame in container.decode(stream):
            t = float(frame.pts * stream.time_base)
            if t < near - 0.5:
                continue
            rgb = frame.to_ndarray(format="rgb24").astype(int)
            orange = (rgb[..., 0] > 180) & (rgb[..., 1] > 80) & (rgb[..., 2] < 90)
            if orange.mean() > 0.01:
                return t
    raise AssertionError("the square never appears")


@pytest.mark.slow
def test_a_narrated_film_is_loud_enough_in_sync_and_subtitled(scene_dir, recorded, tmp_path):
    entries, broken = rendering.discover([scene_dir / "tiny_scenes.py"])
    assert not broken
    chapters = [
        Chapter("Opening", "TinyNarrated", ()),
        Chapter("Middle", None, ("TinyMove",)),
        Chapter("End", None, ("TinyNarrated",)),
    ]
    options = rendering.RenderOptions(192, 108, 10, voice=str(recorded))
    console = Console(stderr=True, width=120)
    film_dir = tmp_path / "film"
    film = make_film(chapters, entries, tmp_path / "gallery", film_dir, options, "dark", 2, console)
    assert not (tmp_path / "gallery").exists()  # a recorded voice leaves the gallery alone

    # One MP4: H.264, AAC, mov_text; SRT, VTT and the script beside it.
    with av.open(str(film.path)) as container:
        kinds = {(s.type, s.codec_context.name) for s in container.streams if s.codec_context}
        video = container.streams.video[0]
        video_end = float(video.duration * video.time_base)
        audio = np.concatenate([f.to_ndarray().reshape(-1) for f in container.decode(audio=0)])
    assert kinds == {("video", "h264"), ("audio", "aac"), ("subtitle", "mov_text")}
    assert [title for title, _ in read_chapters(film.path)] == ["Opening", "Middle", "End"]
    assert film.beside["srt"].read_text().count(" --> ") == 4
    assert film.beside["vtt"].read_text().startswith("WEBVTT")
    script = film.beside["script"].read_text()
    assert "TinyNarrated-01" in script and "It moves to the right." in script

    # Loudness as published: measured on the decoded AAC.
    assert integrated_loudness(audio) == pytest.approx(-16.0, abs=1.0)
    assert true_peak_dbtp(audio) <= -1.0

    # In sync at the end: the last line's tone starts with the square's frame, within a
    # frame, and the sound lasts as long as the pictures.
    frame = 1 / options.fps
    last_square = film.lines[-2]["start"]
    seen = _square_appears(film.path, last_square)
    heard = _onset(audio, last_square)
    assert abs(heard - seen) <= frame, (heard, seen)
    assert abs(len(audio) / SAMPLE_RATE - video_end) <= frame
    assert video_end == pytest.approx(film.duration, abs=frame)

    # The silent film: the same parts, no sound, no subtitles.
    silent = make_film(
        chapters, entries, tmp_path / "gallery", film_dir,
        rendering.RenderOptions(192, 108, 10, voice="none"), "dark", 2, console,
        name="silent",
    )  # fmt: skip
    with av.open(str(silent.path)) as container:
        assert not container.streams.audio and not container.streams.subtitles
    assert silent.loudness is None and not silent.beside


def test_voice_options_need_the_film_and_a_folder_of_recordings(tmp_path):
    from render_harness import run_render

    result = run_render("--voice", str(tmp_path), "--scene", "TwoToTwo")
    assert result.returncode == 2 and "add --film" in result.stderr
    result = run_render("--film", "--voice", str(tmp_path))
    assert result.returncode == 2 and "not a folder of <line id>.wav" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_installed_engine_says_a_line_once_and_caches_it(tmp_path, monkeypatch):
    monkeypatch.setenv("BENDSPACE_VOICE_CACHE", str(tmp_path))
    try:
        voice = voice_named("")
    except VoiceError as err:
        pytest.skip(str(err))
    first = voice.clip("Any-01", "Two neurons.")
    assert first.is_file() and first.parent.parent == tmp_path
    stamp = first.stat().st_mtime_ns
    assert voice.clip("Other-01", "Two neurons.") == first  # by text, not by id
    assert first.stat().st_mtime_ns == stamp
    with wave.open(str(first)) as clip:
        assert 0.3 < clip.getnframes() / clip.getframerate() < 3.0


@pytest.mark.slow
def test_a_narrated_gallery_scene_has_sound_and_subtitles_and_a_silent_one_has_none(
    scene_dir, draft, recorded, tmp_path, monkeypatch
):
    from render_harness import run_render

    monkeypatch.setenv("BENDSPACE_VOICE", str(recorded))  # the workers' voice: the tones
    out = tmp_path / "gallery"
    result = run_render(
        "--file", str(scene_dir / "tiny_scenes.py"), "--scene", "TinyNarrated", "-q", "draft",
        "-f", "mp4,webm", "--out", str(out), "-j", "2", "--chunks", "2",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    folder = out / "dark" / "draft"
    streams = {}
    for fmt in ("mp4", "webm"):
        with av.open(str(folder / f"TinyNarrated.{fmt}")) as container:
            streams[fmt] = {(s.type, s.codec_context.name) for s in container.streams}
    assert ("audio", "aac") in streams["mp4"] and ("subtitle", "mov_text") in streams["mp4"]
    assert ("audio", "opus") in streams["webm"] and ("subtitle", "webvtt") in streams["webm"]
    vtt = (folder / "TinyNarrated.vtt").read_text()
    assert vtt.startswith("WEBVTT") and "A square." in vtt
    assert "It moves to the right." in (folder / "TinyNarrated.srt").read_text()
    page = (tmp_path / "gallery.html").read_text()
    assert '<track kind="subtitles" src="gallery/dark/draft/TinyNarrated.vtt" srclang="en"' in page

    # The draft fixture's TinyMove says nothing: no audio stream, no subtitles beside it.
    silent, _ = draft
    with av.open(str(silent / "dark" / "draft" / "TinyMove.mp4")) as container:
        assert not container.streams.audio and not container.streams.subtitles
    assert not (silent / "dark" / "draft" / "TinyMove.vtt").exists()
