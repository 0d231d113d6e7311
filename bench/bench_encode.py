"""Encoder settings: VP9 speed against quality and size, and the GIF's path, on real frames.

The frames are the first plays of ``SpiralsStretching`` (lossless, drawn once,
held in memory). Rows:

- MP4 and VP9: each candidate setting's encode time, mean PSNR against the
  lossless frames and size, as a ratio to the previous setting (x264
  ``medium``, VP9 ``cpu-used 4``); the aim is faster at the same quality
  (PSNR within 0.3 dB; size within 25% for MP4, 10% for VP9);
- GIF: the previous path (encode the MP4, decode it again, scale, palette)
  against the chunked path (scale the lossless frames in the chunk, palette),
  PSNR against the drawn (lossless) frames, against the MP4, and size;
- the conversion to BT.709 yuv420p: CPU time and round-trip PSNR of each chroma filter,
  on 720p frames (the gallery's size; at 854x480 the two take the same time);
- encoder threads: each encoder's CPU time on one thread against the codec's
  own thread count, at the same PSNR.

``BENCH_ENCODE_SIZE=WxHxFPS`` (default 854x480x15) and ``BENCH_ENCODE_PLAYS=N``
(default 8) change the sample.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import numpy as np

import rendering
from rendering.draw.scene import plan_scene, scene_frames
from rendering.outputs import encode, gif
from rendering.outputs.gif import gif_sources

__all__ = ["VP9_CANDIDATES", "X264_CANDIDATES", "run"]

# MP4: the previous default (medium, crf 20) first, then faster presets at a crf that
# keeps the PSNR (tune animation: flat areas and sharp edges, as these scenes are).
X264_CANDIDATES = {
    "medium, crf 20 (before)": {"crf": "20", "preset": "medium"},
    "veryfast, crf 20": {"crf": "20", "preset": "veryfast"},
    "veryfast, animation, crf 18 (now)": {"crf": "18", "preset": "veryfast", "tune": "animation"},
}

# name -> options: the previous default first, then the candidates.
VP9_CANDIDATES = {
    "good, cpu-used 4 (before)": {"crf": "32", "b": "0", "row-mt": "1", "deadline": "good",
                                  "cpu-used": "4"},
    "good, cpu-used 5": {"crf": "32", "b": "0", "row-mt": "1", "deadline": "good",
                         "cpu-used": "5"},
    "realtime, cpu-used 7": {"crf": "32", "b": "0", "row-mt": "1", "deadline": "realtime",
                             "cpu-used": "7"},
    "realtime, cpu-used 6": {"crf": "32", "b": "0", "row-mt": "1", "deadline": "realtime",
                             "cpu-used": "6"},
    "realtime, cpu-used 6, crf 33": {"crf": "33", "b": "0", "row-mt": "1",
                                     "deadline": "realtime", "cpu-used": "6"},
    "realtime, cpu-used 7, crf 33": {"crf": "33", "b": "0", "row-mt": "1",
                                     "deadline": "realtime", "cpu-used": "7"},
    # tune-content screen: libvpx's tools for flat, sharp-edged pictures, as these are
    "realtime, cpu-used 6, crf 33, screen (now)": {"crf": "33", "b": "0", "row-mt": "1",
                                                   "deadline": "realtime", "cpu-used": "6",
                                                   "tune-content": "screen"},
    "realtime, cpu-used 7, crf 33, screen": {"crf": "33", "b": "0", "row-mt": "1",
                                             "deadline": "realtime", "cpu-used": "7",
                                             "tune-content": "screen"},
    "realtime, cpu-used 8, crf 33, screen": {"crf": "33", "b": "0", "row-mt": "1",
                                             "deadline": "realtime", "cpu-used": "8",
                                             "tune-content": "screen"},
}  # fmt: skip


def _sample(size: str | None = None, plays: int | None = None):
    """Frames of the first plays of SpiralsStretching, and their render options."""
    from scenes.spirals import SpiralsStretching

    width, height, fps = (
        int(v) for v in (size or os.environ.get("BENCH_ENCODE_SIZE", "854x480x15")).split("x")
    )
    options = rendering.RenderOptions(width, height, fps)
    os.environ.setdefault("BENDSPACE_THEME", "dark")
    with tempfile.TemporaryDirectory() as tmp:
        counts, _ = plan_scene(SpiralsStretching, options, Path(tmp))
        wanted = plays or int(os.environ.get("BENCH_ENCODE_PLAYS", "8"))
        plays = (0, min(len(counts), wanted))
        frames = [np.ascontiguousarray(f[..., :3]) for f in scene_frames(
            SpiralsStretching, options, Path(tmp), plays)]  # fmt: skip
    return frames, options


def _decoded(path: Path) -> list[np.ndarray]:
    import av

    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]


def _encode(frames, options, fmt: str, path: Path, settings: dict | None = None) -> float:
    saved = dict(encode.VideoSink.SETTINGS)
    if settings is not None:
        container, codec, pix_fmt, _, alpha = saved[fmt]
        encode.VideoSink.SETTINGS[fmt] = (container, codec, pix_fmt, settings, alpha)
    try:
        start = time.perf_counter()
        sink = encode.VideoSink(fmt, path, options.width, options.height, options.fps)
        for frame in frames:
            sink.add(frame, None)
        sink.close()
        return time.perf_counter() - start
    finally:
        encode.VideoSink.SETTINGS.clear()
        encode.VideoSink.SETTINGS.update(saved)


def _codec_rows(frames, options, tmp: Path, fmt: str, candidates: dict, aim: tuple) -> list:
    """Each setting's time (the best of 3, in turns), mean PSNR against the lossless frames
    and size, against the first."""
    max_db_loss, max_growth = aim
    paths = {name: tmp / f"{fmt}{k}.{fmt}" for k, name in enumerate(candidates)}
    seconds = {name: float("inf") for name in candidates}
    for _ in range(3):  # the machine's speed drifts: every setting sees the same minutes
        for name, settings in candidates.items():
            took = _encode(frames, options, fmt, paths[name], settings)
            seconds[name] = min(seconds[name], took)
    rows, first = [], None
    for name, path in paths.items():
        db = float(
            np.mean([rendering.psnr(a, b) for a, b in zip(frames, _decoded(path), strict=True)])
        )
        size = path.stat().st_size
        first = first or (seconds[name], db, size)
        rows.append(
            {
                "benchmark": f"{fmt.upper()} {name}, {len(frames)} frames, {options.width} px",
                "seconds": round(seconds[name], 2),
                "baseline": f"before: {first[0]:.2f} s, {first[1]:.2f} dB, {first[2] / 1e3:.0f} kB",
                "ratio": round(first[0] / seconds[name], 2),  # speed-up
                "value": f"{db:.2f} dB, {size / 1e3:.0f} kB ({size / first[2] - 1:+.0%})",
                "aim": f"faster, PSNR within {max_db_loss} dB, size within {max_growth:.0%}",
                "ok": bool(db >= first[1] - max_db_loss and size <= (1 + max_growth) * first[2]),
            }
        )
    return rows


def _lossless(frames, options, path: Path) -> None:
    import av

    with av.open(str(path), "w", format="mov") as out:
        stream = out.add_stream("qtrle", rate=options.fps)
        stream.width, stream.height, stream.pix_fmt = options.width, options.height, "rgb24"
        for index, rgb in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            frame.pts = index
            out.mux(stream.encode(frame))
        out.mux(stream.encode())


class _FromMp4:
    """The baseline: the GIF's frames decoded from the MP4, scaled and steadied, on each
    pass (the palette's, then the frames')."""

    def __init__(self, mp4: Path, n_frames: int, options, size) -> None:
        self.mp4, self.size = mp4, size
        self.wanted = gif_sources(n_frames, options.fps, options.gif_fps)

    def __iter__(self):
        import av

        wanted, shown = iter(self.wanted), None
        target = next(wanted, None)
        with av.open(str(self.mp4)) as container:
            for index, frame in enumerate(container.decode(video=0)):
                if target == index:
                    scaled = frame.reformat(*self.size, "rgb24", interpolation=gif.GIF_SCALING)
                    rgb = scaled.to_ndarray()
                while target == index:  # a frame shown twice: steady works in place
                    shown = gif.steady(rgb.copy(), shown)
                    yield shown
                    target = next(wanted, None)
                if target is None:
                    return


def _gif_rows(frames, options, tmp: Path) -> list[dict]:
    mp4, truth = tmp / "video.mp4", tmp / "lossless.mov"
    _encode(frames, options, "mp4", mp4)
    _lossless(frames, options, truth)
    size = gif.gif_size(options.width, options.height, options.gif_width)
    # Before: the GIF's frames decoded from the MP4 (a second decode of every frame).
    start = time.perf_counter()
    before = tmp / "before.gif"
    gif.write_gif(_FromMp4(mp4, len(frames), options, size), before, options.gif_fps)
    before_s = time.perf_counter() - start
    # After: the lossless frames scaled where they are drawn, the palette from those.
    import av

    start = time.perf_counter()
    after = tmp / "after.gif"
    small = []
    for index in gif_sources(len(frames), options.fps, options.gif_fps):
        frame = av.VideoFrame.from_ndarray(frames[index], format="rgb24")
        small.append(frame.reformat(*size, "rgb24", interpolation=gif.GIF_SCALING).to_ndarray())
    steadied, shown = [], None
    for rgb in small:  # the same steadying as the chunked path
        steadied.append(shown := gif.steady(rgb, shown))
    gif.write_gif(steadied, after, options.gif_fps)
    after_s = time.perf_counter() - start
    db_before, db_after = rendering.gif_psnr(before, truth), rendering.gif_psnr(after, truth)
    mp4_before, mp4_after = rendering.gif_psnr(before, mp4), rendering.gif_psnr(after, mp4)
    kb_before, kb_after = before.stat().st_size / 1e3, after.stat().st_size / 1e3
    return [
        {
            "benchmark": f"GIF from lossless frames vs from the decoded MP4 ({len(frames)} frames)",
            "seconds": round(after_s, 2),
            "baseline": f"from MP4 {before_s:.2f} s, {db_before:.2f} dB, {kb_before:.0f} kB "
            f"(vs the MP4: {mp4_before:.2f} dB)",
            "ratio": round(before_s / after_s, 2),
            "value": f"{db_after:.2f} dB vs the drawn frames, {kb_after:.0f} kB "
            f"(vs the MP4: {mp4_after:.2f} dB)",
            "aim": "faster, PSNR within 0.5 dB, size within 10%",
            "ok": bool(db_after >= db_before - 0.5 and kb_after <= 1.1 * kb_before),
        }
    ]


def _round_trip(yuv) -> np.ndarray:
    back = yuv.reformat(format="rgb24", src_colorspace="ITU709", src_color_range="MPEG")
    return back.to_ndarray()


def _conversion_rows(frames) -> list[dict]:
    """RGB to BT.709 yuv420p, the step before both encoders: CPU time with each chroma
    filter (the best of 3, in turns) and the PSNR of the frames converted back to RGB."""
    filters = {"bicubic (before)": "BICUBIC", "area (now)": "AREA"}
    cpu = {name: float("inf") for name in filters}
    for _ in range(3):
        for name, scaling in filters.items():
            start = time.process_time()
            for rgb in frames:
                encode._to_yuv(rgb, "rgb24", "yuv420p", scaling)
            cpu[name] = min(cpu[name], time.process_time() - start)
    db = {
        name: float(np.mean([rendering.psnr(rgb, _round_trip(encode._to_yuv(rgb, "rgb24",
                                                                            "yuv420p", scaling)))
                             for rgb in frames]))
        for name, scaling in filters.items()
    }  # fmt: skip
    (before, now) = filters
    return [{
        "benchmark": f"BT.709 yuv420p conversion, area vs bicubic chroma, {len(frames)} frames",
        "seconds": round(cpu[now], 2),
        "baseline": f"bicubic {cpu[before]:.2f} s CPU, {db[before]:.2f} dB",
        "ratio": round(cpu[before] / cpu[now], 2),
        "value": f"round trip {db[now]:.2f} dB",
        "aim": "faster, round-trip PSNR within 0.05 dB",
        "ok": cpu[now] < cpu[before] and db[now] >= db[before] - 0.05,
    }]  # fmt: skip


def _scaling_rows(big, options, tmp: Path) -> list[dict]:
    """The GIF's scaling filter: Lanczos (before) against an area average (now), on 720p
    frames. CPU time (the best of 3, in turns), and the finished GIF's PSNR against the
    same plays drawn at the GIF's size (what the scaled frames stand in for), and bytes."""
    import av

    size = gif.gif_size(options.width, options.height, options.gif_width)
    native, _ = _sample(f"{size[0]}x{size[1]}x{options.fps}", len(big))
    step = 2  # every other frame, as a 15 fps GIF of a 30 fps video
    big, native = big[::step], native[: len(big) : step]
    filters = {"Lanczos (before)": "LANCZOS", "area (now)": gif.GIF_SCALING}
    cpu = {name: float("inf") for name in filters}
    small = {}
    for _ in range(3):
        for name, scaling in filters.items():
            start = time.process_time()
            small[name] = [
                av.VideoFrame.from_ndarray(rgb, format="rgb24")
                .reformat(*size, "rgb24", interpolation=scaling).to_ndarray()
                for rgb in big
            ]  # fmt: skip
            cpu[name] = min(cpu[name], time.process_time() - start)
    db, kb = {}, {}
    for name, frames in small.items():
        shown, steadied = None, []
        for rgb in frames:
            steadied.append(shown := gif.steady(rgb.copy(), shown))
        path = tmp / f"scaled-{filters[name]}.gif"
        gif.write_gif(steadied, path, options.fps / step)
        decoded = _decoded(path)
        pairs = zip(decoded, native, strict=True)
        mse = np.mean([np.mean((a.astype(np.float64) - b) ** 2) for a, b in pairs])
        db[name], kb[name] = 10 * np.log10(255.0**2 / mse), path.stat().st_size / 1e3
    (before, now) = filters
    return [{
        "benchmark": f"GIF scaling, area vs Lanczos, {len(big)} frames of "
                     f"{options.width}x{options.height} to {size[0]}x{size[1]}",
        "seconds": round(cpu[now], 2),
        "baseline": f"Lanczos {cpu[before]:.2f} s CPU, GIF {db[before]:.2f} dB, "
                    f"{kb[before]:.0f} kB",
        "ratio": round(cpu[before] / cpu[now], 2),
        "value": f"GIF {db[now]:.2f} dB against the frames drawn at its size, {kb[now]:.0f} kB",
        "aim": "faster, GIF PSNR not lower, size within 10%",
        "ok": cpu[now] < cpu[before] and db[now] >= db[before] and kb[now] <= 1.1 * kb[before],
    }]  # fmt: skip


def _thread_rows(frames, options, tmp: Path) -> list[dict]:
    """CPU time of each encoder on one thread (a batch whose workers fill the cores) against
    the codec's own thread count, and the PSNR of both (the same quality)."""
    rows = []
    for fmt in ("mp4", "webm"):
        cpu, psnr = {}, {}
        for threads in (0, 1):
            encode.set_encoder_threads(threads)
            try:
                start = time.process_time()  # every thread of this process, encoders' included
                _encode(frames, options, fmt, tmp / f"threads{threads}.{fmt}")
                cpu[threads] = time.process_time() - start
            finally:
                encode.set_encoder_threads(0)
            decoded = _decoded(tmp / f"threads{threads}.{fmt}")
            scores = [rendering.psnr(a, b) for a, b in zip(frames, decoded, strict=True)]
            psnr[threads] = float(np.mean(scores))
        rows.append({
            "benchmark": f"{fmt} encoder on one thread vs the codec's threads, CPU time",
            "seconds": round(cpu[1], 2),
            "baseline": f"codec's threads {cpu[0]:.2f} s CPU",
            "ratio": round(cpu[1] / cpu[0], 2),
            "aim": "<= 1.05 (no more CPU), PSNR within 0.1 dB",
            "ok": cpu[1] <= 1.05 * cpu[0] and abs(psnr[1] - psnr[0]) <= 0.1,
            "value": f"PSNR {psnr[1]:.2f} vs {psnr[0]:.2f} dB",
        })  # fmt: skip
    return rows


def run() -> list[dict]:
    """VP9 candidates, encoder threads and the two GIF paths on the same frames."""
    frames, options = _sample()
    hd, hd_options = _sample("1280x720x30", 5)  # the gallery's size
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        return (
            _codec_rows(frames, options, tmp, "mp4", X264_CANDIDATES, (0.3, 0.25))
            + _codec_rows(frames, options, tmp, "webm", VP9_CANDIDATES, (0.3, 0.10))
            + _conversion_rows(hd)
            + _scaling_rows(hd, hd_options, tmp)
            + _thread_rows(frames, options, tmp)
            + _gif_rows(frames, options, tmp)
        )


if __name__ == "__main__":
    for row in run():
        print(row)
