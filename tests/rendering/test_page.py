"""rendering.page: the stamps and the gallery pages, played in headless Chromium."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import rendering


def test_stamp_and_gallery_pages(draft):
    out, _ = draft
    stamp = json.loads((out / "dark" / "draft" / "TinyMove.json").read_text())
    assert stamp["frames"] == 30 and stamp["duration"] == pytest.approx(2.0)
    assert set(stamp["outputs"]) == {"mp4", "webm", "gif", "png"}
    page = (out.parent / "gallery.html").read_text()
    assert "<video autoplay muted loop playsinline" in page
    assert 'poster="gallery/dark/draft/TinyMove.png"' in page
    assert "gallery/dark/draft/TinyMove.gif" in page
    assert "A circle and a square trade places under a label." in page
    markdown = (out.parent / "gallery.md").read_text()
    assert "![Tiny Move](gallery/dark/draft/TinyMove.gif)" in markdown


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
    assert len(videos) == len(rendering.collect_stamps(out)) >= 1
    for video in videos:
        assert video["readyState"] >= 2 and not video["paused"] and video["time"] > 0, video
    pixels = np.asarray(Image.open(shot).convert("RGB")).astype(int)
    video = pixels[270:550, 110:610]  # where the first card's video sits
    assert pixels.std() > 20 and len(np.unique(video.reshape(-1, 3), axis=0)) > 20
    assert (video.sum(-1) < 150).mean() > 0.5  # the dark background of the scene
    red, blue = video[..., 0], video[..., 2]
    assert ((red > 140) & (blue < 90)).mean() > 0.01  # the orange square is on screen
    assert ((blue > 120) & (red < 110)).mean() > 0.01  # and the blue circle
