"""Narration written where the animation is: ``with self.voiceover("...") as tracker:``.

The shape is manim-voiceover's, for our renderer: the line is said (its clip
from :func:`scenes.lib.voice.current_voice`, so its length is known when the
scene is planned), the animations inside the block play, and if they end
before the voice does the scene waits for it (plus a short breath). Each line
is recorded with the play it starts at; the renderer turns plays into frames,
so the sound starts on the frame its animation does, in whichever chunk that is.

    class MyScene(Narrated, Scene):
        def construct(self):
            with self.voiceover("The points move to where the layer sends them.") as line:
                self.play(points.animate.shift(RIGHT), run_time=line.duration)

A scene rendered with ``BENDSPACE_VOICE=none`` (the silent film, the tests) says
nothing and waits for nothing; ``line.duration`` is then the time it takes to read.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass

from scenes.lib.voice import VOICE_ENV, clip_seconds, current_voice

__all__ = ["HELD", "Narrated", "NarrationLine", "Tracker", "layer_words", "paced", "spoken_count"]

HELD = 2.5  # seconds: the most of a line (and its breath) left to say once its animations end

_NUMBERS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


@dataclass
class NarrationLine:
    """One spoken line: its id (the recording's file name), text, first play, clip and length."""

    id: str
    text: str
    play: int  # the scene's play that starts with it
    clip: str  # the WAV
    seconds: float

    def to_json(self) -> dict:
        return asdict(self)


@dataclass
class Tracker:
    """What the block knows of its line: ``duration`` in seconds, and whether it is ``spoken``
    (a silent scene's line lasts the time it takes to read, and nothing waits for it)."""

    duration: float
    text: str = ""
    spoken: bool = True


class Narrated:
    """Mixin for a Scene: :meth:`voiceover` says a line beside the animations of its block.

    ``self.narration`` lists the lines said so far (:class:`NarrationLine`).
    """

    breath_seconds = 0.35  # quiet after each line before the next block goes on
    silent_words_per_second = 2.7  # line.duration with no voice: about a speaker's pace

    def voiceover(self, text: str | None, id: str | None = None):
        """Say ``text`` over the block's animations; the block lasts at least as long as the line.

        ``id`` names the line's recording (default ``<Scene>-<nn>``, its order in the
        scene); ``None`` or empty text says nothing.
        """
        return self._voiceover(text, id)

    @contextlib.contextmanager
    def _voiceover(self, text: str | None, line_id: str | None) -> Iterator[Tracker]:
        lines = self.__dict__.setdefault("narration", [])
        text = " ".join((text or "").split())
        if not text:
            yield Tracker(0.0, text)
            return
        if os.environ.get(VOICE_ENV, "").strip().lower() == "none":
            yield Tracker(max(1.0, len(text.split()) / self.silent_words_per_second), text, False)
            return
        line_id = line_id or f"{type(self).__name__}-{len(lines) + 1:02d}"
        clip = current_voice().clip(line_id, text)
        seconds = clip_seconds(clip)
        lines.append(NarrationLine(line_id, text, self.renderer.num_plays, str(clip), seconds))
        start = self._played_seconds()
        yield Tracker(seconds, text)
        left = seconds + self.breath_seconds - (self._played_seconds() - start)
        if left > 0.5 / self.camera.frame_rate:
            self.wait(left)

    def _played_seconds(self) -> float:
        return self.__dict__.get("_narration_clock", 0.0)

    def play(self, *args, **kwargs) -> None:
        super().play(*args, **kwargs)
        # manim's own run time of the play, skipped or drawn: the block's clock
        self._narration_clock = self._played_seconds() + float(self.duration)


def paced(seconds: float, line: Tracker, beside: float = 0.0) -> float:
    """The run time of a block's animations paced to its line: their own ``seconds``, or
    longer, so that with ``beside`` seconds of the block's other plays before they end no
    more than :data:`HELD` seconds of the line (and its breath) are left to say over a still.

    A real voice takes about 0.3 s a word (festival); a block whose animations end long
    before its line holds the picture still while the voice finishes. A silent line waits
    for nothing, so the silent gallery keeps its animations' own timing.
    """
    if not line.spoken:
        return seconds
    return max(seconds, line.duration + Narrated.breath_seconds - HELD - beside)


def layer_words(states, stage: int) -> str | None:
    """What the narrator says as a hidden layer starts (at its linear stage), else None.

    The first layer is told in full (turn and stretch, shift, squeeze); the
    others say the same briefly, so a stage-by-stage scene is narrated layer by
    layer without saying one sentence thirteen times.
    """
    layer, kind = states.stages()[stage]
    if kind != "linear" or layer >= states.n_layers - 1:
        return None
    name = spoken_count(layer + 1)
    width = int(states["stage_dim"][stage])
    if layer == 0:
        return (
            f"Layer one. Its matrix turns and stretches the whole plane"
            f"{'' if width <= 3 else f', into {width} dimensions, seen here through three'}. "
            "Then the bias shifts it, and tanh squeezes every coordinate between minus one "
            "and one."
        )
    if layer == states.n_layers - 2:
        return f"Layer {name}, the last hidden one: stretch, shift and squeeze, a final time."
    return f"Layer {name}: again a stretch, a shift, and a squeeze."


def spoken_count(n: int) -> str:
    """A small count as the narrator says it (``two``), larger ones as digits."""
    return _NUMBERS[n] if 0 <= n < len(_NUMBERS) else str(n)
