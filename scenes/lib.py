"""Shared mobjects and animations for every story: palette, point clouds, warped grids, stages.

Everything a scene draws from a states file goes through here, and every
position goes through :func:`model.stages.apply_stage` (via ``States.apply``),
so the grid and the points always agree with the network. Works in 2-D and
3-D (``ThreeDScene``) and across width changes (2 -> 3 pads with zeros).

Speed (see ../shared/NOTES.md): one fill VMobject per class colour for the
points, one stroke VMobject for all grid lines, positions set from numpy
arrays each frame; never one mobject per point.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from manim import (
    DOWN,
    LEFT,
    ORIGIN,
    RESAMPLING_ALGORITHMS,
    RIGHT,
    UP,
    Animation,
    AnimationGroup,
    FadeIn,
    FadeOut,
    ImageMobject,
    Line,
    ManimColor,
    Scene,
    Text,
    VGroup,
    VMobject,
    config,
    smooth,
)

from model.sources import StatesSource
from model.states import States

__all__ = [
    "MONO",
    "SANS",
    "Caption",
    "NetworkView",
    "Palette",
    "PointCloud",
    "StageMorph",
    "Viewport",
    "WarpedGrid",
    "apply_theme",
    "class_image",
    "decision_line",
    "decision_regions",
    "grid_lines",
    "half_planes",
    "StatesScene",
    "THEMES",
    "legend",
    "matrix_text",
    "palette",
    "stage_detail",
    "text",
    "theme_name",
]

MONO = "DejaVu Sans Mono"  # for numbers: columns line up
SANS = "DejaVu Sans"  # for words

# ---------------------------------------------------------------------------
# Palette and theme: every colour of every scene is chosen here
# ---------------------------------------------------------------------------

# Ten class colours, colour-blind aware (blue/orange first), one set per theme:
# bright on the dark video background, deeper on a white blog page.
_CLASSES_DARK = (
    "#4da3ff", "#ff8c42", "#3ecf8e", "#ff5c8a", "#b48cff",
    "#f2c94c", "#2ec4c4", "#d08c5a", "#b0b0b0", "#9be15d",
)  # fmt: skip
_CLASSES_LIGHT = (
    "#1f6fd1", "#e0621a", "#16935b", "#d6336c", "#7b4fd6",
    "#b8860b", "#12878f", "#8b5a2b", "#666666", "#4f8f17",
)  # fmt: skip


@dataclass(frozen=True)
class Palette:
    """The colours of one theme (hex strings)."""

    name: str
    background: str
    ink: str  # text, decision line
    muted: str  # secondary text
    grid: str  # warped grid lines
    axis: str  # reference axes
    accent: str  # highlights (the decision line)
    classes: tuple[str, ...]

    def class_color(self, k: int) -> str:
        """Colour of class ``k`` (wraps after ten classes)."""
        return self.classes[k % len(self.classes)]


PALETTES: dict[str, Palette] = {
    "dark": Palette(
        "dark", "#0e1117", "#eceff4", "#9aa3b2", "#56607a", "#7a849a", "#ffffff", _CLASSES_DARK
    ),
    "light": Palette(
        "light", "#ffffff", "#1b1f27", "#5b6270", "#aab2c2", "#7d8596", "#111111", _CLASSES_LIGHT
    ),
}


THEMES: tuple[str, ...] = tuple(PALETTES)  # every CLI and the renderer read this


def theme_name() -> str:
    """``$BENDSPACE_THEME`` (``dark`` or ``light``; anything else means ``dark``)."""
    name = os.environ.get("BENDSPACE_THEME", "dark").strip().lower()
    return name if name in PALETTES else "dark"


def palette(name: str | None = None) -> Palette:
    """The palette of a theme, by default the one ``$BENDSPACE_THEME`` selects."""
    return PALETTES[name or theme_name()]


def apply_theme(scene: Scene, name: str | None = None) -> Palette:
    """Set the scene's camera background to the theme's and return the palette."""
    pal = palette(name)
    scene.camera.background_color = ManimColor(pal.background)
    return pal


class StatesScene:
    """Mixin for a scene that shows trained states: declare them once in ``states_sources``.

    ``construct()`` reads them with :meth:`states`; the batch renderer reads the
    same ``states_sources`` to train, hash and ship them. :meth:`with_states`
    makes a copy of a scene class that shows other states (a user's file).
    """

    states_sources: tuple[StatesSource, ...] = ()

    def states(self, index: int = 0, progress: bool = True) -> States:
        """The states of ``states_sources[index]``, loaded (and trained) once per scene."""
        cache = self.__dict__.setdefault("_loaded_states", {})
        if index not in cache:
            cache[index] = self.states_sources[index].load(progress=progress)
        return cache[index]

    @classmethod
    def with_states(cls, *sources: StatesSource) -> type:
        """A subclass of this scene, same name, that shows ``sources`` instead."""
        attrs = {"states_sources": tuple(sources), "__module__": cls.__module__,
                 "__doc__": cls.__doc__, "__qualname__": cls.__qualname__}  # fmt: skip
        return type(cls.__name__, (cls,), attrs)


# ---------------------------------------------------------------------------
# Coordinates
# ---------------------------------------------------------------------------


@dataclass
class Viewport:
    """Maps data coordinates (any width <= 3) to scene coordinates: ``center + scale * x``."""

    center: np.ndarray = field(default_factory=lambda: ORIGIN.copy())
    scale: float = 1.0

    def to_scene(self, points: np.ndarray, scale: float | None = None) -> np.ndarray:
        """``(..., d)`` data points, ``d <= 3``, to ``(..., 3)`` scene points."""
        x = np.asarray(points, dtype=np.float64)
        out = np.zeros((*x.shape[:-1], 3))
        out[..., : x.shape[-1]] = x
        return (
            np.asarray(self.center, dtype=np.float64)
            + (self.scale if scale is None else scale) * out
        )

    def to_data(self, points: np.ndarray) -> np.ndarray:
        """Scene points back to 3-D data coordinates."""
        return (np.asarray(points, dtype=np.float64) - self.center) / self.scale


def _pad3(x: np.ndarray) -> np.ndarray:
    out = np.zeros((*x.shape[:-1], 3))
    out[..., : x.shape[-1]] = x[..., :3]
    return out


# ---------------------------------------------------------------------------
# Point cloud
# ---------------------------------------------------------------------------


def _circle_template(segments: int = 4) -> np.ndarray:
    """A unit circle as ``segments`` cubic bezier curves: ``(segments * 4, 3)``."""
    k = 4.0 / 3.0 * np.tan(np.pi / (2 * segments))  # handle length of one arc
    a0 = np.linspace(0, 2 * np.pi, segments + 1)[:-1]
    a1 = a0 + 2 * np.pi / segments
    p0 = np.stack([np.cos(a0), np.sin(a0), 0 * a0], -1)
    p3 = np.stack([np.cos(a1), np.sin(a1), 0 * a1], -1)
    t0 = np.stack([-np.sin(a0), np.cos(a0), 0 * a0], -1)
    t1 = np.stack([-np.sin(a1), np.cos(a1), 0 * a1], -1)
    return np.stack([p0, p0 + k * t0, p3 - k * t1, p3], 1).reshape(-1, 3)


class PointCloud(VGroup):
    """All data points: one filled VMobject per class, each dot an anti-aliased circle subpath.

    Parameters
    ----------
    positions
        ``(P, 3)`` scene coordinates.
    labels
        ``(P,)`` class of each point, ``0..K-1``.
    colors
        One colour per class.
    radius
        Dot radius in scene units.
    """

    def __init__(
        self,
        positions: np.ndarray,
        labels: np.ndarray,
        colors: Sequence[str],
        radius: float = 0.035,
        opacity: float = 0.95,
        segments: int = 4,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self.labels = np.asarray(labels, dtype=int)
        self.radius = float(radius)
        self.template = _circle_template(segments)  # (4 * segments, 3)
        n_classes = max(len(colors), int(self.labels.max(initial=0)) + 1)
        self.members = [np.flatnonzero(self.labels == k) for k in range(n_classes)]
        for k in range(n_classes):
            self.add(
                VMobject(
                    fill_color=colors[k % len(colors)],
                    fill_opacity=opacity,
                    stroke_width=0,
                )
            )
        self.set_positions(positions)

    def face(self, normal: np.ndarray) -> PointCloud:
        """Turn the dots to face along ``normal`` (for a 3-D camera); returns self."""
        n = np.asarray(normal, dtype=np.float64)
        n = n / np.linalg.norm(n)
        u = np.cross(n, [0.0, 0.0, 1.0] if abs(n[2]) < 0.9 else [1.0, 0.0, 0.0])
        u /= np.linalg.norm(u)
        v = np.cross(n, u)
        flat = _circle_template(len(self.template) // 4)
        self.template = flat[:, :1] * u + flat[:, 1:2] * v
        if hasattr(self, "positions"):
            self.set_positions(self.positions)
        return self

    def set_positions(self, positions: np.ndarray) -> PointCloud:
        """Move every dot to ``positions`` (``(P, 3)`` scene coordinates); returns self."""
        self.positions = np.asarray(positions, dtype=np.float64)
        offsets = self.radius * self.template  # (16, 3)
        for child, idx in zip(self.submobjects, self.members, strict=True):
            pts = self.positions[idx][:, None, :] + offsets[None]  # (n, 16, 3)
            child.points = pts.reshape(-1, 3)
        return self

    def get_positions(self) -> np.ndarray:
        return self.positions


# ---------------------------------------------------------------------------
# Warped grid
# ---------------------------------------------------------------------------


def grid_lines(
    extent: Sequence[float], lines: int | tuple[int, int] = 17, samples: int = 80
) -> np.ndarray:
    """Dense polylines of a 2-D grid: ``(n_lines, samples, 2)`` in data coordinates.

    ``extent`` is ``(xmin, xmax, ymin, ymax)``; ``lines`` how many lines run in
    each direction. Lift to 3-D with zeros (``np.pad(g, ((0, 0), (0, 0), (0, 1)))``)
    or let a 2 -> 3 layer do it.
    """
    xmin, xmax, ymin, ymax = map(float, extent)
    nx, ny = (lines, lines) if isinstance(lines, int) else lines
    s = np.linspace(0.0, 1.0, samples)
    vertical = [np.stack([np.full(samples, x), ymin + (ymax - ymin) * s], -1) for x in
                np.linspace(xmin, xmax, nx)]  # fmt: skip
    horizontal = [np.stack([xmin + (xmax - xmin) * s, np.full(samples, y)], -1) for y in
                  np.linspace(ymin, ymax, ny)]  # fmt: skip
    return np.array(vertical + horizontal)


class WarpedGrid(VMobject):
    """Grid polylines as one stroked VMobject; :meth:`set_positions` moves every vertex.

    Parameters
    ----------
    positions
        ``(n_lines, samples, 3)`` scene coordinates of the polyline vertices.
    """

    def __init__(
        self,
        positions: np.ndarray,
        color: str = "#56607a",
        stroke_width: float = 1.2,
        opacity: float = 0.8,
        **kwargs,
    ) -> None:
        super().__init__(stroke_color=color, stroke_width=stroke_width, **kwargs)
        self.set_stroke(opacity=opacity)
        self.set_fill(opacity=0)
        self.set_positions(positions)

    def set_positions(self, positions: np.ndarray) -> WarpedGrid:
        """Set the polylines' vertices (``(n_lines, samples, 3)``); returns self."""
        p = np.asarray(positions, dtype=np.float64)
        self.positions = p
        a, b = p[:, :-1], p[:, 1:]
        d = (b - a) / 3.0
        self.points = np.stack([a, a + d, b - d, b], axis=2).reshape(-1, 3)
        return self

    def get_positions(self) -> np.ndarray:
        return self.positions


def mesh_nodes(extent: Sequence[float], nodes: int = 21) -> np.ndarray:
    """A ``(nodes, nodes, 2)`` lattice over ``(xmin, xmax, ymin, ymax)``: ``[i, j]`` is
    ``(x_j, y_i)``."""
    xmin, xmax, ymin, ymax = map(float, extent)
    xs, ys = np.linspace(xmin, xmax, nodes), np.linspace(ymin, ymax, nodes)
    return np.stack(np.meshgrid(xs, ys), -1)


class WarpedSurface(VGroup):
    """A translucent quad mesh, shaded by how squarely each face meets the light.

    The faces go into ``levels`` filled VMobjects by shade (faces turned away from
    the light are faint, faces turned towards it stronger), so the whole surface
    costs ``levels`` fills a frame. Every face is wound the same way as seen from
    ``light`` (the camera), so overlapping folds add up instead of cutting holes.

    Parameters
    ----------
    positions
        ``(n, m, 3)`` scene coordinates of the mesh nodes.
    light
        Unit vector towards the viewer; :meth:`set_light` changes it.
    """

    def __init__(
        self,
        positions: np.ndarray,
        color: str = "#56607a",
        opacity: tuple[float, float] = (0.05, 0.38),
        levels: int = 5,
        light: np.ndarray | None = None,
        **kwargs,
    ) -> None:
        self.opacities = np.linspace(*opacity, levels)
        layers = [
            VMobject(fill_color=color, fill_opacity=a, stroke_width=0) for a in self.opacities
        ]
        super().__init__(*layers, **kwargs)
        self.light = np.array([0.0, 0.0, 1.0]) if light is None else np.asarray(light, float)
        self.set_positions(positions)

    def set_light(self, light: np.ndarray) -> WarpedSurface:
        """Shade (and wind) the faces for a viewer along ``light``; returns self."""
        self.light = np.asarray(light, dtype=np.float64) / np.linalg.norm(light)
        return self.set_positions(self.positions)

    def set_positions(self, positions: np.ndarray) -> WarpedSurface:
        """Move the mesh nodes to ``positions`` (``(n, m, 3)``); returns self."""
        p = np.asarray(positions, dtype=np.float64)
        self.positions = p
        a, b, c, d = p[:-1, :-1], p[1:, :-1], p[1:, 1:], p[:-1, 1:]
        normal = np.cross(c - a, d - b).reshape(-1, 3)
        size = np.linalg.norm(normal, axis=1)
        facing = normal @ self.light / np.maximum(size, 1e-12)
        corners = np.stack([a, b, c, d], axis=2).reshape(-1, 4, 3)
        corners = np.where((facing < 0)[:, None, None], corners[:, ::-1], corners)
        ends = np.roll(corners, -1, axis=1)
        edges = np.stack([corners, (2 * corners + ends) / 3, (corners + 2 * ends) / 3, ends], 2)
        shade = np.minimum(
            (np.abs(facing) * len(self.opacities)).astype(int), len(self.opacities) - 1
        )
        shade[size < 1e-12] = 0  # a face squashed to a line or a point
        for level, layer in enumerate(self.submobjects):
            layer.points = edges[shade == level].reshape(-1, 3)
        return self

    def get_positions(self) -> np.ndarray:
        return self.positions


# ---------------------------------------------------------------------------
# Stage animation
# ---------------------------------------------------------------------------


class StageMorph(Animation):
    """Interpolate objects between two arrays of data coordinates, zooming the viewport.

    Each mover is ``(mobject, start, end)`` with ``start``/``end`` of the same
    shape ``(..., 3)`` in data coordinates; the mobject needs
    ``set_positions(scene_points)``. At time ``t`` a mover sits at
    ``(1 - t) * start + t * end``: for an activation stage that is
    ``(1 - t) x + t f(x)``, for a linear one ``((1 - t) I + t W) x``. The
    viewport's scale moves geometrically from ``scales[0]`` to ``scales[1]``;
    with ``fit_scale`` it is instead ``fit_scale(data)`` of the movers'
    interpolated data on every frame, so that nothing overshoots the frame
    half-way through a stage that shrinks the data a lot.
    """

    def __init__(
        self,
        movers: Sequence[tuple[object, np.ndarray, np.ndarray]],
        viewport: Viewport,
        scales: tuple[float, float] | None = None,
        run_time: float = 1.5,
        rate_func=smooth,
        fit_scale: Callable[[list[np.ndarray]], float] | None = None,
        **kwargs,
    ) -> None:
        self.movers = [(m, _pad3(np.asarray(a)), _pad3(np.asarray(b))) for m, a, b in movers]
        self.viewport = viewport
        self.scales = scales or (viewport.scale, viewport.scale)
        self.fit_scale = fit_scale
        group = VGroup(*[m for m, _, _ in self.movers])
        super().__init__(group, run_time=run_time, rate_func=rate_func, **kwargs)

    def interpolate_mobject(self, alpha: float) -> None:
        t = self.rate_func(alpha)
        s0, s1 = self.scales
        data = [(1 - t) * start + t * end for _, start, end in self.movers]
        if self.fit_scale is not None:
            self.viewport.scale = float(self.fit_scale(data))
        else:
            self.viewport.scale = float(np.exp((1 - t) * np.log(s0) + t * np.log(s1)))
        for (mob, _, _), points in zip(self.movers, data, strict=True):
            mob.set_positions(self.viewport.to_scene(points))

    def clean_up_from_scene(self, scene: Scene) -> None:
        super().clean_up_from_scene(scene)
        self.interpolate_mobject(1.0)


class NetworkView:
    """A trained network's points and grid at one snapshot, stage by stage (2-D or 3-D).

    Holds a :class:`PointCloud` (``.cloud``) and a :class:`WarpedGrid`
    (``.grid``) and builds the animations that carry them through stages.
    Positions per stage: points from the states' ``trace``, grid lines pushed
    through ``States.apply`` (width changes pad with zeros, wider than 3 go
    through the states' projection). The viewport zooms per stage so the grid
    fits a disc of radius ``fit`` scene units around ``center``.

    Parameters
    ----------
    states
        Loaded states (``model.cache.states_for(...)``).
    snapshot
        Which training snapshot (``-1``: the trained network).
    extent
        Input-space grid box ``(xmin, xmax, ymin, ymax)``; default: the data's
        bounding box plus 10%.
    """

    def __init__(
        self,
        states: States,
        snapshot: int = -1,
        center: np.ndarray = ORIGIN,
        fit: float = 3.2,
        extent: Sequence[float] | None = None,
        lines: int | tuple[int, int] = 17,
        samples: int = 48,
        radius: float = 0.035,
        pal: Palette | None = None,
        grid_width: float = 1.2,
        fit_to: str = "grid",
        surface: int = 0,
    ) -> None:
        self.states = states
        self.snapshot = snapshot
        self.pal = pal or palette()
        self.fit = float(fit)
        self.fit_to = fit_to
        inputs = np.asarray(states["inputs"], dtype=np.float64)
        if extent is None and inputs.shape[1] == 2:
            lo, hi = inputs.min(0), inputs.max(0)
            pad = 0.1 * (hi - lo)
            extent = (lo[0] - pad[0], hi[0] + pad[0], lo[1] - pad[1], hi[1] + pad[1])
        self.has_grid = extent is not None and inputs.shape[1] <= 3
        self.grid_input = None  # (lines, samples, d0) input-space grid
        self.surface_input = None  # (n, n, d0) input-space mesh nodes, with ``surface``
        if self.has_grid:
            self.grid_input = grid_lines(extent, lines, samples)
            if inputs.shape[1] == 3:
                self.grid_input = np.pad(self.grid_input, ((0, 0), (0, 0), (0, 1)))
            elif surface:
                self.surface_input = mesh_nodes(extent, surface)
        self._load(snapshot)
        self.viewport = Viewport(np.asarray(center, dtype=np.float64), self.scale_for(0))
        self.cloud = PointCloud(
            self.viewport.to_scene(self.trace[0]),
            states["labels"],
            self.pal.classes[: states.n_classes],
            radius=radius,
        )
        self.grid = WarpedGrid(
            self.viewport.to_scene(self.grid_data[0] if self.has_grid else np.zeros((1, 2, 3))),
            color=self.pal.grid,
            stroke_width=grid_width if self.has_grid else 0,
        )
        self.surface = None
        if self.surface_input is not None:
            self.surface = WarpedSurface(
                self.viewport.to_scene(self.surface_data[0]), color=self.pal.grid
            )
        self.stage = 0

    @property
    def n_stages(self) -> int:
        return len(self.trace)

    def scale_for(self, stage: int) -> float:
        """The viewport scale that fits stage ``stage`` into a disc of radius ``fit``."""
        use_grid = self.fit_to == "grid" and self.has_grid
        return self.scale_of(self.grid_data[stage] if use_grid else self.trace[stage])

    def scale_of(self, data: np.ndarray) -> float:
        """The viewport scale that fits ``data`` (points or grid, data coordinates)."""
        reach = float(np.max(np.abs(data))) if data.size else 1.0
        return self.fit / max(reach, 1e-6)

    def positions(self, stage: int) -> np.ndarray:
        """``(P, 3)`` data coordinates of the points after stage ``stage``."""
        return self.trace[stage]

    def set_stage(self, stage: int) -> NetworkView:
        """Jump to a stage without animation; returns self."""
        self.stage = stage % self.n_stages
        self.viewport.scale = self.scale_for(self.stage)
        for mob, data in self._shown(self.stage):
            mob.set_positions(self.viewport.to_scene(data))
        return self

    def make_stage_animation(
        self, stage: int | None = None, run_time: float = 1.5, zoom: bool = True, **kwargs
    ) -> StageMorph:
        """Animate from stage ``stage - 1`` to ``stage`` (default: the next one)."""
        stage = self.stage + 1 if stage is None else stage
        movers = [
            (m, a, b)
            for (m, a), (_, b) in zip(self._shown(stage - 1), self._shown(stage), strict=True)
        ]
        s0 = self.scale_for(stage - 1)
        s1 = self.scale_for(stage) if zoom else s0
        self.stage = stage
        return StageMorph(
            movers, self.viewport, (s0, s1), run_time=run_time, **self._fit(zoom), **kwargs
        )

    def _fit(self, zoom: bool = True) -> dict:
        """StageMorph arguments that keep the fitted data at ``fit`` on every frame."""
        if not zoom:
            return {}
        index = 1 if self.fit_to == "grid" and self.has_grid else 0  # movers: cloud, grid
        return {"fit_scale": lambda data: self.scale_of(data[index])}

    def make_snapshot_animation(self, snapshot: int, run_time: float = 1.0, **kwargs) -> StageMorph:
        """Animate the current stage from this snapshot's positions to another snapshot's."""
        t = self.stage
        before = self._shown(t)
        s0 = self.scale_for(t)
        self._load(snapshot)
        movers = [(m, a, b) for (m, a), (_, b) in zip(before, self._shown(t), strict=True)]
        scales = (s0, self.scale_for(t))
        return StageMorph(movers, self.viewport, scales, run_time=run_time, **self._fit(), **kwargs)

    def _shown(self, stage: int) -> list[tuple[VMobject, np.ndarray]]:
        """(mobject, data) of the cloud, the grid and the surface (those shown) at ``stage``."""
        shown = [(self.cloud, self.trace[stage])]
        if self.has_grid:
            shown.append((self.grid, self.grid_data[stage]))
        if self.surface is not None:
            shown.append((self.surface, self.surface_data[stage]))
        return shown

    def _load(self, snapshot: int) -> None:
        """Points and grid of every stage at one snapshot (keeps the mobjects)."""
        self.snapshot = snapshot
        self.trace = np.asarray(self.states["trace"][snapshot])  # (T, P, 3)
        self.grid_data = self._through_stages(self.grid_input, snapshot)  # (lines, samples, 3)
        self.surface_data = self._through_stages(self.surface_input, snapshot)  # (n, n, 3)

    def _through_stages(self, data: np.ndarray | None, snapshot: int) -> list[np.ndarray]:
        """Input-space ``data`` after every stage, in the shown (projected) coordinates."""
        shown = []
        if data is not None:
            true = data
            for t in range(len(self.trace)):
                true = self.states.apply(true, t, snapshot)
                shown.append(self.states.project(true, t))
        return shown

    def output_logits(self, hidden: np.ndarray) -> np.ndarray:
        """The output layer applied to last-hidden-space points (linear + bias)."""
        last = self.states.n_layers - 1
        w = self.states.weights(self.snapshot)[last]
        b = self.states.biases(self.snapshot)[last]
        return np.asarray(hidden)[..., : w.shape[1]] @ w.T + b


def _fix_image_display() -> None:
    """Let manim 0.22 draw ImageMobjects under Pillow >= 12.

    manim's ``Camera.display_image_mobject`` makes its blank canvas with
    ``Image.fromarray(np.zeros((h, w)), mode="RGBA")``, which new Pillow
    rejects ("Invalid mode for data type"). While that method runs, such a call
    gets a blank RGBA image instead; every other call is passed through.
    """
    from manim.camera.camera import Camera
    from PIL import Image

    if getattr(Camera.display_image_mobject, "fixed_canvas", False):
        return
    try:
        Image.fromarray(np.zeros((1, 1)), mode="RGBA")
        return  # this Pillow still accepts it: nothing to fix
    except (ValueError, TypeError):
        pass
    original = Camera.display_image_mobject
    real_fromarray = Image.fromarray

    def fromarray(obj, mode=None):
        arr = np.asarray(obj)
        if mode == "RGBA" and arr.ndim == 2:  # manim's blank canvas
            return Image.new("RGBA", (arr.shape[1], arr.shape[0]))
        if mode == "RGBA" and arr.ndim == 3 and arr.dtype == np.uint8:
            return real_fromarray(arr)  # mode is implied, and deprecated as an argument
        return real_fromarray(obj) if mode is None else real_fromarray(obj, mode)

    def display_image_mobject(self, image_mobject, pixel_array):
        Image.fromarray = fromarray
        try:
            return original(self, image_mobject, pixel_array)
        finally:
            Image.fromarray = real_fromarray

    display_image_mobject.fixed_canvas = True
    Camera.display_image_mobject = display_image_mobject


_fix_image_display()


# ---------------------------------------------------------------------------
# Decision boundaries
# ---------------------------------------------------------------------------


def class_image(
    classes: np.ndarray,
    colors: Sequence[str],
    opacity: float = 0.35,
    resampling: str = "bilinear",
) -> ImageMobject:
    """An RGBA image of a class map: row 0 is the *lowest* y, as in ``grid_pred``.

    Size and place it with ``stretch_to_fit_width/height`` and ``move_to``.
    """
    rgb = np.array([ManimColor(c).to_int_rgb() for c in colors], dtype=np.uint8)
    cls = np.asarray(classes, dtype=int)[::-1]  # image rows run downwards
    rgba = np.empty((*cls.shape, 4), dtype=np.uint8)
    rgba[..., :3] = rgb[cls % len(rgb)]
    rgba[..., 3] = round(255 * opacity)
    image = ImageMobject(rgba)
    image.set_resampling_algorithm(RESAMPLING_ALGORITHMS[resampling])
    return image


def decision_regions(
    view: NetworkView,
    box: tuple[float, float, float, float],
    resolution: int = 200,
    opacity: float = 0.25,
) -> ImageMobject:
    """Shade a 2-D last hidden space by the output layer's predicted class.

    ``box`` is ``(xmin, xmax, ymin, ymax)`` in *scene* coordinates; the image
    covers it and is computed through the view's current viewport.
    """
    xmin, xmax, ymin, ymax = box
    aspect = (ymax - ymin) / (xmax - xmin)
    nx, ny = resolution, max(2, round(resolution * aspect))
    xs, ys = np.meshgrid(np.linspace(xmin, xmax, nx), np.linspace(ymin, ymax, ny))
    scene_pts = np.stack([xs, ys, np.zeros_like(xs)], -1)
    hidden = view.viewport.to_data(scene_pts)
    classes = view.output_logits(hidden).argmax(-1)
    image = class_image(classes, view.pal.classes, opacity=opacity)
    image.stretch_to_fit_width(xmax - xmin).stretch_to_fit_height(ymax - ymin)
    return image.move_to([(xmin + xmax) / 2, (ymin + ymax) / 2, 0])


def half_planes(
    line: Line, box: tuple[float, float, float, float], colors: Sequence[str], opacity: float = 0.25
) -> VGroup:
    """The two sides of a :func:`decision_line` as filled polygons clipped to ``box``.

    Child ``k`` is class ``k``'s side in ``colors[k]``. Much cheaper to draw at 1080p
    than an image (two polygons instead of a resampled full-frame bitmap).
    """
    xmin, xmax, ymin, ymax = box
    corners = np.array([[xmin, ymin], [xmax, ymin], [xmax, ymax], [xmin, ymax]])
    n, k = np.asarray(line.normal_scene), float(line.offset_scene)
    sides = VGroup()
    for cls, sign in ((0, -1.0), (1, 1.0)):
        kept = []  # Sutherland-Hodgman: clip the box by sign * (n . p + k) >= 0
        for i in range(4):
            p, q = corners[i], corners[(i + 1) % 4]
            fp, fq = sign * (n @ p + k), sign * (n @ q + k)
            if fp >= 0:
                kept.append(p)
            if fp * fq < 0:
                kept.append(p + (q - p) * fp / (fp - fq))
        poly = VMobject(fill_color=colors[cls], fill_opacity=opacity, stroke_width=0)
        if len(kept) >= 3:
            poly.set_points_as_corners([[*v, 0.0] for v in [*kept, kept[0]]])
        sides.add(poly)
    return sides


def decision_line(
    view: NetworkView,
    box: tuple[float, float, float, float],
    color: str | None = None,
    stroke_width: float = 4.0,
) -> Line | None:
    """The two-class decision line ``logit_1 = logit_0`` in the (2-D) last hidden space.

    Clipped to ``box`` (scene coordinates); ``None`` if it misses the box or the
    output has more than two classes.
    """
    if view.states.n_classes != 2:
        return None
    last = view.states.n_layers - 1
    w = view.states.weights(view.snapshot)[last]
    b = view.states.biases(view.snapshot)[last]
    normal, offset = w[1] - w[0], b[1] - b[0]  # normal . h + offset = 0
    # in scene coordinates: h = (p - c) / s
    c, s = view.viewport.center[:2], view.viewport.scale
    n_scene = normal[:2] / s
    k = offset - n_scene @ c
    xmin, xmax, ymin, ymax = box
    hits = []
    for x in (xmin, xmax):
        if abs(n_scene[1]) > 1e-12:
            y = -(k + n_scene[0] * x) / n_scene[1]
            if ymin - 1e-9 <= y <= ymax + 1e-9:
                hits.append((x, y))
    for y in (ymin, ymax):
        if abs(n_scene[0]) > 1e-12:
            x = -(k + n_scene[1] * y) / n_scene[0]
            if xmin - 1e-9 <= x <= xmax + 1e-9:
                hits.append((x, y))
    if len(hits) < 2:
        return None
    hits = np.array(hits)
    far = np.argmax(np.linalg.norm(hits - hits[0], axis=1))
    p, q = hits[0], hits[far]
    line = Line([*p, 0], [*q, 0], color=color or view.pal.accent, stroke_width=stroke_width)
    line.normal_scene = n_scene  # (2,) class 1 lies where normal . p + k > 0
    line.offset_scene = k
    return line


# ---------------------------------------------------------------------------
# Text: captions, numbers, legend
# ---------------------------------------------------------------------------


def matrix_text(
    name: str, values: np.ndarray, color: str, font_size: float = 22, digits: int = 2
) -> Text:
    """``name = [ ... ]`` in monospace, one row per line (a vector is one column)."""
    v = np.atleast_2d(np.asarray(values, dtype=np.float64))
    if v.shape[0] == 1:
        v = v.T
    cells = [[f"{x:+.{digits}f}" for x in row] for row in v]
    width = max(len(c) for row in cells for c in row)
    rows = ["  ".join(c.rjust(width) for c in row) for row in cells]
    pad = " " * (len(name) + 3)
    mid = (len(rows) - 1) // 2
    lines = [(f"{name} = " if i == mid else pad) + "[ " + row + " ]" for i, row in enumerate(rows)]
    return Text("\n".join(lines), font=MONO, font_size=font_size, color=color)


def stage_detail(states: States, stage: int, snapshot: int, pal: Palette) -> VGroup:
    """The numbers of a stage where they fit: W for linear, b for bias, f for activation."""
    layer, kind = states.stages()[stage]
    group = VGroup()
    if kind == "linear" and max(states.widths[layer], states.widths[layer + 1]) <= 3:
        group.add(matrix_text("W", states.weights(snapshot)[layer], pal.ink))
    elif kind == "bias" and states.widths[layer + 1] <= 3:
        group.add(matrix_text("b", states.biases(snapshot)[layer], pal.ink))
    elif kind == "activation":
        act = states.activations[layer]
        group.add(text(f"{act}, each coordinate", pal.ink, 22))
    elif kind == "input":
        group.add(text(f"{len(states['labels'])} points", pal.muted, 22))
    return group


class Caption(VGroup):
    """A title line plus an optional detail block, at a corner or an anchor; swaps with a fade.

    ``caption.make_change_animation("layer 2 - bias", stage_detail(...))`` returns
    the animation and makes the new text the caption's content.
    """

    def __init__(
        self,
        pal: Palette,
        corner: np.ndarray = UP + LEFT,
        anchor: np.ndarray | None = None,
        font_size: float = 34,
    ) -> None:
        super().__init__()
        self.pal, self.corner, self.anchor, self.font_size = pal, corner, anchor, font_size

    def _build(self, title: str, detail: VGroup | None) -> VGroup:
        head = text(title, self.pal.ink, self.font_size)
        block = VGroup(head)
        if detail is not None and len(detail):
            block.add(detail.next_to(head, DOWN, buff=0.2, aligned_edge=LEFT))
        # never wider than the room to the frame's right edge (from the anchor, or the corner)
        left = self.anchor[0] if self.anchor is not None else -config.frame_width / 2 + 0.4
        room = config.frame_width / 2 - 0.2 - left
        if block.width > room:
            block.scale_to_fit_width(room)
        if self.anchor is not None:  # the block's upper-left corner goes here
            return block.move_to(self.anchor, aligned_edge=UP + LEFT)
        return block.to_corner(self.corner, buff=0.4)

    def make_change_animation(
        self, title: str, detail: VGroup | None = None, run_time: float = 0.5
    ) -> Animation:
        """Fade the current caption out and the new one in."""
        new = self._build(title, detail)
        old = VGroup(*self.submobjects)
        anims = [FadeIn(new, shift=0.1 * DOWN)]
        if len(old):
            anims.insert(0, FadeOut(old))
        self.remove(*self.submobjects)
        self.add(new)
        return AnimationGroup(*anims, run_time=run_time)


def text(content: str, color: str, font_size: float = 26, mono: bool = False) -> Text:
    """A ``Text`` in the house font (sans for words, ``mono=True`` for numbers)."""
    return Text(content, font=MONO if mono else SANS, font_size=font_size, color=color)


def legend(labels: Sequence[str], pal: Palette, font_size: float = 26) -> VGroup:
    """A column of coloured dots with class names (class ``k`` gets ``pal.classes[k]``)."""
    rows = VGroup()
    for k, label in enumerate(labels):
        dot = VMobject(fill_color=pal.class_color(k), fill_opacity=1, stroke_width=0)
        dot.points = 0.09 * _circle_template()
        name = text(label, pal.ink, font_size)
        rows.add(VGroup(dot, name.next_to(dot, RIGHT, buff=0.15)))
    return rows.arrange(DOWN, aligned_edge=LEFT, buff=0.15)
