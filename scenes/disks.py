"""A disk inside a ring: two neurons per layer cannot separate them, three can (the 002 text).

Affine maps and tanh are continuous and invertible, so a 2-wide network can
squeeze and fold the plane but never tear the ring away from the disk; one
more neuron per layer lets the plane bulge into the third dimension, where a
plane cuts between the classes. Run from the repo root:
``manim -qh scenes/disks.py DisksBulge3D``. States come from the ``disks2d``
and ``disks3d`` presets.
"""

from __future__ import annotations

import numpy as np
from manim import (
    DOWN,
    RIGHT,
    UP,
    Create,
    FadeIn,
    Group,
    Line,
    Scene,
    Text,
    UpdateFromAlphaFunc,
    VGroup,
    linear,
    there_and_back,
)

from model.sources import Preset
from model.states import States
from scenes.lib import (
    Narrated,
    NetworkView,
    PanelsOverTraining,
    PointCloud,
    StageByStage,
    StageByStage3D,
    StageMorph,
    StatesScene,
    Viewport,
    WarpedGrid,
    apply_theme,
    formula,
    half_planes,
    input_regions,
    legend,
    output_plane,
    paced,
    text,
)

__all__ = [
    "DisksBulge3D",
    "DisksFailing2D",
    "DisksSideBySide",
    "DisksTraining2D",
    "DisksUnrolled",
    "unroll",
]

FLAT, BULGE = Preset("disks2d"), Preset("disks3d")
CLASS_NAMES = ("disk", "ring")


class DisksFailing2D(StageByStage):
    """Two neurons per layer squeeze and fold the disk and the ring but never pull them apart."""

    title = "Disks: two neurons are not enough"  # the gallery's heading

    states_sources = (FLAT,)
    class_names = CLASS_NAMES
    poster_time = -1.0
    final_seconds = 0.8  # the storyboard's ending is short: the failure follows
    failure_seconds = 3.5  # the rings pulse once (pulse_seconds of it): no still over 3 s
    pulse_seconds = 1.5
    mark_radius = 0.075  # the rings around wrong points; rings closer than this are drawn once
    say_input = "Now try the same two-neuron network on the disk and the ring, stage by stage."
    say_layers = True
    say_output = "The output layer draws its best straight line."

    def show_ending(self, states: States) -> None:
        """Step 4: ring every point the best line puts on the wrong side."""
        pal, view = self.pal, self.view
        wrong = np.asarray(states["predictions"][-1]) != np.asarray(states["labels"])
        spots = apart(view.cloud.positions[wrong], self.mark_radius)  # one ring per spot
        marks = PointCloud(spots, np.zeros(len(spots)), [pal.accent], radius=self.mark_radius,
                           segments=6)  # fmt: skip
        marks.set_fill(opacity=0).set_stroke(pal.accent, width=1.6, opacity=0.9)
        self.marks = marks
        detail = text(
            f"{int(wrong.sum())} of {len(wrong)} points\n"
            "on the wrong side: affine maps\n"
            "and tanh bend the plane, but\n"
            "cannot tear the ring off the disk",
            pal.ink,
            21,
        )
        with self.voiceover(
            "It is not enough. The layers fold and squeeze the plane, but a continuous map "
            "cannot tear the ring off the disk, and the circled points end up on the wrong side."
        ) as line:
            pulse = min(self.pulse_seconds, 0.5 * self.failure_seconds)
            self.play(
                self.caption.make_change_animation("no line separates them", detail),
                self.equation.make_clear_animation(),
                Create(marks),
                run_time=1.0,
            )
            self.play(marks.animate.set_stroke(width=3.6), rate_func=there_and_back,
                      run_time=paced(pulse, line, 1.0))  # fmt: skip
            self.wait(self.failure_seconds - pulse)


def apart(points: np.ndarray, gap: float) -> np.ndarray:
    """``points`` with every one nearer than ``gap`` to an earlier kept one left out."""
    kept: list[np.ndarray] = []
    for p in np.asarray(points, dtype=np.float64):
        if all(np.linalg.norm(p[:2] - q[:2]) >= gap for q in kept):
            kept.append(p)
    return np.array(kept).reshape(-1, np.shape(points)[-1])


class DisksTraining2D(PanelsOverTraining):
    """Every stage of the 2-wide network in its own panel while it trains: trying, and failing."""

    title = "Disks, 2 neurons wide, while training"  # the gallery's heading

    states_sources = (FLAT,)
    class_names = CLASS_NAMES
    poster_time = -1.0
    say_training = (
        "Watch every stage while it trains. The network tries hard to pull the two apart, "
        "squeezing the ring against the disk, and never gets there."
    )
    say_trained = "Affine maps and tanh can bend the plane, but never cut it."


class DisksBulge3D(StageByStage3D):
    """Three neurons per layer: the plane bulges into 3-D and a plane separates disk from ring."""

    title = "Disks: three neurons lift the disk out"  # the gallery's heading

    states_sources = (BULGE,)
    class_names = CLASS_NAMES
    poster_time = -1.0
    say_input = (
        "Now give every layer just one more neuron. Each layer's output is a point "
        "in three dimensions."
    )
    say_layers = True
    say_output = (
        "The network found a way out: it lets the plane bulge into the third dimension, "
        "lifting the disk away from the ring, and a flat plane separates them. "
        "That is what more neurons per layer buy: room to move."
    )
    fit_to = "grid"  # fit each stage's grid: a stretched grid never leaves the frame


class DisksSideBySide(StatesScene, Scene):
    """Two against three neurons per layer: the input-plane boundary and the last hidden space.

    The 3-wide last hidden space is seen along its separating plane (edge-on, a
    line) and swings about the plane's normal, out and back, while the panels stay
    up: its depth shows and the picture stands still only for the last second.
    """

    title = "Disks: 2 and 3 neurons side by side"  # the gallery's heading

    states_sources = (FLAT, BULGE)
    poster_time = -1.0
    half = 1.55  # half-size of each square panel (scene units)
    panel_y = -0.1
    columns = (-5.2, -1.8, 1.8, 5.2)  # panel centres: 2-wide pair, then 3-wide pair
    resolution = 128  # lattice nodes per side of the traced regions
    fade_seconds = 1.5
    swing_seconds = 4.0  # the 3-wide panel swings out and back, one way then the other...
    swing_degrees = 50.0  # ...this far each way about its plane's normal
    final_seconds = 1.0  # then rests on the first view (the poster)
    caption_size = 21  # under each panel: 9.9 px high in the 640 px GIF (17 made 8)

    def setup(self) -> None:
        self.pal = apply_theme(self)

    def construct(self) -> None:
        pal = self.pal
        self.panels = []  # per network: (input panel, hidden panel, header)
        for k in range(len(self.states_sources)):
            states = self.states(k)
            x_in, x_hid = self.columns[2 * k], self.columns[2 * k + 1]
            inputs = self._input_panel(states, np.array([x_in, self.panel_y, 0.0]))
            hidden = self._hidden_panel(states, np.array([x_hid, self.panel_y, 0.0]))
            header = self._header(states, 0.5 * (x_in + x_hid))
            self.panels.append((inputs, hidden, header))
        keys = legend(CLASS_NAMES, pal, font_size=22).arrange(RIGHT, buff=0.5)
        keys.to_edge(DOWN, buff=0.25)
        self.add(keys, *[header for _, _, header in self.panels])  # no blank first frame
        panels = [m for inputs, hidden, _ in self.panels for m in (inputs, hidden)]
        self.play(*[FadeIn(m) for m in panels], run_time=self.fade_seconds)
        swing = [hidden for _, hidden, _ in self.panels if hidden.turn is not None]
        reach = np.radians(self.swing_degrees)
        self.play(*[UpdateFromAlphaFunc(h, lambda m, a: m.turn(reach * np.sin(2 * np.pi * a)))
                    for h in swing], run_time=self.swing_seconds, rate_func=linear)  # fmt: skip
        self.wait(self.final_seconds)

    def _header(self, states: States, x: float) -> VGroup:
        """Title and the final accuracy (from the states' meta) above a pair of panels."""
        pal = self.pal
        acc = float(states.meta["final_accuracy"])
        wrong = int((states["predictions"][-1] != states["labels"]).sum())
        title = text(f"{states.widths[1]} neurons per layer", pal.ink, 32)
        score = text(f"accuracy {100 * acc:.1f}%   ({wrong} wrong)", pal.ink, 22)
        header = VGroup(title, score).arrange(DOWN, buff=0.15)
        header.move_to([x, self.panel_y + self.half + 0.85, 0.0])
        header.accuracy = acc
        return header

    def _caption_below(self, words: str, center: np.ndarray) -> Text:
        label = text(words, self.pal.muted, self.caption_size)
        return label.next_to(center + self.half * DOWN, DOWN, buff=0.15)

    def _input_panel(self, states: States, center: np.ndarray) -> Group:
        """The data in the input plane over the trained network's class map."""
        pal, half = self.pal, self.half
        xmin, xmax, ymin, ymax = (float(v) for v in states["grid_extent"])
        scale = 2 * half / max(xmax - xmin, ymax - ymin)
        mid = np.array([(xmin + xmax) / 2, (ymin + ymax) / 2])
        viewport = Viewport(center - scale * np.array([*mid, 0.0]), scale)
        box = (xmin, xmax, ymin, ymax)
        image = input_regions(states, -1, viewport, box, pal.classes, self.resolution, 0.35)
        cloud = PointCloud(viewport.to_scene(states["inputs"]), states["labels"], pal.classes,
                           radius=0.022)  # fmt: skip
        label = self._caption_below("input plane", center)
        panel = Group(image, cloud, label)
        panel.cloud = cloud
        return panel

    def _hidden_panel(self, states: States, center: np.ndarray) -> VGroup:
        """Points, grid and the output boundary in the last hidden space, seen along it.

        The panel's ``turn(angle)`` turns a 3-wide space about the boundary's normal
        (``turn`` is None for a 2-wide one): the plane stays edge-on, a line.
        """
        pal, half = self.pal, self.half
        last = states.stage_index(states.n_layers - 2, "activation")
        view = NetworkView(states, lines=13, samples=40, pal=pal)
        width = states.widths[-2]
        w, c = output_plane(states)
        norm = np.linalg.norm(w)
        up = w / norm
        # Look along the boundary: the output normal points up the screen, the widest
        # in-boundary direction runs across it (in 3-D the plane is seen edge-on).
        pts = view.trace[last][:, :width]
        grid = view.grid_data[last][..., :width]
        flat = pts - np.outer(pts @ up, up)
        _, _, vt = np.linalg.svd(flat - flat.mean(0))
        across = vt[0] - (vt[0] @ up) * up
        across /= np.linalg.norm(across)
        depth = np.cross(up, across) if width == 3 else None  # the axis a turn brings in
        # Turned about the axis along the normal through the grid's middle, every grid
        # point stays within its distance from that axis: the scale fits every angle.
        mid3 = 0.5 * (grid.min((0, 1)) + grid.max((0, 1)))
        off = grid - mid3
        along = off @ up
        reach = max(float(np.abs(along).max()),
                    float(np.linalg.norm(off - along[..., None] * up, axis=-1).max()))  # fmt: skip
        scale = 0.96 * half / reach
        viewport = Viewport(center - scale * np.array([0.0, mid3 @ up, 0.0]), scale)

        def shown(data: np.ndarray, angle: float) -> np.ndarray:
            side = across if depth is None else np.cos(angle) * across + np.sin(angle) * depth
            return viewport.to_scene(np.stack([(data - mid3) @ side, data @ up], -1))

        cloud = PointCloud(shown(pts, 0.0), states["labels"], pal.classes, radius=0.025)
        lines = WarpedGrid(shown(grid, 0.0), color=pal.grid, stroke_width=0.7, opacity=0.5)
        # the boundary w . h + c = 0 is the horizontal line y = -c / |w| (class 0 above)
        y = viewport.to_scene(np.array([0.0, -c / norm]))[1]
        left, right = center[0] - half, center[0] + half
        line = Line([left, y, 0], [right, y, 0], color=pal.accent, stroke_width=2.5)
        line.normal_scene = np.array([0.0, -1.0])  # class 1 lies where n . p + k > 0
        line.offset_scene = y
        sides = half_planes(line, (left, right, center[1] - half, center[1] + half),
                            pal.classes, opacity=0.2)  # fmt: skip
        words = "last layer: a line" if width == 2 else "last layer: a plane,\nseen edge-on"
        panel = VGroup(sides, lines, cloud, line, self._caption_below(words, center))
        panel.cloud, panel.line, panel.rotation = cloud, line, np.stack([across, up])
        panel.turn = None
        if depth is not None:

            def turn(angle: float) -> VGroup:
                cloud.set_positions(shown(pts, angle))
                lines.set_positions(shown(grid, angle))
                return panel

            panel.turn = turn
        return panel


def unroll(points: np.ndarray) -> np.ndarray:
    """The hand-chosen map that separates disk from ring: ``(x, y) -> (angle / pi, radius)``.

    The data were made the other way round (:func:`model.data.disks` draws a
    radius and an angle, then places ``(r cos t, r sin t)``); this is that
    map's inverse, so the radius the classes were drawn by becomes the height.
    It tears the plane along the negative x axis, which no layer can do.
    """
    p = np.asarray(points, dtype=np.float64)
    return np.stack([np.arctan2(p[..., 1], p[..., 0]) / np.pi, np.hypot(p[..., 0], p[..., 1])], -1)


class DisksUnrolled(Narrated, StatesScene, Scene):
    """A hand-chosen map that does separate them: the inverse of the map that made the data.

    The angle goes across, the radius up; one line then cuts between disk and ring. The
    points are the ``disks2d`` states' own (those the 2-wide network fails on); no
    network is shown.
    """

    title = "Disks, unrolled by hand"

    states_sources = (FLAT,)
    poster_time = -1.0
    center = np.array([-2.6, -1.0, 0.0])
    scale = 2.0  # scene units per data unit
    unrolled_scale = 2.9  # the unrolled strip is small: zoom in while it unrolls
    rings = (0.25, 0.5, 0.75, 1.0, 1.25)  # polar grid: circles...
    rays = 12  # ...and rays
    morph_seconds = 3.0

    def setup(self) -> None:
        self.pal = apply_theme(self)

    def polar_grid(self, samples: int = 90) -> np.ndarray:
        """Circles and rays, ``(lines, samples, 2)``; the circles stop short of the tear."""
        theta = np.linspace(-np.pi + 1e-3, np.pi - 1e-3, samples)
        circles = [np.stack([r * np.cos(theta), r * np.sin(theta)], -1) for r in self.rings]
        radius = np.linspace(1e-3, max(self.rings), samples)
        angles = -np.pi + (np.arange(self.rays) + 0.5) * 2 * np.pi / self.rays
        rays = [np.stack([radius * np.cos(a), radius * np.sin(a)], -1) for a in angles]
        return np.array(circles + rays)

    def construct(self) -> None:
        pal = self.pal
        states = self.states()
        x, y = states["inputs"], np.asarray(states["labels"])
        vp = Viewport(self.center.copy(), self.scale)
        grid_data, point_data = self.polar_grid(), np.asarray(x, dtype=np.float64)
        grid = WarpedGrid(vp.to_scene(grid_data), color=pal.grid)
        cloud = PointCloud(vp.to_scene(point_data), y, pal.classes, radius=0.03)
        self.cloud, self.viewport = cloud, vp

        # Step 1: the disk inside the ring, on a polar grid.
        title = text("a map that does separate them", pal.ink, 32).to_corner(UP + RIGHT)
        new_x = formula("x'", "=", r"\operatorname{angle}(x, y)\,/\,\pi", color=pal.ink,
                        font_size=34)  # fmt: skip
        new_y = formula("y'", "=", r"\sqrt{x^2 + y^2}", color=pal.ink, font_size=34)
        new_y.next_to(new_x, DOWN, buff=0.3)
        new_y.shift((new_x[1].get_center()[0] - new_y[1].get_center()[0]) * RIGHT)  # = under =
        maps = VGroup(new_x, new_y)
        maps.next_to(title, DOWN, buff=0.5).align_to(title, RIGHT)
        note = (
            text(
                "the inverse of the map that made\nthe data: radius and angle were\n"
                "drawn first, then placed on the plane",
                pal.muted,
                20,
            )
            .next_to(maps, DOWN, buff=0.35)
            .align_to(title, RIGHT)
        )
        keys = legend(CLASS_NAMES, pal, font_size=22).to_corner(DOWN + RIGHT)
        self.add(title, keys)
        with self.voiceover(
            "Two neurons are a real limit. Here the goal is to separate the inner disk "
            "from the ring around it."
        ) as line:
            self.play(Create(grid), FadeIn(cloud), run_time=paced(1.5, line))
        with self.voiceover(
            "A map built by hand can do it: the angle and the radius of each point, "
            "in fact the inverse of the map that made these points."
        ) as line:  # slid in, not faded in place: a long fade in place reads as a still
            self.play(FadeIn(maps, shift=0.2 * UP), FadeIn(note, shift=0.2 * UP),
                      run_time=paced(1.0, line))  # fmt: skip

        # Step 2: every point and grid line through the map: circles open into rows.
        new_grid, new_points = unroll(grid_data), unroll(point_data)
        movers = [(grid, grid_data, new_grid), (cloud, point_data, new_points)]
        scales = (self.scale, self.unrolled_scale)
        with self.voiceover("Circles open into straight rows.") as line:
            seconds = paced(self.morph_seconds, line)
            self.play(StageMorph(movers, vp, scales=scales, run_time=seconds))
            self.wait(0.5)

        # Step 3: one line, half-way between the disk's edge and the ring's, separates them.
        radius = new_points[:, 1]
        cut = 0.5 * (float(radius[y == 0].max()) + float(radius[y == 1].min()))
        line = Line(vp.to_scene([-1.1, cut]), vp.to_scene([1.1, cut]), color=pal.accent,
                    stroke_width=4)  # fmt: skip
        self.cut = cut
        said = VGroup(text("one line separates them:", pal.ink, 24),
                      formula("y'", "=", f"{cut:.2f}", color=pal.ink, font_size=32))  # fmt: skip
        said.arrange(RIGHT, buff=0.2).next_to(vp.to_scene([0.0, 0.0]), DOWN, buff=0.35)
        with self.voiceover(
            "And one straight line separates them. Can a network find such a map?"
        ) as words:
            self.play(Create(line), FadeIn(said, shift=0.2 * UP), run_time=paced(1.2, words))
            self.wait(2.5)
