"""rendering.outputs.page: the stamps and the gallery pages, played in headless Chromium."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest
from browser_harness import CHROMIUM, Chromium
from PIL import Image

import rendering
from rendering.outputs.page import start_seconds


def test_stamp_and_gallery_pages(draft):
    out, _ = draft
    stamp = json.loads((out / "dark" / "draft" / "TinyMove.json").read_text())
    assert stamp["frames"] == 30 and stamp["duration"] == pytest.approx(2.0)
    assert set(stamp["outputs"]) == {"mp4", "webm", "gif", "png"}
    page = (out.parent / "gallery.html").read_text()
    assert "<video autoplay muted loop playsinline" in page
    # the video starts at its poster frame (a media fragment), not at the blank first frame
    start = start_seconds(stamp)
    assert start > 0 and f'src="gallery/dark/draft/TinyMove.mp4#t={start:g}"' in page
    assert 'poster="gallery/dark/draft/TinyMove.png"' in page
    assert "gallery/dark/draft/TinyMove.gif" in page
    assert "A circle and a square trade places under a label." in page
    markdown = (out.parent / "gallery.md").read_text()
    assert "![Tiny Move](gallery/dark/draft/TinyMove.gif)" in markdown


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
