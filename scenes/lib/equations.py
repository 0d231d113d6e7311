"""The layer's equation on screen: ``h = tanh(W x + b)`` with the term of the current stage lit.

:func:`layer_formula` typesets one layer of a network of the states (its
activation named from the registry of :mod:`model.activations`), and
:class:`LayerEquation` keeps it on screen through a stage-by-stage scene: the
linear stage lights ``W x``, the bias stage ``+ b``, the activation stage
``tanh( )``, and where the layer is at most 3 wide, the shown snapshot's real
``W`` and ``b`` sit under it as matrices, the lit one in the same colour.
"""

from __future__ import annotations

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Animation,
    AnimationGroup,
    ManimColor,
    VGroup,
    VMobject,
    smooth,
    squish_rate_func,
)

from model.activations import lookup
from model.states import States
from scenes.lib.captions import Fade, text, view_note
from scenes.lib.formulas import formula, labelled, matrix
from scenes.lib.palette import Palette

__all__ = ["LayerEquation", "activation_tex", "layer_formula", "stage_detail"]

# TeX of the registry's activations; a name the table lacks is written upright as it is.
_ACTIVATION_TEX = {
    "tanh": r"\tanh",
    "relu": r"\operatorname{ReLU}",
    "leaky_relu": r"\operatorname{LeakyReLU}",
    "sigmoid": r"\sigma",
    "elu": r"\operatorname{ELU}",
    "gelu": r"\operatorname{GELU}",
    "gelu_tanh": r"\operatorname{GELU}",
    "unit_disk": r"\operatorname{disk}",
}
MATRIX_WIDTH = 3  # W and b are shown as matrices up to this many rows and columns


def activation_tex(name: str) -> str | None:
    """TeX of an activation of the registry (``relu`` -> ``\\operatorname{ReLU}``), None for
    the identity (no function to write)."""
    base = lookup(name).name
    if base == "identity":
        return None
    spelled = base.replace("_", r"\_")
    tex = _ACTIVATION_TEX.get(base, rf"\operatorname{{{spelled}}}")
    param = name.partition(":")[2]
    return f"{tex}_{{{param}}}" if param else tex


# The parts of a layer's formula, in order; a stage lights some of them.
PARTS = ("out", "eq", "open", "W", "in", "plus", "b", "close")
LIT = {"linear": ("W", "in"), "bias": ("plus", "b"), "activation": ("open", "close")}


def layer_formula(
    states: States, layer: int, color: str, font_size: float = 34
) -> tuple[VMobject, dict[str, VMobject]]:
    """``h_l = f(W_l h_{l-1} + b_l)`` for ``layer`` (0-based) and its parts by name.

    The input is ``x``; the output layer writes ``y``; an identity activation
    writes no function (its ``open``/``close`` parts are empty).
    """
    n = states.n_layers
    out = "y" if layer == n - 1 else f"h_{{{layer + 1}}}"
    into = "x" if layer == 0 else f"h_{{{layer}}}"
    f = activation_tex(states.activations[layer])
    pieces = {
        "out": out,
        "eq": "=",
        "open": f"{f}(" if f else "",
        "W": f"W_{{{layer + 1}}}",
        "in": into,
        "plus": "+",
        "b": f"b_{{{layer + 1}}}",
        "close": ")" if f else "",
    }
    kept = [name for name in PARTS if pieces[name]]
    mob = formula(*[pieces[name] for name in kept], color=color, font_size=font_size)
    parts = {name: mob[i] for i, name in enumerate(kept)}
    for name in PARTS:  # an identity layer: nothing to light for its activation
        parts.setdefault(name, VMobject())
    return mob, parts


class LayerEquation(VGroup):
    """A layer's equation, its W and b under it, the current stage's term lit.

    ``make_stage_animation(stage)`` returns the animation to that stage: within a
    layer the lit term moves (colours only); a new layer's equation fades in
    after the old one fades out. ``snapshot`` picks the W and b shown.
    """

    def __init__(
        self,
        states: States,
        pal: Palette,
        corner: np.ndarray,
        snapshot: int = -1,
        font_size: float = 34,
        width: float | None = None,
        matrices: str = "beside",
        digits: int = 2,
        values_corner: np.ndarray | None = None,
        values_size: float | None = None,
        values_width: float | None = None,
    ) -> None:
        super().__init__()
        self.states, self.pal, self.corner = states, pal, np.asarray(corner, dtype=np.float64)
        self.snapshot, self.font_size, self.max_width = snapshot, font_size, width
        self.matrices = matrices  # "beside": W and b in a row; "below": b under W
        self.digits = digits  # decimals of W's and b's entries
        # W and b hang from their own top-right corner (a column of their own), at this size
        self.values_corner = None if values_corner is None else np.asarray(values_corner, float)
        self.values_size = values_size or 0.85 * font_size  # 0.8 of 34: 8.6 px digits in a GIF
        self.values_width = values_width or width
        self.layer: int | None = None
        self.parts: dict[str, VMobject] = {}
        self.values: dict[str, VMobject] = {}

    def build(self, layer: int, kind: str | None) -> VGroup:
        """The block for ``layer`` with the ``kind`` stage's terms lit (not yet shown)."""
        pal, states = self.pal, self.states
        eq, parts = layer_formula(states, layer, pal.muted, self.font_size)
        block = VGroup(eq)
        values: dict[str, VMobject] = {}
        w = states.weights(self.snapshot)[layer]
        size, digits = self.values_size, self.digits
        if max(w.shape) <= MATRIX_WIDTH:
            b = states.biases(self.snapshot)[layer]
            values["W"] = labelled(f"W_{{{layer + 1}}}", matrix(w, pal.muted, digits, size),
                                   pal.muted, size)  # fmt: skip
            values["b"] = labelled(f"b_{{{layer + 1}}}", matrix(b, pal.muted, digits, size),
                                   pal.muted, size)  # fmt: skip
            pair = VGroup(values["W"], values["b"])
            if self.matrices == "beside":
                pair.arrange(RIGHT, buff=0.45, aligned_edge=UP)
            else:
                # in a column of their own on the right, flush right: away from the subject
                edge = LEFT if self.values_corner is None else RIGHT
                pair.arrange(DOWN, buff=0.25, aligned_edge=edge)
        else:  # too wide to print: its shape
            rows, cols = w.shape
            shape = rf"\mathbb{{R}}^{{{rows} \times {cols}}}"
            values["W"] = formula(f"W_{{{layer + 1}}}", r"\in", shape, color=pal.muted,
                                  font_size=size)  # fmt: skip
            pair = VGroup(values["W"])
        block.add(pair)
        if self.values_corner is None:
            block.arrange(DOWN, buff=0.3, aligned_edge=LEFT)
            _fit_width(block, self.max_width).move_to(self.corner, aligned_edge=UP + LEFT)
        else:  # the formula in the corner, W and b in their own column
            _fit_width(eq, self.max_width).move_to(self.corner, aligned_edge=UP + LEFT)
            _fit_width(pair, self.values_width).move_to(self.values_corner, aligned_edge=UP + RIGHT)
        block.parts, block.values, block.layer = parts, values, layer
        self._light(block, kind)
        return block

    def lit_colors(self, block: VGroup, kind: str | None) -> list[tuple[VMobject, str]]:
        """``(part, colour)`` for every part of ``block`` when the ``kind`` stage is shown."""
        lit = LIT.get(kind or "", ())
        out = [(part, self.pal.highlight if name in lit else self.pal.ink)
               for name, part in block.parts.items()]  # fmt: skip
        for name, value in block.values.items():
            on = (name == "W" and kind == "linear") or (name == "b" and kind == "bias")
            out.append((value, self.pal.highlight if on else self.pal.muted))
        return out

    def _light(self, block: VGroup, kind: str | None) -> None:
        for part, color in self.lit_colors(block, kind):
            part.set_color(color)

    def make_stage_animation(self, stage: int, run_time: float = 0.5) -> Animation:
        """To ``stage`` of the states: the lit term moves, or the next layer's block fades in."""
        layer, kind = self.states.stages()[stage]
        if kind == "input":
            return self.make_clear_animation(run_time)
        return self.make_layer_animation(layer, kind, run_time)

    def make_layer_animation(
        self, layer: int, kind: str | None = None, run_time: float = 0.5
    ) -> Animation:
        """To ``layer`` (0-based) with the ``kind`` stage's terms lit (None: none lit)."""
        if self.layer == layer and len(self.submobjects):
            block = self.submobjects[0]
            moves = [_Recolor(part, color) for part, color in self.lit_colors(block, kind)]
            return AnimationGroup(*moves, run_time=run_time)
        new = self.build(layer, kind)
        return self._swap(new, run_time)

    def make_clear_animation(self, run_time: float = 0.5) -> Animation:
        """Fade the equation out (nothing lit, nothing shown)."""
        return self._swap(None, run_time)

    def _swap(self, new: VGroup | None, run_time: float) -> Animation:
        old = VGroup(*self.submobjects)
        self.remove(*self.submobjects)
        self.layer = None if new is None else new.layer
        fades = []
        if len(old):
            cut = 0.4 if new is not None else 1.0
            fades.append(Fade(old, into=False, rate_func=squish_rate_func(smooth, 0.0, cut)))
        if new is not None:
            self.add(new)
            start = 0.4 if len(old) else 0.0
            fades.append(Fade(new, shift=0.1 * DOWN,
                              rate_func=squish_rate_func(smooth, start, 1.0)))  # fmt: skip
        if not fades:
            return AnimationGroup(Animation(VMobject()), run_time=run_time)
        return AnimationGroup(*fades, run_time=run_time)


def _fit_width(mob: VMobject, width: float | None) -> VMobject:
    """``mob`` scaled down to ``width`` if it is wider (never up); returns it."""
    if width is not None and mob.width > width:
        mob.scale_to_fit_width(width)
    return mob


class _Recolor(Animation):
    """Move a mobject's fill and stroke colours to one colour (opacities untouched)."""

    def __init__(self, mobject: VMobject, color: str, **kwargs) -> None:
        self.target_color = color
        super().__init__(mobject, **kwargs)

    def begin(self) -> None:
        self.starts = [
            (part, ManimColor(part.get_fill_color()), ManimColor(part.get_stroke_color()))
            for part in self.mobject.family_members_with_points()
        ]
        self.end = ManimColor(self.target_color)
        super().begin()

    def create_starting_mobject(self):
        return self.mobject  # never read: the colours are kept in begin()

    def interpolate_mobject(self, alpha: float) -> None:
        a = self.rate_func(alpha)
        for part, fill, stroke in self.starts:
            part.set_fill(fill.interpolate(self.end, a), family=False)
            part.set_stroke(stroke.interpolate(self.end, a), family=False)


def stage_detail(states: States, stage: int, snapshot: int, pal: Palette) -> VGroup:
    """A stage's caption detail: its layer's equation, the stage's term lit, with W and b
    where they fit; the number of points for the input."""
    layer, kind = states.stages()[stage]
    if kind == "input":
        group = VGroup(text(f"{len(states['labels'])} points", pal.muted, 22))
        if states.widths[0] == 1 or states.is_projected(0):  # how the input is drawn
            group.add(text(view_note(states, 0), pal.muted, 22))
            group.arrange(DOWN, aligned_edge=LEFT, buff=0.12)
        return group
    block = LayerEquation(states, pal, np.zeros(3), snapshot, font_size=30).build(layer, kind)
    return VGroup(block)
