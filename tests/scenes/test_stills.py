"""No gallery scene holds a still picture for more than 3 seconds.

Cheap: no frame is drawn. Each scene runs with manim's ``skip_animations`` (its
``construct`` builds everything, every play jumps to its end, nothing is rendered)
and every play is recorded as a beat. A wait is still unless manim itself would
redraw it (a time-based updater, a turning camera, a stop condition:
``Wait.is_static_wait``); an animation moves, except a fade in place (a FadeIn or
FadeOut with no shift and no scale: the picture appears or goes, nothing in it
moves; DisksSideBySide's 1.5 s fade-in and 3 s wait read as the 4.5 s still the
issue saw). Still beats run together into one still while nothing in the scene
changes between them (a fingerprint of every mobject's points, colours and pixels,
and of the camera): a scene that swaps in the next snapshot between two short
waits moves. The whole gallery, its states trained: about 110 s on 2 cores.

The scenes run silent, as the tests and ``BENDSPACE_VOICE=none`` render them. With
a voice, a narrated block whose animations end before its line waits for the voice
(:class:`scenes.lib.narration.Narrated`): that wait is not checked here.
"""

from __future__ import annotations

import importlib
import tempfile
from dataclasses import dataclass

import numpy as np
import pytest
from manim import UP, FadeIn, FadeOut, Scene, Square, Wait
from scene_harness import fingerprint

from rendering.plan.registry import discover, scene_files, select

MAX_STILL = 3.0  # seconds: the longest a gallery scene may show one unmoving frame


@dataclass(frozen=True)
class Beat:
    """One play of a scene: when it starts, how long it lasts, whether the picture moves,
    and the scene's fingerprint before and after it."""

    start: float
    seconds: float
    moving: bool
    fading: bool  # only fades in or out, in place: the picture changes, nothing in it moves
    before: str
    after: str


@dataclass(frozen=True)
class Still:
    start: float
    seconds: float


def _fades_in_place(animation) -> bool:
    """A FadeIn or FadeOut with no shift and no scale."""
    return (isinstance(animation, FadeIn | FadeOut) and not np.any(animation.shift_vector)
            and animation.scale_factor == 1)  # fmt: skip


def play_list(scene_cls: type, width: int = 192, height: int = 108) -> list[Beat]:
    """Run ``scene_cls`` with every animation skipped and record each play as a :class:`Beat`."""
    from manim import tempconfig

    beats: list[Beat] = []

    class Recorded(scene_cls):
        def play(self, *args, **kwargs) -> None:
            before = fingerprint(self)
            super().play(*args, **kwargs)
            animations = self.animations or []
            waits = len(animations) == 1 and isinstance(animations[0], Wait)
            moving = not (waits and animations[0].is_static_wait)
            fading = bool(animations) and all(_fades_in_place(a) for a in animations)
            start = sum(b.seconds for b in beats[-1:]) + (beats[-1].start if beats else 0.0)
            beats.append(Beat(start, float(self.duration), moving, fading, before,
                              fingerprint(self)))  # fmt: skip

    Recorded.__name__ = scene_cls.__name__
    with (
        tempfile.TemporaryDirectory() as tmp,
        tempconfig(
            {
                "pixel_width": width,
                "pixel_height": height,
                "frame_rate": 15,
                "skip_animations": True,
                "write_to_movie": False,
                "save_last_frame": False,
                "disable_caching": True,
                "media_dir": tmp,
                "progress_bar": "none",
                "verbosity": "WARNING",
            }
        ),  # fmt: skip
    ):
        scene = Recorded(skip_animations=True)  # each play jumps to its end: one update
        scene.renderer.update_frame = lambda *args, **kwargs: None  # and nothing is drawn
        scene.renderer.file_writer.finish = lambda: None  # nor written
        scene.render()
    return beats


def long_stills(beats: list[Beat], longest: float = MAX_STILL) -> list[Still]:
    """The runs of still beats longer than ``longest``: waits with nothing changed between
    them, and fades in place (a picture fading in over a still one does not move)."""
    out, run, last_after = [], None, None
    for beat in [*beats, None]:
        still = beat is not None and (not beat.moving or beat.fading)
        if still and run is not None and (beat.fading or beat.before == last_after):
            run = Still(run.start, run.seconds + beat.seconds)
        else:
            if run is not None and run.seconds > longest + 1e-6:
                out.append(run)
            run = Still(beat.start, beat.seconds) if still else None
        last_after = beat.after if beat is not None else None
    return out


# -- the checker, on scenes small enough to know the answer --------------------------------


class HoldsFourSeconds(Scene):
    def construct(self) -> None:
        self.play(FadeIn(Square(), shift=UP), run_time=0.5)
        self.wait(1.5)
        self.wait(2.5)  # nothing changed: one still of 4 s


class FadesInThenHolds(Scene):
    def construct(self) -> None:
        self.play(FadeIn(Square()), run_time=1.5)  # in place: nothing moves
        self.wait(2.0)


class SwapsBetweenWaits(Scene):
    def construct(self) -> None:
        square = Square()
        self.add(square)
        for k in range(20):  # a snapshot every 0.25 s, as the training scenes show them
            square.set_fill(opacity=k / 20)
            self.wait(0.25)


class TurnsWhileWaiting(Scene):
    def construct(self) -> None:
        square = Square().add_updater(lambda m, dt: m.rotate(0.5 * dt))
        self.add(square)
        self.wait(5.0)


def test_the_checker_finds_a_still_and_only_a_still():
    held = long_stills(play_list(HoldsFourSeconds))
    assert [(s.start, s.seconds) for s in held] == [(0.5, 4.0)]
    assert long_stills(play_list(SwapsBetweenWaits)) == []
    assert long_stills(play_list(TurnsWhileWaiting)) == []
    assert [(s.start, s.seconds) for s in long_stills(play_list(FadesInThenHolds))] == [(0, 3.5)]


# -- every gallery scene --------------------------------------------------------------------


def gallery() -> list:
    """The default gallery's scene classes (render.py's own list), each a test case: slow
    when it needs trained states."""
    entries, broken = discover(scene_files())
    assert not broken, broken
    cases = []
    for entry in select(entries, broken=broken):
        cls = getattr(importlib.import_module(f"scenes.{entry.story}"), entry.name)
        marks = [pytest.mark.slow] if entry.sources else []
        cases.append(pytest.param(cls, id=entry.name, marks=marks))
    return cases


@pytest.mark.parametrize("scene_cls", gallery())
def test_no_gallery_scene_holds_a_still_longer_than_3_seconds(scene_cls):
    beats = play_list(scene_cls)
    assert sum(b.seconds for b in beats) > 3.0 and any(b.moving for b in beats)
    stills = long_stills(beats)
    assert not stills, f"{scene_cls.__name__} holds still: " + ", ".join(
        f"{s.seconds:.1f} s from {s.start:.1f} s" for s in stills
    )
