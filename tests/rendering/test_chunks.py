"""rendering.draw.scene: a scene cut into chunks gives the frames of a one-process render."""

from __future__ import annotations

import io
import itertools
import json
import subprocess
import sys
from pathlib import Path

import av
import numpy as np
import pytest
from render_harness import ROOT, assert_chunks_draw_whole, run_render

import rendering
import rendering.draw.chunk
import rendering.draw.scene
from model.files import TEMP_PREFIX
from rendering.draw.chunk import render_chunk, render_open_chunk
from rendering.draw.messages import CUT_FILE, PLAN_FILE
from rendering.draw.scene import plan_scene, scene_frames
from rendering.outputs.encode import poster_index_for
from rendering.outputs.segments import finish_outputs
from rendering.plan.cuts import open_cut, split_chunks
from rendering.plan.registry import load_scene_module
from rendering.plan.stamps import output_folder, quality_name


def _frames(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]


def test_split_chunks_cuts_contiguous_ranges_of_similar_frame_counts():
    frames = [10, 30, 5, 5, 40, 10, 20, 30]
    chunks = split_chunks(frames, 3)
    assert chunks[0][0] == 0 and chunks[-1][1] == len(frames)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(chunks))  # contiguous
    sizes = [sum(frames[start:end]) for start, end in chunks]
    assert len(chunks) == 3 and max(sizes) <= 2 * min(sizes)
    assert split_chunks([12], 4) == [(0, 1)]  # never an empty chunk
    assert split_chunks([1, 1], 5) == [(0, 1), (1, 2)]


@pytest.mark.parametrize("name", ["TanhOnGrid", "FullLayer"])
def test_chunked_frames_equal_a_one_process_render(name, tmp_path, monkeypatch):
    # Scenes whose later animations start from what the earlier ones left: a
    # chunk must run those skipped, as manim's -n does, and draw the same pixels.
    monkeypatch.setenv("BENDSPACE_THEME", "dark")
    scene_cls = getattr(load_scene_module(ROOT / "scenes" / "primer.py"), name)
    options = rendering.RenderOptions(128, 72, 4)
    counts, background = plan_scene(scene_cls, options, tmp_path)
    whole = list(scene_frames(scene_cls, options, tmp_path))
    assert len(whole) == sum(counts) and background.startswith("#")
    chunked = []
    for plays in split_chunks(counts, 3):
        part = list(scene_frames(scene_cls, options, tmp_path, plays))
        assert len(part) == sum(counts[plays[0] : plays[1]])  # the plan's count, exactly
        chunked += part
    assert len(chunked) == len(whole)
    assert all(np.array_equal(a, b) for a, b in zip(whole, chunked, strict=True))
    assert len({frame.tobytes() for frame in whole}) > 3  # it moves: the test can fail


def _turning_scene():
    """A 3-D scene whose state moves with time, not only with its animations: the camera
    turns and a dot drifts by ``dt`` (updaters), a square follows the cube (an updater that
    reads what the last animation left), a marker moves to where the square is, and a tag
    on the screen follows a corner as the camera last drew it."""
    from manim import BLUE, DOWN, RED, RIGHT, UP, Cube, Dot, Square, ThreeDScene

    class Turning(ThreeDScene):
        def construct(self):
            self.set_camera_orientation(phi=1.1, theta=-0.9)
            cube, dot, square = Cube(side_length=1.5), Dot(color=BLUE), Square(0.4)
            marker = Dot(color=RED)
            dot.add_updater(lambda m, dt: m.shift(0.8 * dt * RIGHT))
            square.add_updater(lambda m: m.next_to(cube, UP))
            tag = Dot(color=RED, radius=0.12)  # on the screen where the cube's corner is seen
            tag.add_updater(lambda m: m.move_to(self.camera.project_points(cube[0].points[:1])[0]))
            self.add_fixed_in_frame_mobjects(tag)
            self.add(cube, dot, square, marker)
            self.begin_ambient_camera_rotation(rate=1.5)
            for _ in range(4):
                self.play(cube.animate.shift(0.4 * DOWN), run_time=0.5)
                # To where the square's updater put it when the last play ended.
                self.play(marker.animate.move_to(square), run_time=0.3)
                self.wait(0.25)
            self.stop_ambient_camera_rotation()
            self.wait(0.5)  # still: nothing moves

    return Turning


def test_chunks_of_a_scene_that_moves_with_time_draw_its_frames(tmp_path):
    # A skipped play must leave the state a drawn play leaves: manim steps a
    # drawn play's updaters to its last frame's time and then settles them, but
    # a skipped one to its whole run time in one step. Frames after the first
    # chunk then showed the camera turned a little further (MnistClusters' cloud).
    options = rendering.RenderOptions(96, 54, 10)
    whole = assert_chunks_draw_whole(_turning_scene(), options, tmp_path, 4)
    assert len({frame.tobytes() for frame in whole}) > len(whole) // 2  # it moves


@pytest.mark.slow
def test_chunked_files_match_one_chunk_and_qualities_live_side_by_side(scene_dir, tmp_path):
    out = tmp_path / "gallery"
    scene = ["--file", str(scene_dir / "tiny_scenes.py"), "--scene", "TinySlow", "-j", "2",
             "--out", str(out)]  # fmt: skip
    base = [*scene, "--width", "320", "--fps", "10"]
    one = run_render(*base, "--chunks", "1", "--out", str(tmp_path / "one"))
    assert one.returncode == 0, one.stderr
    three = run_render(*base, "--chunks", "3")
    assert three.returncode == 0, three.stderr
    options = rendering.RenderOptions(320, 180, 10)
    folder = output_folder(out, "dark", options)
    assert folder == out / "dark" / "320x180p10" == out / "dark" / quality_name(options)
    reference = output_folder(tmp_path / "one", "dark", options)
    stamp = json.loads((folder / "TinySlow.json").read_text())
    assert stamp["frames"] == 60  # 2 x 3 s at 10 fps
    for fmt, min_db in (("mp4", 45.0), ("webm", 40.0)):
        chunked, whole = _frames(folder / f"TinySlow.{fmt}"), _frames(reference / f"TinySlow.{fmt}")
        assert len(chunked) == len(whole) == 60
        scores = [rendering.psnr(a, b) for a, b in zip(chunked, whole, strict=True)]
        # Different keyframes at the chunk boundaries, the same quality everywhere.
        assert min(scores) >= min_db and np.mean(scores) >= 50.0, (fmt, min(scores))
    assert rendering.mp4_has_faststart(folder / "TinySlow.mp4")
    assert (
        rendering.gif_info(folder / "TinySlow.gif")["frames"] == 60
    )  # 6 s at 10 fps (the video is slower than 12.5)
    assert rendering.gif_psnr(folder / "TinySlow.gif", folder / "TinySlow.mp4") >= 38.0

    # Another quality goes beside it, and leaves these files alone.
    before = (folder / "TinySlow.mp4").stat().st_mtime_ns
    draft = run_render(*scene, "--quality", "draft", "-f", "png")
    assert draft.returncode == 0, draft.stderr
    assert (out / "dark" / "draft" / "TinySlow.png").is_file()
    assert (folder / "TinySlow.mp4").stat().st_mtime_ns == before
    assert json.loads((folder / "TinySlow.json").read_text())["hash"] == stamp["hash"]
    again = run_render(*base, "--chunks", "3")
    assert "up to date" in again.stderr  # each quality keeps its own stamp
    assert len(rendering.collect_stamps(out)) == 1  # the gallery shows the scene once


@pytest.mark.slow
def test_progress_bars_fill_with_frames_out_of_the_planned_frames(scene_dir, tmp_path, monkeypatch):
    import rich.progress
    from rich.console import Console

    # What the bars were told, every update: the screen shows only the updates a refresh
    # happens to catch (a fast machine finishes the scene between two refreshes).
    told = []

    class Recording(rich.progress.Progress):
        def update(self, task_id, **fields):
            told.append(fields)
            super().update(task_id, **fields)

    monkeypatch.setattr(rich.progress, "Progress", Recording)
    entries, _ = rendering.discover([scene_dir / "tiny_scenes.py"])
    jobs = [rendering.Job(entry, "dark") for entry in entries if entry.name == "TinySlow"]
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=150)
    options = rendering.RenderOptions(256, 144, 5)
    request = rendering.BatchRequest(jobs, tmp_path / "gallery", ["mp4"], options, n_jobs=2)
    result = rendering.render_jobs(request, console)
    assert not result.failed and not result.interrupted
    assert "all scenes" in screen.getvalue()  # the bars were on the screen
    counts = [fields["count"] for fields in told if "/30 frames" in fields.get("count", "")]
    assert counts and counts[-1] == "30/30 frames"  # 2 x 3 s at 5 fps, out of the plan
    done = [int(count.split("/")[0]) for count in counts]
    assert done == sorted(done)  # the bar only fills
    stages = " ".join(str(fields.get("description", "")) for fields in told)
    # chunk 0 starts beside the plan (a scene this short may be drawn whole before it is in)
    assert "drawing; cutting the rest" in stages or "drawing and encoding in" in stages
    out = tmp_path / "gallery"
    assert not [p for p in out.rglob("*") if TEMP_PREFIX in p.name]  # work folders removed


def test_plain_rendering_needs_no_dask(scene_dir, tmp_path):
    script = f"""
import sys
from rich.console import Console
import rendering
entries, _ = rendering.discover([{str(scene_dir / "tiny_scenes.py")!r}])
jobs = [rendering.Job(e, "dark") for e in entries if e.name == "TinyMove"]
request = rendering.BatchRequest(jobs, {str(tmp_path / "g")!r}, ["png"],
                                 rendering.RenderOptions(128, 72, 5), n_jobs=2)
result = rendering.render_jobs(request, Console(quiet=True))
assert not result.failed, [job.reason for job in result.jobs]
print(sorted(m for m in sys.modules if m.split(".")[0] in ("dask", "distributed")))
"""
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_still_plays_weigh_less_in_the_cuts():
    from rendering.plan.cuts import STILL_SHARE, play_costs

    frames, still = [100, 100, 100, 100], [False, False, False, True]
    assert list(play_costs(frames, still)) == [100, 100, 100, 100 * STILL_SHARE]
    assert split_chunks(frames, 2) == [(0, 2), (2, 4)]  # by frames: two plays each
    assert split_chunks(frames, 2, still) == [(0, 2), (2, 4)]  # 200 | 127: still nearest
    long_wait = [60, 60, 60, 60, 240]
    waiting = [False, False, False, False, True]
    assert split_chunks(long_wait, 2) == [(0, 4), (4, 5)]  # 240 | 240 frames
    assert split_chunks(long_wait, 2, waiting) == [(0, 3), (3, 5)]  # 180 | 125 in cost
    assert play_costs([5, 5], [True]).tolist() == [5, 5]  # flags of another plan: ignored
    # The open chunk weighs the same way: at the start, half of the cost, not of the frames.
    assert open_cut(long_wait, 1, 0, 2) == 4
    assert open_cut(long_wait, 1, 0, 2, waiting) == 3
    assert open_cut(long_wait, 1, 30, 2) == 4  # halfway through play 0: 255 of 480 frames
    assert open_cut(long_wait, 1, 30, 2, waiting) == 3  # 167 of 305 in cost


def test_open_cut_leaves_the_open_chunk_its_share_and_never_cuts_behind_it():
    frames = [10] * 10
    assert open_cut(frames, 1, 0, 2) == 5  # nothing drawn yet: half of it
    assert open_cut(frames, 3, 25, 2) == 6  # 25 done, 75 left: 37.5 more for itself
    assert open_cut(frames, 9, 85, 2) == 9  # it is in play 8: the cut cannot be before 9
    assert open_cut(frames, 10, 99, 3) == 10  # in the last play: it draws the whole scene
    assert open_cut([], 0, 0, 2) == 0


def _one_chunk(scene_cls, options, formats, work, out, counts, poster):
    n = sum(counts)
    render_chunk(scene_cls, (0, len(counts)), 0, n, formats, options, poster, work, 0)
    return finish_outputs(work, 1, n, out, "one", formats, options)


@pytest.mark.parametrize("plan_arrives", ["before", "after the end"])
def test_the_open_chunk_and_the_rest_give_the_files_of_one_chunk(
    plan_arrives, tmp_path, monkeypatch
):
    # Chunk 0 starts before the plan exists; when the plan comes it chooses its end,
    # the batch cuts the rest; the files joined equal those of one chunk.
    monkeypatch.setenv("BENDSPACE_THEME", "dark")
    scene_cls = load_scene_module(ROOT / "scenes" / "primer.py").TanhOnGrid
    options = rendering.RenderOptions(128, 72, 4)
    formats = ["mp4", "gif", "png"]
    counts, _ = plan_scene(scene_cls, options, tmp_path / "plan")
    n = sum(counts)
    poster = poster_index_for(n, options, None)
    plan = {"frames": counts, "poster": poster, "chunks": 3}
    work = tmp_path / "work"
    work.mkdir()
    if plan_arrives == "before":
        (work / PLAN_FILE).write_text(json.dumps(plan))
    else:  # chunk 0 draws every frame, then waits: the plan comes while it waits

        def sleep(seconds: float) -> None:
            (work / PLAN_FILE).write_text(json.dumps(plan))

        monkeypatch.setattr(rendering.draw.chunk.time, "sleep", sleep)
    result = render_open_chunk(scene_cls, formats, options, work, wait=0.01)
    end = json.loads((work / CUT_FILE).read_text())["end"]
    assert result["end"] == end and result["count"] == sum(counts[:end])
    if plan_arrives == "before":
        assert 0 < end < len(counts)  # it kept about a third and left the rest
    else:
        assert end == len(counts) and result["poster_missed"]  # it drew everything
    first = sum(counts[:end])
    rest = (
        [(end + a, end + b) for a, b in split_chunks(counts[end:], 2)] if end < len(counts) else []
    )
    for index, plays in enumerate(rest, start=1):
        first_frame = sum(counts[: plays[0]])
        render_chunk(scene_cls, plays, first_frame, n, formats, options, poster, work, index)
        first = first_frame + sum(counts[plays[0] : plays[1]])
    assert first == n
    if result["poster_missed"]:  # the batch draws the poster's play again, for the PNG only
        play = int(np.searchsorted(np.cumsum(counts), poster, side="right"))
        render_chunk(scene_cls, (play, play + 1), sum(counts[:play]), n, ["png"], options,
                     poster, work, -1)  # fmt: skip
    out = tmp_path / "out"
    out.mkdir()
    finish_outputs(work, 1 + len(rest), n, out, "open", formats, options)
    _one_chunk(scene_cls, options, formats, tmp_path / "w1", out, counts, poster)
    opened, whole = _frames(out / "open.mp4"), _frames(out / "one.mp4")
    assert len(opened) == len(whole) == n
    assert min(rendering.psnr(a, b) for a, b in zip(opened, whole, strict=True)) >= 40.0
    gif_open, gif_one = _frames(out / "open.gif"), _frames(out / "one.gif")
    assert len(gif_open) == len(gif_one) > 3
    assert all(np.array_equal(a, b) for a, b in zip(gif_open, gif_one, strict=True))
    assert (out / "open.png").read_bytes() == (out / "one.png").read_bytes()


def test_the_gif_keeps_still_pixels_steady_and_lets_moving_ones_change():
    from rendering.outputs.gif import GIF_STEADY, steady

    shown = np.random.default_rng(1).integers(10, 240, (6, 8, 3), np.uint8)
    rgb = shown.copy()
    rgb[0, 0] += GIF_STEADY  # within the flicker allowance in every channel: held
    rgb[1, 1, 2] -= GIF_STEADY + 1  # one channel past it: the whole pixel moves
    rgb[2, 2] -= np.array([GIF_STEADY, 0, GIF_STEADY], np.uint8)  # held
    rgb[3, 3, 0] += 100  # moved far
    result = steady(rgb.copy(), shown)
    moved = np.zeros((6, 8), bool)
    moved[1, 1] = moved[3, 3] = True
    assert np.array_equal(result[moved], rgb[moved])
    assert np.array_equal(result[~moved], shown[~moved])
    assert steady(rgb, None) is rgb  # the first frame is shown as it is


def test_gif_frames_are_scaled_to_look_like_the_scene_drawn_at_the_gifs_size(tmp_path, monkeypatch):
    # The GIF's filter stands in for drawing the scene small: against the same frame drawn
    # at the GIF's size it must be closer than Lanczos, which rings at lines and dots.
    from rendering.outputs.gif import SmallFrames

    monkeypatch.setenv("BENDSPACE_THEME", "dark")
    scene_cls = load_scene_module(ROOT / "scenes" / "primer.py").TanhOnGrid
    big, small = rendering.RenderOptions(640, 360, 4), rendering.RenderOptions(320, 180, 4)
    plays = (2, 3)
    drawn_big = list(scene_frames(scene_cls, big, tmp_path / "big", plays))[-1]
    drawn_small = list(scene_frames(scene_cls, small, tmp_path / "small", plays))[-1][..., :3]
    ours = SmallFrames(tmp_path / "g.mov", (320, 180)).resize(drawn_big).to_ndarray()
    lanczos = av.VideoFrame.from_ndarray(np.ascontiguousarray(drawn_big[..., :3]), format="rgb24")
    lanczos = lanczos.reformat(320, 180, "rgb24", interpolation="LANCZOS").to_ndarray()
    assert rendering.psnr(ours, drawn_small) >= rendering.psnr(lanczos, drawn_small) + 2.0


@pytest.mark.parametrize("kept", ["poster kept", "poster lost"])
def test_a_whole_scene_without_a_plan_counts_its_own_frames(kept, tmp_path, monkeypatch):
    # One chunk, no plan: the scene counts its plays as it draws and keeps its last
    # frames for the poster; files, counts and background are those of plan + chunk.
    import rendering.draw.chunk
    from rendering.draw.chunk import render_whole

    monkeypatch.setenv("BENDSPACE_THEME", "dark")
    if kept == "poster lost":  # nothing fits: the batch must draw the poster again
        monkeypatch.setattr(rendering.draw.chunk, "POSTER_KEPT_BYTES", 0)
    scene_cls = load_scene_module(ROOT / "scenes" / "primer.py").TanhOnGrid
    options = rendering.RenderOptions(128, 72, 4)
    formats = ["mp4", "gif", "png"]
    still: list[bool] = []
    counts, background = plan_scene(scene_cls, options, tmp_path / "plan", still)
    poster = poster_index_for(sum(counts), options, -1.0)  # a second before the end
    work = tmp_path / "work"
    result = render_whole(scene_cls, formats, options, work, -1.0)
    assert result["frames"] == counts and result["still"] == still and any(still)
    assert result["count"] == sum(counts) and result["end"] == len(counts)
    assert result["background"] == background and result["poster"] == poster
    assert result["poster_missed"] == (kept == "poster lost")
    assert (work / "poster.png").is_file() != result["poster_missed"]
    out = tmp_path / "out"
    out.mkdir()
    _one_chunk(scene_cls, options, formats, tmp_path / "w1", out, counts, poster)
    if result["poster_missed"]:
        return
    finish_outputs(work, 1, sum(counts), out, "whole", formats, options)
    for fmt in ("mp4", "gif", "png"):
        assert (out / f"whole.{fmt}").read_bytes() == (out / f"one.{fmt}").read_bytes(), fmt
    with pytest.raises(ValueError, match="negative"):
        render_whole(scene_cls, formats, options, tmp_path / "w2", 1.5)
