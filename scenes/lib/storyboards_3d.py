"""The 3-D storyboards: text flat on the screen, a turning camera, a separating plane.

:class:`Scene3D` is a ``ThreeDScene`` of trained states whose captions stay flat
on the screen (the MNIST cluster scenes build on it); :class:`StageByStage3D`
is the whole ``DisksBulge3D`` storyboard, with named hooks like the 2-D ones
in :mod:`scenes.lib.storyboards`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from manim import (
    DEGREES,
    DOWN,
    LEFT,
    ORIGIN,
    RIGHT,
    UP,
    Animation,
    Create,
    FadeIn,
    Polygon,
    ThreeDScene,
    VGroup,
    VMobject,
)

from model.states import States
from scenes.lib.boundaries import box_plane_polygon, output_plane, plane_grid
from scenes.lib.captions import (
    Caption,
    Fade,
    change_caption_in_frame,
    class_names,
    fixed_in_frame,
    legend,
    network_text,
    text,
)
from scenes.lib.equations import LayerEquation
from scenes.lib.narration import Narrated, layer_words
from scenes.lib.network_view import NetworkView
from scenes.lib.palette import apply_theme
from scenes.lib.states import StatesScene

__all__ = ["Scene3D", "StageByStage3D"]


class Scene3D(Narrated, StatesScene, ThreeDScene):
    """A 3-D scene of trained states whose text stays flat on the screen."""

    def setup(self) -> None:
        self.pal = apply_theme(self)

    def begin_ambient_camera_rotation(self, rate: float = 0.02, about: str = "theta") -> None:
        """manim's slow turn of the camera, its angle counted in whole frames.

        manim adds ``rate * dt`` to the angle every frame. A render cut into chunks
        runs the plays before its range in one step each, and that sum rounds
        differently from the sum of single frames: the angle differs in its last
        bits, enough to turn a surface face to the next shade. Here the angle is
        its start plus ``rate`` times the frames turned so far, the same either
        way. Something else setting the angle (``move_camera``) starts a new count.
        """
        from manim import config

        trackers = {"theta": self.camera.theta_tracker, "phi": self.camera.phi_tracker,
                    "gamma": self.camera.gamma_tracker}  # fmt: skip
        tracker, fps = trackers[about.lower()], config.frame_rate
        turned = {"start": tracker.get_value(), "frames": 0, "set": tracker.get_value()}

        def turn(mob, dt: float) -> None:
            if mob.get_value() != turned["set"]:  # moved by something else: count from there
                turned.update(start=mob.get_value(), frames=0)
            turned["frames"] += round(dt * fps)
            turned["set"] = turned["start"] + rate * turned["frames"] / fps
            mob.set_value(turned["set"])

        tracker.add_updater(turn)
        self.add(tracker)

    def toward_camera(self) -> np.ndarray:
        """Unit vector from the scene towards the camera (the third row of its rotation)."""
        return self.camera.generate_rotation_matrix()[2]

    def change_caption(self, title: str, detail: VGroup | None = None) -> Animation:
        """Fade ``self.caption`` to a new text that stays flat on the screen."""
        return change_caption_in_frame(self, self.caption, title, detail)

    def change_equation(self, stage: int | None = None, layer: int | None = None) -> Animation:
        """Move ``self.equation`` to ``stage`` (or to ``layer``, nothing lit; with neither, it
        fades out), flat on the screen.

        As :meth:`change_caption`: the old block leaves the scene now (its fade-out
        brings it back for the fade), the new one is fixed in the frame.
        """
        old = list(self.equation.submobjects)
        if stage is not None:
            anim = self.equation.make_stage_animation(stage)
        elif layer is not None:
            anim = self.equation.make_layer_animation(layer)
        else:
            anim = self.equation.make_clear_animation()
        new = list(self.equation.submobjects)
        if new != old:
            self.remove(*old)
            self.add_fixed_in_frame_mobjects(*new)
        return anim

    def fixed_text(self, mob: VMobject) -> VMobject:
        """Register ``mob`` as flat on the screen without showing it yet."""
        return fixed_in_frame(self, mob)


class StageByStage3D(Scene3D):
    """A 3-wide network in a turning 3-D camera, stage by stage, ending on its separating plane.

    ``construct()`` runs :meth:`show_input`, :meth:`show_stage` for every hidden
    stage (the first ``max_stages``), then :meth:`show_output` (the camera turns
    to look along the output layer's plane, and the plane appears). The view is
    ``self.view``, the plane ``self.plane``, the layer's equation under the
    caption ``self.equation``.
    """

    class_names: Sequence[str] | None = None  # None: the states' own label names
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
    plane_opacity = 0.12  # the separating plane's fill: the points behind it show through
    plane_lines = 7  # grid lines each way on the separating plane
    final_seconds = 3.0
    max_stages: int | None = None  # stop after this many stages (short variants)
    equation_top = 2.55  # the layer's equation hangs from here, under the caption...
    equation_width = 3.4  # ...in a column no wider than this, left of the cloud
    say_input: str | None = None  # narration over the input plane (None: silent)
    say_layers = False  # narrate every hidden layer as it starts (scenes.lib.narration)
    say_output: str | None = None  # narration over the separating plane

    def construct(self) -> None:
        states = self.states()
        pal = self.pal
        self.set_camera_orientation(phi=self.phi, theta=self.theta)
        view = self.make_view(states)
        self.view = view

        def face_camera(_dt: float) -> None:
            toward = self.toward_camera()
            view.cloud.face(toward)
            if view.surface is not None:
                view.surface.set_light(toward)

        self.add_updater(face_camera)
        self.caption = Caption(pal, anchor=np.array([-6.8, 3.7, 0.0]), font_size=30)
        self.equation = LayerEquation(states, pal, np.array([-6.8, self.equation_top, 0.0]),
                                      view.snapshot, font_size=30, width=self.equation_width,
                                      matrices="below")  # fmt: skip
        names = self.class_names or class_names(states)
        keys = legend(names, pal, font_size=24).to_corner(DOWN + LEFT, buff=0.4)
        net = text(network_text(states), pal.muted, 20)
        net.next_to(keys, UP, buff=0.25, aligned_edge=LEFT)
        self.add_fixed_in_frame_mobjects(keys, net)

        # Step 1: the input plane, lifted into 3-D at z = 0.
        with self.voiceover(self.say_input):
            self.show_input(states)

        # Step 2: every hidden stage, the camera turning so the depth reads.
        self.begin_ambient_camera_rotation(rate=self.rotation_rate)
        last_hidden = states.stage_index(states.n_layers - 2, "activation")
        shown = last_hidden if self.max_stages is None else min(last_hidden, self.max_stages)
        for t in range(1, shown + 1):
            with self.voiceover(layer_words(states, t) if self.say_layers else None):
                self.show_stage(states, t)
        self.stop_ambient_camera_rotation()
        if shown < last_hidden:
            return

        # Steps 3 and 4: look along the output layer's plane, then show it.
        with self.voiceover(self.say_output):
            self.show_output(states)
            self.wait(self.final_seconds)

    def make_view(self, states: States) -> NetworkView:
        """The view of points, grid and shaded surface, centred at the origin."""
        return NetworkView(states, center=ORIGIN, fit=self.fit, lines=self.lines,
                           samples=self.samples, radius=self.radius, pal=self.pal,
                           fit_to=self.fit_to, surface=self.surface_nodes)  # fmt: skip

    def show_input(self, states: States) -> None:
        """Step 1: surface, grid and points appear in the plane z = 0."""
        view = self.view
        self.play(
            *([Fade(view.surface)] if view.surface is not None else []),
            Create(view.grid),
            FadeIn(view.cloud),
            self.change_caption(
                "input: the plane z = 0",
                text(f"{len(states['labels'])} points", self.pal.muted, 22),
            ),
            run_time=self.intro_seconds,
        )
        self.wait(self.pause_seconds)

    def show_stage(self, states: States, stage: int) -> None:
        """Step 2, once per stage: the caption changes, then everything moves."""
        self.play(self.change_caption(states.stage_label(stage)), self.change_equation(stage),
                  run_time=self.caption_seconds)  # fmt: skip
        self.play(self.view.make_stage_animation(stage, run_time=self.stage_seconds))
        self.wait(self.pause_seconds)

    def show_output(self, states: States) -> None:
        """Steps 3-4: turn to look almost along the output plane; the plane, the accuracy."""
        pal, view = self.pal, self.view
        w, c = output_plane(states)
        normal = w / np.linalg.norm(w)
        phi, theta = self.view_along_plane(normal)
        self.move_camera(phi=phi, theta=theta, zoom=self.final_zoom, run_time=self.camera_seconds)

        # The plane, clipped to the cloud's box: in scene coordinates p = center + s h, so
        # w . h + c = 0 passes through center + s * (-c / |w|) * normal, same normal.
        scene_pts = view.cloud.positions
        lo, hi = scene_pts.min(0), scene_pts.max(0)
        pad = 0.08 * (hi - lo)
        point = view.viewport.to_scene(-c / np.linalg.norm(w) * normal)
        corners = box_plane_polygon(normal, point, lo - pad, hi + pad)
        plane = self.make_plane(corners, normal)
        self.plane = plane
        acc = float(states.meta["final_accuracy"])
        score = self.fixed_text(text(f"training accuracy {100 * acc:.1f}%", pal.ink, 26))
        score.to_corner(DOWN + RIGHT, buff=0.4)
        surface = view.surface if view.surface is not None else []
        names = self.class_names or class_names(states)
        self.play(
            self.change_caption("output: one plane",
                                text(f"{names[0]} on one side, {names[1]} on the other",
                                     pal.ink, 22)),
            self.change_equation(layer=states.n_layers - 1),
            view.grid.animate.set_stroke(opacity=0.3),
            *[layer.animate.set_fill(opacity=0.4 * a)
              for layer, a in zip(surface, view.surface.opacities if surface else [],
                                  strict=True)],
            FadeIn(plane),
            run_time=self.plane_seconds,
        )  # fmt: skip
        self.bring_near_side_forward(states, normal)
        self.play(FadeIn(score), run_time=0.5)

    def make_plane(self, corners: np.ndarray, normal: np.ndarray) -> VGroup:
        """The separating plane: a faint translucent fill, its outline and a grid on it, so it
        reads as a surface in 3-D and the points behind it show through."""
        pal = self.pal
        fill = Polygon(*corners, stroke_width=0, fill_color=pal.accent,
                       fill_opacity=self.plane_opacity)  # fmt: skip
        outline = Polygon(*corners, stroke_color=pal.accent, stroke_width=2.5, fill_opacity=0)
        lines = VMobject(stroke_color=pal.accent, stroke_width=1.0, stroke_opacity=0.45)
        for a, b in plane_grid(corners, normal, self.plane_lines):
            lines.start_new_path(a)
            lines.add_line_to(b)
        return VGroup(fill, lines, outline)

    def bring_near_side_forward(self, states: States, normal: np.ndarray) -> None:
        """Draw the class on the camera's side of the plane over it (the other shows through).

        Class 0 wins on the side ``normal`` points to (:func:`output_plane`); the
        3-D camera draws in the order mobjects were added, not by depth.
        """
        toward = self.toward_camera()
        near = 0 if toward @ normal > 0 else 1
        if near < len(self.view.cloud.submobjects):
            self.add(self.view.cloud.submobjects[near])

    def view_along_plane(self, normal: np.ndarray) -> tuple[float, float]:
        """Camera angles ``plane_tilt`` out of the plane, nearest the current direction."""
        now = self.toward_camera()
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
