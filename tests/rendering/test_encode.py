"""rendering.outputs.encode: what the files contain (MP4, GIF, poster, transparent video)."""

from __future__ import annotations

import os
import subprocess
import sys

import av
import numpy as np
import pytest
from PIL import Image
from render_harness import ROOT, run_render

import rendering
import rendering.run.process


def test_draft_mp4_has_size_fps_frames_and_index_in_front(draft):
    out, _ = draft
    mp4 = out / "dark" / "draft" / "TinyMove.mp4"
    info = rendering.video_info(mp4)
    # 1 s wait + 1 s swap at 15 fps, 854x480 like manim's -ql
    assert info == {
        "codec": "h264", "pix_fmt": "yuv420p", "width": 854, "height": 480,
        "fps": 15.0, "frames": 30,
    }  # fmt: skip
    assert rendering.mp4_has_faststart(mp4)


def test_draft_gif_is_one_palette_loops_forever_right_size_and_rate(draft):
    out, _ = draft
    gif = out / "dark" / "draft" / "TinyMove.gif"
    info = rendering.gif_info(gif)
    assert (info["width"], info["height"]) == (640, 360)
    assert info["loop"] == 0  # NETSCAPE2.0 with 0: loop forever
    assert info["global_palette"] and info["local_palettes"] == 0
    # 15 fps video -> 12.5 fps GIF: 8 centiseconds a frame, 2 s -> 25 frames
    assert info["frames"] == 25 and set(info["delays"]) == {8}
    with av.open(str(gif)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "gif"
        assert len({f.to_ndarray(format="rgb24").tobytes() for f in container.decode(stream)}) > 5
    assert rendering.gif_psnr(gif, out / "dark" / "draft" / "TinyMove.mp4") >= 38.0
    assert gif.stat().st_size / 2.0 * 10 <= 3e6  # the aim: 3 MB per 10 s at 640 px


def test_draft_poster_is_the_chosen_frame(draft):
    out, _ = draft
    poster = np.asarray(Image.open(out / "dark" / "draft" / "TinyMove.png").convert("RGB"))
    assert poster.shape == (480, 854, 3)
    with av.open(str(out / "dark" / "draft" / "TinyMove.mp4")) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    scores = [rendering.psnr(poster, frame) for frame in frames]
    # poster_time = 1.5 s -> frame 22 of 30, neither the first nor the last
    assert int(np.argmax(scores)) == 22 and scores[22] > 35.0
    assert scores[22] - max(scores[0], scores[-1]) > 5.0
    assert tuple(poster[2, 2]) == (0x10, 0x14, 0x18)  # the dark theme's background


def test_gif_rates_are_whole_centiseconds():
    assert [rendering.gif_fps_for(fps) for fps in (60, 30, 15, 12, 10, 6)] == [
        12.5, 12.5, 12.5, 100 / 9, 10.0, 100 / 17,
    ]  # fmt: skip
    assert rendering.gif_fps_for(60, 25) == 25.0
    with pytest.raises(rendering.RenderError, match="whole centiseconds"):
        rendering.gif_fps_for(30, 15)


def test_poster_frame_is_chosen_in_seconds_or_from_the_end():
    assert rendering.poster_frame(30, 15, None) == 20  # 2/3 of the way
    assert rendering.poster_frame(30, 15, 1.5) == 22
    assert rendering.poster_frame(30, 15, -1.0) == 14  # one second before the last frame
    assert rendering.poster_frame(30, 15, 99.0) == 29 and rendering.poster_frame(30, 15, -99.0) == 0


def test_unmix_background_gives_straight_alpha():
    background = np.array([16, 20, 24], np.float32)
    colour, alpha = np.array([200, 100, 50], np.float32), 0.4
    mixed = alpha * colour + (1 - alpha) * background  # what manim stores
    rgba = np.array([[[*np.round(mixed), round(alpha * 255)]]], np.uint8)
    straight = rendering.unmix_background(rgba, background)
    assert np.abs(straight[0, 0, :3].astype(int) - colour).max() <= 2
    assert straight[0, 0, 3] == rgba[0, 0, 3]


@pytest.mark.slow
def test_light_theme_and_transparent_outputs(scene_dir, tmp_path):
    out = tmp_path / "gallery"
    result = run_render(
        "--file", str(scene_dir / "tiny_scenes.py"), "--scene", "TinyMove", "--theme", "light",
        "--width", "320", "--fps", "10", "-f", "png,mov,alpha-webm", "--out", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    poster = np.asarray(Image.open(out / "light" / "320x180p10" / "TinyMove.png").convert("RGB"))
    assert poster.shape == (180, 320, 3) and tuple(poster[2, 2]) == (0xFA, 0xFA, 0xF7)
    with av.open(str(out / "light" / "320x180p10" / "TinyMove.mov")) as container:
        assert container.streams.video[0].codec_context.name == "prores"
        first = next(container.decode(video=0)).to_ndarray(format="rgba")
    assert first[2, 2, 3] == 0  # background: fully transparent
    assert (first[..., 3] > 100).mean() > 0.05  # the shapes: (semi-)opaque
    with av.open(str(out / "light" / "320x180p10" / "TinyMove.alpha.webm")) as container:
        stream = container.streams.video[0]
        decoder = av.CodecContext.create("libvpx-vp9", "r")  # the decoder that keeps alpha
        frames = [f for packet in container.demux(stream) for f in decoder.decode(packet)]
    alpha = frames[0].to_ndarray(format="rgba")[..., 3]
    assert frames[0].format.name == "yuva420p" and alpha[2, 2] < 8 and alpha.max() > 200


_THREADS_SCRIPT = """
import os, sys
from pathlib import Path
import numpy as np
sys.path.insert(0, sys.argv[1])
from rendering.outputs.encode import VideoSink, opaque_frame, set_encoder_threads
set_encoder_threads(int(sys.argv[2]))
before = len(os.listdir("/proc/self/task"))
sink = VideoSink("mp4", Path(sys.argv[3]), 640, 480, 10)
for seed in range(12):
    noise = np.random.default_rng(seed).integers(0, 255, (480, 640, 3), np.uint8)
    sink.add_frame(opaque_frame(noise))
print(len(os.listdir("/proc/self/task")) - before)
sink.close()
"""


@pytest.mark.skipif(
    not os.path.isdir("/proc/self/task") or rendering.run.process.cores() < 2,
    reason="Linux, 2 cores",
)
def test_a_batch_worker_encodes_on_one_thread_and_a_lone_render_on_all(tmp_path):
    # set_encoder_threads(1), as in a pool that fills the cores: x264 starts no threads.
    def threads_started(n: int) -> int:
        out = subprocess.run(
            [sys.executable, "-c", _THREADS_SCRIPT, str(ROOT), str(n), str(tmp_path / "t.mp4")],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        return int(out.stdout)

    assert threads_started(1) == 0
    assert threads_started(0) > 0
