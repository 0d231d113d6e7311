"""render.py --scheduler: the same chunks on a Dask cluster (real scheduler and workers)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time

import av
import numpy as np
import pytest
from render_harness import ROOT, run_render

import rendering
from model.files import TEMP_PREFIX

distributed = pytest.importorskip("distributed")


def _frames(path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]


@pytest.fixture(scope="module")
def cluster():
    """A LocalCluster of 2 single-threaded worker processes, with nannies that restart them."""
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as local,
        distributed.Client(local) as client,
    ):
        yield local, client


def _args(scene_dir, out, *extra: str) -> list[str]:
    return ["--file", str(scene_dir / "tiny_scenes.py"), "--scene", "TinySlow", "--width", "192",
            "--fps", "10", "-f", "mp4,gif,png", "--out", str(out), *extra]  # fmt: skip


@pytest.mark.slow
def test_a_dask_cluster_renders_the_same_frames_as_the_local_pool(cluster, scene_dir, tmp_path):
    local_cluster, _ = cluster
    local = run_render(*_args(scene_dir, tmp_path / "local", "-j", "2"))
    assert local.returncode == 0, local.stderr
    remote = run_render(*_args(scene_dir, tmp_path / "dask", "--scheduler",
                               local_cluster.scheduler_address))  # fmt: skip
    assert remote.returncode == 0, remote.stderr
    options = rendering.RenderOptions(192, 108, 10)
    mine = rendering.output_folder(tmp_path / "dask", "dark", options)
    theirs = rendering.output_folder(tmp_path / "local", "dark", options)
    a, b = _frames(mine / "TinySlow.mp4"), _frames(theirs / "TinySlow.mp4")
    assert len(a) == len(b) == 60
    # The cuts may differ (locally chunk 0 starts beside the plan, at a moment that
    # depends on timing), and then the two MP4s are two encodes of the same frames
    # (about 46 dB apart at crf 18). The lossless outputs, GIF and poster, must be the
    # same bit for bit, which also pins every frame to its place.
    scores = [rendering.psnr(x, y) for x, y in zip(a, b, strict=True)]
    assert min(scores) >= 42.0 and np.mean(scores) >= 44.0, min(scores)
    gif_a, gif_b = _frames(mine / "TinySlow.gif"), _frames(theirs / "TinySlow.gif")
    assert len(gif_a) == len(gif_b) == 60
    assert all(np.array_equal(x, y) for x, y in zip(gif_a, gif_b, strict=True))
    assert (mine / "TinySlow.png").read_bytes() == (theirs / "TinySlow.png").read_bytes()
    again = run_render(*_args(scene_dir, tmp_path / "dask", "--scheduler",
                              local_cluster.scheduler_address))  # fmt: skip
    assert again.returncode == 0 and "up to date" in again.stderr


def test_the_open_chunks_messages_pass_through_the_scheduler(cluster):
    # The client tells the plan, a worker's chunk 0 reads it and tells its cut back.
    from rendering.run.executors import DaskMessages

    _, client = cluster
    mine = DaskMessages("test-scene-work", client)
    assert mine.plan() is None and mine.cut() is None

    def on_a_worker(messages: DaskMessages) -> dict | None:
        plan = messages.plan()
        messages.tell_cut({"end": len(plan["frames"]) - 1})
        return plan

    mine.tell_plan({"frames": [3, 4, 5]})
    assert client.submit(on_a_worker, mine, pure=False).result() == {"frames": [3, 4, 5]}
    assert mine.cut() == {"end": 2}
    mine.forget()
    assert mine.cut() is None


@pytest.mark.slow
@pytest.mark.parametrize("victim", ["open-chunk", "chunk"])
def test_a_worker_killed_during_a_chunk_loses_nothing(victim, cluster, scene_dir, tmp_path):
    # Chunk 0 (started beside the plan) or a later chunk: Dask runs it again elsewhere.
    local_cluster, client = cluster
    workers = client.run(os.getpid)  # worker address -> pid
    out = tmp_path / "gallery"
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "render.py"),
         *_args(scene_dir, out, "--scheduler", local_cluster.scheduler_address, "--chunks", "2")],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    killed = []

    def kill_one_chunk_worker() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and process.poll() is None:
            for address, keys in client.processing().items():
                if any(f"bendspace-{victim}-" in str(key) for key in keys) and address in workers:
                    time.sleep(0.3)  # well inside the chunk
                    os.kill(workers[address], signal.SIGKILL)
                    killed.append(address)
                    return
            time.sleep(0.05)

    killer = threading.Thread(target=kill_one_chunk_worker)
    killer.start()
    _, stderr = process.communicate(timeout=240)
    killer.join()
    assert killed, "no chunk was seen running"
    assert process.returncode == 0, stderr
    folder = rendering.output_folder(out, "dark", rendering.RenderOptions(192, 108, 10))
    stamp = json.loads((folder / "TinySlow.json").read_text())
    assert stamp["frames"] == 60
    frames = _frames(folder / "TinySlow.mp4")
    assert len(frames) == 60 and len({f.tobytes() for f in frames}) > 10
    assert not [p for p in out.rglob("*") if TEMP_PREFIX in p.name]
    client.wait_for_workers(2, timeout=60)  # the nanny restarted it, for the next test


_FAULTS = """
import resource, sys
import numpy as np
sys.path.insert(0, sys.argv[1])
if sys.argv[2] == "fixed":
    from rendering.run.tasks import _keep_frames_on_the_heap
    assert _keep_frames_on_the_heap()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(50):  # a frame of 1080p RGBA, made and dropped, as a render does
    frame = np.ones((1080, 1920, 4), np.uint8)
    del frame
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc")
def test_workers_reuse_frame_memory_under_the_nannys_malloc_setting():
    # Dask's nanny sets MALLOC_TRIM_THRESHOLD_, which stops glibc from keeping freed
    # frames for reuse: every new frame faults its 8 MB in again (here about 1,000
    # faults a frame; glibc's own adaptive threshold keeps it near 1,500 in all).
    env = dict(os.environ, MALLOC_TRIM_THRESHOLD_="65536")

    def faults(mode: str) -> int:
        out = subprocess.run([sys.executable, "-c", _FAULTS, str(ROOT), mode], env=env,
                             capture_output=True, text=True, check=True)  # fmt: skip
        return int(out.stdout)

    assert faults("plain") > 20_000  # the setting's cost is real here
    assert faults("fixed") < 3_000  # the first frame faults in; the others reuse it
