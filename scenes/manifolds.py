"""What a manifold is, by example: 0-, 1- and 2-D manifolds in 2-D and 3-D space (the 002 text).

A dot is a 0-D manifold; a line and a circle are 1-D manifolds in the plane; a
plane, a sphere and a torus are 2-D manifolds (surfaces) in 3-D space. The
manifold hypothesis says real data sets lie along such low-dimensional shapes
inside their high-dimensional space. ``ManifoldExamples`` needs no trained
states (the shapes are drawn from their equations, the 3-D ones in a fixed
oblique view); then real data: a grid of the shipped MNIST digits, and the
digits' clusters in two real trainings, tanh against ReLU.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from manim import (
    DEGREES,
    DOWN,
    UP,
    Create,
    FadeIn,
    GrowFromCenter,
    Indicate,
    LaggedStart,
    Scene,
    VGroup,
)

from model.data import mnist_split
from model.sources import Preset
from model.states import States
from scenes.lib import (
    Fade,
    Narrated,
    PointCloud,
    StatesScene,
    TiltedViewport,
    Viewport,
    WarpedGrid,
    apply_theme,
    digit_squares,
    legend,
    paced,
    text,
    tilt_rotation,
)

__all__ = [
    "MANIFOLDS",
    "DatasetExamples",
    "ManifoldExamples",
    "MnistDigits",
    "MnistTanhRelu",
    "manifold_lines",
]

Surface = Callable[[np.ndarray, np.ndarray], np.ndarray]


def _sphere(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    return np.stack([np.cos(u) * np.sin(v), np.sin(u) * np.sin(v), np.cos(v)], -1)


def _torus(u: np.ndarray, v: np.ndarray, big: float = 0.72, small: float = 0.3) -> np.ndarray:
    ring = big + small * np.cos(v)
    return np.stack([ring * np.cos(u), ring * np.sin(u), small * np.sin(v)], -1)


def _plane(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    return np.stack([0.9 * (u / np.pi - 1), 0.9 * (v / np.pi - 1), 0 * u], -1)


# name -> (dimension of the manifold, dimension of the space, what to call it)
MANIFOLDS: dict[str, tuple[int, int, str]] = {
    "dot": (0, 2, "a dot"),
    "line": (1, 2, "a line"),
    "circle": (1, 2, "a circle"),
    "plane": (2, 3, "a plane"),
    "sphere": (2, 3, "a sphere"),
    "torus": (2, 3, "a torus"),
}


def manifold_lines(name: str, lines: int = 12, samples: int = 60) -> np.ndarray:
    """Polylines that draw manifold ``name`` (see :data:`MANIFOLDS`): ``(n, samples, 2 or 3)``.

    Curves are one polyline; surfaces are ``lines`` curves in each of their two
    parameters (a wireframe). A dot is a single point, ``(1, 1, 2)``.
    """
    s = np.linspace(0.0, 1.0, samples)
    if name == "dot":
        return np.zeros((1, 1, 2))
    if name == "line":
        return np.stack([2 * s - 1, 0.5 * (2 * s - 1)], -1)[None]
    if name == "circle":
        t = 2 * np.pi * s
        return np.stack([np.cos(t), np.sin(t)], -1)[None]
    surface: Surface = {"plane": _plane, "sphere": _sphere, "torus": _torus}[name]
    full = np.linspace(0, 2 * np.pi, samples)
    half = np.linspace(0, np.pi, samples) if name == "sphere" else full
    fixed_u = np.linspace(0, 2 * np.pi, lines, endpoint=name == "plane")
    fixed_v = np.linspace(0, np.pi if name == "sphere" else 2 * np.pi, lines + 1)[1:]
    along_v = [surface(np.full(samples, u), half) for u in fixed_u]
    along_u = [surface(full, np.full(samples, v)) for v in fixed_v]
    return np.array(along_v + along_u)


class ManifoldExamples(Narrated, Scene):
    """Manifolds by example: dot, line and circle in 2-D; plane, sphere and torus in 3-D."""

    title = "Manifolds by example"

    poster_time = -1.0
    columns = (-4.4, 0.0, 4.4)
    rows = (1.3, -2.1)  # 2-D space above, 3-D space below
    size = 1.15  # scene units per data unit
    tilt, turn = 62.0, 25.0  # degrees: the oblique view of the 3-D shapes
    draw_seconds = 1.0
    say_rows = (
        "The manifold hypothesis says that real data, however many dimensions it has, lies "
        "along shapes of far fewer. Such shapes are manifolds: a dot has no dimension, "
        "a line or a circle in the plane has one.",
        "In space, surfaces are two-dimensional manifolds: a plane, the skin of a sphere, a torus.",
    )

    def setup(self) -> None:
        self.pal = apply_theme(self)

    def shape(self, name: str, center: np.ndarray) -> VGroup:
        """Manifold ``name`` drawn at ``center``, with its label under it."""
        pal = self.pal
        dim, space, called = MANIFOLDS[name]
        if space == 3:
            vp = TiltedViewport(center, self.size, self.tilt * DEGREES, self.turn * DEGREES)
        else:
            vp = Viewport(center, self.size)
        color = pal.classes[dim]
        if name == "dot":
            drawing = PointCloud(vp.to_scene(np.zeros((1, 2))), np.zeros(1), [color], radius=0.1)
        else:
            drawing = WarpedGrid(vp.to_scene(manifold_lines(name)), color=color,
                                 stroke_width=3.0 if dim == 1 else 1.4, opacity=0.95)  # fmt: skip
        label = text(f"{called}: {dim}-D", pal.ink, 22)
        label.move_to(center + (1.45 * DOWN if space == 2 else 1.35 * DOWN))
        group = VGroup(drawing, label)
        group.drawing, group.dimension = drawing, dim
        return group

    def construct(self) -> None:
        pal = self.pal
        title = text("manifolds: shapes that look flat up close", pal.ink, 32)
        title.to_edge(UP, buff=0.25)
        self.add(title)
        self.shapes: dict[str, VGroup] = {}
        names = list(MANIFOLDS)
        for row, (y, space) in enumerate(zip(self.rows, (2, 3), strict=True)):
            # Step 1 (2-D space), Step 2 (3-D space): the row's heading, then each shape.
            heading = text(f"in {space}-D space", pal.muted, 22)
            heading.move_to([-6.1, y + 1.35, 0], aligned_edge=UP + np.array([-1, 0, 0]))
            with self.voiceover(self.say_rows[row]) as line:
                self.play(FadeIn(heading), run_time=0.5)
                draw = paced(len(self.columns) * self.draw_seconds, line, 0.5) / len(self.columns)
                for col, x in enumerate(self.columns):
                    name = names[3 * row + col]
                    shape = self.shape(name, np.array([x, y, 0.0]))
                    self.shapes[name] = shape
                    # the dot grows from its centre: a long fade in place reads as a still
                    grow = GrowFromCenter if name == "dot" else Create
                    self.play(grow(shape.drawing), FadeIn(shape[1]), run_time=draw)
        # Step 3: "these manifolds": each is pointed at, in turn, as the line says it.
        with self.voiceover(
            "A network's job, then, is to stretch and untangle these manifolds until "
            "flat planes can separate them."
        ) as line:
            lit = [Indicate(shape.drawing, color=pal.highlight, scale_factor=1.1)
                   for shape in self.shapes.values()]  # fmt: skip
            self.play(LaggedStart(*lit, lag_ratio=0.5), run_time=paced(2.0, line))
            self.wait(2.0)  # at rest: the poster is taken 1 s from the end


class DatasetExamples(Narrated, StatesScene, Scene):
    """Our data so far against real data: spirals and disks in 2-D, digit images in 784-D."""

    title = "Data sets, toy and real"

    states_sources = (Preset("spirals2d"), Preset("disks2d"))
    poster_time = -1.0
    half = 1.6  # half-size of each toy data panel, scene units
    columns = (-4.6, -0.9)
    digits = 6  # digit images on the right, from the held-out part of the shipped set

    def setup(self) -> None:
        self.pal = apply_theme(self)

    def toy_panel(self, states: States, x: float, name: str) -> VGroup:
        """A states file's sample points in a square panel, its input size under it."""
        pal = self.pal
        pts = np.asarray(states["inputs"], dtype=np.float64)
        mid = 0.5 * (pts.min(0) + pts.max(0))
        scale = self.half / float(np.abs(pts - mid).max())
        vp = Viewport(np.array([x, 0.1, 0.0]) - scale * np.array([*mid, 0.0]), scale)
        cloud = PointCloud(vp.to_scene(pts), states["labels"], pal.classes, radius=0.025)
        label = text(f"{name}\n{pts.shape[1]}-D points", pal.ink, 22)
        label.next_to(np.array([x, 0.1 - self.half, 0.0]), DOWN, buff=0.3)
        group = VGroup(cloud, label)
        group.dimension = pts.shape[1]
        return group

    def construct(self) -> None:
        pal = self.pal
        title = text("toy data, and real data", pal.ink, 32).to_edge(UP, buff=0.3)
        self.add(title)
        # Step 1: the two toy sets: points in the plane.
        self.toys = [
            self.toy_panel(self.states(k), x, name)
            for k, (x, name) in enumerate(zip(self.columns, ("spirals", "disk and ring"),
                                              strict=True))
        ]  # fmt: skip
        with self.voiceover(
            "So far our data were points we made up in the plane: spirals, a disk and a ring."
        ) as line:
            self.play(*[FadeIn(t, shift=0.2 * UP) for t in self.toys], run_time=paced(1.2, line))
            self.wait(0.8)

        # Step 2: real data: each digit image is one point with 28 x 28 = 784 coordinates.
        data = mnist_split()
        images = data.x_heldout[: self.digits]
        tiles = VGroup(*[digit_squares(im, pal, pal.muted, 1.15) for im in images])
        tiles.arrange_in_grid(rows=3, buff=0.2).move_to([4.3, 0.35, 0.0])
        self.real_dimension = images.shape[1]
        label = text(f"handwritten digits\n{self.real_dimension}-D points", pal.ink, 22)
        label.next_to(tiles, DOWN, buff=0.3)
        with self.voiceover(
            "Real data is different. A small image of a handwritten digit is a point too, "
            "with one coordinate per pixel: seven hundred and eighty-four of them. "
            "Surely such points do not form neat shapes?"
        ) as line:
            self.play(LaggedStart(*[FadeIn(t) for t in tiles], lag_ratio=0.15), FadeIn(label),
                      run_time=paced(1.5, line))  # fmt: skip
            self.wait(2.5)


class MnistDigits(Narrated, Scene):
    """Real data: a grid of handwritten MNIST digits, 28 x 28 pixels each, from the shipped set."""

    title = "MNIST digits"

    poster_time = -1.0
    per_class = 4  # rows: digits of each class shown
    tile = 0.95  # tile height, scene units

    def setup(self) -> None:
        self.pal = apply_theme(self)

    def construct(self) -> None:
        pal = self.pal
        data = mnist_split()
        images, labels = data.x_heldout, data.y_heldout
        # the first held-out digits of each class, in the order they come
        chosen = [np.flatnonzero(labels == d)[: self.per_class] for d in range(10)]
        self.shown = np.array(chosen).T  # (rows, 10) indices into the held-out digits
        title = text("MNIST: handwritten digits, 28 x 28 pixels each", pal.ink, 30)
        title.to_edge(UP, buff=0.3)
        note = text(
            f"each image is a point in {images.shape[1]}-D space; "
            f"{len(data.y) + len(labels):,} of them ship with the project",
            pal.muted,
            20,
        ).to_edge(DOWN, buff=0.3)
        self.add(title)

        # Step 1: one row of every digit, row after row.
        rows = VGroup()
        with self.voiceover(
            "To see it on real data, take MNIST: tens of thousands of handwritten digits, "
            "each twenty-eight by twenty-eight grey pixels."
        ) as line:
            each = paced(0.8 * len(self.shown), line) / len(self.shown)
            for r, row in enumerate(self.shown):
                tiles = VGroup(*[digit_squares(images[i], pal, pal.class_color(int(labels[i])),
                                               self.tile) for i in row])  # fmt: skip
                tiles.arrange(np.array([1.0, 0, 0]), buff=0.2).move_to([0, 2.05 - 1.15 * r, 0])
                rows.add(tiles)
                self.play(LaggedStart(*[FadeIn(t) for t in tiles], lag_ratio=0.1), run_time=each)
        with self.voiceover(
            "Each image, one point in a space of seven hundred and eighty-four dimensions."
        ) as line:
            self.play(FadeIn(note, shift=0.2 * UP), run_time=paced(0.8, line))
            self.wait(2.0)


class MnistTanhRelu(Narrated, StatesScene, Scene):
    """tanh against ReLU: 2,000 held-out digits in the last hidden layer of two real trainings,
    each cloud turning about its vertical axis so its depth reads."""

    title = "MNIST, tanh against ReLU"

    states_sources = (Preset("mnist"), Preset("mnist_relu"))
    poster_time = -1.0
    columns = (-3.5, 3.5)
    middle = -0.05  # height of the clouds' centres
    size = 2.45  # 98% of each cloud lies within this distance of its centre, scene units
    room = (3.5, 2.85)  # no point ever goes farther from its centre across, and up or down
    tilt, turn = 60.0, 30.0  # degrees: the oblique view of the 3-D projection, as it starts
    turn_rate = 12.0  # degrees a second: every second of the scene moves, its waits too
    fade_seconds = 1.5
    final_seconds = 3.0

    def setup(self) -> None:
        self.pal = apply_theme(self)

    def panel(self, states: States, x: float) -> VGroup:
        """The last hidden layer's 3-D projection at the last snapshot, with its header."""
        pal = self.pal
        stage = states.stage_index(states.n_layers - 2, "activation")
        pts = np.asarray(states["trace"][-1, stage], dtype=np.float64)  # (P, 3)
        pts = pts - pts.mean(0)
        vp = TiltedViewport(np.array([x, self.middle, 0.0]), 1.0, self.tilt * DEGREES,
                            self.turn * DEGREES)  # fmt: skip
        # Most points (98%) within ``size`` of the centre, and at every turn the farthest
        # ones still inside the panel's ``room``: ReLU's cloud has long tails (its farthest
        # point 1.7 times its 98th percentile), and fitting them would shrink the rest.
        turned = np.array([(pts @ tilt_rotation(self.tilt * DEGREES, a).T)[:, :2]
                           for a in np.radians(np.arange(0, 360, 5))])  # fmt: skip
        bounds = np.abs(turned).max(axis=(0, 1))  # (2,) largest |x| and |y| over the turn
        most = float(np.percentile(np.linalg.norm(pts, axis=1), 98))
        vp.scale = min(self.size / max(most, 1e-9),
                       *(np.asarray(self.room) / np.maximum(bounds, 1e-9)))  # fmt: skip
        cloud = PointCloud(vp.to_scene(pts), states["labels"], pal.classes, radius=0.025)
        act = states.activations[0]
        held = float(states["heldout_accuracy"][-1]) if "heldout_accuracy" in states.arrays else 0
        header = VGroup(
            text(act, pal.ink, 36),
            text(f"held-out accuracy {100 * held:.1f}%", pal.ink, 24),
        ).arrange(DOWN, buff=0.12)
        header.move_to([x, 3.3, 0.0])
        group = VGroup(cloud, header)
        group.cloud, group.activation, group.viewport, group.data = cloud, act, vp, pts
        group.turned = self.turn * DEGREES  # radians turned so far (the updater's clock)
        return group

    def turn_by(self, panel: VGroup, angle: float) -> None:
        """Turn ``panel``'s cloud by ``angle`` radians about the data's third axis."""
        panel.turned += angle
        panel.viewport.rotation = tilt_rotation(self.tilt * DEGREES, panel.turned)
        panel.cloud.set_positions(panel.viewport.to_scene(panel.data))

    def construct(self) -> None:
        pal = self.pal
        states = self.states(0)
        # Step 1: both networks' last hidden layers, side by side, in the same view.
        self.panels = [self.panel(self.states(k), x) for k, x in enumerate(self.columns)]
        keys = legend([str(d) for d in range(10)], pal, font_size=24)
        keys.arrange_in_grid(rows=1, buff=0.3).to_edge(DOWN, buff=0.2)
        note = text(f"network {'-'.join(map(str, states.widths))}: last hidden layer "
                    f"({states.widths[-2]}-D) seen in 3-D, turning", pal.muted, 22)  # fmt: skip
        note.next_to(keys, UP, buff=0.22)
        self.add(keys, note, *[p[1] for p in self.panels])

        # Step 2: both clouds turn, the same way at the same pace, from the first frame on.
        # (Each cloud's own updater, so manim redraws it in every frame of a wait; the fade
        # lets it run, makes no copy to run it again, and leaves the points to it.)
        rate = self.turn_rate * DEGREES
        for p in self.panels:
            p.cloud.add_updater(lambda _, dt, p=p: self.turn_by(p, rate * dt))
        with self.voiceover(
            "The same picture for two networks, one with tanh and one with ReLU: "
            "both end with the digits gathered into clusters of their own."
        ):
            self.play(*[Fade(p.cloud, suspend_mobject_updating=False) for p in self.panels],
                      run_time=self.fade_seconds)  # fmt: skip
            self.wait(self.final_seconds)
