"""The film's chapter cards, in the video's order, each naming the scenes of its chapter.

``render.py --film`` renders every card and scene listed here (reusing the
gallery's up-to-date renders) and joins them into one MP4 with a chapter
marker per card. A card is a short title scene; the cards are not in the
default gallery.
"""

from __future__ import annotations

from manim import DOWN, UP, FadeIn, Scene, VGroup

from scenes.lib import apply_theme, text

__all__ = [
    "CHAPTERS",
    "ChapterCard",
    "ManifoldsChapter",
    "NeuronsChapter",
    "PrimerChapter",
    "SpiralsChapter",
]


class ChapterCard(Scene):
    """A chapter's title card: its number, its title and a line under it (not a scene itself)."""

    abstract = True  # the registry skips it; the chapters below are the cards
    gallery = False
    poster_time = -0.5
    number = 0
    title = ""
    subtitle = ""
    beats: tuple[str, ...] = ()  # the scenes of the chapter, in order
    fade_seconds = 0.8
    hold_seconds = 1.7

    def setup(self) -> None:
        self.pal = apply_theme(self)

    def construct(self) -> None:
        pal = self.pal
        # Step 1: the chapter number, then the title and the line under it.
        number = text(f"chapter {self.number}", pal.muted, 26)
        title = text(self.title, pal.ink, 48)
        subtitle = text(self.subtitle, pal.muted, 26)
        card = VGroup(number, title, subtitle).arrange(DOWN, buff=0.35)
        self.add(number, title)
        self.play(FadeIn(subtitle, shift=0.2 * UP), run_time=self.fade_seconds)
        self.wait(self.hold_seconds)
        self.card = card


class PrimerChapter(ChapterCard):
    """Chapter 1 card: what one layer does to the plane."""

    number = 1
    title = "Primer"
    subtitle = "neurons, weighted sums, matrices and tanh"
    beats = (
        "SpiralsNetworkTraining",
        "TwoToEight",
        "TwoToTwo",
        "WeightedSum",
        "MatrixOnGrid",
        "TanhSquash",
        "TanhOnGrid",
        "FullLayer",
    )


class SpiralsChapter(ChapterCard):
    """Chapter 2 card: the spirals through a 2-wide network."""

    number = 2
    title = "Spirals in 2-D"
    subtitle = "a 2-2-2-2-2-2 tanh network pulls them apart"
    beats = ("SpiralsStretching", "SpiralsTraining")


class NeuronsChapter(ChapterCard):
    """Chapter 3 card: why more neurons per layer."""

    number = 3
    title = "Why more neurons?"
    subtitle = "a disk inside a ring, in 2-D and in 3-D"
    beats = (
        "DisksUnrolled",
        "DisksFailing2D",
        "DisksTraining2D",
        "DisksBulge3D",
        "Spirals3DTraining",
    )


class ManifoldsChapter(ChapterCard):
    """Chapter 4 card: the manifold hypothesis, and MNIST."""

    number = 4
    title = "The manifold hypothesis"
    subtitle = "real data lies on low-dimensional manifolds"
    beats = (
        "DatasetExamples",
        "MnistDigits",
        "ManifoldExamples",
        "MnistClusters",
        "MnistTanhRelu",
    )


CHAPTERS: tuple[type[ChapterCard], ...] = (
    PrimerChapter,
    SpiralsChapter,
    NeuronsChapter,
    ManifoldsChapter,
)
