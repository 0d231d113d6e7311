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
from scenes.lib.clusters import camera_rotation
from scenes.lib.equations import LayerEquation
from scenes.lib.narration import Narrated, layer_words
from scenes.lib.network_view import NetworkView
from scenes.lib.palette import apply_theme
from scenes.lib.rulers import ExtentBox, box_corners, padded_extent
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
    ``self.view``, kept centred and filling a ball of radius ``fit`` at every
    stage, inside the wire box ``self.box``; the plane is ``self.plane``, the
    layer's equation under the caption ``self.equation``, its W and b in a column
    of their own on the right.
    """

    class_names: Sequence[str] | None = None  # None: the states' own label names
    poster_time = -1.0
    fit = 2.8  # the points (or grid), centred, fill a ball of this radius (scene units)
    fit_to = "points"  # zoom each stage to the points...
    grid_reach = 3.4  # ...unless the grid would then reach further than this from the centre
    room = (3.1, 3.3)  # final view: the box's half-width and half-height on screen
    lines = 15  # grid lines each way
    samples = 40  # vertices per grid line
    surface_nodes = 25  # a translucent, shaded mesh under the grid: nodes per side
    radius = 0.04
    phi, theta = 66 * DEGREES, -70 * DEGREES  # starting camera (theta: see facing_theta)
    rotation_rate = 0.09  # radians per second while the stages play
    plane_tilt = 20 * DEGREES  # final view: this far out of the separating plane
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
    values_size = 31  # W and b, one decimal, right of the cloud: 9.8 px digits in the GIF...
    values_width = 3.85  # ...in a column this wide
    say_input: str | None = None  # narration over the input plane (None: silent)
    say_layers = False  # narrate every hidden layer as it starts (scenes.lib.narration)
    say_output: str | None = None  # narration over the separating plane

    def construct(self) -> None:
        states = self.states()
        pal = self.pal
        view = self.make_view(states)
        self.view = view
        self.set_camera_orientation(
            phi=self.phi, theta=self.facing_theta(states, self.view.snapshot)
        )

        def face_camera(_dt: float) -> None:
            toward = self.toward_camera()
            view.cloud.face(toward)
            if view.surface is not None:
                view.surface.set_light(toward)

        self.add_updater(face_camera)
        self.caption = Caption(pal, anchor=np.array([-6.8, 3.7, 0.0]), font_size=30)
        self.equation = LayerEquation(states, pal, np.array([-6.8, self.equation_top, 0.0]),
                                      view.snapshot, font_size=34, width=self.equation_width,
                                      matrices="below", digits=1, values_size=self.values_size,
                                      values_corner=np.array([6.9, 3.7, 0.0]),
                                      values_width=self.values_width)  # fmt: skip
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
                           fit_to=self.fit_to, surface=self.surface_nodes,
                           centred=True, grid_reach=self.grid_reach)  # fmt: skip

    @classmethod
    def facing_theta(cls, states: States, snapshot: int = -1) -> float:
        """The starting ``theta`` that sees the first layer's plane most squarely while its
        stages play and the camera turns (seen edge-on, a plane is a line).

        A 2-to-3 layer maps the input plane onto the plane its weights' columns span;
        the input itself, at z = 0, looks the same from any ``theta``. Other
        networks start at ``self.theta``.
        """
        w = states.weights(snapshot)[0]
        if w.shape != (3, 2):
            return cls.theta
        normal = np.cross(w[:, 0], w[:, 1])
        normal /= max(np.linalg.norm(normal), 1e-12)
        span = 1.5 * 3 * (cls.caption_seconds + cls.stage_seconds + cls.pause_seconds)
        turns = cls.rotation_rate * np.linspace(0.0, span, 12)

        def squareness(theta: float) -> float:  # the worst |cos| of view and normal
            return min(abs(camera_rotation(cls.phi, theta + t)[2] @ normal) for t in turns)

        return max(np.radians(np.arange(-180, 180, 5)), key=squareness)

    def show_input(self, states: States) -> None:
        """Step 1: the box, surface, grid and points appear in the plane z = 0."""
        view = self.view
        self.box = ExtentBox(view.cloud, view.viewport, self.pal)
        self.play(
            FadeIn(self.box),
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
        """Steps 3-4: turn to see the output plane edge-on, nearly, the classes on either side
        and the points framed large; the plane, the accuracy."""
        pal, view = self.pal, self.view
        w, c = output_plane(states)
        normal = w / np.linalg.norm(w)
        center, scale = view.ball_view(view.trace[view.stage], self.fit)  # frame the points
        shown = center + scale * view.trace[view.stage]
        phi, theta, gamma = self.view_across_plane(normal, shown)
        # The plane, clipped to the points' box: in scene coordinates p = center + s h, so
        # w . h + c = 0 passes through center + s * (-c / |w|) * normal, same normal.
        point = center + scale * (-c / np.linalg.norm(w)) * normal
        lo, hi = padded_extent(shown, ExtentBox.pad)
        corners = box_plane_polygon(normal, point, lo, hi)
        zoom = self.zoom_to_fill(np.concatenate([shown, box_corners(lo, hi)]), phi, theta, gamma)
        self.move_camera(phi=phi, theta=theta, gamma=gamma, zoom=zoom,
                         added_anims=[view.make_reframe_animation(center, scale)],
                         run_time=self.camera_seconds)  # fmt: skip

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

    def view_across_plane(self, normal: np.ndarray, shown: np.ndarray) -> tuple[float, ...]:
        """Camera ``(phi, theta, gamma)`` ``plane_tilt`` out of the plane, looking across the
        line between the two classes' centres, the plane's normal pointing up the screen.

        The line between the centres then lies in the picture at full length and the
        plane, seen almost edge-on, runs across between them: one class above it,
        the other below. Of the two such views, the one on the camera's current side
        of the plane and nearer its current direction.
        """
        labels = np.asarray(self.view.states["labels"])
        between = shown[labels == 1].mean(0) - shown[labels == 0].mean(0)
        now = self.toward_camera()
        across = np.cross(normal, between)
        if np.linalg.norm(across) < 1e-6 * np.linalg.norm(between):  # centres on the normal
            across = now - (now @ normal) * normal
        if np.linalg.norm(across) < 1e-9:  # and the camera on it too
            across = np.cross(normal, [0.0, 0.0, 1.0] if abs(normal[2]) < 0.9 else [1.0, 0, 0])
        across = across / np.linalg.norm(across) * (1.0 if across @ now >= 0 else -1.0)
        side = 1.0 if now @ normal >= 0 else -1.0
        d = np.cos(self.plane_tilt) * across + side * np.sin(self.plane_tilt) * normal
        phi = float(np.arccos(np.clip(d[2], -1, 1)))
        theta = float(np.arctan2(d[1], d[0]))
        current = self.camera.get_theta()
        theta += 2 * np.pi * round((current - theta) / (2 * np.pi))  # the short way round
        # gamma turns the picture so the normal's shadow on the screen points straight up
        x, y = camera_rotation(phi, theta)[:2] @ normal
        return phi, theta, float(np.arctan2(x, y))

    def zoom_to_fill(self, shown: np.ndarray, phi: float, theta: float, gamma: float) -> float:
        """The camera zoom that makes ``shown`` (scene points) just fill ``room`` when seen from
        these angles (manim's perspective included)."""
        turned = shown @ camera_rotation(phi, theta, gamma).T
        focal = self.camera.get_focal_distance()
        flat = turned[:, :2] * (focal / (focal - turned[:, 2]))[:, None]
        reach = np.abs(flat).max(0)
        return float(min(self.room[0] / reach[0], self.room[1] / reach[1]))
