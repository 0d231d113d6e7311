"""A trained network's points and grid, carried stage by stage: NetworkView and StageMorph.

Every position goes through :func:`model.stages.apply_stage` (via
``States.apply``), so the grid and the points always agree with the network.
Works in 2-D and 3-D (``ThreeDScene``) and across width changes (2 -> 3 pads
with zeros); layers wider than 3 are shown through the states' projection.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from manim import ORIGIN, Animation, Scene, VGroup, VMobject, smooth

from model.project import pad3
from model.states import States
from scenes.lib.mobjects import PointCloud, WarpedGrid, WarpedSurface, grid_lines, mesh_nodes
from scenes.lib.palette import Palette, palette
from scenes.lib.viewport import TiltedViewport, Viewport, tilt_rotation

__all__ = ["NetworkView", "StageMorph", "TiltedView", "moving_stages"]


class StageMorph(Animation):
    """Interpolate objects between two arrays of data coordinates, zooming the viewport.

    Each mover is ``(mobject, start, end)`` with ``start``/``end`` of the same
    shape ``(..., 3)`` in data coordinates; the mobject needs
    ``set_positions(scene_points)``. At time ``t`` a mover sits at
    ``(1 - t) * start + t * end``: for an activation stage that is
    ``(1 - t) x + t f(x)``, for a linear one ``((1 - t) I + t W) x``. The
    viewport's scale moves geometrically from ``scales[0]`` to ``scales[1]`` (and
    its centre from ``centers[0]`` to ``centers[1]``, if given); with ``fit_view``
    the viewport's centre and scale are instead ``fit_view(data)`` of the movers'
    interpolated data on every frame, so the view follows what it fits (eased as
    the movers are, never a jump) and nothing overshoots the frame half-way
    through a stage.
    With ``fit_box`` ``fit_view`` is given each mover's bounding box, moved from
    the start's box to the end's as the points move: every point stays inside it
    (a point's coordinates lie between its start's and its end's), and the view
    moves as smoothly as the rate function, even where ``(1 - t) I + t W`` passes
    near a singular matrix and the points' own extent turns sharply.
    """

    def __init__(
        self,
        movers: Sequence[tuple[object, np.ndarray, np.ndarray]],
        viewport: Viewport,
        scales: tuple[float, float] | None = None,
        run_time: float = 1.5,
        rate_func=smooth,
        fit_view: Callable[[list[np.ndarray]], tuple[np.ndarray, float]] | None = None,
        fit_box: bool = False,
        centers: tuple[np.ndarray, np.ndarray] | None = None,
        **kwargs,
    ) -> None:
        self.movers = [(m, pad3(np.asarray(a)), pad3(np.asarray(b))) for m, a, b in movers]
        self.viewport = viewport
        self.scales = scales or (viewport.scale, viewport.scale)
        self.centers = None if centers is None else [np.array(c, dtype=np.float64) for c in centers]
        self.fit_view = fit_view
        self.boxes = [(_corners(a), _corners(b)) for _, a, b in self.movers] if fit_box else None
        group = VGroup(*[m for m, _, _ in self.movers])
        super().__init__(group, run_time=run_time, rate_func=rate_func, **kwargs)

    def interpolate_mobject(self, alpha: float) -> None:
        t = self.rate_func(alpha)
        s0, s1 = self.scales
        data = [(1 - t) * start + t * end for _, start, end in self.movers]
        if self.fit_view is not None:
            fitted = data if self.boxes is None else [(1 - t) * a + t * b for a, b in self.boxes]
            center, scale = self.fit_view(fitted)
            self.viewport.center, self.viewport.scale = np.asarray(center, np.float64), float(scale)
        else:
            self.viewport.scale = float(np.exp((1 - t) * np.log(s0) + t * np.log(s1)))
            if self.centers is not None:
                self.viewport.center = (1 - t) * self.centers[0] + t * self.centers[1]
        for (mob, _, _), points in zip(self.movers, data, strict=True):
            mob.set_positions(self.viewport.to_scene(points))

    def clean_up_from_scene(self, scene: Scene) -> None:
        super().clean_up_from_scene(scene)
        self.interpolate_mobject(1.0)


def _corners(data: np.ndarray) -> np.ndarray:
    """The bounding box of ``(..., 3)`` data as its two corners, ``(2, 3)``."""
    flat = data.reshape(-1, data.shape[-1])
    if not len(flat):
        return np.zeros((2, data.shape[-1]))
    return np.stack([flat.min(0), flat.max(0)])


class NetworkView:
    """A trained network's points and grid at one snapshot, stage by stage (2-D or 3-D).

    Holds a :class:`PointCloud` (``.cloud``) and a :class:`WarpedGrid`
    (``.grid``) and builds the animations that carry them through stages.
    Positions per stage: points from the states' ``trace``, grid lines pushed
    through ``States.apply`` (width changes pad with zeros, wider than 3 go
    through the states' projection). The viewport zooms per stage so the grid
    (``fit_to="grid"``) or the points (``"points"``) fit a disc of radius ``fit``
    scene units around ``center``; with ``"extent"`` it also pans, so the points'
    bounding box fills the square of half-size ``fit`` around ``center`` (flat
    views; pass the grid a ``clip`` box then, as it reaches past the square).
    With ``centred`` (3-D views) it pans too: the middle of the fitted data's box
    goes to ``center`` and the data fill the ball of radius ``fit`` about it, so no
    camera angle takes them out of that ball and a shifted cloud (a bias) stays large;
    ``grid_reach`` then keeps the grid within that far of the centre too (fitting the
    points, a stretched grid holds the zoom back rather than run off the frame).

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
        clip: tuple[float, float, float, float] | None = None,
        centred: bool = False,
        grid_reach: float | None = None,
    ) -> None:
        self.states = states
        self.centred, self.grid_reach = centred, grid_reach
        self.snapshot = snapshot
        self.pal = pal or palette()
        self.fit = float(fit)
        self.fit_to = fit_to
        self.anchor = np.asarray(center, dtype=np.float64)
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
        self.viewport = Viewport(*self.view_for(0))
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
            clip=clip,
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
        """The viewport scale that fits stage ``stage`` (see ``fit_to``)."""
        return self.view_for(stage)[1]

    def view_for(self, stage: int) -> tuple[np.ndarray, float]:
        """The viewport's centre and scale that fit stage ``stage`` (see ``fit_to``)."""
        use_grid = self.fit_to == "grid" and self.has_grid
        grid = self.grid_data[stage] if self.has_grid else None
        return self.view_of(grid if use_grid else self.trace[stage], grid)

    def view_of(self, data: np.ndarray, grid: np.ndarray | None = None) -> tuple[np.ndarray, float]:
        """The viewport's centre and scale that fit ``data`` (points or grid, data coordinates);
        ``grid``, the grid's data at the same time, for ``grid_reach``."""
        if self.centred:
            limit = None if grid is None or self.grid_reach is None else (grid, self.grid_reach)
            return self.ball_view(data, self.fit, limit)
        if self.fit_to != "extent":
            return self.anchor, self.scale_of(data)
        flat = np.asarray(data, dtype=np.float64)[..., :2].reshape(-1, 2)
        lo, hi = flat.min(0), flat.max(0)
        scale = self.fit / max(0.5 * float((hi - lo).max()), 1e-6)
        return self.anchor - scale * np.array([*(0.5 * (lo + hi)), 0.0]), scale

    def ball_view(
        self, data: np.ndarray, radius: float, limit: tuple[np.ndarray, float] | None = None
    ) -> tuple[np.ndarray, float]:
        """Centre and scale that put the middle of ``data``'s box at ``center`` and ``data`` in
        the ball of ``radius`` about it; with ``limit = (other, r)``, smaller if need be, so
        ``other`` stays within ``r`` of the centre too."""

        def reach(points: np.ndarray) -> float:
            p = np.asarray(points, dtype=np.float64).reshape(-1, np.shape(points)[-1])
            return max(float(np.linalg.norm(p - mid, axis=-1).max()) if len(p) else 1.0, 1e-6)

        x = np.asarray(data, dtype=np.float64).reshape(-1, np.shape(data)[-1])
        mid = 0.5 * (x.min(0) + x.max(0))
        scale = radius / reach(x)
        if limit is not None:
            scale = min(scale, limit[1] / reach(limit[0]))
        return self.anchor - scale * np.pad(mid, (0, 3 - len(mid))), scale

    def make_reframe_animation(
        self, center: np.ndarray, scale: float, run_time: float = 1.5, **kwargs
    ) -> StageMorph:
        """Pan and zoom the viewport to ``center`` and ``scale`` (nothing else moves)."""
        movers = [(m, a, a) for m, a in self._shown(self.stage)]
        return StageMorph(movers, self.viewport, (self.viewport.scale, float(scale)),
                          run_time=run_time, centers=(self.viewport.center, center),
                          **kwargs)  # fmt: skip

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
        self.viewport.center, self.viewport.scale = self.view_for(self.stage)
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

    def make_jump_animation(self, stage: int, run_time: float = 1.5) -> StageMorph:
        """Animate straight from the current stage to ``stage`` (back or forward, zooming)."""
        movers = [
            (m, a, b)
            for (m, a), (_, b) in zip(self._shown(self.stage), self._shown(stage), strict=True)
        ]
        scales = (self.scale_for(self.stage), self.scale_for(stage))
        self.stage = stage % self.n_stages
        return StageMorph(movers, self.viewport, scales, run_time=run_time, **self._fit())

    def _fit(self, zoom: bool = True) -> dict:
        """StageMorph arguments that keep the fitted data at ``fit`` on every frame."""
        if not zoom:
            return {}
        index = 1 if self.fit_to == "grid" and self.has_grid else 0  # movers: cloud, grid
        extent = self.fit_to == "extent" and not self.centred  # a ball's reach needs the points
        return {"fit_view": lambda data: self.view_of(data[index], data[1] if self.has_grid
                                                       else None), "fit_box": extent}  # fmt: skip

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


class TiltedView(NetworkView):
    """A :class:`NetworkView` seen obliquely (a :class:`TiltedViewport`, angles in radians).

    It fits what lands on the screen, not the data's box (a turned box reaches
    further out than its half-width).
    """

    def __init__(self, states: States, tilt: float, turn: float, **kwargs) -> None:
        self.rotation = tilt_rotation(tilt, turn)
        super().__init__(states, **kwargs)
        self.viewport = TiltedViewport(self.viewport.center, self.viewport.scale, tilt, turn)
        self.set_stage(self.stage)

    def scale_of(self, data: np.ndarray) -> float:
        """The viewport scale that fits ``data`` as it lands on the screen, turned."""
        x = np.asarray(data, dtype=np.float64)
        shown = x @ self.rotation[:2, : x.shape[-1]].T  # screen x and y, before scaling
        reach = float(np.max(np.abs(shown))) if shown.size else 1.0
        return self.fit / max(reach, 1e-6)


def moving_stages(states: States, snapshot: int = -1, tol: float = 1e-7) -> list[int]:
    """Stages that move the points (an inserted identity layer's stages do not)."""
    trace = states["trace"][snapshot]
    return [t for t in range(1, len(trace)) if np.abs(trace[t] - trace[t - 1]).max() > tol]
