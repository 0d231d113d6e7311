"""rendering.batch: up-to-date skipping, the hash, states trained once, failures, interruption."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image
from render_harness import ROOT, run_render
from rich.console import Console

import rendering
from model.files import TEMP_PREFIX
from model.sources import Preset, StatesFile


def test_up_to_date_is_skipped_and_a_failure_is_isolated(draft, scene_dir):
    out, _ = draft
    mp4 = out / "dark" / "draft" / "TinyMove.mp4"
    before = mp4.stat().st_mtime_ns
    result = run_render(
        "--file", str(scene_dir / "tiny_scenes.py"), "--scene", "TinyMove", "--scene", "TinyFail",
        "--quality", "draft", "--out", str(out), "--jobs", "2",
    )  # fmt: skip
    assert result.returncode == 1
    assert "up to date" in result.stderr
    assert "FAILED: RuntimeError: this scene fails on purpose" in result.stderr
    assert "Traceback" not in result.stderr
    assert mp4.stat().st_mtime_ns == before
    assert not (out / "dark" / "draft" / "TinyFail.json").exists()


def test_hash_follows_scene_source_local_imports_and_options(scene_dir, tmp_path):
    folder = tmp_path / "copy"
    shutil.copytree(scene_dir, folder)
    entries, broken = rendering.discover([folder / "tiny_scenes.py"])
    assert not broken
    entry = next(e for e in entries if e.name == "TinyMove")
    options = rendering.RenderOptions(426, 240, 10)
    base = rendering.job_hash(entry, "dark", options)
    assert rendering.job_hash(entry, "dark", options) == base
    assert rendering.job_hash(entry, "light", options) != base
    assert rendering.job_hash(entry, "dark", rendering.RenderOptions(426, 240, 12)) != base
    palette = folder / "tiny_palette.py"
    palette.write_text(palette.read_text().replace("#101418", "#101419"))
    assert rendering.job_hash(entry, "dark", options) != base


def test_states_are_trained_once_for_several_scenes(monkeypatch):
    import model.cache

    calls = []
    monkeypatch.setattr(model.cache, "states_for", lambda cfg, **kw: calls.append(cfg.name))
    monkeypatch.setattr(model.cache, "states_path", lambda cfg: Path("/nonexistent/x.npz"))
    entry = rendering.SceneEntry(
        "A", "s", "A", "", Path(__file__), 1, sources=(Preset("spirals2d"),)
    )
    other = dataclasses.replace(entry, name="B")
    jobs = [rendering.Job(entry, "dark"), rendering.Job(other, "dark")]
    rendering.train_states(jobs, console=Console(quiet=True))
    assert calls == ["spirals2d"]
    assert all(job.status == "pending" for job in jobs)


@pytest.mark.slow
def test_declared_states_are_trained_first_and_hashed(scene_dir, tmp_path, monkeypatch):
    cache = tmp_path / "states"  # its own cache: other tests leave spirals2d states in theirs
    monkeypatch.setenv("BENDSPACE_CACHE", str(cache))
    out = tmp_path / "gallery"
    args = ["--file", str(scene_dir / "tiny_scenes.py"), "--scene", "TinyStates", "--width", "256",
            "--fps", "5", "-f", "png", "--out", str(out)]  # fmt: skip
    result = run_render(*args)
    assert result.returncode == 0, result.stderr
    assert "training states spirals2d" in result.stderr  # by the batch, before the workers
    # the one line that says what the machine gave the batch
    assert re.search(r"^\d+ worker\(s\): \d+ core\(s\)", result.stderr, re.MULTILINE)
    trained = list(cache.glob("spirals2d-*.npz"))
    assert len(trained) == 1
    poster = np.asarray(Image.open(out / "dark" / "256x144p5" / "TinyStates.png").convert("RGB"))
    assert (np.abs(poster.astype(int) - [0x10, 0x14, 0x18]).sum(-1) > 60).mean() > 0.005  # dots
    entry = next(e for e in rendering.discover([scene_dir / "tiny_scenes.py"])[0]
                 if e.name == "TinyStates")  # fmt: skip
    options = rendering.RenderOptions(256, 144, 5)
    before = rendering.job_hash(entry, "dark", options)
    with open(trained[0], "ab") as handle:  # other states bytes: another hash
        handle.write(b"\0")
    assert rendering.job_hash(entry, "dark", options) != before
    trained[0].unlink()


@pytest.mark.slow
def test_interrupted_batch_leaves_no_partial_file_and_next_run_completes(scene_dir, tmp_path):
    out = tmp_path / "gallery"
    args = [
        "--file", str(scene_dir / "tiny_scenes.py"), "--scene", "TinySlow", "--quality", "draft",
        "--out", str(out), "--jobs", "1", "-f", "mp4,webm,gif,png",
    ]  # fmt: skip
    folder = out / "dark" / "draft"
    process = _start_and_wait_for_encoding(args, folder)
    os.killpg(process.pid, signal.SIGKILL)  # the whole batch, workers included
    process.wait()
    visible = [p.name for p in folder.iterdir() if not p.name.startswith(".")]
    assert visible == [], f"partial files left in place: {visible}"

    result = run_render(*args)
    assert result.returncode == 0, result.stderr
    assert not [p for p in out.rglob("*") if TEMP_PREFIX in p.name]  # stale temporaries removed
    assert rendering.video_info(folder / "TinySlow.mp4")["frames"] == 90  # 2 x 3 s at 15 fps
    assert rendering.gif_info(folder / "TinySlow.gif")["frames"] == 75  # 6 s at 12.5 fps
    assert json.loads((folder / "TinySlow.json").read_text())["frames"] == 90


def _start_and_wait_for_encoding(args: list[str], folder: Path) -> subprocess.Popen:
    """Start a batch in its own session; return once it writes its first temporary output."""
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "render.py"), *args],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 240
    while not (folder.is_dir() and list(folder.glob(f"{TEMP_PREFIX}*-TinySlow*"))):
        assert process.poll() is None, "the batch ended before it could be interrupted"
        assert time.monotonic() < deadline
        time.sleep(0.02)
    return process


@pytest.mark.slow
def test_sigterm_stops_the_batch_and_cleans_up(scene_dir, tmp_path):
    out = tmp_path / "gallery"
    args = [
        "--file", str(scene_dir / "tiny_scenes.py"), "--scene", "TinySlow", "--quality", "draft",
        "--out", str(out), "--jobs", "1",
    ]  # fmt: skip
    process = _start_and_wait_for_encoding(args, out / "dark" / "draft")
    process.terminate()  # the batch process only: it stops its workers itself
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130
    assert "interrupted" in stderr and "run again" in stderr and "Traceback" not in stderr
    assert (
        list((out / "dark" / "draft").iterdir()) == []
    )  # temporaries and work folders removed too


def test_hash_sees_an_overriding_states_file(scene_dir, tmp_path):
    entries, _ = rendering.discover([scene_dir / "tiny_scenes.py"])
    entry = next(e for e in entries if e.name == "TinyMove")
    states = tmp_path / "mine.npz"
    states.write_bytes(b"first")
    mine = entry.with_states(StatesFile(states))
    options = rendering.RenderOptions(426, 240, 10)
    before = rendering.job_hash(mine, "dark", options)
    assert before != rendering.job_hash(entry, "dark", options)
    states.write_bytes(b"second")
    assert rendering.job_hash(mine, "dark", options) != before


def test_missing_states_file_fails_its_jobs_in_one_line(scene_dir, tmp_path):
    entries, _ = rendering.discover([scene_dir / "tiny_scenes.py"])
    entry = next(e for e in entries if e.name == "TinyMove")
    jobs = [rendering.Job(entry.with_states(StatesFile(tmp_path / "absent.npz")), "dark"),
            rendering.Job(entry, "dark")]  # fmt: skip
    rendering.train_states(jobs, console=Console(quiet=True))
    assert jobs[0].status == "failed" and jobs[0].reason.startswith("states absent.npz: ")
    assert "\n" not in jobs[0].reason and jobs[1].status == "pending"


def test_states_that_fail_in_parallel_training_fail_their_jobs_in_one_line(scene_dir, tmp_path):
    # Two missing files, two processes: each failure comes back to its own job.
    entries, _ = rendering.discover([scene_dir / "tiny_scenes.py"])
    entry = next(e for e in entries if e.name == "TinyMove")
    jobs = [rendering.Job(entry.with_states(StatesFile(tmp_path / f"{n}.npz")), "dark")
            for n in ("first", "second")] + [rendering.Job(entry, "dark")]  # fmt: skip
    rendering.train_states(jobs, console=Console(quiet=True), n_jobs=2)
    for job, name in zip(jobs, ("first", "second"), strict=False):
        assert job.status == "failed" and job.reason.startswith(f"states {name}.npz: ")
        assert "\n" not in job.reason and "Traceback" not in job.reason
    assert jobs[2].status == "pending"


def test_scenes_finish_one_after_another_on_one_worker(scene_dir, tmp_path):
    """Two scenes of different lengths on one worker: the first finishes while the second still
    draws (its progress bar is gone by then), and the batch reports both."""
    out = tmp_path / "gallery"
    result = run_render(
        "--file", str(scene_dir / "tiny_scenes.py"), "--scene", "TinyMove", "--scene", "TinySlow",
        "-q", "draft", "--width", "128", "--fps", "4", "--jobs", "1", "-f", "mp4",
        "--out", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    done = [line for line in result.stderr.splitlines() if ": done (" in line]
    done_names = [line.split()[0] for line in done]
    assert done_names == ["TinyMove", "TinySlow"], done
    stamps = [json.loads(next(out.glob(f"dark/*/{n}.json")).read_text()) for n in done_names]
    assert all(stamp["frames"] > 0 for stamp in stamps)


def test_a_batch_cuts_only_the_scenes_that_would_leave_workers_idle():
    """Whole scenes side by side while enough wait to fill the workers; the last ones cut."""
    from types import SimpleNamespace

    from rendering.run.driver import Driver

    driver = Driver.__new__(Driver)
    driver.n_chunks, driver.executor = 3, SimpleNamespace(n_workers=2)
    driver.fixed = False
    chunks = []
    for waiting_after in (4, 2, 1, 0):  # scenes still waiting once this one starts
        driver.waiting = list(range(waiting_after))
        chunks.append(driver.chunks_for_next())
    assert chunks == [1, 1, 3, 3]
    driver.fixed = True  # --chunks given, or a lone scene: always as asked
    driver.waiting = list(range(5))
    assert driver.chunks_for_next() == 3


def test_scenes_in_one_chunk_match_the_same_scenes_planned_and_cut(scene_dir, tmp_path):
    """A poster timed from the end: the first scenes of a batch are drawn whole with no
    plan; their stamps, posters and frames are those of the same scenes planned and cut."""

    def render(out: Path, *extra: str) -> Path:
        result = run_render(
            "--file", str(scene_dir / "tiny_scenes.py"), "--scene", "TinyMove", "--scene",
            "TinySlow", "--theme", "both", "--width", "128", "--fps", "4", "--jobs", "2",
            "-f", "mp4,png", "--poster-at", "-0.5", "--out", str(out), *extra,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr[-2000:]
        return out

    whole = render(tmp_path / "whole")  # 4 jobs on 2 workers: the first ones whole
    cut = render(tmp_path / "cut", "--chunks", "2")
    for theme in ("dark", "light"):
        for name in ("TinyMove", "TinySlow"):
            mine, theirs = (next((o / theme).glob(f"*/{name}.json")) for o in (whole, cut))
            a, b = json.loads(mine.read_text()), json.loads(theirs.read_text())
            for key in ("plays", "still", "frames", "poster_frame", "background"):
                assert a[key] == b[key], (theme, name, key)
            assert a["poster_frame"] == a["frames"] - 3  # half a second before the end
            png = mine.with_suffix(".png").read_bytes()
            assert png == theirs.with_suffix(".png").read_bytes(), (theme, name)
            frames = list(av.open(str(mine.with_suffix(".mp4"))).decode(video=0))
            assert len(frames) == a["frames"]


def test_a_scene_in_one_chunk_is_drawn_without_a_plan(tmp_path):
    """The driver's calls for a scene in one chunk: ``whole``, then ``finish``; the poster's
    play is drawn again only when the scene could not keep it."""
    from concurrent.futures import Future
    from types import SimpleNamespace

    from rendering.run.driver import Driver

    def done(value) -> Future:
        future: Future = Future()
        future.set_result(value)
        return future

    calls = []
    result = {"count": 12, "end": 3, "frames": [4, 4, 4], "still": [False, True, False],
              "background": "#101418", "poster": 9, "poster_missed": False}  # fmt: skip

    class Recorder(SimpleNamespace):
        n_workers, opens_chunks, encoder_threads = 2, True, 1

        def __getattr__(self, name):
            def call(*args):
                if name != "drain":
                    calls.append(name)
                return done({"whole": result, "finish": {"frames": 12}}.get(name, 3))

            return call

    progress = SimpleNamespace(add_task=lambda *a, **k: 0, update=lambda *a, **k: None)
    entry = rendering.SceneEntry("A", "s", "A", "", Path(__file__), 1)
    entry = dataclasses.replace(entry, poster_time=-1.0)
    for missed, expected in ((False, ["whole", "finish"]), (True, ["whole", "chunk", "finish"])):
        calls.clear()
        result["poster_missed"] = missed
        job = rendering.Job(entry, "dark", digest="x")
        options = rendering.RenderOptions(128, 72, 4)
        driver = Driver([job], tmp_path, ["mp4", "png"], options, Recorder(), 1,
                         progress, fixed=True)  # fmt: skip
        for _ in range(4):
            driver.step()
        assert calls == expected and job.status == "done"
        assert job.plays == [4, 4, 4] and job.poster == 9 and job.background == "#101418"


def _ctrl_c_as_in_a_terminal() -> None:
    # A command started in the background by a script inherits Ctrl-C ignored (POSIX), and
    # so would the batch under test; in a terminal's foreground it has the default.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.slow
@pytest.mark.parametrize("group", [True, False], ids=["ctrl-c", "batch-only"])
def test_ctrl_c_during_parallel_training_stops_every_trainer_and_leaves_no_partial_states(
    tmp_path, group
):
    cache = tmp_path / "states"  # empty: both scenes' states train, one per worker
    out = tmp_path / "gallery"
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "render.py"), "--scene", "PackingInput", "--scene",
         "PackingInput7", "--jobs", "2", "-f", "png", "--out", str(out)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=os.environ | {"BENDSPACE_CACHE": str(cache)}, start_new_session=True,
        preexec_fn=_ctrl_c_as_in_a_terminal,
    )  # fmt: skip
    started = 0
    while started < 2:  # the batch says which files it sends to the trainers
        line = process.stderr.readline()
        assert line, "the batch ended before it trained"
        started += "training states packing-" in line
    time.sleep(4.0)  # the trainers are spawned, import torch and start (a file takes 8 s or more)
    if group:  # Ctrl-C in a terminal: the whole process group
        os.killpg(process.pid, signal.SIGINT)
    else:  # the batch alone: it stops its trainers itself
        os.kill(process.pid, signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    deadline = time.monotonic() + 3  # the batch joins its trainers before it exits
    while True:  # no trainer outlives the batch
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            break
        assert time.monotonic() < deadline, "a trainer is still running"
        time.sleep(0.1)
    assert not [p.name for p in cache.rglob("*") if ".tmp" in p.name]
    for states in cache.glob("*.npz"):  # a file that finished first is whole
        with np.load(states, allow_pickle=False) as data:
            assert data.files
