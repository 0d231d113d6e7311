"""SpiralsStretching at 1080p60 against a naive drawing and the encoding floor, in one run.

Three renders to MP4 of the same number of frames with the same real states:

- ``scene``: ``SpiralsStretching`` as shipped (one VMobject per class, one grid VMobject,
  positions set from numpy arrays);
- ``naive``: the same storyboard and timings drawn the naive way: a ``VGroup`` of one
  ``Dot`` per point and a ``NumberPlane`` (``prepare_for_nonlinear_transform``), both
  moved by ``ApplyPointwiseFunction`` with the same stage functions;
- ``floor``: a still frame of the same content held for the same number of frames
  (drawn once, encoded every frame): what encoding alone costs.

Aims (issue 3): at least 5x faster than naive, within 2x of the floor.
``BENCH_SPIRALS_STAGES=N`` stops all three after N stages (a quicker, partial run);
``BENCH_SPIRALS_QUALITY=WxHxFPS`` changes the size (default 1920x1080x60).
"""

from __future__ import annotations

import os
import tempfile
import time

import numpy as np
from manim import (
    ApplyPointwiseFunction,
    Create,
    Dot,
    FadeIn,
    NumberPlane,
    Scene,
    VGroup,
    tempconfig,
)

from model.cache import states_for
from scenes.lib import Caption, NetworkView, apply_theme, stage_detail
from scenes.spirals import PRESET, SpiralsStretching

__all__ = ["run"]


def _max_stages() -> int | None:
    value = os.environ.get("BENCH_SPIRALS_STAGES")
    return int(value) if value else None


class _Scene(SpiralsStretching):
    max_stages = _max_stages()


class _Naive(Scene):
    """The same storyboard with one Dot per point and a pointwise-warped NumberPlane."""

    def setup(self) -> None:
        self.pal = apply_theme(self)

    def construct(self) -> None:
        knobs = _Scene
        states = states_for(PRESET)
        pal = self.pal
        view = NetworkView(states, center=knobs.plot_center, fit=knobs.plot_half, pal=pal)
        vp = view.viewport
        pts = vp.to_scene(view.trace[0])
        dots = VGroup(
            *[
                Dot(p, radius=0.035, color=pal.class_color(int(k)), stroke_width=0)
                for p, k in zip(pts, states["labels"], strict=True)
            ]
        )
        half = knobs.plot_half
        plane = NumberPlane(
            x_range=(-half, half, half / 8),
            y_range=(-half, half, half / 8),
            x_length=2 * half,
            y_length=2 * half,
            background_line_style={"stroke_color": pal.grid, "stroke_width": 1.2},
            axis_config={"stroke_color": pal.grid},
        ).move_to(knobs.plot_center)
        plane.prepare_for_nonlinear_transform()
        panel_x = knobs.plot_center[0] + half + 0.6
        caption = Caption(pal, anchor=np.array([panel_x, 3.4, 0]), font_size=32)
        self.play(
            Create(plane),
            FadeIn(dots),
            caption.make_change_animation("input", stage_detail(states, 0, -1, pal)),
            run_time=knobs.intro_seconds,
        )
        self.wait(knobs.pause_seconds)
        last = states.stage_index(states.n_layers - 2, "activation")
        shown = last if knobs.max_stages is None else min(last, knobs.max_stages)
        for t in range(1, shown + 1):
            s0, s1 = view.scale_for(t - 1), view.scale_for(t)
            center = np.asarray(knobs.plot_center, dtype=float)

            def warp(p, t=t, s0=s0, s1=s1, center=center):
                x = (np.asarray(p) - center) / s0
                y = states.apply(x[None, :2], t)[0]
                out = np.zeros(3)
                out[: len(y)] = y[:3]
                return center + s1 * out

            self.play(
                caption.make_change_animation(
                    states.stage_label(t), stage_detail(states, t, -1, pal)
                ),
                run_time=knobs.caption_seconds,
            )
            self.play(
                ApplyPointwiseFunction(warp, dots),
                ApplyPointwiseFunction(warp, plane),
                run_time=knobs.stage_seconds,
            )
            self.wait(knobs.pause_seconds)
        if shown == last:
            self.wait(2.5 + knobs.final_seconds)  # the final step's length, drawn still


class _Floor(Scene):
    """One still frame of the same content, held for as many frames as the scene has."""

    n_frames = 0

    def setup(self) -> None:
        self.pal = apply_theme(self)

    def construct(self) -> None:
        view = NetworkView(
            states_for(PRESET), center=_Scene.plot_center, fit=_Scene.plot_half, pal=self.pal
        )
        self.add(view.grid, view.cloud)
        self.wait(self.n_frames / self.camera.frame_rate)


def _config(size: tuple[int, int, int], media_dir: str, *, movie: bool) -> dict:
    """The ``tempconfig`` of one timed render: ``size`` is (width, height, fps); with
    ``movie`` an MP4 is written, without it nothing is."""
    width, height, fps = size
    config = {
        "pixel_width": width,
        "pixel_height": height,
        "frame_rate": fps,
        "media_dir": media_dir,
        "write_to_movie": movie,
        "disable_caching": True,
        "progress_bar": "none",
        "verbosity": "WARNING",
    }
    config.update({"format": "mp4"} if movie else {"save_last_frame": False})
    return config


def _render(scene_cls: type, size: tuple[int, int, int]) -> tuple[float, int]:
    """Render to an MP4 in a temporary folder: (seconds, frames written)."""
    with tempfile.TemporaryDirectory() as tmp, tempconfig(_config(size, tmp, movie=True)):
        start = time.perf_counter()
        scene = scene_cls()
        scene.render()
        seconds = time.perf_counter() - start
        return seconds, round(scene.renderer.time * size[2])


def _draw(scene_cls: type, size: tuple[int, int, int]) -> float:
    """Draw every frame without encoding (frames are counted, not written): seconds."""
    with tempfile.TemporaryDirectory() as tmp, tempconfig(_config(size, tmp, movie=False)):
        start = time.perf_counter()
        scene = scene_cls()
        renderer = scene.renderer

        def count_frame(frame, num_frames: int = 1) -> None:  # drawn, then dropped
            if not renderer.skip_animations:
                renderer.time += num_frames / renderer.camera.frame_rate

        renderer.add_frame = count_frame
        renderer.file_writer.finish = lambda: None  # no movie to combine
        scene.render()
        return time.perf_counter() - start


def run() -> list[dict]:
    states_for(PRESET, progress=False)  # trained beforehand: only rendering is timed
    size = tuple(int(v) for v in os.environ.get("BENCH_SPIRALS_QUALITY", "1920x1080x60").split("x"))
    scene_s, frames = _render(_Scene, size)
    naive_s, naive_frames = _render(_Naive, size)
    _Floor.n_frames = frames
    floor_s, _ = _render(_Floor, size)
    scene_draw = _draw(_Scene, size)
    naive_draw = _draw(_Naive, size)
    label = f"SpiralsStretching {size[0]}x{size[1]}@{size[2]}, {frames} frames"
    if _Scene.max_stages is not None:
        label += f" (first {_Scene.max_stages} stages)"
    return [
        {
            "benchmark": f"{label} vs naive Dots",
            "seconds": round(scene_s, 1),
            "baseline": f"naive {naive_s:.1f} s ({naive_frames} frames)",
            "ratio": round(naive_s / scene_s, 2),
            "aim": ">= 5x faster",
            "ok": naive_s / scene_s >= 5,
        },
        {
            "benchmark": f"{label} vs encoding floor",
            "seconds": round(scene_s, 1),
            "baseline": f"still frame {floor_s:.1f} s",
            "ratio": round(scene_s / floor_s, 2),
            "aim": "<= 2x the floor",
            "ok": scene_s / floor_s <= 2,
        },
        {
            "benchmark": f"{label}, drawing only (no encoding) vs naive Dots",
            "seconds": round(scene_draw, 1),
            "baseline": f"naive {naive_draw:.1f} s",
            "ratio": round(naive_draw / scene_draw, 2),
            "aim": "(information: the encoder's share left out)",
            "ok": None,
        },
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
