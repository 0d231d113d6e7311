"""The film: its title card, its chapter cards in the video's order (each naming the scenes
of its chapter) and its end card with the credits.

``render.py --film`` renders every card and scene listed here (reusing the
gallery's up-to-date renders) and joins them into one MP4 with a chapter
marker per card. The cards are short narrated title scenes, not in the
default gallery.
"""

from __future__ import annotations

from manim import DOWN, LEFT, UP, FadeIn, LaggedStart, Scene, VGroup

from scenes.lib import apply_theme, text
from scenes.lib.narration import Narrated, paced

__all__ = [
    "CHAPTERS",
    "CLOSING",
    "OPENING",
    "ChapterCard",
    "FilmCredits",
    "FilmTitle",
    "ManifoldsChapter",
    "NeuronsChapter",
    "PrimerChapter",
    "SpiralsChapter",
]


class FilmTitle(Narrated, Scene):
    """The film's title card: its name and what it shows."""

    gallery = False
    poster_time = -0.5
    title = "Opening"  # the chapter it makes

    def setup(self) -> None:
        self.pal = apply_theme(self)

    def construct(self) -> None:
        pal = self.pal
        name = text("bendspace", pal.ink, 60)
        what = text("what a neural network does to the space its data lives in", pal.muted, 28)
        how = text("spirals, disks and handwritten digits, stage by stage", pal.muted, 24)
        VGroup(name, what, how).arrange(DOWN, buff=0.4)
        # Step 1: the name, then what the film shows.
        with self.voiceover(
            "A neural network is often called a black box. "
            "In this film we open it, and watch what it does to the space its data lives in."
        ) as line:
            self.play(FadeIn(name, shift=0.2 * UP), run_time=paced(1.0, line, 0.8))
            self.play(FadeIn(what, shift=0.2 * UP), run_time=0.8)
        with self.voiceover(
            "Spirals, a disk inside a ring, and handwritten digits, "
            "pushed through trained networks one stage at a time."
        ) as line:
            self.play(FadeIn(how, shift=0.2 * UP), run_time=paced(0.8, line))


class FilmCredits(Narrated, Scene):
    """The end card: the credits, MNIST's attribution and licence among them."""

    gallery = False
    poster_time = -0.5
    title = "Credits"
    hold_seconds = 3.0  # the film's last frame: the credits come in row by row, read as they do

    def setup(self) -> None:
        self.pal = apply_theme(self)

    def construct(self) -> None:
        pal = self.pal
        rows = [
            ("Made with", "bendspace: torch trains the networks, manim draws every stage"),
            ("After", '"Visualizing Neural Networks", the blog post and its video version'),
            ("MNIST", "by Yann LeCun, Corinna Cortes and Christopher J. C. Burges"),
            ("", "Creative Commons Attribution-Share Alike 3.0 (CC BY-SA 3.0)"),
            ("Voice", "Festival speech synthesis, HTS voice cmu_us_slt (or a recorded voice)"),
        ]
        heading = text("credits", pal.ink, 44)
        keys = [text(key or " ", pal.muted, 22) for key, _ in rows]
        values = [text(value, pal.ink, 22) for _, value in rows]
        lines = VGroup(*values).arrange(DOWN, aligned_edge=LEFT, buff=0.28)
        for key, value in zip(keys, values, strict=True):  # the values aligned, keys to the left
            key.next_to(value, LEFT, buff=0.35)
        lines.add(*keys)
        VGroup(heading, lines).arrange(DOWN, buff=0.6)
        # Step 1: the heading, then the credits, long enough to read.
        with self.voiceover(
            "Thanks for watching. The handwritten digits are from MNIST, "
            "by Yann LeCun, Corinna Cortes and Christopher Burges."
        ) as line:
            self.play(FadeIn(heading, shift=0.2 * UP), run_time=1.0)
            rows_in = [FadeIn(VGroup(key, value), shift=0.2 * UP)
                       for key, value in zip(keys, values, strict=True)]  # fmt: skip
            self.play(LaggedStart(*rows_in, lag_ratio=0.5), run_time=paced(1.5, line, 1.0))
            self.wait(self.hold_seconds)


class ChapterCard(Narrated, Scene):
    """A chapter's title card: its number, its title and a line under it (not a scene itself)."""

    abstract = True  # the registry skips it; the chapters below are the cards
    gallery = False
    poster_time = -0.5
    number = 0
    title = ""
    subtitle = ""
    beats: tuple[str, ...] = ()  # the scenes of the chapter, in order
    spoken = ""  # what the narrator says over the card
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
        with self.voiceover(self.spoken) as line:
            self.play(FadeIn(subtitle, shift=0.2 * UP), run_time=paced(self.fade_seconds, line))
            self.wait(self.hold_seconds)
        self.card = card


class PrimerChapter(ChapterCard):
    """Chapter 1 card: what one layer does to the plane."""

    number = 1
    title = "Primer"
    subtitle = "neurons, weighted sums, matrices and tanh"
    spoken = "Chapter one. What a single layer does to the plane."
    beats = (  # the seed's order: the task, a network that does it, then what one layer does
        "SpiralsOpening",
        "SpiralsNetworkTraining",
        "TwoToEight",
        "TwoToTwo",
        "WeightedSum",
        "NonLinearity",
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
    spoken = "Chapter two. Two tangled spirals, and a network only two neurons wide."
    beats = ("SpiralsCode", "SpiralsStretching", "SpiralsTakeaway", "SpiralsTraining")


class NeuronsChapter(ChapterCard):
    """Chapter 3 card: why more neurons per layer."""

    number = 3
    title = "Why more neurons?"
    subtitle = "a disk inside a ring, in 2-D and in 3-D"
    spoken = "Chapter three. Why a network wants more than two neurons per layer."
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
    spoken = "Chapter four. The manifold hypothesis, and real handwritten digits."
    beats = (  # the seed's order: the manifolds, then the digits
        "DatasetExamples",
        "ManifoldExamples",
        "MnistDigits",
        "MnistClusters",
        "MnistTanhRelu",
    )


OPENING = FilmTitle
CLOSING = FilmCredits
CHAPTERS: tuple[type[ChapterCard], ...] = (
    PrimerChapter,
    SpiralsChapter,
    NeuronsChapter,
    ManifoldsChapter,
)
