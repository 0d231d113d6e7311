"""Two spirals through a trained 2-2-2-2-2-2 tanh network: stages, boundary, training.

Run from the repo root: ``manim -qh scenes/spirals.py SpiralsStretching``. The
states are the ``spirals2d`` preset's (trained and cached on the first run);
each scene is one of the library's storyboards with the spirals' knobs.
"""

from __future__ import annotations

import ast

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Circumscribe,
    Code,
    Create,
    FadeIn,
    FadeOut,
    LaggedStart,
    Scene,
    SurroundingRectangle,
    VGroup,
)

from model.paths import REPO_ROOT
from model.sources import Preset
from model.states import States
from scenes.lib import (
    MONO,
    BoundaryOverTraining,
    Narrated,
    NetworkDiagram,
    PanelsOverTraining,
    PointCloud,
    StageByStage,
    StageByStage3D,
    StatesScene,
    Viewport,
    activation_tex,
    apply_theme,
    formula,
    input_regions,
    labelled,
    matrix,
    network_text,
    paced,
    spoken_count,
    text,
)

__all__ = [
    "Spirals3DTraining",
    "SpiralsBoundary",
    "SpiralsCode",
    "SpiralsNetworkTraining",
    "SpiralsOpening",
    "SpiralsStretching",
    "SpiralsTakeaway",
    "SpiralsTraining",
    "TwoToTwo",
    "code_block",
    "model_source",
]

PRESET = "spirals2d"
CLASS_NAMES = ("spiral A", "spiral B")
MODEL_FILE = REPO_ROOT / "model" / "train.py"  # where the networks are built
CODE_STYLES = {"dark": "monokai", "light": "friendly"}  # monokai's white ink vanishes on white


def model_source(name: str = "build_mlp") -> str:
    """The source of the function ``name`` in ``model/train.py`` without its docstring, read
    from the file (not imported: scenes stay clear of torch), so the code on screen is the
    code that trains."""
    code = MODEL_FILE.read_text(encoding="utf-8")
    for node in ast.parse(code).body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            lines = code.splitlines()[node.lineno - 1 : node.end_lineno]
            if ast.get_docstring(node) is not None:  # the docstring is the body's first node
                doc = node.body[0]
                del lines[doc.lineno - node.lineno : doc.end_lineno - node.lineno + 1]
            return "\n".join(lines)
    raise LookupError(f"no function {name!r} in {MODEL_FILE}")


def code_block(code: str, pal) -> Code:
    """Python ``code`` as manim's ``Code``, highlighted in the theme's Pygments style
    (:data:`CODE_STYLES`) on the theme's background."""
    back = {"stroke_color": pal.muted, "fill_color": pal.background}
    return Code(code_string=code, language="python", formatter_style=CODE_STYLES[pal.name],
                add_line_numbers=False, paragraph_config={"font": MONO},
                background_config=back)  # fmt: skip


def _plot(center: np.ndarray, half: float, states: States) -> Viewport:
    """A viewport that fits the states' grid extent into the square ``center +- half``."""
    xmin, xmax, ymin, ymax = (float(v) for v in states["grid_extent"])
    scale = 2 * half / max(xmax - xmin, ymax - ymin)
    mid = np.array([(xmin + xmax) / 2, (ymin + ymax) / 2, 0.0])
    return Viewport(center - scale * mid, scale)


class SpiralsOpening(Narrated, StatesScene, Scene):
    """The opening: two spirals of points, one per class; the task is to separate them."""

    title = "Two spirals: separate them"  # the gallery's heading

    states_sources = (Preset(PRESET),)
    poster_time = -1.0
    plot_center = np.array([-2.6, -0.3, 0.0])
    plot_half = 3.2
    arm_seconds = 1.5
    final_seconds = 2.5

    def setup(self) -> None:
        self.pal = apply_theme(self)

    def construct(self) -> None:
        states = self.states()
        pal = self.pal
        view = _plot(self.plot_center, self.plot_half, states)
        points, labels = states["inputs"], states["labels"]
        column = self.plot_center[0] + self.plot_half + 0.7  # the texts' left edge

        # Step 1: the points of one spiral, then of the other.
        title = text("two spirals", pal.ink, 40)
        title.move_to([column, 2.4, 0.0], aligned_edge=LEFT)
        self.add(title)
        with self.voiceover("Here are two spirals of points, wound around each other.") as line:
            for k, name in enumerate(CLASS_NAMES):
                arm = PointCloud(view.to_scene(points[labels == k]), np.full(int((labels == k)
                                 .sum()), k), pal.classes, radius=0.04)  # fmt: skip
                key = text(name, pal.class_color(k), 30)
                key.move_to([column, 1.5 - 0.6 * k, 0.0], aligned_edge=LEFT)
                self.play(FadeIn(arm, lag_ratio=0.01), FadeIn(key, shift=0.2 * UP),
                          run_time=max(self.arm_seconds, 0.45 * line.duration))  # fmt: skip

        # Step 2: the task, and the boundary the trained network draws.
        task = text("separate them", pal.highlight, 36)
        task.move_to([column, 0.0, 0.0], aligned_edge=LEFT)
        with self.voiceover(
            "The task: separate them, and tell which spiral each point is on."
        ) as line:
            self.play(FadeIn(task, shift=0.2 * UP), run_time=max(1.0, 0.6 * line.duration))
        box = tuple(float(v) for v in states["grid_extent"])
        image = input_regions(states, -1, view, box, pal.classes, opacity=0.35)
        self.add(image)
        self.bring_to_back(image)
        image.set_fill(opacity=0.0)  # it fades in to its 0.35, behind the points
        note = text("a trained network's\nanswer: a boundary\nbent around both arms",
                    pal.muted, 26)  # fmt: skip
        note.move_to([column, -1.5, 0.0], aligned_edge=LEFT)
        with self.voiceover(
            "That means drawing a boundary between the colours, and it has to bend a lot."
        ) as line:
            self.play(image.animate.set_fill(opacity=0.35), run_time=max(1.5, 0.7 * line.duration))
        with self.voiceover(
            "Here is one a trained network draws. But how does it find it?"
        ) as line:
            self.play(FadeIn(note, shift=0.2 * UP), run_time=max(1.0, 0.6 * line.duration))
            self.wait(self.final_seconds)  # the hold, inside: the voice ends in it


class SpiralsCode(Narrated, StatesScene, Scene):
    """The spirals network's PyTorch code, read from the project's own ``model/train.py``,
    over a picture of the network that its call builds."""

    title = "The spirals network in PyTorch"  # the gallery's heading

    states_sources = (Preset(PRESET),)
    poster_time = -1.0
    code_width = 12.4  # scene units: the code block's width (the longest line sets its scale)
    diagram_height = 1.0  # the network's picture under the code: its columns' height
    final_seconds = 2.0

    def setup(self) -> None:
        self.pal = apply_theme(self)

    def construct(self) -> None:
        states = self.states()
        pal = self.pal
        widths, act = states.widths, states.activations[0]
        layers = len(widths) - 1

        # Step 1: the function that builds every network of the project.
        title = text("the network in PyTorch", pal.ink, 36).to_edge(UP, buff=0.3)
        self.add(title)
        call = f"model = build_mlp({list(widths)}, {act!r})"
        code = code_block(f"{model_source()}\n\n{call}\n", pal)
        code.scale_to_fit_width(self.code_width).next_to(title, DOWN, buff=0.3)
        with self.voiceover(
            "Here is the code that builds the network, from this project's own files."
        ) as line:
            self.play(FadeIn(code, shift=0.2 * UP), run_time=max(1.5, 0.7 * line.duration))

        # Step 2: the call for the spirals, and the network it makes: a column per width.
        gap = min(2.4, 11.0 / layers)
        diagram = NetworkDiagram(widths, pal, height=self.diagram_height, layer_gap=gap)
        diagram.next_to(code, DOWN, buff=0.85)
        diagram.edges.set_stroke(pal.class_color(0), width=2.0, opacity=0.6)  # the Linear's colour
        ends = VGroup(*[text(name, pal.ink, 24).next_to(column, DOWN, buff=0.2)
                        for name, column in (("x, y", diagram.neurons[0]),
                                             ("out", diagram.neurons[-1]))])  # fmt: skip
        last = SurroundingRectangle(code.code_lines[-1], color=pal.highlight, buff=0.06)
        same = len(set(widths)) == 1
        sizes = (f"each {spoken_count(widths[0])} wide" if same
                 else "of " + ", ".join(str(w) for w in widths))  # fmt: skip
        with self.voiceover(
            f"Its last line asks for {spoken_count(len(widths))} columns of neurons, {sizes}."
        ) as line:
            self.play(Create(last), run_time=0.8)
            self.play(LaggedStart(*[FadeIn(c, scale=0.5) for c in diagram.neurons], lag_ratio=0.3),
                      FadeIn(ends), run_time=max(1.5, 0.6 * line.duration))  # fmt: skip

        # Step 3: a linear layer between every two columns.
        mids = [(diagram.centers[k].mean(0) + diagram.centers[k + 1].mean(0)) / 2
                for k in range(layers)]  # fmt: skip
        top = diagram.get_top()[1] + 0.3
        linear = VGroup(*[text("Linear", pal.class_color(0), 22, mono=True).move_to([m[0], top, 0])
                          for m in mids])  # fmt: skip
        with self.voiceover(
            f"Between every two columns, a linear layer: {spoken_count(layers)} in all."
        ) as line:
            self.play(LaggedStart(*[Create(e) for e in diagram.edges], lag_ratio=0.4),
                      LaggedStart(*[FadeIn(w) for w in linear], lag_ratio=0.4),
                      run_time=max(1.5, 0.7 * line.duration))  # fmt: skip

        # Step 4: the activation on every hidden column.
        bends = VGroup(*[text(act, pal.highlight, 24, mono=True).next_to(c, DOWN, buff=0.2)
                         for c in diagram.neurons[1:-1]])  # fmt: skip
        with self.voiceover(f"And after each of them but the last, a {act}.") as line:
            self.play(LaggedStart(*[FadeIn(b, shift=0.15 * UP) for b in bends], lag_ratio=0.3),
                      *[c.animate.set_stroke(pal.highlight) for c in diagram.neurons[1:-1]],
                      run_time=max(1.2, 0.7 * line.duration))  # fmt: skip
            self.wait(self.final_seconds)  # the hold, inside: the voice ends in it
        self.code, self.diagram = code, diagram


class SpiralsTakeaway(Narrated, StatesScene, Scene):
    """The closing takeaway: every layer is an affine map, then a non-linear one."""

    title = "Affine, then non-linear"  # the gallery's heading

    states_sources = (Preset(PRESET),)
    poster_time = -1.0
    line_seconds = 0.8
    final_seconds = 2.5

    def setup(self) -> None:
        self.pal = apply_theme(self)

    def construct(self) -> None:
        states = self.states()
        pal = self.pal
        act = states.activations[0]
        affine, bend = pal.class_color(0), pal.highlight

        # Step 1: the network, layer by layer: an affine map (W h + b), then tanh.
        title = text("affine, then non-linear", pal.ink, 40).to_edge(UP, buff=0.4)
        self.add(title)
        rows, affine_terms, bend_terms = [], [], []
        for k in range(1, states.n_layers + 1):
            h_in = "x" if k == 1 else f"h_{{{k - 1}}}"
            if k < states.n_layers:
                row = formula(f"h_{{{k}}}", "=", f"{activation_tex(act)}(",
                              f"W_{{{k}}} {h_in} + b_{{{k}}}", ")", color=pal.ink,
                              font_size=38)  # fmt: skip
                bend_terms += [row[2], row[4]]
            else:
                row = formula("y", "=", f"W_{{{k}}} {h_in} + b_{{{k}}}", color=pal.ink,
                              font_size=38)  # fmt: skip
            affine_terms.append(row.submobjects[2 if k == states.n_layers else 3])
            rows.append(row)
        for term in affine_terms:
            term.set_color(affine)
        for term in bend_terms:
            term.set_color(bend)
        chain = VGroup(*rows).arrange(DOWN, aligned_edge=LEFT, buff=0.22)
        chain.move_to([-2.4, -0.3, 0.0])
        with self.voiceover(
            "Step back, and the whole network is one move, repeated layer after layer."
        ) as line:
            each = max(self.line_seconds, 0.8 * line.duration / len(rows))
            for row in rows:
                self.play(FadeIn(row, shift=0.2 * RIGHT), run_time=each)

        # Step 2: the two words beside it, in the colours of their terms, as each is said.
        keys = VGroup(
            text("affine: stretch, turn, shift", affine, 28),
            text(f"non-linear: {act} bends", bend, 28),
            text("last: a straight line\nseparates the classes", pal.muted, 26),
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.45)
        keys.next_to(chain, RIGHT, buff=0.8)
        said = (
            ("First an affine map, W h plus b: it stretches, turns and shifts the space.",
             affine_terms),
            (f"Then {act} bends it, which no affine map can do.", bend_terms[::2]),  # its name
            ("At the end, one straight line separates the two classes.", [rows[-1]]),
        )  # fmt: skip
        for key, (words, terms) in zip(keys, said, strict=True):
            with self.voiceover(words) as line:
                rings = [Circumscribe(t, color=key.get_color(), buff=0.06, fade_out=True)
                         for t in terms]  # fmt: skip
                self.play(FadeIn(key, shift=0.2 * LEFT), *rings,
                          run_time=max(1.2, 0.6 * line.duration))  # fmt: skip

        # Step 3: the principle, said once more over the whole.
        with self.voiceover(
            "Affine, then non-linear, over and over: the principle behind neural networks."
        ) as line:
            self.play(Circumscribe(title, color=bend, fade_out=True),
                      run_time=max(1.5, 0.6 * line.duration))  # fmt: skip
            self.wait(self.final_seconds)  # the hold, inside: the voice ends in it


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
        "straight line between them."
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
        self.viewport = _plot(self.plot_center, self.plot_half, states)
        cloud = PointCloud(
            self.viewport.to_scene(states["inputs"]), states["labels"], pal.classes, radius=0.028
        )
        self.diagram, self.shown = diagram.set_weights(states.weights(0)), 0
        image, info = self.regions(states, 0), self.status(states, 0)
        self.add(title, net, keys, labels, info)
        with self.voiceover(
            "Here is a whole network. It takes the x and y of a point and says which spiral "
            "it belongs to."
        ) as line:
            self.play(Create(diagram), FadeIn(image), FadeIn(cloud), run_time=paced(1.5, line))

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

    def regions(self, states: States, snapshot: int) -> VGroup:
        """The snapshot's decision regions over the plot square, traced smooth from its scores."""
        box = tuple(float(v) for v in states["grid_extent"])
        return input_regions(states, snapshot, self.viewport, box, self.pal.classes,
                             opacity=self.region_opacity)  # fmt: skip

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
        ) as line:
            self.play(Create(diagram), FadeIn(inputs, shift=0.2 * RIGHT),
                      FadeIn(outputs, shift=0.2 * LEFT), run_time=paced(1.5, line))  # fmt: skip

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
        ) as line:  # the weights' colours first, then the same numbers as a matrix
            first = max(1.0, 0.3 * line.duration)
            self.play(FadeIn(keys, shift=0.2 * UP), run_time=first)
            self.play(FadeIn(shown, shift=0.3 * LEFT), FadeIn(note, shift=0.3 * LEFT),
                      run_time=paced(1.5, line, first))  # fmt: skip
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
