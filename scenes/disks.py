"""A disk inside a ring: two neurons per layer cannot separate them, three can (the 002 text).

Affine maps and tanh are continuous and invertible, so a 2-wide network can
squeeze and fold the plane but never tear the ring away from the disk; one
more neuron per layer lets the plane bulge into the third dimension, where a
plane cuts between the classes. Run from the repo root:
``manim -qh scenes/disks.py DisksBulge3D``. States come from
``model.cache.states_for("disks2d")`` and ``("disks3d")``.
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
    Line,
    Polygon,
    Scene,
    Text,
    ThreeDScene,
    VGroup,
)

from model.cache import states_for
from model.stages import logits
from model.states import States
from scenes.lib import (
    Caption,
    NetworkView,
    PointCloud,
    Viewport,
    WarpedGrid,
    apply_theme,
    class_image,
    half_planes,
    legend,
    stage_detail,
    text,
)
from scenes.spirals import SpiralsStretching, SpiralsTraining

__all__ = [
    "DisksBulge3D",
    "DisksFailing2D",
    "DisksSideBySide",
    "DisksTraining2D",
    "box_plane_polygon",
    "output_plane",
]

FLAT, BULGE = "disks2d", "disks3d"
CLASS_NAMES = ("disk", "ring")


def output_plane(states: States, snapshot: int = -1) -> tuple[np.ndarray, float]:
    """The two-class output layer as a plane in the last hidden space: ``(w, c)``.

    Class 0 wins where ``w . h + c > 0`` (``w = W[0] - W[1]``, ``c = b[0] - b[1]``).
    """
    last = states.n_layers - 1
    weights, biases = states.weights(snapshot)[last], states.biases(snapshot)[last]
    return weights[0] - weights[1], float(biases[0] - biases[1])


def box_plane_polygon(
    normal: np.ndarray, point: np.ndarray, lo: np.ndarray, hi: np.ndarray
) -> np.ndarray:
    """Corners of the plane through ``point`` with ``normal`` clipped to the box ``[lo, hi]``.

    Returns ``(n, 3)`` corners in order around the polygon (``n`` is 0 or 3 to 6).
    """
    n = np.asarray(normal, dtype=np.float64)
    n = n / np.linalg.norm(n)
    corners = np.array([[x, y, z] for x in (lo[0], hi[0]) for y in (lo[1], hi[1])
                        for z in (lo[2], hi[2])])  # fmt: skip
    f = (corners - point) @ n  # signed distance of each corner
    hits = []
    for i in range(8):
        for j in range(i + 1, 8):
            if np.sum(corners[i] != corners[j]) == 1 and f[i] * f[j] < 0:  # an edge it crosses
                hits.append(corners[i] + (corners[j] - corners[i]) * f[i] / (f[i] - f[j]))
    if len(hits) < 3:
        return np.zeros((0, 3))
    hits = np.array(hits)
    mid = hits.mean(0)
    u = hits[0] - mid
    u /= np.linalg.norm(u)
    v = np.cross(n, u)
    angle = np.arctan2((hits - mid) @ v, (hits - mid) @ u)
    return hits[np.argsort(angle)]


class DisksFailing2D(SpiralsStretching):
    """Two neurons per layer squeeze and fold the disk and the ring but never pull them apart."""

    states_presets = ((FLAT, {}),)
    preset = FLAT
    class_names = CLASS_NAMES
    poster_time = -1.0
    final_seconds = 0.8  # the scene goes on after the spirals' ending: the failure
    failure_seconds = 3.5

    def construct(self) -> None:
        super().construct()
        if not hasattr(self, "line"):
            return  # a cut-short variant ended before the output layer
        states, pal, view = self.view.states, self.pal, self.view

        # Step 4: ring every point the best line puts on the wrong side.
        wrong = np.asarray(states["predictions"][-1]) != np.asarray(states["labels"])
        marks = PointCloud(view.cloud.positions[wrong], np.zeros(int(wrong.sum())), [pal.accent],
                           radius=0.075, segments=6)  # fmt: skip
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
        self.play(
            self.caption.make_change_animation("no line separates them", detail),
            Create(marks),
            run_time=1.0,
        )
        self.wait(self.failure_seconds)


class DisksTraining2D(SpiralsTraining):
    """Every stage of the 2-wide network in its own panel while it trains: trying, and failing."""

    states_presets = ((FLAT, {}),)
    preset = FLAT
    poster_time = -1.0


class DisksBulge3D(ThreeDScene):
    """Three neurons per layer: the plane bulges into 3-D and a plane separates disk from ring."""

    states_presets = ((BULGE, {}),)
    preset = BULGE
    poster_time = -1.0
    fit = 2.3  # the points (or grid) fit a ball of this radius (scene units)
    fit_to = "points"  # zoom each stage to the points: the grid may run past the frame
    lines = 15  # grid lines each way
    samples = 40  # vertices per grid line
    surface_nodes = 25  # a translucent, shaded mesh under the grid: nodes per side
    radius = 0.04
    phi, theta = 66 * DEGREES, -70 * DEGREES  # starting camera
    rotation_rate = 0.09  # radians per second while the stages play
    plane_tilt = 24 * DEGREES  # final view: this far out of the separating plane
    final_zoom = 0.85  # and a little further back, so the plane clears the text
    intro_seconds = 2.0
    caption_seconds = 0.5
    stage_seconds = 1.8
    pause_seconds = 0.5
    camera_seconds = 2.0
    plane_seconds = 1.5
    final_seconds = 3.0
    max_stages: int | None = None  # stop after this many stages (short variants)

    def setup(self) -> None:
        self.pal = apply_theme(self)

    def construct(self) -> None:
        states = states_for(self.preset)
        pal = self.pal
        self.set_camera_orientation(phi=self.phi, theta=self.theta)
        view = NetworkView(states, center=ORIGIN, fit=self.fit, lines=self.lines,
                           samples=self.samples, radius=self.radius, pal=pal,
                           fit_to=self.fit_to, surface=self.surface_nodes)  # fmt: skip
        self.view = view

        def face_camera(_dt: float) -> None:
            toward = self._toward_camera()
            view.cloud.face(toward)
            view.surface.set_light(toward)

        self.add_updater(face_camera)
        self.caption = Caption(pal, anchor=np.array([-6.8, 3.7, 0.0]), font_size=30)
        keys = legend(CLASS_NAMES, pal, font_size=24).to_corner(DOWN + LEFT, buff=0.4)
        widths = "-".join(str(w) for w in states.widths)
        net = text(f"network {widths}, tanh", pal.muted, 20)
        net.next_to(keys, UP, buff=0.25, aligned_edge=LEFT)
        self.add_fixed_in_frame_mobjects(keys, net)

        # Step 1: the input plane, lifted into 3-D at z = 0.
        self.play(
            FadeIn(view.surface),
            Create(view.grid),
            FadeIn(view.cloud),
            self._caption(
                "input: the plane z = 0", text(f"{len(states['labels'])} points", pal.muted, 22)
            ),
            run_time=self.intro_seconds,
        )
        self.wait(self.pause_seconds)

        # Step 2: every hidden stage, the camera turning so the depth reads.
        self.begin_ambient_camera_rotation(rate=self.rotation_rate)
        last_hidden = states.stage_index(states.n_layers - 2, "activation")
        shown = last_hidden if self.max_stages is None else min(last_hidden, self.max_stages)
        for t in range(1, shown + 1):
            detail = stage_detail(states, t, -1, pal)
            self.play(self._caption(states.stage_label(t), detail), run_time=self.caption_seconds)
            self.play(view.make_stage_animation(t, run_time=self.stage_seconds))
            self.wait(self.pause_seconds)
        self.stop_ambient_camera_rotation()
        if shown < last_hidden:
            return

        # Step 3: turn to look almost along the output layer's plane.
        w, c = output_plane(states)
        normal = w / np.linalg.norm(w)
        phi, theta = self._view_along_plane(normal)
        self.move_camera(phi=phi, theta=theta, zoom=self.final_zoom, run_time=self.camera_seconds)

        # Step 4: the plane, clipped to the cloud's box, and the accuracy.
        scene_pts = view.cloud.positions
        lo, hi = scene_pts.min(0), scene_pts.max(0)
        pad = 0.08 * (hi - lo)
        # in scene coordinates p = center + s h, so w . h + c = 0 passes through
        # center + s * (-c / |w|) * normal, with the same normal
        point = view.viewport.to_scene(-c / np.linalg.norm(w) * normal)
        corners = box_plane_polygon(normal, point, lo - pad, hi + pad)
        plane = Polygon(*corners, color=pal.accent, fill_color=pal.accent, fill_opacity=0.22,
                        stroke_width=2.0, stroke_opacity=0.9)  # fmt: skip
        self.plane = plane
        acc = float(states.meta["final_accuracy"])
        score = text(f"training accuracy {100 * acc:.1f}%", pal.ink, 26)
        score.to_corner(DOWN + RIGHT, buff=0.4)
        self.add_fixed_in_frame_mobjects(score)
        self.remove(score)
        self.play(
            self._caption("output: one plane", text("disk on one side, ring on the other",
                                                    pal.ink, 22)),
            view.grid.animate.set_stroke(opacity=0.3),
            *[layer.animate.set_fill(opacity=0.4 * a)
              for layer, a in zip(view.surface, view.surface.opacities, strict=True)],
            FadeIn(plane),
            run_time=self.plane_seconds,
        )  # fmt: skip
        self.play(FadeIn(score), run_time=0.5)
        self.wait(self.final_seconds)

    def _toward_camera(self) -> np.ndarray:
        """Unit vector from the scene towards the camera (the third row of its rotation)."""
        return self.camera.generate_rotation_matrix()[2]

    def _caption(self, title: str, detail: VGroup | None):
        old = list(self.caption.submobjects)
        anim = self.caption.make_change_animation(title, detail)
        # Fixed-in-frame text sits in the scene on its own: take the old text out, or it
        # comes back when its FadeOut restores its opacity.
        self.remove(*old)
        self.add_fixed_in_frame_mobjects(*self.caption.submobjects)  # new text stays flat
        return anim

    def _view_along_plane(self, normal: np.ndarray) -> tuple[float, float]:
        """Camera angles ``plane_tilt`` out of the plane, nearest the current direction."""
        now = self._toward_camera()
        along = now - (now @ normal) * normal
        if np.linalg.norm(along) < 1e-6:  # looking straight down the normal
            along = np.cross(normal, [0.0, 0.0, 1.0] if abs(normal[2]) < 0.9 else [1.0, 0, 0])
        along /= np.linalg.norm(along)
        side = 1.0 if now @ normal >= 0 else -1.0
        d = np.cos(self.plane_tilt) * along + side * np.sin(self.plane_tilt) * normal
        phi = float(np.arccos(np.clip(d[2], -1, 1)))
        theta = float(np.arctan2(d[1], d[0]))
        current = self.camera.get_theta()
        theta += 2 * np.pi * round((current - theta) / (2 * np.pi))  # the short way round
        return phi, theta


class DisksSideBySide(Scene):
    """Two against three neurons per layer: the input-plane boundary and the last hidden space."""

    states_presets = ((FLAT, {}), (BULGE, {}))
    poster_time = -1.0
    half = 1.55  # half-size of each square panel (scene units)
    panel_y = -0.1
    columns = (-5.2, -1.8, 1.8, 5.2)  # panel centres: 2-wide pair, then 3-wide pair
    resolution = 160  # class-map cells per side
    fade_seconds = 1.5
    final_seconds = 3.0

    def setup(self) -> None:
        self.pal = apply_theme(self)

    def construct(self) -> None:
        pal = self.pal
        self.panels = []  # per network: (input panel, hidden panel, header)
        for k, name in enumerate((FLAT, BULGE)):
            states = states_for(name)
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
        label = text(words, self.pal.muted, 17)
        return label.next_to(center + self.half * DOWN, DOWN, buff=0.15)

    def _input_panel(self, states: States, center: np.ndarray) -> Group:
        """The data in the input plane over the trained network's class map."""
        pal, half = self.pal, self.half
        xmin, xmax, ymin, ymax = (float(v) for v in states["grid_extent"])
        scale = 2 * half / max(xmax - xmin, ymax - ymin)
        mid = np.array([(xmin + xmax) / 2, (ymin + ymax) / 2])
        viewport = Viewport(center - scale * np.array([*mid, 0.0]), scale)
        xs = np.linspace(xmin, xmax, self.resolution)
        ys = np.linspace(ymin, ymax, self.resolution)
        lattice = np.stack(np.meshgrid(xs, ys), -1).reshape(-1, 2)  # row i is y
        out = logits(lattice, states.weights(-1), states.biases(-1), states.activations)
        classes = out.argmax(-1).reshape(self.resolution, self.resolution)
        image = class_image(classes, pal.classes, opacity=0.35)
        image.stretch_to_fit_width(scale * (xmax - xmin))
        image.stretch_to_fit_height(scale * (ymax - ymin))
        image.move_to(viewport.to_scene(mid))
        cloud = PointCloud(viewport.to_scene(states["inputs"]), states["labels"], pal.classes,
                           radius=0.022)  # fmt: skip
        label = self._caption_below("input plane", center)
        panel = Group(image, cloud, label)
        panel.cloud = cloud
        return panel

    def _hidden_panel(self, states: States, center: np.ndarray) -> VGroup:
        """Points, grid and the output boundary in the last hidden space, seen along it."""
        pal, half = self.pal, self.half
        last = states.stage_index(states.n_layers - 2, "activation")
        view = NetworkView(states, lines=13, samples=40, pal=pal)
        width = states.widths[-2]
        w, c = output_plane(states)
        norm = np.linalg.norm(w)
        # Look along the boundary: the output normal points up the screen, the widest
        # in-boundary direction runs across it (in 3-D the plane is seen edge-on).
        pts = view.trace[last][:, :width]
        flat = pts - np.outer(pts @ w / norm**2, w)
        _, _, vt = np.linalg.svd(flat - flat.mean(0))
        across = vt[0] - (vt[0] @ w) * w / norm**2
        rotate = np.stack([across / np.linalg.norm(across), w / norm])  # (2, width)
        shown_pts = pts @ rotate.T
        shown_grid = view.grid_data[last][..., :width] @ rotate.T
        mid = 0.5 * (shown_grid.min((0, 1)) + shown_grid.max((0, 1)))
        reach = float(np.abs(shown_grid - mid).max())
        scale = 0.96 * half / reach
        viewport = Viewport(center - scale * np.array([*mid, 0.0]), scale)
        cloud = PointCloud(viewport.to_scene(shown_pts), states["labels"], pal.classes,
                           radius=0.025)  # fmt: skip
        grid = WarpedGrid(viewport.to_scene(shown_grid), color=pal.grid, stroke_width=0.7,
                          opacity=0.5)  # fmt: skip
        # the boundary w . h + c = 0 is the horizontal line y = -c / |w| (class 0 above)
        y = viewport.to_scene(np.array([0.0, -c / norm]))[1]
        left, right = center[0] - half, center[0] + half
        line = Line([left, y, 0], [right, y, 0], color=pal.accent, stroke_width=2.5)
        line.normal_scene = np.array([0.0, -1.0])  # class 1 lies where n . p + k > 0
        line.offset_scene = y
        sides = half_planes(line, (left, right, center[1] - half, center[1] + half),
                            pal.classes, opacity=0.2)  # fmt: skip
        words = "last layer: a line" if width == 2 else "last layer: a plane, edge-on"
        panel = VGroup(sides, grid, cloud, line, self._caption_below(words, center))
        panel.cloud, panel.line, panel.rotation = cloud, line, rotate
        return panel
