"""Seed 002's four beats in the film: in the seed's order, narrated, the picture moving with
the words.

The voice here is a tone per line as long as the synthetic voice would take to say it
(:data:`SECONDS_PER_WORD`), written by the test: the same timing on every machine, and
no speech engine needed. Each scene is planned as the renderer plans it (every play
skipped, its frames counted), so the check costs about a second a scene.
"""

from __future__ import annotations

import hashlib
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from manim import UP
from scene_harness import fingerprint

import rendering
from rendering.draw.scene import plan_scene
from rendering.film import film_chapters
from rendering.plan.registry import scene_class
from scenes import primer, spirals
from scenes.lib.narration import Narrated
from scenes.lib.voice import Voice

# Festival's HTS voice (cmu_us_slt) here: 0.29 to 0.35 s a word over three film lines
# of 11 to 27 words (3.81 s, 7.82 s, 5.00 s), measured with scenes.lib.voice.
SECONDS_PER_WORD = 0.32
SUBTITLE_LINE = 42  # characters: rendering.outputs.sound wraps a cue into two such lines
LONGEST_STILL = 3.0  # seconds with nothing moving (issue 30: no still longer than 3 s)
FPS = 10

BEATS = [primer.NonLinearity, spirals.SpiralsOpening, spirals.SpiralsCode, spirals.SpiralsTakeaway]


@dataclass(frozen=True)
class WordTones(Voice):
    """A tone per line, :data:`SECONDS_PER_WORD` a word: a voice with a speaker's timing."""

    folder: Path = Path()

    def clip(self, line_id: str, text: str) -> Path:
        path = self.folder / f"{hashlib.sha256(text.encode()).hexdigest()[:16]}.wav"
        rate = 16_000
        t = np.arange(int(SECONDS_PER_WORD * len(text.split()) * rate)) / rate
        with wave.open(str(path), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(rate)
            out.writeframes((0.3 * np.sin(2 * np.pi * 330 * t) * 32767).astype(np.int16))
        return path


def test_the_seed_beats_are_in_the_films_order():
    chapters = {chapter.title: chapter.scenes for chapter in film_chapters()}
    primer_beats, spirals_beats = chapters["Primer"], chapters["Spirals in 2-D"]
    assert primer_beats[0] == "SpiralsOpening"  # "two spirals: separate them" opens the story
    assert primer_beats[primer_beats.index("WeightedSum") + 1] == "NonLinearity"
    assert spirals_beats[0] == "SpiralsCode"  # the code, then what the network does
    assert spirals_beats[spirals_beats.index("SpiralsStretching") + 1] == "SpiralsTakeaway"
    assert sum(chapter.count(beat.__name__) for beat in BEATS for chapter in chapters.values()) == 4


def test_every_scene_of_the_film_is_narrated():
    entries, _ = rendering.discover(rendering.scene_files())
    by_name = {entry.name: entry for entry in entries}
    for chapter in film_chapters():
        for part in chapter.parts:
            entry = by_name[part]
            cls = scene_class({"name": entry.name, "path": str(entry.path)})
            assert issubclass(cls, Narrated), f"{part} says nothing in the film"


def _timed(scene_cls: type, tmp_path: Path, monkeypatch) -> tuple[list[dict], np.ndarray, list]:
    """The scene's lines (``start``, ``seconds``, ``play``...), each play's start and end in
    seconds, and which plays are still, as the renderer plans it with :class:`WordTones`.

    A still wait is not still when the scene changed since the last play ended (a snapshot
    swapped in between two waits, as SpiralsNetworkTraining shows training): the same
    fingerprint of everything drawn that ``tests/scenes/test_stills.py`` compares.
    """
    folder = tmp_path / "tones"
    folder.mkdir()
    monkeypatch.setenv("BENDSPACE_VOICE", str(folder))
    monkeypatch.setattr("scenes.lib.narration.current_voice", lambda: WordTones("tones", folder))
    changed: list[bool] = []  # per play: the picture changed since the last play ended
    last: list[str] = [""]

    class Recorded(scene_cls):
        def play(self, *args, **kwargs) -> None:
            changed.append(fingerprint(self) != last[0])
            super().play(*args, **kwargs)
            last[0] = fingerprint(self)

    Recorded.__name__ = scene_cls.__name__
    lines: list[dict] = []
    still: list[bool] = []
    counts, _ = plan_scene(Recorded, rendering.RenderOptions(192, 108, FPS), tmp_path, still,
                           lines)  # fmt: skip
    edges = np.concatenate([[0], np.cumsum(counts)]) / FPS
    still = [frozen and not fresh for frozen, fresh in zip(still, changed, strict=True)]
    return lines, np.stack([edges[:-1], edges[1:]], -1), still


def assert_timed_to_the_words(scene_cls: type, lines: list[dict], plays: np.ndarray, still: list):
    """Each line starts with a moving play and the picture moves for most of it; lines follow
    one another; nothing stays still longer than :data:`LONGEST_STILL`; the scene outlasts
    its last line; every line fits a two-line subtitle."""
    assert_paced_to_the_words(scene_cls, lines, plays, still)
    name = scene_cls.__name__
    assert len(lines) >= 3, f"{name}: {len(lines)} lines"
    for line in lines:
        words = line["text"][:40]
        assert len(line["text"]) <= 2 * SUBTITLE_LINE, f"{name}: {words!r} is too long a subtitle"
        begin, end = line["start"], line["start"] + line["seconds"]
        overlap = np.clip(np.minimum(plays[:, 1], end) - np.maximum(plays[:, 0], begin), 0, None)
        moving = float(overlap[~np.asarray(still)].sum()) / line["seconds"]
        assert moving >= 0.6, f"{name}: the picture moves {moving:.0%} of {words!r}"


def assert_paced_to_the_words(scene_cls: type, lines: list[dict], plays: np.ndarray, still: list):
    """What every narrated film scene keeps: each line starts with a moving play, lines follow
    one another, nothing stays still longer than :data:`LONGEST_STILL` (a block whose
    animations end long before its line holds a still while the voice finishes), and the
    scene outlasts its last line."""
    name = scene_cls.__name__
    assert lines, f"{name} says nothing"
    assert [line["id"] for line in lines] == [f"{name}-{k:02d}" for k in range(1, len(lines) + 1)]
    for line, after in zip(lines, [*lines[1:], None], strict=True):
        words = line["text"][:40]
        assert not still[line["play"]], f"{name}: nothing moves as {words!r} begins"
        end = line["start"] + line["seconds"]
        if after is not None:
            assert after["start"] >= end, f"{name}: {after['text'][:40]!r} talks over {words!r}"
    held, longest, since = 0.0, 0.0, 0.0
    for (begin, end), frozen in zip(plays, still, strict=True):
        held = held + (end - begin) if frozen else 0.0
        if held > longest:
            longest, since = held, end - held
    assert longest <= LONGEST_STILL + 1e-6, f"{name}: still for {longest:.1f} s from {since:.1f} s"
    assert plays[-1, 1] >= lines[-1]["start"] + lines[-1]["seconds"]


def _beat(cls: type):
    trains = bool(getattr(cls, "states_sources", ()))
    return pytest.param(cls, id=cls.__name__, marks=[pytest.mark.slow] if trains else [])


@pytest.mark.parametrize("scene_cls", [_beat(cls) for cls in BEATS])
def test_each_beat_is_narrated_with_the_picture_moving_as_it_is_said(
    scene_cls, tmp_path, monkeypatch
):
    lines, plays, still = _timed(scene_cls, tmp_path, monkeypatch)
    assert_timed_to_the_words(scene_cls, lines, plays, still)


def _film_part(name: str):
    entry = _entries()[name]
    cls = scene_class({"name": entry.name, "path": str(entry.path)})
    return pytest.param(cls, id=name, marks=[pytest.mark.slow] if entry.sources else [])


def _entries() -> dict:
    entries, _ = rendering.discover(rendering.scene_files())
    return {entry.name: entry for entry in entries}


FILM_PARTS = [part for chapter in film_chapters() for part in chapter.parts]


@pytest.mark.parametrize("scene_cls", [_film_part(name) for name in FILM_PARTS])
def test_every_film_scene_moves_as_each_line_begins_and_holds_no_still_over_3_s(
    scene_cls, tmp_path, monkeypatch
):
    """Planned with the tone voice as the beats are: with a real voice a block whose
    animations end before its line waits for it (Festival held TanhOnGrid still 7.8 s)."""
    lines, plays, still = _timed(scene_cls, tmp_path, monkeypatch)
    assert_paced_to_the_words(scene_cls, lines, plays, still)


def test_the_pacing_check_catches_a_voice_that_outlasts_its_animation(tmp_path, monkeypatch):
    class WaitsForTheVoice(primer.NonLinearity):
        def construct(self) -> None:
            super().construct()
            with self.voiceover("A long closing sentence of fifteen words said over one short "
                                "move, then a wait."):  # fmt: skip
                self.play(self.mobjects[0].animate.shift(0.1 * UP), run_time=0.5)

    lines, plays, still = _timed(WaitsForTheVoice, tmp_path, monkeypatch)
    with pytest.raises(AssertionError, match=r"WaitsForTheVoice: still for 4\.\d s"):
        assert_paced_to_the_words(WaitsForTheVoice, lines, plays, still)


def test_the_timing_check_catches_a_line_said_over_a_still_picture(tmp_path, monkeypatch):
    class TalksOverAStill(primer.NonLinearity):
        def construct(self) -> None:
            super().construct()
            with self.voiceover("And now a long sentence over a picture that does not move."):
                self.wait(0.1)

    lines, plays, still = _timed(TalksOverAStill, tmp_path, monkeypatch)
    with pytest.raises(AssertionError, match="nothing moves as 'And now a long"):
        assert_timed_to_the_words(TalksOverAStill, lines, plays, still)
