"""The ideas before the network, in the order of the 002 text: weighted sums to tanh layers.

A weighted sum is a matrix times a vector; a 2x2 matrix moves the whole grid;
tanh squeezes the line into (-1, 1) and the plane into a square; a full layer
is linear, then a translation, then tanh. Every move goes through
``model.stages.apply_stage``, like the trained networks' scenes.
"""

from __future__ import annotations

import numpy as np
from manim import (
    DOWN,
    DR,
    LEFT,
    RIGHT,
    UP,
    UR,
    Create,
    DashedLine,
    FadeIn,
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
    grid_lines,
    matrix_text,
    text,
)

__all__ = ["FullLayer", "MatrixOnGrid", "TanhOnGrid", "TanhSquash", "TwoToEight", "WeightedSum"]

EXAMPLE_W = np.array([[1.0, 0.6], [-0.4, 0.9]])
EXAMPLE_B = np.array([0.5, -0.3])


def _spoken(n: int) -> str:
    """A small count as the narrator says it."""
    words = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
    return words[n] if 0 <= n < len(words) else str(n)


class _PlaneScene:
    """Mixin (with ``Scene``): a grid of the square [-extent, extent]^2 with a few coloured
    points on it. Not a scene itself, so manim does not list it."""

    extent = 2.0
    scale = 1.6  # scene units per data unit
    reach = 3.4  # the grid never reaches further from the centre (scene units): it stays in frame
    center = np.array([-2.2, -0.3, 0.0])
    stage_seconds = 2.0
    pause_seconds = 1.0
    say_plane: str | None = None  # narration as the plane appears

    def setup(self) -> None:
        self.pal = apply_theme(self)
        e = self.extent
        self.viewport = Viewport(self.center.copy(), self.scale)
        self.grid_data = grid_lines((-e, e, -e, e), 17, 80)  # (34, 80, 2)
        angle = np.linspace(0, 2 * np.pi, 24, endpoint=False)
        ring = np.stack([np.cos(angle), np.sin(angle)], -1)
        self.point_data = np.concatenate([0.6 * ring, 1.4 * ring])  # (48, 2)
        self.labels = np.repeat([0, 1], 24)
        self.grid = WarpedGrid(self.viewport.to_scene(self.grid_data), color=self.pal.grid)
        self.cloud = PointCloud(
            self.viewport.to_scene(self.point_data), self.labels, self.pal.classes, radius=0.06
        )
        self.caption = Caption(self.pal, anchor=np.array([2.4, 3.3, 0.0]), font_size=32)

    def stage(self, kind: str, weight=None, bias=None, activation="identity") -> StageMorph:
        """Move grid and points through one stage; the new positions become current."""
        new_grid = apply_stage(self.grid_data, kind, weight, bias, activation)
        new_pts = apply_stage(self.point_data, kind, weight, bias, activation)
        anim = StageMorph(
            [(self.grid, self.grid_data, new_grid), (self.cloud, self.point_data, new_pts)],
            self.viewport,
            run_time=self.stage_seconds,
            fit_scale=self.fit_scale,
        )
        self.grid_data, self.point_data = new_grid, new_pts
        return anim

    def fit_scale(self, data: list[np.ndarray]) -> float:
        """The usual scale, zoomed out on any frame where the grid would reach past ``reach``
        scene units from the centre (a stretching matrix plus a bias leaves the frame)."""
        far = max(float(np.abs(data[0][..., :2]).max()), 1e-9)
        return min(self.scale, self.reach / far)

    def show_plane(self, title: str, detail=None) -> None:
        e = self.extent + 0.3
        vp = self.viewport
        axes = VGroup(
            Line(vp.to_scene([-e, 0]), vp.to_scene([e, 0]), color=self.pal.axis, stroke_width=2),
            Line(vp.to_scene([0, -e]), vp.to_scene([0, e]), color=self.pal.axis, stroke_width=2),
        )
        self.add(axes, self.caption)  # fixed reference axes: the first frame is not empty
        with self.voiceover(self.say_plane):
            self.play(
                Create(self.grid),
                FadeIn(self.cloud),
                self.caption.make_change_animation(title, detail),
                run_time=1.5,
            )
            self.wait(self.pause_seconds)


class WeightedSum(Narrated, Scene):
    """A neuron's weighted sum, and two of them at once: a matrix times a vector."""

    title = "A weighted sum"  # the gallery's heading

    def setup(self) -> None:
        self.pal = apply_theme(self)

    def construct(self) -> None:
        pal = self.pal
        (w11, w12), (w21, w22) = EXAMPLE_W
        x = np.array([2.0, 1.0])
        y = EXAMPLE_W @ x

        # Step 1: one neuron: multiply each input by its weight and add.
        title = text("a neuron is a weighted sum", pal.ink, 36).to_edge(UP, buff=0.6)
        self.add(title)
        inputs = text(f"x = ({x[0]:g}, {x[1]:g})", pal.ink, 30, mono=True)
        first = text(
            f"y1 = {w11:g} * {x[0]:g} + {w12:g} * {x[1]:g} = {y[0]:g}", pal.classes[0], 30, True
        )
        second = text(
            f"y2 = {w21:g} * {x[0]:g} + {w22:g} * {x[1]:g} = {y[1]:g}", pal.classes[1], 30, True
        )
        lines = VGroup(inputs, first, second).arrange(DOWN, aligned_edge=LEFT, buff=0.4)
        lines.move_to(0.6 * UP)
        with self.voiceover(
            "Zoom in on one neuron. It takes a weighted sum: each input times its weight, "
            "all added up."
        ):
            self.play(FadeIn(inputs), run_time=0.8)
            self.wait(0.5)
            self.play(FadeIn(first, shift=0.2 * RIGHT), run_time=1.2)
            self.wait(1.0)

        # Step 2: a second neuron with its own weights.
        with self.voiceover("A second neuron does the same, with weights of its own."):
            self.play(FadeIn(second, shift=0.2 * RIGHT), run_time=1.2)
            self.wait(1.0)

        # Step 3: both at once: the weights form a matrix, the inputs a vector.
        matrix = matrix_text("W", EXAMPLE_W, pal.ink, font_size=30, digits=1)
        vector = matrix_text("x", x, pal.ink, font_size=30, digits=1)
        result = matrix_text("Wx", y, pal.ink, font_size=30, digits=1)
        product = VGroup(matrix, vector, result).arrange(RIGHT, buff=0.6).to_edge(DOWN, buff=1.0)
        caption = text("two weighted sums = a matrix times a vector", pal.muted, 26)
        caption.next_to(product, UP, buff=0.4)
        with self.voiceover(
            "Put the weights of both neurons in a grid and you have a matrix. "
            "Two weighted sums at once are simply the matrix times the input vector."
        ):
            self.play(FadeIn(product), FadeIn(caption), run_time=1.5)
            self.wait(2.5)


class MatrixOnGrid(_PlaneScene, Narrated, Scene):
    """A 2x2 matrix moves every point of the plane at once: lines stay straight."""

    title = "A matrix bends the grid"  # the gallery's heading
    say_plane = "Here is the plane, with a grid on it and points on two rings."

    def construct(self) -> None:
        # Step 1: the plane, with points on two rings.
        self.show_plane("the plane")

        # Step 2: x -> W x for every point and every grid line.
        detail = matrix_text("W", EXAMPLE_W, self.pal.ink)
        with self.voiceover(
            "Multiplying by a matrix moves every point at once. Grid lines stay straight, "
            "parallel and evenly spaced: a linear transformation of the whole space."
        ):
            self.play(self.caption.make_change_animation("multiply by a matrix", detail))
            self.play(self.stage("linear", EXAMPLE_W))
            self.wait(2.0)


class TanhSquash(Narrated, Scene):
    """tanh squeezes the whole number line into the interval (-1, 1)."""

    title = "tanh squeezes the number line"  # the gallery's heading

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
        marks = VGroup(
            # at the left end, above y = 1 and below y = -1: clear of the curve and the frame
            text("y = 1", pal.muted, 24).next_to(vp.to_scene([-4.2, 1]), UR, buff=0.1),
            text("y = -1", pal.muted, 24).next_to(vp.to_scene([-4.2, -1]), DR, buff=0.1),
        )
        title = text("tanh squeezes the line into (-1, 1)", pal.ink, 34).to_edge(UP, buff=0.5)
        self.add(title, axis_x, axis_y)
        with self.voiceover(
            "After the weighted sums comes a nonlinearity. Ours is tanh: "
            "whatever number goes in, what comes out lies between minus one and one."
        ):
            self.play(Create(curve), FadeIn(bounds), FadeIn(marks), run_time=2.0)
            self.wait(1.0)

        # Step 2: points on the number line move to tanh(x), still on the line.
        x = np.linspace(-4, 4, 33)
        line_pts = np.stack([x, np.zeros_like(x)], -1)
        dots = PointCloud(vp.to_scene(line_pts), (x > 0).astype(int), pal.classes, radius=0.07)
        with self.voiceover(
            "Evenly spaced points on the number line all land inside that interval; "
            "the far ones crowd together near its ends."
        ):
            self.play(FadeIn(dots), run_time=0.8)
            squeezed = np.stack([np.tanh(x), np.zeros_like(x)], -1)
            self.play(StageMorph([(dots, line_pts, squeezed)], vp, run_time=self.stage_seconds))
            self.wait(2.0)


class TanhOnGrid(_PlaneScene, Narrated, Scene):
    """tanh on each coordinate: the plane folds into the square (-1, 1) x (-1, 1)."""

    title = "tanh on the grid"  # the gallery's heading
    say_plane = "Back to the plane."

    def construct(self) -> None:
        # Step 1: the plane.
        self.show_plane("the plane")

        # Step 2: tanh on x and on y: straight lines bend.
        detail = text("tanh on each coordinate", self.pal.ink, 22)
        with self.voiceover(
            "Now tanh acts on each coordinate, x and y alike. Straight lines bend, "
            "and the whole plane is squeezed into a square from minus one to one."
        ):
            self.play(self.caption.make_change_animation("apply tanh", detail))
            self.play(self.stage("activation", activation="tanh"))
            self.wait(2.0)


class FullLayer(_PlaneScene, Narrated, Scene):
    """A whole layer: a linear map, a translation by the bias, then tanh."""

    title = "A full layer: matrix, bias, tanh"  # the gallery's heading
    say_plane = "Now a whole layer, in three steps."

    poster_time = -1.0

    def construct(self) -> None:
        pal = self.pal
        # Step 1: the plane.
        self.show_plane("one layer: tanh(W x + b)")

        # Step 2: linear.
        with self.voiceover("First the matrix: a linear transformation."):
            self.play(
                self.caption.make_change_animation(
                    "1. linear", matrix_text("W", EXAMPLE_W, pal.ink)
                )
            )
            self.play(self.stage("linear", EXAMPLE_W))
            self.wait(self.pause_seconds)

        # Step 3: the bias translates everything.
        with self.voiceover(
            "Then the bias, the same vector added to every point: a translation. "
            "A linear map followed by a translation is called an affine transformation."
        ):
            self.play(
                self.caption.make_change_animation(
                    "2. translation", matrix_text("b", EXAMPLE_B, pal.ink)
                )
            )
            self.play(self.stage("bias", bias=EXAMPLE_B))
            self.wait(self.pause_seconds)

        # Step 4: tanh.
        with self.voiceover(
            "Last, tanh squeezes the result. An affine map, then a squeeze: "
            "that is one layer of a neural network."
        ):
            self.play(
                self.caption.make_change_animation(
                    "3. tanh", text("tanh on each coordinate", pal.ink, 22)
                )
            )
            self.play(self.stage("activation", activation="tanh"))
            self.wait(2.0)


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
                text(n, pal.ink, 26).next_to(c, LEFT, buff=0.25)
                for n, c in zip(("x", "y"), diagram.neurons[0], strict=True)
            ]
        )
        title = text(f"2 inputs, {self.outputs} neurons", pal.ink, 34).to_edge(UP, buff=0.3)
        self.add(title)
        with self.voiceover(
            "Let's open the box one layer at a time. A layer's inputs here are the two "
            "coordinates of a point."
        ):
            self.play(FadeIn(diagram.neurons[0]), FadeIn(inputs), run_time=1.0)

        # Step 2: the layer: every input feeds every neuron.
        with self.voiceover(
            f"With {_spoken(self.outputs)} neurons, each point comes out as "
            f"{_spoken(self.outputs)} numbers: a point in a space of "
            f"{_spoken(self.outputs)} dimensions, more than we can picture."
        ):
            self.play(Create(diagram.edges), FadeIn(diagram.neurons[1]), run_time=2.0)
            words = text(
                f"out come {self.outputs} numbers:\na point in {self.outputs}-D space,\n"
                "too many dimensions to picture",
                pal.ink,
                24,
            ).next_to(diagram, RIGHT, buff=0.8)
            self.play(FadeIn(words, shift=0.2 * LEFT), run_time=1.0)
            self.wait(2.0)
