"""Two spirals through a trained 2-2-2-2-2-2 tanh network: stages, boundary, training.

Run from the repo root: ``manim -qh scenes/spirals.py SpiralsStretching``. The
states are the ``spirals2d`` preset's (trained and cached on the first run);
each scene is one of the library's storyboards with the spirals' knobs.
"""

from __future__ import annotations

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, Create, FadeIn, FadeOut, Scene, VGroup

from model.sources import Preset
from model.states import States
from scenes.lib import (
    BoundaryOverTraining,
    Narrated,
    NetworkDiagram,
    PanelsOverTraining,
    PointCloud,
    StageByStage,
    StageByStage3D,
    StatesScene,
    Viewport,
    apply_theme,
    class_image,
    labelled,
    matrix,
    network_text,
    text,
)

__all__ = [
    "Spirals3DTraining",
    "SpiralsBoundary",
    "SpiralsNetworkTraining",
    "SpiralsStretching",
    "SpiralsTraining",
    "TwoToTwo",
]

PRESET = "spirals2d"
CLASS_NAMES = ("spiral A", "spiral B")


class SpiralsStretching(StageByStage):
    """The trained network bends the plane, stage by stage, until a line separates the spirals."""

    title = "Spirals, stage by stage"  # the gallery's heading

    states_sources = (Preset(PRESET),)
    class_names = CLASS_NAMES
    poster_time = -2.0
    say_input = (
        "Back to the spirals, and a trained network whose layers are all two neurons wide, "
        "so every layer maps the plane to the plane, and we can watch it."
    )
    say_layers = True
    say_output = (
        "By the last hidden layer the two spirals lie apart, and the output layer only draws a "
        "straight line between them. Affine maps and squeezes, one after another: "
        "that is the whole trick."
    )


class SpiralsBoundary(BoundaryOverTraining):
    """The input-space decision boundary over training, with the points on top."""

    title = "Spirals: the decision boundary while training"  # the gallery's heading

    states_sources = (Preset(PRESET),)
    class_names = CLASS_NAMES
    poster_time = -1.0


class SpiralsTraining(PanelsOverTraining):
    """Every stage's output in its own panel, all evolving together while the network trains."""

    title = "Spirals: every stage while training"  # the gallery's heading

    states_sources = (Preset(PRESET),)
    class_names = CLASS_NAMES
    poster_time = -1.0
    say_training = (
        "Here is every stage at once, while the network trains. At first the layers barely "
        "move the points; then, step by step, they learn to unroll the spirals together."
    )
    say_trained = "Trained, each stage pulls the two colours a little further apart."


def _weight_keys(pal) -> VGroup:
    """``positive weight`` / ``negative weight`` in the diagram's edge colours."""
    return VGroup(
        text("positive weight", pal.classes[1], 20), text("negative weight", pal.classes[0], 20)
    ).arrange(RIGHT, buff=0.5)


class SpiralsNetworkTraining(Narrated, StatesScene, Scene):
    """The whole network as neurons and edges beside its decision boundary, both while it trains."""

    title = "Spirals, the network while it trains"

    states_sources = (Preset(PRESET),)
    poster_time = -1.0
    diagram_center = np.array([-3.3, 0.0, 0.0])
    plot_center = np.array([3.5, -0.2, 0.0])
    plot_half = 2.6
    snapshot_stride = 1
    snapshot_seconds = 0.2
    final_seconds = 2.5
    region_opacity = 0.4

    def setup(self) -> None:
        self.pal = apply_theme(self)

    def construct(self) -> None:
        states = self.states()
        pal = self.pal

        # Step 1: the network with its first (untrained) weights, the data over its guess.
        diagram = NetworkDiagram(states.widths, pal, height=3.0, layer_gap=1.05)
        diagram.move_to(self.diagram_center)
        names = ["x, y"] + [f"{k}" for k in range(1, states.n_layers)] + ["out"]
        labels = diagram.layer_labels(names)
        keys = _weight_keys(pal).next_to(labels, DOWN, buff=0.35)
        title = text("the whole network, while it trains", pal.ink, 32).to_edge(UP, buff=0.35)
        net = text(network_text(states), pal.muted, 20).next_to(title, DOWN, buff=0.12)
        xmin, xmax, ymin, ymax = (float(v) for v in states["grid_extent"])
        scale = 2 * self.plot_half / max(xmax - xmin, ymax - ymin)
        mid = np.array([(xmin + xmax) / 2, (ymin + ymax) / 2])
        self.viewport = Viewport(self.plot_center - scale * np.array([*mid, 0.0]), scale)
        self.plot_size = (scale * (xmax - xmin), scale * (ymax - ymin), mid)
        cloud = PointCloud(
            self.viewport.to_scene(states["inputs"]), states["labels"], pal.classes, radius=0.028
        )
        self.diagram, self.shown = diagram.set_weights(states.weights(0)), 0
        image, info = self.regions(states, 0), self.status(states, 0)
        self.add(title, net, keys, labels, info)
        with self.voiceover(
            "Two spirals, tangled into each other. A network takes the x and y of a point "
            "and says which spiral it belongs to."
        ):
            self.play(Create(diagram), FadeIn(image), FadeIn(cloud), run_time=1.5)

        # Step 2: every snapshot: the edges take its weights, the boundary its guess.
        snapshots = list(range(1, states.n_snapshots, self.snapshot_stride))
        if snapshots[-1] != states.n_snapshots - 1:
            snapshots.append(states.n_snapshots - 1)
        with self.voiceover(
            "As it trains, its weights change, and the boundary it draws between the colours "
            "curls until it follows the spirals. It works. But what is it doing inside?"
        ):
            for snapshot in snapshots:
                self.remove(image, info)
                diagram.set_weights(states.weights(snapshot))
                self.shown = snapshot
                image, info = self.regions(states, snapshot), self.status(states, snapshot)
                self.add(image, info)
                self.bring_to_back(image)
                self.wait(self.snapshot_seconds)
            self.wait(self.final_seconds)

    def regions(self, states: States, snapshot: int):
        """The states' own ``grid_pred`` of a snapshot as an image over the plot square."""
        width, height, mid = self.plot_size
        image = class_image(
            states["grid_pred"][snapshot], self.pal.classes, opacity=self.region_opacity
        )
        image.stretch_to_fit_width(width).stretch_to_fit_height(height)
        return image.move_to(self.viewport.to_scene(mid))

    def status(self, states: States, snapshot: int):
        """Step and accuracy under the plot."""
        words = (
            f"step {int(states['steps'][snapshot]):>5d}   "
            f"accuracy {100 * float(states['accuracy'][snapshot]):5.1f}%"
        )
        out = text(words, self.pal.ink, 22, mono=True)
        return out.next_to(self.plot_center + self.plot_half * DOWN, DOWN, buff=0.12)


class TwoToTwo(Narrated, StatesScene, Scene):
    """The 2 -> 2 bottleneck: the spirals network's first layer, its real weights on the edges."""

    title = "The two-neuron bottleneck"

    states_sources = (Preset(PRESET),)
    poster_time = -1.0
    layer = 0  # which layer of the trained network is drawn

    def setup(self) -> None:
        self.pal = apply_theme(self)

    def construct(self) -> None:
        states = self.states()
        pal = self.pal
        weight = states.weights(-1)[self.layer]  # (2, 2), torch layout: out x in

        # Step 1: two neurons in, two out: a point of the plane goes to a point of the plane.
        diagram = NetworkDiagram((2, 2), pal, height=3.0, layer_gap=3.4)
        diagram.shift(2.6 * LEFT + 0.3 * DOWN)
        names = zip(("x", "y"), diagram.neurons[0], strict=True)
        new_names = zip(("new x", "new y"), diagram.neurons[1], strict=True)
        inputs = VGroup(*[text(n, pal.ink, 26).next_to(c, LEFT, buff=0.25) for n, c in names])
        outputs = VGroup(*[text(n, pal.ink, 26).next_to(c, RIGHT, buff=0.25) for n, c in new_names])
        title = text("2 neurons in, 2 out", pal.ink, 34).to_edge(UP, buff=0.3)
        self.add(title)
        with self.voiceover(
            "So keep just two neurons. Two numbers in, two numbers out: the layer moves a point "
            "of the plane to another point of the same plane, and that we can draw."
        ):
            self.play(FadeIn(diagram), FadeIn(inputs), FadeIn(outputs), run_time=1.5)

        # Step 2: the trained weights on the edges, and the same numbers as a matrix.
        self.diagram = diagram.set_weights([weight])
        shown = labelled(f"W_{{{self.layer + 1}}}", matrix(weight, pal.ink, digits=2), pal.ink)
        shown.move_to([3.6, 0.6, 0.0])
        note = text(f"layer {self.layer + 1} of the trained\nspirals network", pal.muted, 22)
        note.next_to(shown, DOWN, buff=0.4)
        keys = _weight_keys(pal).to_edge(DOWN, buff=0.4)
        with self.voiceover(
            "These are the trained weights of the spirals network's first layer. "
            "The same four numbers, in a grid, make a two by two matrix."
        ):
            self.play(FadeIn(shown), FadeIn(note), FadeIn(keys), run_time=1.5)
            self.wait(2.5)


class Spirals3DTraining(StageByStage3D):
    """Three neurons per layer: the spirals in a turning 3-D camera, then replayed over training."""

    title = "Spirals, three neurons per layer, in 3-D"

    states_sources = (Preset("spirals3d"),)
    class_names = CLASS_NAMES
    poster_time = -1.0
    say_input = "The spirals again, now through a network three neurons wide."
    say_layers = True
    say_output = (
        "With room in a third dimension, a flat plane separates the spirals. "
        "And here is that last hidden space again, over the whole of training."
    )
    final_seconds = 1.0
    snapshot_stride = 2
    snapshot_seconds = 0.15
    replay_seconds = 2.0

    def show_output(self, states: States) -> None:
        """Steps 3-5: the plane; then it goes and the last hidden space replays training."""
        super().show_output(states)
        self.wait(self.final_seconds)
        view, pal = self.view, self.pal
        detail = text("the last hidden layer, from the\nfirst snapshot to the last", pal.ink, 22)
        self.play(FadeOut(self.plane), self.change_caption("while it trained", detail),
                  self.change_equation())  # fmt: skip
        self.play(view.make_snapshot_animation(0, run_time=1.0))
        snapshots = list(range(1, states.n_snapshots, self.snapshot_stride))
        if snapshots[-1] != states.n_snapshots - 1:
            snapshots.append(states.n_snapshots - 1)
        for snapshot in snapshots:
            self.play(view.make_snapshot_animation(snapshot, run_time=self.snapshot_seconds),
                      rate_func=lambda t: t)  # fmt: skip
        self.shown_snapshot = snapshots[-1]
        self.wait(self.replay_seconds)
