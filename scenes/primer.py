"""The ideas before the network, in the order of the 002 text: weighted sums to tanh layers.

A weighted sum is a matrix times a vector; a 2x2 matrix moves the whole grid;
tanh squeezes the line into (-1, 1) and the plane into a square; a full layer
is linear, then a translation, then tanh. Every move goes through
``model.stages.apply_stage``, like the trained networks' scenes.
"""

from __future__ import annotations

import numpy as np
from manim import (
    DL,
    DOWN,
    DR,
    LEFT,
    RIGHT,
    UL,
    UP,
    UR,
    Create,
    DashedLine,
    Dot,
    FadeIn,
    Indicate,
    Line,
    Scene,
    VGroup,
    VMobject,
)

from model.stages import apply_stage
from scenes.lib import (
    Caption,
    Narrated,
    NetworkDiagram,
    PointCloud,
    StageMorph,
    Viewport,
    WarpedGrid,
    apply_theme,
    formula,
    grid_lines,
    labelled,
    matrix,
    matrix_rows,
    number,
    paced,
    spoken_count,
    text,
)

__all__ = [
    "FullLayer",
    "MatrixOnGrid",
    "NonLinearity",
    "TanhOnGrid",
    "TanhSquash",
    "TwoToEight",
    "WeightedSum",
]

EXAMPLE_W = np.array([[1.0, 0.6], [-0.4, 0.9]])
EXAMPLE_B = np.array([0.5, -0.3])


class _PlaneScene:
    """Mixin (with ``Scene``): a fixed view of the plane, axes numbered, a grid seen through the
    window ``[-window, window]^2`` and points on two rings. Not a scene itself, so manim
    does not list it.

    The view never zooms: what a stage does to sizes (a matrix's determinant, tanh's
    squeeze) is what the picture shows, read against the numbered axes. The grid
    reaches well past the window, so a stretched plane still fills it.
    """

    window = 2.1  # data units shown each way from the origin
    grid_reach = 4.0  # the grid covers [-grid_reach, grid_reach]^2: past the window
    scale = 1.6  # scene units per data unit
    center = np.array([-2.2, -0.3, 0.0])
    stage_seconds = 2.0
    pause_seconds = 1.0
    say_plane: str | None = None  # narration as the plane appears

    def setup(self) -> None:
        self.pal = apply_theme(self)
        g = self.grid_reach
        self.viewport = Viewport(self.center.copy(), self.scale)
        (x0, y0, _), (x1, y1, _) = self.viewport.to_scene(
            np.array([[-1, -1], [1, 1]]) * self.window
        )
        self.box = (x0, x1, y0, y1)
        self.grid_data = grid_lines((-g, g, -g, g), 33, 120)  # (66, 120, 2): lines 0.25 apart
        angle = np.linspace(0, 2 * np.pi, 24, endpoint=False)
        ring = np.stack([np.cos(angle), np.sin(angle)], -1)
        self.point_data = np.concatenate([0.6 * ring, 1.4 * ring])  # (48, 2)
        self.labels = np.repeat([0, 1], 24)
        self.grid = WarpedGrid(self.viewport.to_scene(self.grid_data), color=self.pal.grid,
                               clip=self.box)  # fmt: skip
        self.cloud = PointCloud(
            self.viewport.to_scene(self.point_data), self.labels, self.pal.classes, radius=0.06
        )
        self.caption = Caption(self.pal, anchor=np.array([2.4, 3.3, 0.0]), font_size=32)

    def stage(
        self, kind: str, weight=None, bias=None, activation="identity", extra=(), seconds=None
    ) -> StageMorph:
        """Move grid and points (and ``extra`` ``(mobject, data)`` pairs) through one stage (in
        ``seconds``, default ``stage_seconds``); the new positions become current."""
        movers = [(self.grid, self.grid_data), (self.cloud, self.point_data), *extra]
        moved = [(mob, data, apply_stage(data, kind, weight, bias, activation))
                 for mob, data in movers]  # fmt: skip
        self.grid_data, self.point_data = moved[0][2], moved[1][2]
        return StageMorph(moved, self.viewport, run_time=seconds or self.stage_seconds)

    def captioned_stage(self, line, title: str, detail, kind: str, **stage) -> None:
        """Change the caption, then move through one stage, paced to the spoken ``line``
        (the caption's 0.5 s change is said first)."""
        self.play(self.caption.make_change_animation(title, detail))
        self.play(self.stage(kind, seconds=paced(self.stage_seconds, line, 0.5), **stage))

    def axes(self) -> VGroup:
        """The x and y axes across the window, a tick and a number at every integer."""
        pal, vp, e = self.pal, self.viewport, self.window
        axes = VGroup(
            Line(vp.to_scene([-e, 0]), vp.to_scene([e, 0]), color=pal.axis, stroke_width=2),
            Line(vp.to_scene([0, -e]), vp.to_scene([0, e]), color=pal.axis, stroke_width=2),
        )
        for v in range(-int(e), int(e) + 1):
            if v == 0:
                continue
            on_x = (vp.to_scene([v, 0]), UP, DOWN)  # where, the tick's direction, the number's side
            on_y = (vp.to_scene([0, v]), RIGHT, LEFT)
            for at, across, side in (on_x, on_y):
                tick = Line(at - 0.08 * across, at + 0.08 * across, color=pal.axis, stroke_width=2)
                label = number(v, pal.muted, digits=0, font_size=30)
                axes.add(tick, label.next_to(at, side, buff=0.14))
        return axes

    def show_plane(self, title: str, detail=None) -> None:
        self.add(self.axes(), self.caption)  # fixed reference axes: the first frame is not empty
        with self.voiceover(self.say_plane) as line:
            self.play(
                Create(self.grid),
                FadeIn(self.cloud),
                self.caption.make_change_animation(title, detail),
                run_time=paced(1.5, line),
            )
            self.wait(self.pause_seconds)


class Patch(VMobject):
    """A filled polygon whose corners a :class:`StageMorph` moves (``set_positions``)."""

    def __init__(self, corners: np.ndarray, color: str, opacity: float = 0.35) -> None:
        super().__init__(fill_color=color, fill_opacity=opacity, stroke_color=color,
                         stroke_width=2)  # fmt: skip
        self.set_positions(corners)

    def set_positions(self, corners: np.ndarray) -> Patch:
        """Corners ``(n, 3)`` in scene units, in order; returns self."""
        self.corners = np.asarray(corners, dtype=np.float64)
        self.set_points_as_corners([*self.corners, self.corners[0]])
        return self

    def get_positions(self) -> np.ndarray:
        return self.corners


class WeightedSum(Narrated, Scene):
    """A neuron's weighted sum, and two of them at once: a matrix times a vector."""

    title = "A weighted sum"  # the gallery's heading

    poster_time = -1.0  # at rest on the matrix (2/3 of the way was mid-fade)

    def setup(self) -> None:
        self.pal = apply_theme(self)

    def construct(self) -> None:
        pal = self.pal
        x = np.array([2.0, 1.0])
        y = EXAMPLE_W @ x

        # Step 1: one neuron: multiply each input by its weight and add.
        title = text("a neuron is a weighted sum", pal.ink, 36).to_edge(UP, buff=0.6)
        self.add(title)
        inputs = formula("x", "=", rf"({x[0]:g},\ {x[1]:g})", color=pal.ink, font_size=44)
        first, second = (self.weighted_sum(k, EXAMPLE_W[k], x, pal.class_color(k)) for k in (0, 1))
        lines = VGroup(inputs, first, second).arrange(DOWN, aligned_edge=LEFT, buff=0.4)
        lines.move_to(0.9 * UP)
        with self.voiceover(
            "Zoom in on one neuron. It takes a weighted sum: each input times its weight, "
            "all added up."
        ) as line:
            self.play(FadeIn(inputs), run_time=0.8)
            self.wait(0.5)
            self.play(FadeIn(first, shift=0.2 * RIGHT), run_time=paced(1.2, line, 1.3))
            self.wait(1.0)

        # Step 2: a second neuron with its own weights.
        with self.voiceover("A second neuron does the same, with weights of its own.") as line:
            self.play(FadeIn(second, shift=0.2 * RIGHT), run_time=paced(1.2, line))
            self.wait(1.0)

        # Step 3: both at once: the weights form a matrix (a row per neuron), the inputs a vector.
        w, v, out = (matrix(m, pal.ink, digits=1, font_size=40) for m in (EXAMPLE_W, x, y))
        for k in (0, 1):  # each neuron's row, and its output, in its colour
            matrix_rows(w)[k].set_color(pal.class_color(k))
            matrix_rows(out)[k].set_color(pal.class_color(k))
        product = VGroup(w, v, formula("=", color=pal.ink, font_size=44), out)
        product.arrange(RIGHT, buff=0.25).to_edge(DOWN, buff=0.8)
        caption = text("two weighted sums = a matrix times a vector", pal.muted, 26)
        caption.next_to(product, UP, buff=0.35)
        with self.voiceover(
            "Put the weights of both neurons in a grid and you have a matrix. "
            "Two weighted sums at once are simply the matrix times the input vector."
        ) as line:  # the matrix as "a grid" is said, then the product
            first_half = max(1.5, 0.4 * line.duration)
            self.play(FadeIn(w, shift=0.3 * UP), run_time=first_half)
            self.play(FadeIn(product[1:], shift=0.3 * UP), FadeIn(caption, shift=0.3 * UP),
                      run_time=paced(1.5, line, first_half))  # fmt: skip
            self.wait(2.5)

    def weighted_sum(self, k: int, weights: np.ndarray, x: np.ndarray, color: str) -> VMobject:
        """``y_k = w1 . x1 + w2 . x2 = value``, the neuron's weights and output in ``color``."""
        (w1, w2), value = weights, float(weights @ x)
        parts = [f"y_{{{k + 1}}}", "=", f"{w1:g}", r"\cdot", f"{x[0]:g}",
                 "+" if w2 >= 0 else "-", f"{abs(w2):g}", r"\cdot", f"{x[1]:g}", "=",
                 f"{value:g}"]  # fmt: skip
        sum_ = formula(*parts, color=self.pal.ink, font_size=44)
        for i in (0, 2, 6, 10):  # the output, the weights and the result
            sum_[i].set_color(color)
        return sum_


class NonLinearity(Narrated, Scene):
    """Beside the weighted sum, the neuron's non-linearity: its sum goes through tanh."""

    title = "Then a non-linear function"  # the gallery's heading

    poster_time = -1.0
    origin = np.array([3.3, -0.6, 0.0])  # the graph's (0, 0) in scene units
    unit = np.array([0.95, 1.7])  # scene units per unit of z (across) and of tanh z (up)
    reach = 3.2  # the graph shows z in [-reach, reach]
    move_seconds = 1.5
    final_seconds = 2.5

    def setup(self) -> None:
        self.pal = apply_theme(self)

    def at(self, z, y) -> np.ndarray:
        """Graph coordinates ``(z, tanh z)`` to scene coordinates."""
        return self.origin + np.array([self.unit[0] * z, self.unit[1] * y, 0.0])

    def construct(self) -> None:
        pal = self.pal
        x = np.array([2.0, 1.0])
        z = float(EXAMPLE_W[0] @ x)
        h = float(np.tanh(z))

        # Step 1: the weighted sum of WeightedSum's first neuron, and the graph of tanh.
        title = text("then a non-linear function", pal.ink, 36).to_edge(UP, buff=0.5)
        (w1, w2) = EXAMPLE_W[0]
        total = formula("z", "=", f"{w1:g}", r"\cdot", f"{x[0]:g}", "+", f"{w2:g}", r"\cdot",
                        f"{x[1]:g}", "=", f"{z:g}", color=pal.ink, font_size=40)  # fmt: skip
        total[0].set_color(pal.class_color(0))
        total[10].set_color(pal.class_color(0))
        words = text("the weighted sum", pal.muted, 26)
        left = VGroup(words, total).arrange(DOWN, aligned_edge=LEFT, buff=0.3)
        left.move_to([-3.6, 1.2, 0.0])
        graph = self.graph()
        self.add(title, left)
        with self.voiceover(
            "That sum then goes through a non-linear function, such as the sigmoid or tanh."
        ) as line:
            self.play(Create(graph), run_time=max(1.5, 0.8 * line.duration))

        # Step 2: z on the horizontal axis goes up to the curve: h = tanh z.
        dot = Dot(self.at(z, 0.0), radius=0.1, color=pal.class_color(0))
        with self.voiceover(f"We use tanh. Put the sum, {z:g}, on the horizontal axis.") as line:
            self.play(Indicate(total[10], color=pal.highlight), run_time=1.0)
            self.play(FadeIn(dot, scale=2.0), run_time=max(0.8, 0.4 * line.duration))
        up = DashedLine(self.at(z, 0.0), self.at(z, h), color=pal.highlight)
        across = DashedLine(self.at(z, h), self.at(0.0, h), color=pal.highlight)
        self.dot = dot
        out = formula("h", "=", r"\tanh", "z", "=", f"{h:.2f}", color=pal.ink, font_size=40)
        out[0].set_color(pal.highlight)
        out[5].set_color(pal.highlight)
        out.next_to(total, DOWN, aligned_edge=LEFT, buff=0.6)
        with self.voiceover(
            f"Go up to the curve, and read across: tanh of {z:g} is {h:.2f}, just under one."
        ) as line:
            self.play(Create(up), dot.animate.move_to(self.at(z, h)),
                      run_time=max(self.move_seconds, 0.45 * line.duration))  # fmt: skip
            self.play(Create(across), FadeIn(out, shift=0.2 * RIGHT),
                      run_time=max(1.2, 0.4 * line.duration))  # fmt: skip

        # Step 3: what a neuron does, in one line: a weighted sum, then a non-linear function.
        whole = formula("h", "=", r"\tanh(", r"w_1 x_1 + w_2 x_2", ")", color=pal.ink,
                        font_size=40)  # fmt: skip
        whole[3].set_color(pal.class_color(0))
        whole[2].set_color(pal.highlight)
        whole[4].set_color(pal.highlight)
        whole.next_to(out, DOWN, aligned_edge=LEFT, buff=0.8)
        note = text("a neuron: a sum, then a bend", pal.muted, 26)
        note.next_to(whole, DOWN, aligned_edge=LEFT, buff=0.3)
        with self.voiceover("So one neuron is a weighted sum, then a non-linear bend.") as line:
            self.play(FadeIn(whole, shift=0.2 * UP), run_time=max(1.2, 0.5 * line.duration))
            self.play(FadeIn(note, shift=0.2 * UP), run_time=0.8)
            self.wait(self.final_seconds)  # the hold, inside: the voice ends in it

    def graph(self) -> VGroup:
        """Axes through (0, 0), ticks at the integers, the bounds -1 and 1 and the curve."""
        pal, r = self.pal, self.reach
        zs = np.linspace(-r, r, 160)
        curve = VMobject(stroke_color=pal.highlight, stroke_width=5)
        curve.set_points_as_corners([self.at(v, np.tanh(v)) for v in zs])
        axes = VGroup(
            Line(self.at(-r, 0), self.at(r, 0), color=pal.axis, stroke_width=2),
            Line(self.at(0, -1.3), self.at(0, 1.3), color=pal.axis, stroke_width=2),
        )
        for v in range(-int(r), int(r) + 1):
            if v:
                at = self.at(v, 0)
                axes.add(Line(at + 0.08 * DOWN, at + 0.08 * UP, color=pal.axis, stroke_width=2))
                axes.add(number(v, pal.muted, digits=0, font_size=30).next_to(at, DOWN, 0.15))
        bounds = VGroup(*[DashedLine(self.at(-r, y), self.at(r, y), color=pal.muted,
                                     stroke_width=2) for y in (-1, 1)])  # fmt: skip
        marks = VGroup(
            number(1, pal.muted, digits=0, font_size=30).next_to(self.at(0, 1), UL, buff=0.1),
            number(-1, pal.muted, digits=0, font_size=30).next_to(self.at(0, -1), DL, buff=0.1),
            formula("z", color=pal.muted, font_size=30).next_to(self.at(r, 0), UP, buff=0.15),
            formula(r"\tanh z", color=pal.highlight, font_size=32)
            .next_to(self.at(r, 1), UP, buff=0.15)
            .shift(0.6 * LEFT),
        )
        return VGroup(axes, bounds, curve, marks)


class MatrixOnGrid(_PlaneScene, Narrated, Scene):
    """A 2x2 matrix moves every point of the plane at once: lines stay straight."""

    title = "A matrix bends the grid"  # the gallery's heading
    say_plane = "Here is the plane, with a grid on it and points on two rings."

    poster_time = -1.0  # at rest after the last move (2/3 of the way was mid-move)

    def construct(self) -> None:
        # Step 1: the plane, with points on two rings.
        self.show_plane("the plane")

        # Step 2: the unit square, whose area W scales by det W.
        pal = self.pal
        square = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
        patch = Patch(self.viewport.to_scene(square), pal.highlight)
        self.patch = patch
        self.play(FadeIn(patch), run_time=0.6)

        # Step 3: x -> W x for every point, every grid line and the square.
        det = float(np.linalg.det(EXAMPLE_W))
        detail = VGroup(
            labelled("W", matrix(EXAMPLE_W, pal.ink, digits=1), pal.ink),
            formula(r"\det W", "=", f"{det:.2f}", color=pal.ink, font_size=30),
            text("the square's area, after", pal.muted, 20),
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.25)
        with self.voiceover(
            "Multiplying by a matrix moves every point at once. Grid lines stay straight, "
            "parallel and evenly spaced: a linear transformation of the whole space."
        ) as line:
            self.captioned_stage(line, "multiply by a matrix", detail, "linear", weight=EXAMPLE_W,
                                 extra=[(patch, square)])  # fmt: skip
            self.wait(2.0)


class TanhSquash(Narrated, Scene):
    """tanh squeezes the whole number line into the interval (-1, 1)."""

    title = "tanh squeezes the number line"  # the gallery's heading

    poster_time = -1.0  # at rest after the last move (2/3 of the way was mid-move)

    stage_seconds = 2.5

    def setup(self) -> None:
        self.pal = apply_theme(self)

    def construct(self) -> None:
        pal = self.pal
        vp = Viewport(np.array([0.0, -0.2, 0.0]), 1.6)

        # Step 1: the curve y = tanh(x), with its bounds at -1 and 1.
        xs = np.linspace(-4, 4, 200)
        curve = VMobject(stroke_color=pal.classes[1], stroke_width=5)
        curve.set_points_as_corners(vp.to_scene(np.stack([xs, np.tanh(xs)], -1)))
        axis_x = Line(vp.to_scene([-4.2, 0]), vp.to_scene([4.2, 0]), color=pal.axis)
        axis_y = Line(vp.to_scene([0, -1.6]), vp.to_scene([0, 1.6]), color=pal.axis)
        bounds = VGroup(
            *[
                DashedLine(vp.to_scene([-4.2, y]), vp.to_scene([4.2, y]), color=pal.muted)
                for y in (-1, 1)
            ]
        )
        # y = 1 and y = -1 at the left end, above and below their lines: clear of the curve
        top = formula("y = 1", color=pal.muted, font_size=30)
        bottom = formula("y = -1", color=pal.muted, font_size=30)
        named = formula(r"y = \tanh x", color=pal.classes[1], font_size=34)
        marks = VGroup(
            top.next_to(vp.to_scene([-4.2, 1]), UR, buff=0.1),
            bottom.next_to(vp.to_scene([-4.2, -1]), DR, buff=0.1),
            named.next_to(vp.to_scene([3.0, 1.0]), UP, buff=0.25),
        )
        ticks = self.ticks(vp, range(-4, 5))
        title = text("tanh squeezes the line into (-1, 1)", pal.ink, 34).to_edge(UP, buff=0.5)
        self.add(title, axis_x, axis_y, ticks)
        with self.voiceover(
            "After the weighted sums comes a nonlinearity. Ours is tanh: "
            "whatever number goes in, what comes out lies between minus one and one."
        ) as line:
            self.play(Create(curve), FadeIn(bounds), FadeIn(marks), run_time=paced(2.0, line))
            self.wait(1.0)

        # Step 2: points on the number line move to tanh(x), still on the line.
        x = np.linspace(-4, 4, 33)
        line_pts = np.stack([x, np.zeros_like(x)], -1)
        dots = PointCloud(vp.to_scene(line_pts), (x > 0).astype(int), pal.classes, radius=0.07)
        with self.voiceover(
            "Evenly spaced points on the number line all land inside that interval; "
            "the far ones crowd together near its ends."
        ) as line:
            self.play(FadeIn(dots), run_time=0.8)
            squeezed = np.stack([np.tanh(x), np.zeros_like(x)], -1)
            seconds = paced(self.stage_seconds, line, 0.8)
            self.play(StageMorph([(dots, line_pts, squeezed)], vp, run_time=seconds))
            self.wait(2.0)

    def ticks(self, vp: Viewport, values) -> VGroup:
        """Tick marks on the x axis at ``values``, numbered under it (zero left out)."""
        pal, marks = self.pal, VGroup()
        for v in values:
            at = vp.to_scene([v, 0])
            marks.add(Line(at + 0.08 * DOWN, at + 0.08 * UP, color=pal.axis, stroke_width=2))
            if v:
                marks.add(number(v, pal.muted, digits=0, font_size=30).next_to(at, DOWN, 0.18))
        return marks


class TanhOnGrid(_PlaneScene, Narrated, Scene):
    """tanh on each coordinate: the plane folds into the square (-1, 1) x (-1, 1)."""

    title = "tanh on the grid"  # the gallery's heading
    say_plane = "Back to the plane."

    poster_time = -1.0  # at rest after the last move (2/3 of the way was mid-move)

    def construct(self) -> None:
        # Step 1: the plane.
        self.show_plane("the plane")

        # Step 2: tanh on x and on y: straight lines bend.
        detail = formula(r"(x,\ y)", r"\mapsto", r"(\tanh x,\ \tanh y)", color=self.pal.ink,
                         font_size=32)  # fmt: skip
        with self.voiceover(
            "Now tanh acts on each coordinate, x and y alike. Straight lines bend, "
            "and the whole plane is squeezed into a square from minus one to one."
        ) as line:
            self.captioned_stage(line, "apply tanh", detail, "activation", activation="tanh")
            self.wait(2.0)


class FullLayer(_PlaneScene, Narrated, Scene):
    """A whole layer: a linear map, a translation by the bias, then tanh."""

    title = "A full layer: matrix, bias, tanh"  # the gallery's heading
    say_plane = "Now a whole layer, in three steps."

    poster_time = -1.0

    def construct(self) -> None:
        # Step 1: the plane, and the layer's formula.
        self.show_plane("one layer", self.layer_detail(None))

        # Step 2: linear.
        with self.voiceover("First the matrix: a linear transformation.") as line:
            self.captioned_stage(line, "1. linear", self.layer_detail("linear"), "linear",
                                 weight=EXAMPLE_W)  # fmt: skip
            self.wait(self.pause_seconds)

        # Step 3: the bias translates everything.
        with self.voiceover(
            "Then the bias, the same vector added to every point: a translation. "
            "A linear map followed by a translation is called an affine transformation."
        ) as line:
            self.captioned_stage(line, "2. translation", self.layer_detail("bias"), "bias",
                                 bias=EXAMPLE_B)  # fmt: skip
            self.wait(self.pause_seconds)

        # Step 4: tanh.
        with self.voiceover(
            "Last, tanh squeezes the result. An affine map, then a squeeze: "
            "that is one layer of a neural network."
        ) as line:
            self.captioned_stage(line, "3. tanh", self.layer_detail("activation"), "activation",
                                 activation="tanh")  # fmt: skip
            self.wait(2.0)

    def layer_detail(self, kind: str | None) -> VGroup:
        """``h = tanh(W x + b)`` with the ``kind`` stage's terms lit, and its W or b."""
        pal = self.pal
        eq = formula("h", "=", r"\tanh(", "W", "x", "+", "b", ")", color=pal.ink, font_size=36)
        lit = {"linear": (3, 4), "bias": (5, 6), "activation": (2, 7)}.get(kind or "", ())
        for i in lit:
            eq[i].set_color(pal.highlight)
        detail = VGroup(eq)
        if kind == "linear":
            detail.add(labelled("W", matrix(EXAMPLE_W, pal.highlight, digits=1), pal.highlight))
        elif kind == "bias":
            detail.add(labelled("b", matrix(EXAMPLE_B, pal.highlight, digits=1), pal.highlight))
        elif kind == "activation":
            detail.add(text("tanh on each coordinate", pal.ink, 22))
        return detail.arrange(DOWN, aligned_edge=LEFT, buff=0.3)


class TwoToEight(Narrated, Scene):
    """One layer from 2 inputs to 8 neurons: every point of the plane becomes an 8-D vector."""

    title = "Two inputs, eight neurons"

    poster_time = -1.0
    outputs = 8

    def setup(self) -> None:
        self.pal = apply_theme(self)

    def construct(self) -> None:
        pal = self.pal
        # Step 1: two input neurons, the coordinates of a point.
        diagram = NetworkDiagram((2, self.outputs), pal, height=5.0, layer_gap=3.2)
        diagram.shift(1.6 * LEFT + 0.2 * DOWN)
        inputs = VGroup(
            *[
                formula(n, color=pal.ink, font_size=40).next_to(c, LEFT, buff=0.25)
                for n, c in zip(("x", "y"), diagram.neurons[0], strict=True)
            ]
        )
        title = text(f"2 inputs, {self.outputs} neurons", pal.ink, 34).to_edge(UP, buff=0.3)
        self.add(title)
        with self.voiceover(
            "Let's open the box one layer at a time. A layer's inputs here are the two "
            "coordinates of a point."
        ) as line:
            arrive = 0.2 * RIGHT  # slid in, not faded in place: the picture moves as it is said
            self.play(FadeIn(diagram.neurons[0], shift=arrive), FadeIn(inputs, shift=arrive),
                      run_time=paced(1.0, line))  # fmt: skip

        # Step 2: the layer: every input feeds every neuron.
        with self.voiceover(
            f"With {spoken_count(self.outputs)} neurons, each point comes out as "
            f"{spoken_count(self.outputs)} numbers: a point in a space of "
            f"{spoken_count(self.outputs)} dimensions, more than we can picture."
        ) as line:
            seconds = paced(2.0, line, 1.0)
            self.play(Create(diagram.edges), FadeIn(diagram.neurons[1]), run_time=seconds)
            words = text(
                f"out come {self.outputs} numbers:\na point in {self.outputs}-D space,\n"
                "too many dimensions to picture",
                pal.ink,
                24,
            ).next_to(diagram, RIGHT, buff=0.8)
            self.play(FadeIn(words, shift=0.2 * LEFT), run_time=1.0)
            self.wait(2.0)
