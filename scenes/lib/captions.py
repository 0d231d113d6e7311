"""Text on screen: captions that swap with a fade, numbers, legends, class names."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

import numpy as np
from manim import (
    DOWN,
    LEFT,
    ORIGIN,
    RIGHT,
    UP,
    Animation,
    AnimationGroup,
    DecimalNumber,
    MarkupText,
    Mobject,
    Paragraph,
    SingleStringMathTex,
    Text,
    ThreeDScene,
    VGroup,
    VMobject,
    config,
    smooth,
    squish_rate_func,
)

from model.states import States
from model.text import display_name
from scenes.lib.mobjects import circle_template, kept_copy
from scenes.lib.palette import MONO, SANS, Palette

__all__ = [
    "Caption",
    "Fade",
    "change_caption_in_frame",
    "class_names",
    "fixed_in_frame",
    "legend",
    "network_text",
    "side_legend",
    "text",
    "text_units",
    "variance_kept",
    "view_note",
]

# What reads as one piece of text: a line, a formula, a number (its digits are one piece),
# a block of lines (``Code``'s lines are a ``Paragraph``).
TEXT_KINDS = (Text, MarkupText, SingleStringMathTex, DecimalNumber, Paragraph)


def variance_kept(states: States, stage: int) -> float | None:
    """The share of a projected stage's variance its 3-D view keeps, as the exporter measured
    it (``meta["variance_kept"]``); ``None`` when the file does not say."""
    shares = states.meta.get("variance_kept")
    value = shares.get(str(stage)) if isinstance(shares, dict) else None
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= 1
    return float(value) if ok else None


def view_note(states: States, stage: int) -> str:
    """How a stage is drawn: ``64-D, seen in 3-D`` and ``keeps 61% of the variance`` (two
    lines), ``1-D: on a line``."""
    dims = int(states["stage_dim"][stage])
    if dims == 1:
        return "1-D: on a line"
    if not states.is_projected(stage):
        return f"{dims}-D"
    kept = variance_kept(states, stage)
    share = "" if kept is None else f"\nkeeps {kept:.0%} of the variance"
    return f"{dims}-D, seen in 3-D{share}"


class Fade(Animation):
    """Fade a mobject in (arriving by ``shift``) or out, without copying it.

    What manim's ``FadeIn`` / ``FadeOut`` show, but those are Transforms: each
    starts with deep copies of the mobject, which for a caption of a few hundred
    glyphs cost a tenth of a second each, paid again by every chunk of a render
    that runs the play skipped. This one keeps each part's opacities and start
    points, and places every frame from them.

    It also suits a mobject whose parts trade points every frame (the shaded
    surface, whose faces move between its shade layers as the camera turns): a
    Transform sets only the parts that have points in that frame, so a layer
    empty at the end keeps the opacity of some earlier frame. Without a
    ``shift`` this one leaves the points to their owner.
    """

    def __init__(self, mobject, into: bool = True, shift: np.ndarray = ORIGIN, **kwargs) -> None:
        self.into, self.shift = into, np.asarray(shift, dtype=np.float64)
        super().__init__(mobject, introducer=into, remover=not into, **kwargs)

    def begin(self) -> None:
        # Each part's opacities and points where it starts: every frame is placed from
        # these, not shifted from the last one, so a play run skipped (one step) leaves
        # the same points, to the bit, as the same play drawn frame by frame.
        self.opacities = [
            (part, part.get_fill_opacity(), part.get_stroke_opacity(), part.points.copy())
            for part in self.mobject.family_members_with_points()
        ]
        super().begin()

    def create_starting_mobject(self):
        return self.mobject  # never read: the opacities are kept in begin()

    def interpolate_mobject(self, alpha: float) -> None:
        a = self.rate_func(alpha)
        shown = a if self.into else 1.0 - a
        offset = -(1.0 - a) * self.shift if self.into else a * self.shift
        for part, fill, stroke, points in self.opacities:
            part.set_fill(opacity=fill * shown, family=False)
            part.set_stroke(opacity=stroke * shown, family=False)
            if self.shift.any():  # without a shift the points are left to their owner
                part.points = points + offset

    def clean_up_from_scene(self, scene) -> None:
        super().clean_up_from_scene(scene)
        if not self.into:  # as FadeOut leaves it: gone from the scene, as it was
            self.interpolate_mobject(0.0)


class Caption(VGroup):
    """A title line plus an optional detail block, at a corner or an anchor; swaps with a fade.

    ``caption.make_change_animation("layer 2 - bias", stage_detail(...))`` returns
    the animation and makes the new text the caption's content.
    """

    old_share = 0.4  # of a change's time: the old text fades out, then the new one in

    def __init__(
        self,
        pal: Palette,
        corner: np.ndarray = UP + LEFT,
        anchor: np.ndarray | None = None,
        font_size: float = 34,
    ) -> None:
        super().__init__()
        self.pal, self.corner, self.anchor, self.font_size = pal, corner, anchor, font_size

    def _build(self, title: str, detail: VGroup | None) -> VGroup:
        head = text(title, self.pal.ink, self.font_size)
        block = VGroup(head)
        if detail is not None and len(detail):
            block.add(detail.next_to(head, DOWN, buff=0.2, aligned_edge=LEFT))
        # never wider than the room to the frame's right edge (from the anchor, or the corner)
        left = self.anchor[0] if self.anchor is not None else -config.frame_width / 2 + 0.4
        room = config.frame_width / 2 - 0.2 - left
        if block.width > room:
            block.scale_to_fit_width(room)
        if self.anchor is not None:  # the block's upper-left corner goes here
            return block.move_to(self.anchor, aligned_edge=UP + LEFT)
        return block.to_corner(self.corner, buff=0.4)

    def make_change_animation(
        self, title: str, detail: VGroup | None = None, run_time: float = 0.5
    ) -> Animation:
        """Fade the current caption out, *then* the new one in (never two texts at once).

        The old text takes the first ``old_share`` of the time, the new one the rest;
        a caption that appears for the first time fades in over the whole time.
        """
        new = self._build(title, detail)
        old = VGroup(*self.submobjects)
        self.remove(*self.submobjects)
        self.add(new)
        if not len(old):
            return Fade(new, shift=0.1 * DOWN, run_time=run_time)
        # One animation over both, so the caller's run_time still covers the change; the
        # new text stays invisible until the old one has gone (a cross-fade overlaps).
        # Both begin at once (FadeIn's start hides the new text at alpha 0), each squished
        # into its share: a Succession would show the new text at full opacity until its turn.
        cut = self.old_share
        return AnimationGroup(
            Fade(old, into=False, rate_func=squish_rate_func(smooth, 0.0, cut)),
            Fade(new, shift=0.1 * DOWN, rate_func=squish_rate_func(smooth, cut, 1.0)),
            run_time=run_time,
        )


def text(content: str, color: str, font_size: float = 26, mono: bool = False) -> Text:
    """A ``Text`` in the house font (sans for words, ``mono=True`` for numbers)."""
    return _text(content, MONO if mono else SANS, font_size, color)


_TEXTS: OrderedDict[tuple, Text] = OrderedDict()  # the texts made lately, least recent first
TEXTS_KEPT = 256  # a status line of 45 glyphs holds 64 kB of points and colours


def _text(content: str, font: str, font_size: float, color: str) -> Text:
    """A fresh copy of the ``Text`` made once per process for these arguments.

    manim makes a ``Text`` by laying it out with Pango into an SVG file and parsing
    that again (about 80 ms for a line of 40 glyphs). A render makes the same texts
    again and again: a chunk runs every play before it skipped, so a scene's texts
    are made by its plan and by each of its chunks, on the same few workers. A
    copy is the same glyphs (the same points, so the same pixels) in about 1 ms,
    once the svgelements objects each glyph keeps from the parse are dropped: a
    deep copy would walk them all (30 ms) and nothing reads them after the parse.
    """
    if TEXTS_KEPT <= 0:  # none kept: manim's own, as made
        return Text(content, font=font, font_size=font_size, color=color)
    key = (content, font, float(font_size), str(color), str(config.renderer))

    def make() -> Text:
        made = Text(content, font=font, font_size=font_size, color=color)
        made.id_to_vgroup_dict = {}
        return made

    return kept_copy(_TEXTS, key, make, TEXTS_KEPT)


def text_units(mobjects: Sequence[Mobject]) -> list[Mobject]:
    """Every text, formula and number among ``mobjects`` and their families, once each,
    outermost first (a formula's glyphs and a number's digits are not listed apart)."""
    out, seen = [], set()

    def walk(mob: Mobject) -> None:
        if id(mob) in seen:
            return
        seen.add(id(mob))
        if isinstance(mob, TEXT_KINDS):
            out.append(mob)
            return
        for part in mob.submobjects:
            walk(part)

    for mob in mobjects:
        walk(mob)
    return out


def legend(labels: Sequence[str], pal: Palette, font_size: float = 26, columns: int = 1) -> VGroup:
    """Coloured dots with class names (class ``k`` gets ``pal.classes[k]``), in ``columns``
    columns filled top to bottom."""
    rows = VGroup()
    for k, label in enumerate(labels):
        dot = VMobject(fill_color=pal.class_color(k), fill_opacity=1, stroke_width=0)
        dot.points = 0.09 * circle_template()
        name = text(display_name(label), pal.ink, font_size)  # a scene's own names too
        rows.add(VGroup(dot, name.next_to(dot, RIGHT, buff=0.15)))
    if columns <= 1 or len(rows) <= 1:
        return rows.arrange(DOWN, aligned_edge=LEFT, buff=0.15)
    per = -(-len(rows) // columns)
    parts = [VGroup(*rows.submobjects[i : i + per]).arrange(DOWN, aligned_edge=LEFT, buff=0.15)
             for i in range(0, len(rows), per)]  # fmt: skip
    return VGroup(*parts).arrange(RIGHT, aligned_edge=UP, buff=0.5)


def side_legend(labels: Sequence[str], pal: Palette, left: float, middle: float = -2.9) -> VGroup:
    """The storyboards' legend: its left edge at ``left``, centred at height ``middle``,
    in two columns past four classes, kept above the frame's bottom edge."""
    keys = legend(labels, pal, columns=2 if len(labels) > 4 else 1)
    keys.move_to([left, middle, 0], aligned_edge=LEFT)
    lowest = -config.frame_height / 2 + 0.35
    if keys.get_bottom()[1] < lowest:
        keys.shift(UP * (lowest - keys.get_bottom()[1]))
    return keys


def class_names(states: States) -> list[str]:
    """The states' label names (kept in their meta by a custom export), else ``class k``.

    Control and bidi characters come back escaped (:func:`model.text.display_name`):
    every caption, legend and page that shows a class name gets it from here.
    """
    names = states.meta.get("label_names")
    if isinstance(names, list) and len(names) == states.n_classes:
        return [display_name(n) for n in names]
    return [f"class {k}" for k in range(states.n_classes)]


def network_text(states: States, activation: str | None = None) -> str:
    """``network 2-2-2-2, tanh``: the widths and the hidden activations (or ``activation``)."""
    widths = "-".join(str(w) for w in states.widths)
    acts = activation or ", ".join(dict.fromkeys(states.activations[:-1])) or "linear"
    return f"network {widths}, {acts}"


def change_caption_in_frame(
    scene: ThreeDScene, caption: Caption, title: str, detail: VGroup | None = None
) -> Animation:
    """:meth:`Caption.make_change_animation` for a 3-D scene: the new text stays flat on screen.

    Fixing text in the frame adds it to the scene on its own; a FadeOut restores
    its mobject's opacity when it ends, so the old text must leave the scene here
    or it comes back.
    """
    old = list(caption.submobjects)
    anim = caption.make_change_animation(title, detail)
    scene.remove(*old)
    scene.add_fixed_in_frame_mobjects(*caption.submobjects)
    return anim


def fixed_in_frame(scene: ThreeDScene, mob: VMobject) -> VMobject:
    """Register ``mob`` as flat on the screen of a 3-D scene without showing it yet."""
    scene.add_fixed_in_frame_mobjects(mob)
    scene.remove(mob)
    return mob
