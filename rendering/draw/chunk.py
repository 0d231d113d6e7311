"""Drawing a chunk: every way a scene's frames are drawn straight into its outputs.

- :func:`render_chunk`: plays ``[start, end)`` of a planned scene.
- :func:`render_open_chunk`: chunk 0, started beside the scene's plan, with no
  end yet: when the plan comes it chooses where to stop, so that it gets its
  share of the scene (:func:`rendering.plan.cuts.open_cut`), and says so
  through :mod:`rendering.draw.messages`; the batch cuts the rest from there.
- :func:`render_whole`: a scene in one chunk, with no plan at all: it counts its
  own plays as it draws them.
- :func:`render_alpha`: the transparent formats, from a second, transparent render.

Each sends its frames to :class:`rendering.outputs.segments.ChunkOutputs`.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from rendering.draw.messages import FileMessages, Messages
from rendering.draw.patches import counting_plays
from rendering.draw.scene import background_of, render_range
from rendering.outputs.encode import VideoSink, poster_index_for, unmix_background
from rendering.outputs.segments import ChunkOutputs
from rendering.plan.cuts import open_cut
from rendering.plan.options import ALPHA_FORMATS, FORMATS, RenderOptions

__all__ = ["POSTER_KEPT_BYTES", "render_alpha", "render_chunk", "render_open_chunk", "render_whole"]


def render_chunk(
    scene_cls: type,
    plays: tuple[int, int],
    first_frame: int,
    n_frames: int,
    formats: Sequence[str],
    options: RenderOptions,
    poster_index: int,
    work: Path,
    index: int,
    progress: Callable[[int], None] = lambda done: None,
) -> int:
    """Render plays ``[start, end)`` straight into this chunk's segments; returns its frames.

    ``first_frame`` is the chunk's first frame in the whole scene of
    ``n_frames`` frames (from :func:`rendering.draw.scene.plan_scene`); the GIF frames and the
    poster that fall inside the chunk are taken here, from the lossless frames.
    """
    work.mkdir(parents=True, exist_ok=True)
    outputs = ChunkOutputs(work, index, formats, options, first_frame, n_frames, poster_index)

    def sink(rgba: np.ndarray, repeat: int) -> None:
        outputs.add(rgba, repeat)
        progress(outputs.count)

    render_range(scene_cls, options, work / f"manim{index}", plays, sink)
    outputs.close()
    shutil.rmtree(work / f"manim{index}", ignore_errors=True)
    return outputs.count


def render_open_chunk(
    scene_cls: type,
    formats: Sequence[str],
    options: RenderOptions,
    work: Path,
    progress: Callable[[int], None] = lambda done: None,
    wait: float = 0.05,
    messages: Messages | None = None,
) -> dict:
    """Chunk 0, started at once, beside the plan, with no end yet.

    The plan, when it is done, comes through ``messages`` (default: files in
    ``work``, :class:`FileMessages`): frames per play, poster frame, chunk
    count, or ``failed``. At the next frame this chunk reads it, chooses where
    it stops (:func:`rendering.plan.cuts.open_cut`) and says so (``tell_cut``); from that the batch
    cuts the other chunks. A chunk that reaches the end first waits for the
    plan. A chunk 0 run again (Dask retries a chunk whose worker died) keeps
    the cut already said. Returns ``count``, ``end`` (the cut) and ``poster_missed`` (the
    poster was already past).
    """
    from manim import config

    messages = messages or FileMessages(work)
    work.mkdir(parents=True, exist_ok=True)
    outputs = ChunkOutputs(work, 0, formats, options, 0, None, None)
    state: dict = {"scene": None, "end": None, "frames": None}

    def decide(plan: dict, plays_started: int) -> None:
        if plan.get("failed"):
            raise RuntimeError("the scene's plan failed")
        frames = plan["frames"]
        told = messages.cut()  # already said: this is chunk 0 again, after its worker died
        if told is not None:
            end = int(told["end"])  # the batch has cut the rest from there
        else:
            end = open_cut(frames, plays_started, outputs.count, plan["chunks"], plan.get("still"))
        state["end"], state["frames"] = end, frames
        config.upto_animation_number = end - 1
        outputs.know_total(int(sum(frames)), int(plan["poster"]))
        if told is None:
            messages.tell_cut({"end": end, "poster_missed": outputs.poster_missed})

    def sink(rgba: np.ndarray, repeat: int) -> None:
        if state["end"] is None and (plan := messages.plan()) is not None:
            decide(plan, state["scene"].renderer.num_plays + 1)
        outputs.add(rgba, repeat)
        progress(outputs.count)

    def created(scene) -> None:
        state["scene"] = scene

    render_range(scene_cls, options, work / "manim0", None, sink, created=created)
    while state["end"] is None:  # the whole scene drawn before the plan came
        if (plan := messages.plan()) is not None:
            decide(plan, len(plan.get("frames", [])))
        else:
            time.sleep(wait)
    outputs.close()
    shutil.rmtree(work / "manim0", ignore_errors=True)
    expected = int(sum(state["frames"][: state["end"]]))
    if outputs.count != expected:
        raise RuntimeError(f"chunk 0 wrote {outputs.count} frames, the plan said {expected}")
    return {"count": outputs.count, "end": state["end"], "poster_missed": outputs.poster_missed}


POSTER_KEPT_BYTES = 256 << 20  # frames kept as poster candidates, at most


def render_whole(
    scene_cls: type,
    formats: Sequence[str],
    options: RenderOptions,
    work: Path,
    poster_time: float,
    progress: Callable[[int], None] = lambda done: None,
) -> dict:
    """A scene drawn whole as chunk 0, with no plan: it counts its own plays as it draws.

    For a scene in one chunk the plan would only count frames, and a scene
    whose poster is timed from its end (``poster_time`` < 0, or ``--poster-at``)
    can keep its last frames until the count is known. The frames since the
    poster's earliest place are kept (a still wait once), within
    ``POSTER_KEPT_BYTES``; past that, ``poster_missed`` says the batch must
    draw the poster again. Returns what the plan and chunk 0 would have:
    ``count``, ``end``, ``frames`` (per play), ``still``, ``background``,
    ``poster`` and ``poster_missed``.
    """
    seconds = options.poster_seconds(poster_time)
    if seconds is None or seconds >= 0:
        raise ValueError("render_whole needs a poster timed from the end (a negative time)")
    back = -round(seconds * options.fps)
    work.mkdir(parents=True, exist_ok=True)
    outputs = ChunkOutputs(work, 0, formats, options, 0, None, None)
    kept: list[tuple[int, int, np.ndarray]] = []  # (first frame, last frame, pixels)
    state: dict = {"scene": None}

    def sink(rgba: np.ndarray, repeat: int) -> None:
        first = outputs.count
        outputs.add(rgba, repeat)
        progress(outputs.count)
        kept.append((first, outputs.count - 1, rgba.copy()))
        # The poster is at least ``back`` frames before the last; the end is no earlier.
        while kept and kept[0][1] < outputs.count - 1 - back:
            kept.pop(0)
        while sum(pixels.nbytes for _, _, pixels in kept) > POSTER_KEPT_BYTES:
            kept.pop(0)  # the poster may be lost with it: then it is drawn again

    counts: list[int] = []
    still: list[bool] = []
    with counting_plays(counts, still):
        render_range(scene_cls, options, work / "manim0", None, sink,
                     created=lambda scene: state.update(scene=scene))  # fmt: skip
    shutil.rmtree(work / "manim0", ignore_errors=True)
    total = outputs.count
    if total != sum(counts):
        raise RuntimeError(f"the scene wrote {total} frames, its plays count {sum(counts)}")
    poster = poster_index_for(total, options, poster_time)
    outputs.know_total(total, poster)
    found = [pixels for first, last, pixels in kept if first <= poster <= last]
    if found:
        outputs.save_poster(found[0])
    outputs.close()
    return {
        "count": total,
        "end": len(counts),
        "frames": counts,
        "still": still,
        "background": background_of(state["scene"]),
        "poster": poster,
        "poster_missed": not found,
    }


def render_alpha(
    scene_cls: type, formats: Sequence[str], options: RenderOptions, work: Path
) -> dict[str, Path]:
    """The transparent formats, from a second, transparent render of the whole scene."""
    wanted = [fmt for fmt in formats if fmt in ALPHA_FORMATS]
    files = {fmt: work / f"alpha{FORMATS[fmt][0]}" for fmt in wanted}
    if not wanted:
        return files
    frames: list[tuple[np.ndarray, int]] = []
    background = render_range(
        scene_cls, options, work / "manim-alpha", None,
        lambda px, n: frames.append((px.copy(), n)), transparent=True,
    )  # fmt: skip
    sinks = [VideoSink(f, p, options.width, options.height, options.fps) for f, p in files.items()]
    for rgba, repeat in frames:
        straight = unmix_background(rgba, background)
        for _ in range(repeat):
            for video in sinks:
                video.add(np.ascontiguousarray(rgba[..., :3]), straight)
    for video in sinks:
        video.close()
    shutil.rmtree(work / "manim-alpha", ignore_errors=True)
    return files
