"""render.py: formats, up-to-date skipping, failures, interruption and the gallery page."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
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

import render

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def run_render(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """``python render.py ARGS`` from the repo root; output captured as text."""
    return subprocess.run(
        [sys.executable, str(ROOT / "render.py"), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture(scope="module")
def scene_dir(tmp_path_factory) -> Path:
    """A private copy of the tiny scenes (tests may edit it)."""
    folder = tmp_path_factory.mktemp("scenes")
    for name in ("tiny_scenes.py", "tiny_palette.py"):
        shutil.copy(FIXTURES / name, folder / name)
    return folder


@pytest.fixture(scope="module")
def draft(scene_dir, tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """One draft render of TinyMove to MP4, WebM, GIF and PNG (about 5 s)."""
    out = tmp_path_factory.mktemp("media") / "gallery"
    result = run_render(
        "--file", str(scene_dir / "tiny_scenes.py"), "--scene", "TinyMove",
        "--quality", "draft", "--out", str(out), "--jobs", "1",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return out, result


def test_draft_mp4_has_size_fps_frames_and_index_in_front(draft):
    out, _ = draft
    mp4 = out / "dark" / "TinyMove.mp4"
    info = render.video_info(mp4)
    # 1 s wait + 1 s swap at 15 fps, 854x480 like manim's -ql
    assert info == {
        "codec": "h264", "pix_fmt": "yuv420p", "width": 854, "height": 480,
        "fps": 15.0, "frames": 30,
    }  # fmt: skip
    assert render.mp4_has_faststart(mp4)


def test_draft_gif_is_one_palette_loops_forever_right_size_and_rate(draft):
    out, _ = draft
    gif = out / "dark" / "TinyMove.gif"
    info = render.gif_info(gif)
    assert (info["width"], info["height"]) == (640, 360)
    assert info["loop"] == 0  # NETSCAPE2.0 with 0: loop forever
    assert info["global_palette"] and info["local_palettes"] == 0
    # 15 fps video -> 12.5 fps GIF: 8 centiseconds a frame, 2 s -> 25 frames
    assert info["frames"] == 25 and set(info["delays"]) == {8}
    with av.open(str(gif)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "gif"
        assert len({f.to_ndarray(format="rgb24").tobytes() for f in container.decode(stream)}) > 5
    assert render.gif_psnr(gif, out / "dark" / "TinyMove.mp4") >= 38.0
    assert gif.stat().st_size / 2.0 * 10 <= 3e6  # the aim: 3 MB per 10 s at 640 px


def test_draft_poster_is_the_chosen_frame(draft):
    out, _ = draft
    poster = np.asarray(Image.open(out / "dark" / "TinyMove.png").convert("RGB"))
    assert poster.shape == (480, 854, 3)
    with av.open(str(out / "dark" / "TinyMove.mp4")) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    scores = [render.psnr(poster, frame) for frame in frames]
    # poster_time = 1.5 s -> frame 22 of 30, neither the first nor the last
    assert int(np.argmax(scores)) == 22 and scores[22] > 35.0
    assert scores[22] - max(scores[0], scores[-1]) > 5.0
    assert tuple(poster[2, 2]) == (0x10, 0x14, 0x18)  # the dark theme's background


def test_stamp_and_gallery_pages(draft):
    out, _ = draft
    stamp = json.loads((out / "dark" / "TinyMove.json").read_text())
    assert stamp["frames"] == 30 and stamp["duration"] == pytest.approx(2.0)
    assert set(stamp["outputs"]) == {"mp4", "webm", "gif", "png"}
    page = (out.parent / "gallery.html").read_text()
    assert "<video autoplay muted loop playsinline" in page
    assert 'poster="gallery/dark/TinyMove.png"' in page and "gallery/dark/TinyMove.gif" in page
    assert "A circle and a square trade places under a label." in page
    assert "![Tiny Move](gallery/dark/TinyMove.gif)" in (out.parent / "gallery.md").read_text()


def test_up_to_date_is_skipped_and_a_failure_is_isolated(draft, scene_dir):
    out, _ = draft
    mp4 = out / "dark" / "TinyMove.mp4"
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
    assert not (out / "dark" / "TinyFail.json").exists()


def test_hash_follows_scene_source_local_imports_and_options(scene_dir, tmp_path):
    folder = tmp_path / "copy"
    shutil.copytree(scene_dir, folder)
    entries, broken = render.discover([folder / "tiny_scenes.py"])
    assert not broken
    entry = next(e for e in entries if e.name == "TinyMove")
    options = render.RenderOptions(426, 240, 10)
    base = render.job_hash(entry, "dark", options)
    assert render.job_hash(entry, "dark", options) == base
    assert render.job_hash(entry, "light", options) != base
    assert render.job_hash(entry, "dark", render.RenderOptions(426, 240, 12)) != base
    palette = folder / "tiny_palette.py"
    palette.write_text(palette.read_text().replace("#101418", "#101419"))
    assert render.job_hash(entry, "dark", options) != base


def test_registry_skips_abstract_and_imported_classes(scene_dir):
    entries, _ = render.discover([scene_dir / "tiny_scenes.py"])
    names = [entry.name for entry in entries]
    # source order; neither the abstract TinyBase nor manim's imported Scene
    assert names == ["TinyMove", "TinySlow", "TinyFail", "TinyStates"]
    move = entries[0]
    assert move.description == "A circle and a square trade places under a label."
    assert move.title == "Tiny Move" and move.poster_time == 1.5 and move.gallery
    assert not entries[1].gallery


def test_unknown_scene_story_and_format_list_the_valid_ones(scene_dir):
    scene_file = str(scene_dir / "tiny_scenes.py")
    result = run_render("--file", scene_file, "--scene", "Nope")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "unknown scene 'Nope'; valid scenes:" in result.stderr and "TinyMove" in result.stderr
    result = run_render("--file", scene_file, "--story", "nope", "--list")
    assert result.returncode == 0 and "TinyMove" in result.stdout  # --list wins
    result = run_render("--file", scene_file, "--story", "nope")
    assert result.returncode == 2 and "valid stories:" in result.stderr
    assert "tiny_scenes" in result.stderr
    result = run_render("--file", scene_file, "--scene", "TinyMove", "-f", "mp4,avi")
    assert result.returncode == 2 and "unknown format 'avi'; valid formats: mp4" in result.stderr


def test_missing_system_library_names_the_install_command(tmp_path):
    broken = tmp_path / "needs_pango.py"
    broken.write_text('raise OSError("libpango-1.0.so.0: cannot open shared object file")\n')
    result = run_render("--file", str(broken), "--list")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "missing system library libpango-1.0.so.0: install it with `apt-get install" in (
        result.stderr
    )
    err = ImportError("libpangocairo-1.0.so.0: cannot open shared object file: No such file")
    assert render.system_library_hint(err) == (
        "missing system library libpangocairo-1.0.so.0: install it with "
        "`apt-get install -y libcairo2-dev libpango1.0-dev pkg-config`"
    )
    assert render.system_library_hint(ImportError("No module named 'manim'")) is None


def test_gif_rates_are_whole_centiseconds():
    assert [render.gif_fps_for(fps) for fps in (60, 30, 15, 12, 10, 6)] == [
        12.5, 12.5, 12.5, 100 / 9, 10.0, 100 / 17,
    ]  # fmt: skip
    assert render.gif_fps_for(60, 25) == 25.0
    with pytest.raises(render.RenderError, match="whole centiseconds"):
        render.gif_fps_for(30, 15)


def test_poster_frame_is_chosen_in_seconds_or_from_the_end():
    assert render.poster_frame(30, 15, None) == 20  # 2/3 of the way
    assert render.poster_frame(30, 15, 1.5) == 22
    assert render.poster_frame(30, 15, -1.0) == 14  # one second before the last frame
    assert render.poster_frame(30, 15, 99.0) == 29 and render.poster_frame(30, 15, -99.0) == 0


def test_unmix_background_gives_straight_alpha():
    background = np.array([16, 20, 24], np.float32)
    colour, alpha = np.array([200, 100, 50], np.float32), 0.4
    mixed = alpha * colour + (1 - alpha) * background  # what manim stores
    rgba = np.array([[[*np.round(mixed), round(alpha * 255)]]], np.uint8)
    straight = render._unmix_background(rgba, background)
    assert np.abs(straight[0, 0, :3].astype(int) - colour).max() <= 2
    assert straight[0, 0, 3] == rgba[0, 0, 3]


def test_states_are_trained_once_for_several_scenes(monkeypatch):
    import model.cache

    calls = []
    monkeypatch.setattr(model.cache, "states_for", lambda cfg, **kw: calls.append(cfg.name))
    monkeypatch.setattr(model.cache, "states_path", lambda cfg: Path("/nonexistent/x.npz"))
    entry = render.SceneEntry("A", "s", "A", "", Path(__file__), 1, states=(("spirals2d", ()),))
    other = dataclasses.replace(entry, name="B")
    jobs = [render.Job(entry, "dark"), render.Job(other, "dark")]
    render.train_states(jobs, console=_Quiet())
    assert calls == ["spirals2d"]
    assert all(job.status == "pending" for job in jobs)


class _Quiet:
    def print(self, *args, **kwargs) -> None:
        pass


@pytest.mark.slow
def test_declared_states_are_trained_first_and_hashed(scene_dir, tmp_path, monkeypatch):
    cache = tmp_path / "states"  # its own cache: other tests leave spirals2d states in theirs
    monkeypatch.setenv("NNVIZ_CACHE", str(cache))
    out = tmp_path / "gallery"
    args = ["--file", str(scene_dir / "tiny_scenes.py"), "--scene", "TinyStates", "--width", "256",
            "--fps", "5", "-f", "png", "--out", str(out)]  # fmt: skip
    result = run_render(*args)
    assert result.returncode == 0, result.stderr
    assert "training states spirals2d" in result.stderr  # by the batch, before the workers
    trained = list(cache.glob("spirals2d-*.npz"))
    assert len(trained) == 1
    poster = np.asarray(Image.open(out / "dark" / "TinyStates.png").convert("RGB"))
    assert (np.abs(poster.astype(int) - [0x10, 0x14, 0x18]).sum(-1) > 60).mean() > 0.005  # dots
    entry = next(e for e in render.discover([scene_dir / "tiny_scenes.py"])[0]
                 if e.name == "TinyStates")  # fmt: skip
    options = render.RenderOptions(256, 144, 5)
    before = render.job_hash(entry, "dark", options)
    with open(trained[0], "ab") as handle:  # other states bytes: another hash
        handle.write(b"\0")
    assert render.job_hash(entry, "dark", options) != before
    trained[0].unlink()


@pytest.mark.slow
def test_light_theme_and_transparent_outputs(scene_dir, tmp_path):
    out = tmp_path / "gallery"
    result = run_render(
        "--file", str(scene_dir / "tiny_scenes.py"), "--scene", "TinyMove", "--theme", "light",
        "--width", "320", "--fps", "10", "-f", "png,mov,alpha-webm", "--out", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    poster = np.asarray(Image.open(out / "light" / "TinyMove.png").convert("RGB"))
    assert poster.shape == (180, 320, 3) and tuple(poster[2, 2]) == (0xFA, 0xFA, 0xF7)
    with av.open(str(out / "light" / "TinyMove.mov")) as container:
        assert container.streams.video[0].codec_context.name == "prores"
        first = next(container.decode(video=0)).to_ndarray(format="rgba")
    assert first[2, 2, 3] == 0  # background: fully transparent
    assert (first[..., 3] > 100).mean() > 0.05  # the shapes: (semi-)opaque
    with av.open(str(out / "light" / "TinyMove.alpha.webm")) as container:
        stream = container.streams.video[0]
        decoder = av.CodecContext.create("libvpx-vp9", "r")  # the decoder that keeps alpha
        frames = [f for packet in container.demux(stream) for f in decoder.decode(packet)]
    alpha = frames[0].to_ndarray(format="rgba")[..., 3]
    assert frames[0].format.name == "yuva420p" and alpha[2, 2] < 8 and alpha.max() > 200


@pytest.mark.slow
def test_interrupted_batch_leaves_no_partial_file_and_next_run_completes(scene_dir, tmp_path):
    out = tmp_path / "gallery"
    args = [
        "--file", str(scene_dir / "tiny_scenes.py"), "--scene", "TinySlow", "--quality", "draft",
        "--out", str(out), "--jobs", "1", "-f", "mp4,webm,gif,png",
    ]  # fmt: skip
    folder = out / "dark"
    process = _start_and_wait_for_encoding(args, folder)
    os.killpg(process.pid, signal.SIGKILL)  # the whole batch, workers included
    process.wait()
    visible = [p.name for p in folder.iterdir() if not p.name.startswith(".")]
    assert visible == [], f"partial files left in place: {visible}"

    result = run_render(*args)
    assert result.returncode == 0, result.stderr
    assert not [p for p in out.rglob("*") if ".tmp-" in p.name]  # stale temporaries removed
    assert render.video_info(folder / "TinySlow.mp4")["frames"] == 90  # 2 x 3 s at 15 fps
    assert render.gif_info(folder / "TinySlow.gif")["frames"] == 75  # 6 s at 12.5 fps
    assert json.loads((folder / "TinySlow.json").read_text())["frames"] == 90


def _start_and_wait_for_encoding(args: list[str], folder: Path) -> subprocess.Popen:
    """Start a batch in its own session; return once it writes its first temporary output."""
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "render.py"), *args],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 240
    while not (folder.is_dir() and list(folder.glob(".TinySlow.*.tmp-*"))):
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
    process = _start_and_wait_for_encoding(args, out / "dark")
    process.terminate()  # the batch process only: it stops its workers itself
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130
    assert "interrupted" in stderr and "run again" in stderr and "Traceback" not in stderr
    assert list((out / "dark").iterdir()) == []  # temporaries and work folders removed too


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
WAIT_FOR_VIDEOS = """new Promise((resolve) => {
  const videos = [...document.querySelectorAll("video")];
  const playing = (v) => v.readyState >= 2 && !v.paused && v.currentTime > 0;
  const start = Date.now();
  (function poll() {
    if (videos.every(playing) || Date.now() - start > 20000) {
      resolve(videos.map((v) => ({src: v.currentSrc, readyState: v.readyState,
                                  paused: v.paused, time: v.currentTime})));
    } else setTimeout(poll, 100);
  })();
})"""


class Chromium:
    """Headless Chromium driven over the DevTools protocol on a pipe (fds 3 and 4)."""

    def __init__(self, profile: str) -> None:
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()

        def wire_fds() -> None:
            os.dup2(to_browser_r, 3)
            os.dup2(from_browser_w, 4)

        self.process = subprocess.Popen(
            [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--remote-debugging-pipe",
             "--window-size=1280,900", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=wire_fds,
            pass_fds=(3, 4),  # kept open after wire_fds put the pipes there
        )  # fmt: skip
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer, self._id, self.session = b"", 0, None

    def send(self, method: str, **params) -> dict:
        self._id += 1
        message = {"id": self._id, "method": method, "params": params}
        if self.session:
            message["sessionId"] = self.session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        while True:
            while b"\0" not in self._buffer:
                chunk = os.read(self._from_browser, 1 << 20)
                assert chunk, "chromium closed the DevTools pipe"
                self._buffer += chunk
            raw, self._buffer = self._buffer.split(b"\0", 1)
            reply = json.loads(raw)
            if reply.get("id") == self._id:
                assert "error" not in reply, reply["error"]
                return reply["result"]

    def open(self, url: str) -> None:
        target = self.send("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.send("Target.attachToTarget", targetId=target, flatten=True)[
            "sessionId"
        ]
        self.send("Page.enable")
        self.send("Emulation.setDeviceMetricsOverride", width=1280, height=900,
                  deviceScaleFactor=1, mobile=False)  # fmt: skip
        self.send("Page.navigate", url=url)

    def evaluate(self, expression: str):
        result = self.send(
            "Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True
        )
        return result["result"].get("value")

    def screenshot(self, path: Path) -> None:
        import base64

        path.write_bytes(
            base64.b64decode(self.send("Page.captureScreenshot", format="png")["data"])
        )

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.session = None
            self.send("Browser.close")
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)
        if self.process.poll() is None:
            self.process.kill()
        os.close(self._to_browser)
        os.close(self._from_browser)


@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (apt-get install chromium)")
def test_gallery_plays_every_video_in_headless_chromium(draft, tmp_path):
    out, _ = draft
    page = (out.parent / "gallery.html").as_uri()
    browser = Chromium(str(tmp_path / "profile"))
    try:
        browser.open(page)
        time.sleep(0.5)  # let the navigation commit before asking the page
        videos = browser.evaluate("document.readyState") and browser.evaluate(WAIT_FOR_VIDEOS)
        shot = tmp_path / "gallery.png"
        browser.screenshot(shot)
    finally:
        browser.close()
    assert len(videos) == len(render.collect_stamps(out)) >= 1
    for video in videos:
        assert video["readyState"] >= 2 and not video["paused"] and video["time"] > 0, video
    pixels = np.asarray(Image.open(shot).convert("RGB")).astype(int)
    video = pixels[270:550, 110:610]  # where the first card's video sits
    assert pixels.std() > 20 and len(np.unique(video.reshape(-1, 3), axis=0)) > 20
    assert (video.sum(-1) < 150).mean() > 0.5  # the dark background of the scene
    red, blue = video[..., 0], video[..., 2]
    assert ((red > 140) & (blue < 90)).mean() > 0.01  # the orange square is on screen
    assert ((blue > 120) & (red < 110)).mean() > 0.01  # and the blue circle
