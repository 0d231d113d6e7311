"""The packing study: k spiral arms squeezed through a 2-neuron layer (tanh, ReLU, unit disk).

Every scene shows networks of the ``packing`` preset; ``classes`` and
``activation`` are class attributes, the variants are subclasses, and a scene's
``states_sources`` follow its knobs (:meth:`PackingScene.pairs`). Each scene
ends on its full picture, so ``manim -s`` saves a still for a blog.
"""

from __future__ import annotations

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Circle,
    Create,
    FadeIn,
    Group,
    Line,
    Polygon,
    Rectangle,
    Scene,
    Text,
    UpdateFromAlphaFunc,
    VGroup,
    VMobject,
    linear,
)

from model.packing import class_angles, hidden_layer, hidden_stage, min_gap
from model.sources import Preset
from model.stages import logits
from model.states import States
from scenes.lib import (
    Palette,
    PointCloud,
    StatesScene,
    Viewport,
    apply_theme,
    class_regions,
    show_instead,
    text,
)

__all__ = [
    "PackingAngles",
    "PackingAnglesReLU",
    "PackingAnglesUnitDisk",
    "PackingGallery",
    "PackingHidden",
    "PackingHidden7",
    "PackingInput",
    "PackingInput7",
    "PackingVectorField",
    "PackingVectorFieldReLU",
]

ACTIVATIONS = ("tanh", "relu", "unit_disk")
CLASS_RANGE = tuple(range(2, 8))
NAMES = {"tanh": "tanh", "relu": "ReLU", "unit_disk": "unit disk"}
# A dead layer is flagged in red, whatever the theme (the palette has no warning colour).
WARN = {"dark": "#ff6b5b", "light": "#c0392b"}


def packing_preset(
    classes: int, activation: str, seed: int = 0, epochs: int | None = None
) -> Preset:
    """The packing network for ``classes`` arms and ``activation`` (trained once, cached).

    ``epochs`` None keeps the preset's 3,000 steps (tests pass fewer).
    """
    changes: dict[str, object] = {"classes": classes, "activation": activation}
    if seed:
        changes["seed"] = seed
    if epochs is not None:
        changes["epochs"] = epochs
    return Preset("packing", changes)


def dead_caption(states: States) -> str | None:
    """One line saying the 2-neuron layer died and what was done, or None."""
    dead = states.meta.get("dead") or {}
    died = dead.get("died") or []
    if dead.get("still_dead"):
        return "DEAD: the 2-neuron layer outputs one point for every input"
    if died:
        first = died[0]
        return (
            f"seed {first['seed']} died ({first['accuracy']:.0%}); "
            f"shown: restart with seed {dead['trained_seed']}"
        )
    return None


class Plane:
    """A square panel showing the data window ``lo..hi`` (a scaled :class:`Viewport`)."""

    def __init__(self, lo: np.ndarray, hi: np.ndarray, size: float, center: np.ndarray):
        self.lo, self.hi = np.asarray(lo, float), np.asarray(hi, float)
        self.size, self.center = size, np.asarray(center, float)
        scale = size / float((self.hi - self.lo).max())
        mid = np.zeros(3)
        mid[:2] = (self.lo + self.hi) / 2
        self.viewport = Viewport(self.center - scale * mid, scale)

    def to_scene(self, xy: np.ndarray) -> np.ndarray:
        """(N, 2) data points -> (N, 3) scene points; points outside sit on the border."""
        margin = 0.02 * (self.hi - self.lo)
        return self.viewport.to_scene(np.clip(xy, self.lo - margin, self.hi + margin))

    def mesh(self, n: int) -> np.ndarray:
        """(n*n, 2) cell centres, row ``i`` is y (bottom to top), column ``j`` is x."""
        gx = np.linspace(self.lo[0], self.hi[0], n)
        gy = np.linspace(self.lo[1], self.hi[1], n)
        return np.stack(np.meshgrid(gx, gy), -1).reshape(-1, 2)

    def regions(self, scores: np.ndarray, pal: Palette, opacity: float = 0.35) -> VGroup:
        """Smooth class regions from ``(n, n, K)`` scores on :meth:`mesh` (row 0 at the bottom)."""
        n = scores.shape[0]
        corners = self.viewport.to_scene(np.array([self.lo, self.hi]))
        xs = np.linspace(corners[0, 0], corners[1, 0], n)
        ys = np.linspace(corners[0, 1], corners[1, 1], n)
        return class_regions(scores, xs, ys, pal.classes, opacity)


def hidden_window(states: States, activation: str) -> tuple[np.ndarray, np.ndarray]:
    """The hidden plane's window: the square / disk's box, or ReLU's quadrant."""
    if activation.startswith("relu"):
        h = states["trace"][-1, hidden_stage(states), :, :2]
        top = max(float(np.percentile(h, 99.5)), 1e-3) * 1.1
        return np.array([-0.04 * top, -0.04 * top]), np.array([top, top])
    return np.array([-1.05, -1.05]), np.array([1.05, 1.05])


def hidden_scores(states: States, plane: Plane, n: int, snapshot: int = -1) -> np.ndarray:
    """(n, n, K) class scores over the hidden plane: the layers after the 2-neuron one."""
    h = plane.mesh(n)
    for t in range(hidden_stage(states) + 1, len(states.stages())):
        h = states.apply(h, t, snapshot)
    return np.asarray(h).reshape(n, n, -1)


def input_scores(states: States, plane: Plane, n: int, snapshot: int = -1) -> np.ndarray:
    """(n, n, K) class scores over the input plane (the whole network, same numpy stages)."""
    out = logits(plane.mesh(n), states.weights(snapshot), states.biases(snapshot),
                 states.activations)  # fmt: skip
    return np.asarray(out).reshape(n, n, -1)


def snapshot_accuracy(states: States, snapshot: int) -> str:
    """``accuracy 97.5%`` of one snapshot (the points shown), not of the trained network."""
    return f"accuracy {float(states['accuracy'][snapshot]):.1%}"


def range_outline(activation: str, plane: Plane, color: str) -> VMobject:
    """The activation's range drawn in the panel: square, disk or quadrant axes."""
    if activation == "unit_disk":
        r = plane.size / (plane.hi[0] - plane.lo[0])
        return Circle(radius=r, color=color, stroke_width=2).move_to(plane.to_scene([[0, 0]])[0])
    if activation.startswith("relu"):
        o = plane.to_scene([[0, 0]])[0]
        ends = plane.to_scene([[plane.hi[0], 0], [0, plane.hi[1]]])
        return VGroup(Line(o, ends[0], color=color), Line(o, ends[1], color=color))
    a, b = plane.to_scene([[-1, -1], [1, 1]])
    return Rectangle(width=b[0] - a[0], height=b[1] - a[1], color=color, stroke_width=2).move_to(
        (a + b) / 2
    )


class PackingScene(StatesScene):
    """Mixin of the packing scenes (with ``Scene``): shared knobs and helpers.

    Not a scene itself, so neither manim nor the renderer lists it. A subclass's
    ``states_sources`` are made from its knobs when it is defined: one
    :func:`packing_preset` per ``(classes, activation)`` of :meth:`pairs`.
    """

    classes: int = 4
    activation: str = "tanh"
    seed: int = 0
    epochs: int | None = None  # None: the preset's; tests shorten training
    grid_cells: int = 96  # lattice of a panel's regions (traced smooth between nodes)

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        if "states_sources" not in cls.__dict__:  # with_states() gives its own
            cls.states_sources = tuple(
                packing_preset(k, a, cls.seed, cls.epochs) for k, a in cls.pairs()
            )

    @classmethod
    def pairs(cls) -> list[tuple[int, str]]:
        """The ``(classes, activation)`` of every network the scene shows, in order."""
        return [(cls.classes, cls.activation)]

    def states_of(self, classes: int, activation: str) -> States:
        """The states of one of :meth:`pairs`."""
        return self.states(self.pairs().index((classes, activation)))

    def setup(self) -> None:
        self.pal = apply_theme(self)
        self.warn = WARN[self.pal.name]

    def label(self, words: str, size: float = 28, color: str | None = None) -> Text:
        text_mob = text(words, color or self.pal.ink, size)
        widest = self.camera.frame_width - 0.4
        return text_mob.scale_to_fit_width(widest) if text_mob.width > widest else text_mob

    def hidden_panel(
        self, states: States, activation: str, size: float, center: np.ndarray, snapshot: int = -1
    ) -> tuple[Plane, VGroup, VMobject]:
        """A hidden-plane panel: the predicted regions and the range outline."""
        lo, hi = hidden_window(states, activation)
        plane = Plane(lo, hi, size, center)
        scores = hidden_scores(states, plane, self.grid_cells, snapshot)
        return (
            plane,
            plane.regions(scores, self.pal),
            range_outline(activation, plane, self.pal.axis),
        )


class PackingInput(PackingScene, Scene):
    """The input spirals over the network's predicted class, from first to last snapshot."""

    title = "Packing, input space"  # the gallery's heading

    def construct(self) -> None:
        st = self.states()
        ext = st["grid_extent"]
        plane = Plane(ext[[0, 2]], ext[[1, 3]], 6.4, np.array([0.0, -0.3, 0.0]))
        labels, k = st["labels"], st.n_classes

        # 1. Title, and the spirals on an empty background.
        title = self.label(f"{k} spiral arms, {NAMES[self.activation]} network: input space")
        title.to_edge(UP, buff=0.25)
        clouds = PointCloud(plane.to_scene(st["inputs"]), labels, self.pal.classes[:k], 0.035)
        self.add(title)
        self.play(FadeIn(clouds), run_time=1.0)

        # 2. The predicted class fills the plane as training goes on (a few snapshots).
        picks = np.unique(np.linspace(0, st.n_snapshots - 1, 8).round().astype(int))
        n = int(st["grid_pred"].shape[-1])  # the states' own lattice, traced smooth
        background = plane.regions(input_scores(st, plane, n, picks[0]), self.pal)
        caption = self._caption(st, picks[0])
        self.add(background, clouds, caption)
        self.bring_to_back(background)
        for s in picks[1:]:
            self.wait(0.4)
            new_bg = plane.regions(input_scores(st, plane, n, s), self.pal)
            self.remove(background)
            self.add(new_bg)
            self.bring_to_back(new_bg)
            background = new_bg
            self.remove(caption)
            caption = self._caption(st, s)
            self.add(caption)
        self.wait(1.5)

    def _caption(self, st: States, s: int) -> Text:
        text = f"step {int(st['steps'][s])}   {snapshot_accuracy(st, s)}"
        note = dead_caption(st)
        if note:
            text += f"   ({note})"
        return self.label(text, 22).to_edge(DOWN, buff=0.2)


class PackingInput7(PackingInput):
    """Seven arms in the input space over the tanh network's predicted class."""

    title = "Packing, 7 classes, input space"  # the gallery's heading

    classes = 7


class PackingHidden(PackingScene, Scene):
    """The 2-neuron layer over training: tanh, ReLU and unit disk side by side."""

    title = "Packing, the 2-neuron layer"  # the gallery's heading

    activations: tuple[str, ...] = ACTIVATIONS
    run_seconds: float = 8.0

    @classmethod
    def pairs(cls) -> list[tuple[int, str]]:
        return [(cls.classes, a) for a in cls.activations]

    def construct(self) -> None:
        n = len(self.activations)
        size = min(4.0, (self.camera.frame_width - 0.6) / n - 0.35)
        xs = (np.arange(n) - (n - 1) / 2) * (size + 0.35)
        center_y = -0.25

        # 1. Title and one panel per activation: the prediction over the hidden plane
        #    (the layers after it, at the snapshot shown), the range and the points.
        title = self.label(f"{self.classes} classes through a 2-neuron layer, over training")
        self.add(title.to_edge(UP, buff=0.2))
        panels = []
        for a, x in zip(self.activations, xs, strict=True):
            st = self.states_of(self.classes, a)
            plane, bg, outline = self.hidden_panel(st, a, size, np.array([x, center_y, 0]), 0)
            trace = st["trace"][:, hidden_stage(st), :, :2]  # (S, P, 2)
            regions = [  # the regions of every snapshot (the layers after it, as they were then)
                plane.regions(hidden_scores(st, plane, self.grid_cells, s), self.pal)
                for s in range(st.n_snapshots)
            ]
            colors = self.pal.classes[: st.n_classes]
            clouds = PointCloud(plane.to_scene(trace[0]), st["labels"], colors, 0.045)
            head = self.label(NAMES[a], 26).next_to(bg, UP, buff=0.12)
            foot = self.label(snapshot_accuracy(st, 0), 20).next_to(bg, DOWN, buff=0.1)
            group = [bg, outline, clouds, head, foot]
            note = dead_caption(st)
            if note:
                # on two lines at 20: 9 px capitals in the 640 px GIF, within the panel's width
                warn = self.label(note.replace("; ", ";\n"), 20, self.warn)
                warn.next_to(foot, DOWN, buff=0.08)
                warn.scale_to_fit_width(min(warn.width, size + 0.3))
                group.append(warn)
            self.add(*group)
            panels.append((st, plane, trace, bg, regions, clouds, foot))

        # 2. The points flow from their first to their final places (log-spaced snapshots);
        #    the regions, the step and every accuracy are those of the snapshot shown.
        step_label = self.label("step 0", 22).to_edge(DOWN, buff=0.15)
        self.add(step_label)
        labelled = [0]  # the snapshot the texts show: rebuilt only when it changes

        def advance(_mob: VMobject, alpha: float) -> None:
            for _st, plane, trace, bg, regions, clouds, _foot in panels:
                pos = alpha * (len(trace) - 1)
                i = min(int(pos), len(trace) - 2)
                f = pos - i
                clouds.set_positions(plane.to_scene(trace[i] * (1 - f) + trace[i + 1] * f))
                if getattr(bg, "snapshot", None) != round(pos):  # copied in when it changes
                    show_instead(bg, regions[round(pos)]).snapshot = round(pos)
            s = round(alpha * (panels[0][0].n_snapshots - 1))
            if s != labelled[0]:
                labelled[0] = s
                self.show_snapshot_texts(panels, step_label, s)

        # Animate the clouds and the labels themselves: the renderer draws mobjects that
        # no animation names once, as a still background, for the whole play.
        moving = Group(*[m for p in panels for m in (p[3], p[5], p[6])], step_label)
        self.play(UpdateFromAlphaFunc(moving, advance), run_time=self.run_seconds, rate_func=linear)
        self.show_snapshot_texts(panels, step_label, panels[0][0].n_snapshots - 1)
        self.wait(1.5)

    def show_snapshot_texts(self, panels: list, step_label: Text, snapshot: int) -> None:
        """Step label and each panel's accuracy, of ``snapshot`` (every network's, in step)."""
        # The same mobjects (the running animation moves them), with the new glyphs.
        new = self.label(f"step {int(panels[0][0]['steps'][snapshot])}", 22)
        show_instead(step_label, new.to_edge(DOWN, buff=0.15))
        for st, *_, foot in panels:
            new = self.label(snapshot_accuracy(st, min(snapshot, st.n_snapshots - 1)), 20)
            show_instead(foot, new.move_to(foot.get_center()))


class PackingHidden7(PackingHidden):
    """Seven classes in the 2-neuron layer over training, three activations side by side."""

    title = "Packing, 7 classes, the 2-neuron layer"  # the gallery's heading

    classes = 7


class PackingGallery(PackingScene, Scene):
    """Final 2-neuron layers for k = 2..7, one row per activation."""

    title = "Packing, k = 2 to 7 classes"  # the gallery's heading

    activations: tuple[str, ...] = ACTIVATIONS
    class_counts: tuple[int, ...] = CLASS_RANGE
    grid_cells = 64

    @classmethod
    def pairs(cls) -> list[tuple[int, str]]:
        return [(k, a) for a in cls.activations for k in cls.class_counts]

    def construct(self) -> None:
        rows, cols = len(self.activations), len(self.class_counts)
        w, h = self.camera.frame_width, self.camera.frame_height
        gap = 0.58  # under each panel: its caption at font size 20
        size = min((w - 1.6) / cols - 0.15, (h - 1.55) / rows - gap)
        title = self.label("Where the 2-neuron layer puts k classes", 28).to_edge(UP, buff=0.15)
        self.add(title)

        # 1. One row per activation, one column per k, filled row by row.
        restarted: set[int] = set()
        self.panels: list[VGroup] = []  # every panel's regions, row by row
        for r, a in enumerate(self.activations):
            y = h / 2 - 0.85 - (r + 0.5) * (size + gap)
            name = self.label(NAMES[a].replace(" ", "\n"), 22)  # "unit disk" on two lines
            row = VGroup(name.move_to([-w / 2 + 0.8, y, 0]))
            images = []
            for c, k in enumerate(self.class_counts):
                x = -w / 2 + 1.55 + (c + 0.5) * (size + 0.15)
                st = self.states_of(k, a)
                plane, bg, outline = self.hidden_panel(st, a, size, np.array([x, y, 0]))
                pts = plane.to_scene(hidden_layer(st))
                clouds = PointCloud(pts, st["labels"], self.pal.classes[:k], 0.032)
                dead = st.meta.get("dead") or {}
                restarted.update(d["seed"] for d in dead.get("died", []))
                color = self.warn if dead.get("died") or dead.get("still_dead") else self.pal.ink
                mark = "*" if dead.get("died") else ""
                mark += " DEAD" if dead.get("still_dead") else ""
                # 20: 9 px capitals in the 640 px GIF (14 gave 6.6 px); at most the panel's width
                cap = self.label(f"k={k} {st.meta['final_accuracy']:.0%}{mark}", 20, color)
                cap.scale_to_fit_width(min(cap.width, size + 0.12))
                images.append(bg)
                self.panels.append(bg)
                # below the panel's square, not its outline (ReLU's outline is the x axis)
                row.add(outline, clouds, cap.next_to([x, y - size / 2, 0], DOWN, buff=0.06))
            self.play(FadeIn(Group(*images)), FadeIn(row), run_time=0.6)
        if restarted:
            text = "* this seed's 2-neuron layer died (every point at one spot); shown: next seed"
            self.add(self.label(text, 20, self.warn).to_edge(DOWN, buff=0.1))
        self.wait(2.0)


class PackingVectorField(PackingScene, Scene):
    """Arrows of the input-to-hidden map: at each input point, the direction of h(x)."""

    title = "Packing, the input-to-hidden field"  # the gallery's heading

    arrows_per_side: int = 19

    def construct(self) -> None:
        st = self.states()
        ext = st["grid_extent"]
        plane = Plane(ext[[0, 2]], ext[[1, 3]], 6.6, np.array([0.0, -0.3, 0.0]))
        k = st.n_classes

        # 1. The spirals, faint, as the ground the field lives on.
        title = self.label(f"input -> 2-neuron layer ({NAMES[self.activation]}, k = {k})", 26)
        self.add(title.to_edge(UP, buff=0.2))
        colors = self.pal.classes[:k]
        clouds = PointCloud(plane.to_scene(st["inputs"]), st["labels"], colors, 0.025, opacity=0.35)
        self.play(FadeIn(clouds), run_time=0.8)

        # 2. One arrow per grid point: direction of h(x), length by |h(x)|, colour by class.
        n = self.arrows_per_side
        mesh = plane.mesh(n)
        hid = hidden_layer(st, points=mesh)
        pred = self._predict(st, hid)
        norm = np.linalg.norm(hid, axis=1)
        scale = 0.9 * plane.size / n / max(float(norm.max()), 1e-9)
        start = plane.to_scene(mesh)
        arrows = VGroup()
        for c in range(k):
            sel = pred == c
            arrows.add(self._arrows(start[sel], hid[sel] * scale, self.pal.class_color(c)))
        self.play(Create(arrows), run_time=2.0)
        note = dead_caption(st)
        if note:
            self.add(self.label(note, 18, self.warn).to_edge(DOWN, buff=0.15))
        self.wait(1.5)

    @staticmethod
    def _predict(st: States, hidden: np.ndarray) -> np.ndarray:
        h = hidden
        for t in range(hidden_stage(st) + 1, len(st.stages())):
            h = st.apply(h, t)
        return np.asarray(h).argmax(-1)

    @staticmethod
    def _arrows(start: np.ndarray, vec: np.ndarray, color: str) -> VMobject:
        """Shafts and two-stroke heads of many arrows, as one VMobject."""
        mob = VMobject(stroke_color=color, stroke_width=2.0)
        end = start.copy()
        end[:, :2] += vec
        d = np.zeros_like(start)
        d[:, :2] = vec
        back = -d * 0.35
        side = np.stack([-back[:, 1], back[:, 0], np.zeros(len(back))], 1) * 0.5
        for a, b, p, q in zip(start, end, end + back + side, end + back - side, strict=True):
            mob.start_new_path(a)
            mob.add_line_to(b)
            mob.start_new_path(p)
            mob.add_line_to(b)
            mob.add_line_to(q)
        return mob


class PackingVectorFieldReLU(PackingVectorField):
    """The input-to-hidden field of the ReLU network (k = 4)."""

    title = "Packing, the input-to-hidden field (ReLU)"  # the gallery's heading

    activation = "relu"


class PackingAngles(PackingScene, Scene):
    """Per-class histograms of the hidden vectors' angle, with circular mean and spread."""

    title = "Packing, angles per class"  # the gallery's heading

    bins: int = 72

    def spread_label(self, mean: float, std: float, lo: float, hi: float, y: float,
                     edge: float) -> Text:  # fmt: skip
        """``mean ± std`` right of the band, or left of it where it would pass ``edge``."""
        out = self.label(f"{mean:.0f}° ± {std:.0f}°", 20).next_to([hi, y, 0], RIGHT, buff=0.08)
        if out.get_right()[0] > edge - 0.1:
            out.next_to([lo, y, 0], LEFT, buff=0.08)
        return out

    def construct(self) -> None:
        st = self.states()
        k = st.n_classes
        h = hidden_layer(st)
        labels = st["labels"]
        mean, std, _ = class_angles(h, labels, k)
        w, fh = self.camera.frame_width, self.camera.frame_height
        x0, width = -w / 2 + 1.6, w - 2.4

        # 1. Title, subtitle, a dead layer's note under them, and the angle axis (0..360 degrees).
        gap = min_gap(mean)
        name = NAMES[self.activation]
        title = self.label(f"angle of the hidden vector, per class ({name}, k = {k})")
        spread = f"{360 / k:.0f}°"
        gap_text = f"closest two class means {gap:.0f}° apart; evenly spread: {spread}"
        subtitle = self.label(gap_text, 20, self.pal.muted)
        header = VGroup(title.to_edge(UP, buff=0.15), subtitle.next_to(title, DOWN, buff=0.1))
        note = dead_caption(st)
        if note:
            header.add(self.label(note, 20, self.warn).next_to(subtitle, DOWN, buff=0.08))
        self.add(header)
        self.header = header
        axis_y = -fh / 2 + 0.55
        row_h = (header.get_bottom()[1] - 0.1 - (axis_y + 0.1)) / k  # the rows fill what is left
        axis = Line([x0, axis_y, 0], [x0 + width, axis_y, 0], color=self.pal.axis)
        ticks = VGroup(
            *[
                self.label(f"{d}°", 20).move_to([x0 + width * d / 360, axis_y - 0.22, 0])
                for d in range(0, 361, 45)
            ]
        )
        self.add(axis, ticks)

        # 2. One histogram per class, its circular mean and +-1 circular std.
        radius = np.linalg.norm(h, axis=1)
        ang = np.degrees(np.arctan2(h[:, 1], h[:, 0])) % 360
        for c in range(k):
            base = axis_y + 0.1 + c * row_h
            sel = (labels == c) & (radius > 1e-9)
            counts, edges = np.histogram(ang[sel], bins=self.bins, range=(0, 360))
            top = max(int(counts.max()), 1)
            xs = x0 + width * edges / 360
            ys = base + 0.85 * row_h * counts / top
            pts = [[xs[0], base, 0]]
            for i in range(self.bins):
                pts += [[xs[i], ys[i], 0], [xs[i + 1], ys[i], 0]]
            pts.append([xs[-1], base, 0])
            color = self.pal.class_color(c)
            hist = Polygon(*pts, color=color, fill_color=color, fill_opacity=0.55, stroke_width=1)
            name = self.label(f"class {c}", 20, color).move_to([x0 - 0.7, base + row_h / 3, 0])
            group = VGroup(hist, name)
            if not np.isnan(mean[c]):
                mx = x0 + width * mean[c] / 360
                lo = x0 + width * max(mean[c] - std[c], 0) / 360
                hi = x0 + width * min(mean[c] + std[c], 360) / 360
                band_y = base + 0.9 * row_h
                group.add(
                    Line([mx, base, 0], [mx, band_y, 0], color=self.pal.ink, stroke_width=3),
                    Line([lo, band_y, 0], [hi, band_y, 0], color=self.pal.ink, stroke_width=3),
                    self.spread_label(mean[c], std[c], lo, hi, band_y, w / 2),
                )
            else:
                group.add(
                    self.label("all at 0: no angle", 20, self.warn).move_to(
                        [x0 + width / 2, base + row_h / 3, 0]
                    )
                )
            self.play(FadeIn(group, shift=0.2 * UP), run_time=0.5)
        self.wait(1.5)


class PackingAnglesReLU(PackingAngles):
    """Angle histograms of the ReLU network (k = 4): confined to one quadrant."""

    title = "Packing, angles per class (ReLU)"  # the gallery's heading

    activation = "relu"


class PackingAnglesUnitDisk(PackingAngles):
    """Angle histograms of the unit-disk network (k = 5)."""

    title = "Packing, angles per class (unit disk)"  # the gallery's heading

    classes = 5
    activation = "unit_disk"
