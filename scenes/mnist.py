"""Real handwritten digits: clusters forming layer by layer, weight templates, and mistakes.

Run from the repo root: ``manim -qh scenes/mnist.py MnistClusters``. The states
are the ``mnist`` preset's (784-128-64-10 tanh) and the ``templates`` preset's
(784-10, no hidden layer); both train in seconds on first use. The traced
points are 2,000 held-out digits; stages wider than 3 are shown through their
aligned PCA (``model/project.py``).
"""

from __future__ import annotations

import numpy as np
from manim import (
    DEGREES,
    DOWN,
    LEFT,
    ORIGIN,
    RIGHT,
    UP,
    Create,
    FadeIn,
    Group,
    Rectangle,
    Scene,
    Text,
    VGroup,
    VMobject,
)

from model.data import mnist_split
from model.sources import Preset
from model.stages import logits
from model.states import States
from scenes.lib import (
    SIDE,
    AccuracyChart,
    Caption,
    LayerEquation,
    NetworkView,
    Palette,
    Scene3D,
    StatesScene,
    apply_theme,
    best_stage,
    centroids,
    cluster_words,
    digit_squares,
    digit_tile,
    image_mobject,
    layer_words,
    legend,
    rider_indices,
    ring_riders,
    spread_view,
    template_rgba,
    text,
    text_units,
)

__all__ = [
    "DigitView",
    "MnistClusters",
    "MnistClustersTraining",
    "MnistMistakes",
    "MnistTemplates",
    "confident_mistakes",
    "confusion_matrix",
]

PRESET = Preset("mnist")
TEMPLATES = Preset("templates")
DIGITS = tuple(str(d) for d in range(10))


# ---------------------------------------------------------------------------
# Held-out evaluation (numpy, the states' weights)
# ---------------------------------------------------------------------------


def heldout_probabilities(states: States, snapshot: int = -1) -> tuple[np.ndarray, ...]:
    """Held-out digits ``(N, 784)``, their labels ``(N,)`` and softmax outputs ``(N, 10)``."""
    split = mnist_split()
    out = logits(split.x_heldout, states.weights(snapshot), states.biases(snapshot),
                 states.activations)  # fmt: skip
    out = np.exp(out - out.max(axis=1, keepdims=True))
    return split.x_heldout, split.y_heldout, out / out.sum(axis=1, keepdims=True)


def confusion_matrix(labels: np.ndarray, predicted: np.ndarray, classes: int = 10) -> np.ndarray:
    """``(classes, classes)`` counts: row = true class, column = predicted class."""
    counts = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(counts, (np.asarray(labels), np.asarray(predicted)), 1)
    return counts


def confident_mistakes(labels: np.ndarray, probs: np.ndarray, count: int = 8) -> np.ndarray:
    """Indices of the ``count`` wrong predictions with the highest predicted probability."""
    predicted = probs.argmax(axis=1)
    wrong = np.flatnonzero(predicted != labels)
    confidence = probs[wrong, predicted[wrong]]
    return wrong[np.argsort(-confidence, kind="stable")[:count]]


def stepped(count: int, stride: int) -> list[int]:
    """Every ``stride``-th of ``count`` snapshots, always ending on the last one."""
    order = list(range(0, count, stride))
    return order if order[-1] == count - 1 else [*order, count - 1]


# ---------------------------------------------------------------------------
# The 3-D digit space: clusters through the stages, and over training
# ---------------------------------------------------------------------------


def _stage_detail(states: States, stage: int, pal: Palette) -> Text:
    """What a stage does to the 784-128-64-10 network's points, in words."""
    layer, kind = states.stages()[stage]
    dims = int(states["stage_dim"][stage])
    if kind == "input":
        words = f"{len(states['labels']):,} held-out digits, {dims} pixels each"
    elif kind == "linear":
        words = f"weights: {states.widths[layer]} numbers in, {dims} out"
    elif kind == "bias":
        words = f"add a bias to each of the {dims}"
    else:
        words = f"{states.activations[layer]} on each of the {dims} coordinates"
    return text(words, pal.ink, 22)


class DigitView(NetworkView):
    """A :class:`NetworkView` that centres each picture and fits most points, not the farthest.

    Wide linear stages throw a few digits far out (the 98th percentile of the distance
    from the centre is about 0.7 of the largest): fitting to it shrinks the rest to a blob.
    """

    reach_percentile = 98.0

    def _load(self, snapshot: int) -> None:
        # The PCA centre is the trained network's; early snapshots sit off it.
        # Centre every picture on its own cloud (a shift: distances unchanged).
        super()._load(snapshot)
        self.trace = self.trace - self.trace.mean(axis=1, keepdims=True)

    def scale_of(self, data: np.ndarray) -> float:
        reach = np.percentile(np.linalg.norm(data, axis=-1), self.reach_percentile)
        return self.fit / max(float(reach), 1e-6)


class _DigitSpace:
    """Mixin of the 3-D cluster scenes (with :class:`Scene3D`): camera, legend, dots facing
    the camera. Not a scene itself, so manim does not list it."""

    states_sources = (PRESET,)
    fit = 2.85  # the points fit a ball of this radius (scene units)
    radius = 0.026
    phi, theta = 68 * DEGREES, -62 * DEGREES  # starting camera
    rotation_rate = 0.05  # radians per second: a slow turn so the depth reads
    equation_size = 36  # a wide layer's W in R^(m x n) line at 0.85 of it: 10 px in the GIF

    def start(self, states: States, snapshot: int, stage: int) -> NetworkView:
        """Camera, legend, network line and the view at ``stage``; returns the view."""
        pal = self.pal
        self.set_camera_orientation(phi=self.phi, theta=self.theta)
        view = DigitView(states, snapshot=snapshot, center=ORIGIN, fit=self.fit,
                         radius=self.radius, pal=pal, fit_to="points")  # fmt: skip
        view.set_stage(stage)
        self.view = view
        self.add_updater(lambda dt: view.cloud.face(self.toward_camera()))
        keys = legend(DIGITS, pal, font_size=24).to_corner(DOWN + RIGHT, buff=0.45)
        widths = "-".join(str(w) for w in states.widths)
        net = text(f"network {widths}, {states.activations[0]}", pal.muted, 22)
        net.to_corner(DOWN + LEFT, buff=0.4)
        note = text("3-D: top 3 principal directions", pal.muted, 22)
        note.next_to(net, UP, buff=0.15, aligned_edge=LEFT)
        self.add_fixed_in_frame_mobjects(keys, net, note)
        self.caption = Caption(pal, anchor=np.array([-6.8, 3.7, 0.0]), font_size=30)
        self.equation = LayerEquation(states, pal, np.array([-6.8, 2.6, 0.0]), snapshot,
                                      font_size=self.equation_size, width=3.6)  # fmt: skip
        return view


class MnistClusters(_DigitSpace, Scene3D):
    """2,000 held-out digits through a 784-128-64-10 tanh network: the digits gather by kind.

    It ends on the view that separates the digits best (the stage whose shown
    points sit nearest their own digit's centre, the camera turned to spread
    the ten centres) and says which, with sentences computed from that picture.
    Every digit has a rider: its image on a ring around the cloud, a leader line
    to a typical point of its kind, so no rider covers the points.
    """

    title = "MNIST clusters"  # the gallery's heading

    poster_time = -1.0
    fit = 2.5  # a little smaller than the mixin's: the riders' ring goes around the cloud
    riders = tuple(range(10))  # digits whose image rides along (on the ring) with a point
    rider_height = 0.45
    ring = (4.1, 2.85)  # the riders' ring on the screen: half-width, half-height
    intro_seconds = 2.0
    caption_seconds = 0.5
    stage_seconds = 2.0
    pause_seconds = 0.5
    camera_seconds = 2.0
    final_seconds = 4.0
    max_stages: int | None = None  # stop after this many stages (short variants)

    def construct(self) -> None:
        states = self.states()
        pal = self.pal
        view = self.start(states, -1, 0)
        labels, trace = np.asarray(states["labels"]), np.asarray(states["trace"][-1])
        self.best, _ = best_stage(trace, labels, 10, list(range(1, view.n_stages)))

        # The riders: a typical digit of each kind (nearest its centre in the view the
        # scene ends on), on a ring around the cloud, a leader line to its point.
        self.rider_points = rider_indices(states, self.riders, self.best)
        self.tiles, self.leaders = self.make_riders(states)

        # Step 1: the digits as pixels, seen through the PCA of the 784-D input.
        with self.voiceover(
            "Two thousand unseen digits through a trained network. Each layer is shown through "
            "the three directions its points spread most, a principal component analysis. "
            "At the input, the digits are one tangled cloud."
        ):
            self.play(
                FadeIn(view.cloud),
                self.change_caption("input", _stage_detail(states, 0, pal)),
                run_time=self.intro_seconds,
            )
            self.add(*self.leaders)
            self.play(FadeIn(self.tiles), *[FadeIn(line) for line in self.leaders],
                      run_time=0.6 * self.intro_seconds)  # fmt: skip
            self.begin_ambient_camera_rotation(rate=self.rotation_rate)
            self.wait(self.pause_seconds)

        # Step 2: every stage to the output, the camera turning slowly.
        last = view.n_stages - 1
        shown = last if self.max_stages is None else min(last, self.max_stages)
        for t in range(1, shown + 1):
            with self.voiceover(layer_words(states, t)):
                caption = self.change_caption(states.stage_label(t), _stage_detail(states, t, pal))
                self.play(caption, self.change_equation(t), run_time=self.caption_seconds)
                self.play(view.make_stage_animation(t, run_time=self.stage_seconds))
                self.wait(self.pause_seconds)
        self.stop_ambient_camera_rotation()
        if shown < last:
            return

        # Step 3: the best-separated view, and what it shows.
        with self.voiceover("The digits gather into clusters, and look-alikes stay close."):
            self.show_best_view(states)
            self.wait(self.final_seconds)

    def make_riders(self, states: States) -> tuple[VGroup, list[VMobject]]:
        """Digit tiles on the ring and their leader lines, flat on the screen (not shown yet)."""
        pal = self.pal
        tiles = VGroup(*[digit_squares(states["inputs"][i], pal, pal.class_color(d),
                                       self.rider_height)
                         for d, i in zip(self.riders, self.rider_points, strict=True)])  # fmt: skip
        colors = [pal.class_color(d) for d in self.riders]
        leaders = ring_riders(self, tiles, self.view.cloud, self.rider_points, colors, self.ring,
                              avoid=self.text_boxes)  # fmt: skip
        self.remove(tiles, *leaders)
        return tiles, leaders

    def text_boxes(self) -> list[np.ndarray]:
        """``[x0, y0, x1, y1]`` of every text and formula on the screen now (the riders keep
        clear)."""
        boxes = []
        for part in text_units(self.mobjects):  # its points gathered once: this runs every frame
            points = part.get_all_points()
            if len(points):
                (x0, y0, _), (x1, y1, _) = points.min(0), points.max(0)
                boxes.append(np.array([x0, y0, x1, y1]))
        return boxes

    def show_best_view(self, states: States) -> None:
        """Back to the best-separated stage (if the output is not it), the camera turned to
        spread the centres; the caption says which view and what it shows."""
        pal, view, best = self.pal, self.view, self.best
        if view.stage != best:
            self.play(self.change_caption(states.stage_label(best),
                                          text("the stage that separates the digits best",
                                               pal.ink, 22)),
                      self.change_equation(best), run_time=self.caption_seconds)  # fmt: skip
            self.play(view.make_jump_animation(best, run_time=self.stage_seconds))
        labels = np.asarray(states["labels"])
        phi, theta = spread_view(centroids(view.trace[best], labels, 10))
        self.move_camera(phi=phi, theta=theta, run_time=self.camera_seconds)
        share, pairs = cluster_words(states, best, DIGITS)
        detail = VGroup(
            text(share, pal.ink, 22),
            text(pairs, pal.ink, 22),
            text("camera turned to spread the centres", pal.muted, 22),
        )
        detail.arrange(DOWN, aligned_edge=LEFT, buff=0.12)
        held = float(states["heldout_accuracy"][-1])
        score = self.fixed_text(text(f"held-out accuracy {100 * held:.1f}%", pal.ink, 24))
        score.to_corner(UP + RIGHT, buff=0.4)
        self.play(self.change_caption(f"best view: {states.stage_label(best)}", detail),
                  self.change_equation(), FadeIn(score), run_time=1.0)  # fmt: skip


class MnistClustersTraining(_DigitSpace, Scene3D):
    """The last hidden layer's view of 2,000 digits while training: a cloud splits into ten."""

    title = "MNIST clusters while training"  # the gallery's heading

    poster_time = -1.0
    intro_seconds = 1.5
    snapshot_seconds = 0.45
    final_seconds = 3.0
    snapshot_stride = 1

    def construct(self) -> None:
        states = self.states()
        pal = self.pal
        stage = states.stage_index(states.n_layers - 2, "activation")
        view = self.start(states, 0, stage)

        def status(snapshot: int) -> Text:
            held = states["heldout_accuracy"][snapshot]
            body = (f"step      {int(states['steps'][snapshot]):>5d}\n"
                    f"held-out  {100 * float(held):5.1f}%")  # fmt: skip
            out = text(body, pal.ink, 22, mono=True).to_corner(UP + RIGHT, buff=0.4)
            return self.fixed_text(out)

        # Step 1: the untrained network's picture of the digits.
        info = status(0)
        act = states.activations[-2]
        caption = self.change_caption("last hidden layer while training",
                                      text(f"{states.widths[-2]} {act} neurons, seen in 3-D",
                                           pal.ink, 22))  # fmt: skip
        self.play(FadeIn(view.cloud), FadeIn(info), caption, run_time=self.intro_seconds)
        self.begin_ambient_camera_rotation(rate=self.rotation_rate)

        # Step 2: snapshot after snapshot (log-spaced steps: early change is fast).
        for snapshot in stepped(states.n_snapshots, self.snapshot_stride)[1:]:
            new_info = status(snapshot)
            self.remove(info)
            self.add(new_info)
            info = new_info
            self.play(view.make_snapshot_animation(snapshot), run_time=self.snapshot_seconds,
                      rate_func=lambda t: t)  # fmt: skip
        self.wait(self.final_seconds)
        self.stop_ambient_camera_rotation()


# ---------------------------------------------------------------------------
# Templates: the 784-10 network's weights, rolled into images
# ---------------------------------------------------------------------------


class MnistTemplates(StatesScene, Scene):
    """A 784-10 network's weights, one 28 x 28 image per digit, turning into blurry digits."""

    title = "MNIST templates"  # the gallery's heading

    states_sources = (TEMPLATES,)
    poster_time = -1.0
    tile = 1.62  # template height (scene units)
    gap = 0.28
    grid_left = -6.8  # left edge of the 2 x 5 block of templates
    resampling = "bilinear"  # the templates drawn smooth: a blurry digit, not 784 squares
    label_size = 22  # the chart's and the key's labels: 10.5 px digits in the 640 px GIF
    intro_seconds = 1.5
    snapshot_seconds = 0.3
    final_seconds = 2.5  # after the last snapshot's 0.3 s: under 3 s of one picture
    snapshot_stride = 1

    def setup(self) -> None:
        self.pal = apply_theme(self)

    def construct(self) -> None:
        states = self.states()
        pal = self.pal
        weights = np.asarray(states["W0"])  # (S, 10, 784)
        held = np.asarray(states["heldout_accuracy"])  # (S,)
        steps = np.asarray(states["steps"])  # (S,)

        # Step 1: the layout: ten templates, their digits, the colour key, the score.
        title = text("the weights into each output neuron, rolled into 28 x 28", pal.ink, 28)
        title.to_edge(UP, buff=0.35).to_edge(LEFT, buff=0.5)
        self.templates = Group()
        names = VGroup()
        pitch = self.tile + self.gap
        for d in range(10):
            row, col = divmod(d, 5)
            centre = np.array([self.grid_left + self.tile / 2 + col * pitch,
                               1.25 - row * (pitch + 0.3), 0.0])  # fmt: skip
            image = image_mobject(template_rgba(weights[0, d], pal), self.tile, self.resampling)
            image.move_to(centre)
            self.templates.add(image)
            names.add(text(f"{d}", pal.ink, 26).next_to(image, DOWN, buff=0.1))
        panel_x = self.grid_left + 5 * pitch + 0.2
        key = self._colour_key().move_to([panel_x, -2.2, 0], aligned_edge=LEFT)
        chart = AccuracyChart(pal, steps, held, width=2.6, height=1.7, font_size=self.label_size)
        chart.move_to([panel_x + 0.3, 0.55, 0], aligned_edge=LEFT)
        self.chart = chart

        def status(snapshot: int) -> Text:
            body = (f"step      {int(steps[snapshot]):>5d}\n"
                    f"held-out  {100 * float(held[snapshot]):5.1f}%")  # fmt: skip
            out = text(body, pal.ink, 22, mono=True)
            return out.move_to([panel_x, 2.75, 0], aligned_edge=UP + LEFT)

        info = status(0)
        self.add(title, names)
        self.play(FadeIn(self.templates), FadeIn(key), FadeIn(chart), FadeIn(info),
                  run_time=self.intro_seconds)  # fmt: skip
        self.wait(0.5)

        # Step 2: training, snapshot by snapshot: noise becomes blurry digits.
        for snapshot in stepped(states.n_snapshots, self.snapshot_stride)[1:]:
            for d, image in enumerate(self.templates):
                image.pixel_array = template_rgba(weights[snapshot, d], pal)
            chart.show_until(snapshot)
            new_info = status(snapshot)
            self.remove(info)
            self.add(new_info)
            info = new_info
            self.wait(self.snapshot_seconds)
        self.wait(self.final_seconds)

    def _colour_key(self) -> Group:
        """A bar from the most negative to the most positive weight, labelled."""
        pal = self.pal
        ramp = template_rgba(np.tile(np.linspace(-1, 1, SIDE), SIDE), pal)  # (28, 28, 4)
        bar = image_mobject(ramp[:1].repeat(4, axis=0), 0.22)
        bar.stretch_to_fit_width(3.3)
        size = self.label_size
        low = text("negative", pal.muted, size).next_to(bar, DOWN, buff=0.1, aligned_edge=LEFT)
        high = text("positive", pal.muted, size).next_to(bar, DOWN, buff=0.1, aligned_edge=RIGHT)
        zero = text("0", pal.muted, size).next_to(bar, DOWN, buff=0.1)
        head = text("weight (each image scaled\nto its own largest)", pal.muted, size)
        head.next_to(bar, UP, buff=0.15, aligned_edge=LEFT)
        return Group(head, bar, low, zero, high)


# ---------------------------------------------------------------------------
# Mistakes: the confusion matrix, then the most confident errors
# ---------------------------------------------------------------------------


class MnistMistakes(StatesScene, Scene):
    """Where the trained network goes wrong: the confusion matrix, then its surest mistakes."""

    title = "MNIST mistakes"  # the gallery's heading

    states_sources = (PRESET,)
    poster_time = -1.0
    cell = 0.62  # a 4-digit count at font size 20 (9 px digits in the 640 px GIF) fits
    matrix_centre = np.array([-3.0, -0.8, 0.0])
    mistakes = 6
    mistake_columns = 3  # their captions at font size 20 need a 2-unit column
    tile = 1.15
    intro_seconds = 1.5
    counts_seconds = 1.5
    pause_seconds = 1.5
    mistakes_seconds = 2.0
    final_seconds = 3.0

    def setup(self) -> None:
        self.pal = apply_theme(self)

    def construct(self) -> None:
        states = self.states()
        pal = self.pal
        images, labels, probs = heldout_probabilities(states)
        predicted = probs.argmax(axis=1)
        counts = confusion_matrix(labels, predicted)
        self.counts, self.labels, self.probs = counts, labels, probs
        accuracy = np.trace(counts) / counts.sum()

        # Step 1: the empty matrix: true digit down the side, predicted along the top.
        title = text(f"{counts.sum():,} held-out digits", pal.ink, 28)
        title.to_corner(UP + LEFT, buff=0.35)
        cells, numbers = self._matrix(counts)
        self.cells = cells
        self.add(title)
        self.play(Create(cells[0]), FadeIn(cells[1]), run_time=self.intro_seconds)

        # Step 2: the counts; the diagonal holds the right answers.
        score = text(f"accuracy {100 * accuracy:.1f}%", pal.ink, 28)
        score.next_to(title, RIGHT, buff=0.5)
        self.play(FadeIn(cells[2]), FadeIn(numbers), FadeIn(score), run_time=self.counts_seconds)
        self.wait(self.pause_seconds)

        # Step 3: the most confident mistakes, with their true and predicted digits.
        chosen = confident_mistakes(labels, probs, self.mistakes)
        self.chosen = chosen
        panel = self._mistakes_panel(images, labels, probs, chosen)
        self.panel = panel
        marks = VGroup()  # each shown mistake's cell, outlined (true row, predicted column)
        for r, col in sorted({(int(labels[i]), int(probs[i].argmax())) for i in chosen}):
            marks.add(Rectangle(width=self.cell, height=self.cell, stroke_color=pal.accent,
                                stroke_width=3).move_to(self.cell_centre(r, col)))  # fmt: skip
        self.marks = marks
        self.play(FadeIn(panel, lag_ratio=0.1), Create(marks), run_time=self.mistakes_seconds)
        self.wait(self.final_seconds)

    def cell_centre(self, row: int, col: int) -> np.ndarray:
        """Scene position of the confusion matrix's cell (true ``row``, predicted ``col``)."""
        return self.matrix_centre + self.cell * np.array([col - 4.5, 4.5 - row, 0.0])

    def _matrix(self, counts: np.ndarray) -> tuple[list[VMobject], VGroup]:
        """Grid lines, axis labels, shaded cells and the numbers of the confusion matrix."""
        pal, c = self.pal, self.cell
        n = len(counts)
        left_top = self.matrix_centre + np.array([-n * c / 2, n * c / 2, 0])

        def at(x: float, y: float) -> np.ndarray:  # offsets from the matrix's top-left corner
            return left_top + np.array([x, y, 0.0])

        lines = VMobject(stroke_color=pal.grid, stroke_width=1)
        for k in range(n + 1):
            lines.start_new_path(at(k * c, 0))
            lines.add_line_to(at(k * c, -n * c))
            lines.start_new_path(at(0, -k * c))
            lines.add_line_to(at(n * c, -k * c))
        axis_labels = VGroup()
        for k in range(n):
            axis_labels.add(text(str(k), pal.class_color(k), 20).move_to(
                at(-0.3, -(k + 0.5) * c)))  # fmt: skip
            axis_labels.add(text(str(k), pal.class_color(k), 20).move_to(
                at((k + 0.5) * c, 0.28)))  # fmt: skip
        true_label = text("true digit", pal.muted, 20).rotate(90 * DEGREES)
        true_label.move_to(at(-0.7, -n * c / 2))
        said_label = text("predicted digit", pal.muted, 20)
        said_label.move_to(at(n * c / 2, 0.66))
        axis_labels.add(true_label, said_label)

        right_share = np.diag(counts) / np.maximum(counts.sum(axis=1), 1)
        off = counts - np.diag(np.diag(counts))
        shades, numbers = VGroup(), VGroup()
        for r in range(n):
            for col in range(n):
                if counts[r, col] == 0:
                    continue
                centre = self.cell_centre(r, col)
                if r == col:
                    color, strength = pal.classes[2], 0.25 + 0.5 * right_share[r]
                else:  # square root: a handful of confusions should still show
                    color = pal.classes[3]
                    strength = 0.85 * np.sqrt(counts[r, col] / max(off.max(), 1))
                shades.add(Rectangle(width=c, height=c, stroke_width=0, fill_color=color,
                                     fill_opacity=float(strength)).move_to(centre))  # fmt: skip
                numbers.add(text(str(counts[r, col]), pal.ink, 20, mono=True).move_to(centre))
        return [lines, axis_labels, shades], numbers

    def _mistakes_panel(self, images, labels, probs, chosen) -> Group:
        """The chosen mistakes as digit tiles, true and predicted labels under each."""
        pal = self.pal
        head = text("its most confident mistakes", pal.ink, 26)
        items = Group()
        for i in chosen:
            said = int(probs[i].argmax())
            tile = digit_tile(images[i], pal, pal.class_color(said), self.tile)
            caption = VGroup(
                text(f"true {labels[i]}", pal.class_color(int(labels[i])), 20),
                text(f"said {said}", pal.class_color(said), 20),
                text(f"{100 * probs[i, said]:.1f}% sure", pal.muted, 20),
            ).arrange(DOWN, buff=0.06)
            items.add(Group(tile, caption.next_to(tile, DOWN, buff=0.1)))
        items.arrange_in_grid(cols=self.mistake_columns, buff=(0.45, 0.3))
        panel = Group(head, items).arrange(DOWN, buff=0.35)
        matrix_right = self.matrix_centre[0] + 5 * self.cell
        space = 7.1 - matrix_right
        return panel.move_to([matrix_right + space / 2 + 0.1, -0.1, 0.0])
