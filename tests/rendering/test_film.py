"""rendering.film: the parts joined in order, chapter markers that match the printed list."""

from __future__ import annotations

from fractions import Fraction

import av
import numpy as np
import pytest
from rich.console import Console

import rendering
from rendering.film import (
    Chapter,
    chapter_list,
    film_chapters,
    join_videos,
    make_film,
    read_chapters,
    timestamp,
)
from rendering.outputs.transitions import fade_frames


def _mp4(path, frames: int, size=(96, 64), fps: int = 10, shade: int = 60):
    """A small H.264 MP4 like the encoder's: a bar moving over a flat background."""
    with av.open(str(path), "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=Fraction(fps), options={"crf": "20"})
        stream.width, stream.height, stream.pix_fmt = *size, "yuv420p"
        for i in range(frames):
            rgb = np.full((size[1], size[0], 3), shade, np.uint8)
            rgb[:, (4 * i) % size[0]] = 255
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(format="yuv420p")
            frame.pts = i
            out.mux(stream.encode(frame))
        out.mux(stream.encode())
    return path


def _decoded_frames(path) -> int:
    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))


def test_timestamps_are_written_as_video_descriptions_want():
    assert timestamp(0) == "0:00"
    assert timestamp(61.9) == "1:01"
    assert timestamp(3725) == "1:02:05"
    assert chapter_list([("Primer", 0.0), ("Spirals", 75.4)]) == "0:00 Primer\n1:15 Spirals\n"


def test_matching_parts_are_copied_and_the_chapters_read_back(tmp_path):
    parts = [_mp4(tmp_path / f"{k}.mp4", n, shade=40 * k) for k, n in enumerate((12, 25, 7))]
    film = tmp_path / "film.mp4"
    lengths, copied = join_videos(parts, film, [("One", 0), ("Two and three", 1)])
    assert copied
    assert lengths == pytest.approx([1.2, 2.5, 0.7])
    assert _decoded_frames(film) == 12 + 25 + 7
    assert read_chapters(film) == [("One", 0.0), ("Two and three", 1.2)]
    with av.open(str(film)) as container:
        assert container.duration / 1e6 == pytest.approx(4.4, abs=1e-3)


def test_parts_that_differ_are_encoded_again_at_the_first_size(tmp_path):
    first = _mp4(tmp_path / "a.mp4", 10, size=(96, 64))
    second = _mp4(tmp_path / "b.mp4", 10, size=(64, 48))
    film = tmp_path / "film.mp4"
    _, copied = join_videos([first, second], film, [("A", 0), ("B", 1)])
    assert not copied
    with av.open(str(film)) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.width, stream.codec_context.height) == (96, 64)
    assert _decoded_frames(film) == 20
    assert [start for _, start in read_chapters(film)] == [0.0, 1.0]


def test_the_film_chapters_name_scenes_that_exist():
    entries, _ = rendering.discover(rendering.scene_files())
    names = {entry.name for entry in entries}
    chapters = film_chapters()
    titles = [c.title for c in chapters]
    assert titles[:3] == ["Opening", "Primer", "Spirals in 2-D"] and titles[-1] == "Credits"
    assert len(chapters) == 6
    manifolds = chapters[-2].scenes  # the seed's order: manifolds before the digit grid
    assert manifolds.index("ManifoldExamples") < manifolds.index("MnistDigits")
    for chapter in chapters:
        assert set(chapter.parts) <= names, set(chapter.parts) - names
    cards = {c.card for c in chapters}
    assert not any(e.gallery for e in entries if e.name in cards)


@pytest.mark.slow
def test_a_tiny_film_is_one_playable_mp4_whose_chapters_match_its_list(scene_dir, tmp_path):
    entries, broken = rendering.discover([scene_dir / "tiny_scenes.py"])
    assert not broken
    chapters = [
        Chapter("Opening", "TinyMove", ()),
        Chapter("The slow one", None, ("TinySlow",)),
    ]
    options = rendering.RenderOptions(192, 108, 10)
    console = Console(stderr=True, width=120)
    out, film_dir = tmp_path / "gallery", tmp_path / "film"
    film = make_film(chapters, entries, out, film_dir, options, "dark", 2, console)

    # One MP4, its chapters as printed, as long as its parts together; silent scenes, no sound.
    assert film.path.is_file() and film.remuxed
    assert film.loudness is None and not film.beside
    listed = film.chapters_path.read_text()
    assert listed == film.text
    assert listed.splitlines()[0] == "0:00 Opening"
    marks = read_chapters(film.path)
    assert [title for title, _ in marks] == ["Opening", "The slow one"]
    assert [start for _, start in marks] == pytest.approx([s for _, s in film.chapters], abs=1e-3)
    parts = {name: seconds for name, seconds in film.parts}
    fades = 2 * fade_frames(options.fps) / options.fps  # each part rises from and sinks to its back
    assert parts["TinyMove"] == pytest.approx(2.0 + fades)
    assert parts["TinySlow"] == pytest.approx(6.0 + fades)
    assert film.duration == pytest.approx(sum(parts.values()))
    assert _decoded_frames(film.path) == round(film.duration * options.fps)
    with av.open(str(film.path)) as container:
        assert container.duration / 1e6 == pytest.approx(film.duration, abs=0.01)

    # A second film reuses the renders: nothing is rendered again.
    again = make_film(chapters, entries, out, film_dir, options, "dark", 2, console)
    assert {job.status for job in again.jobs} == {"skipped"}
    assert again.duration == pytest.approx(film.duration)


def test_film_with_a_scene_choice_is_refused_in_one_line():
    from render_harness import run_render

    result = run_render("--film", "--scene", "TwoToTwo")
    assert result.returncode == 2
    assert "--film renders the chapters" in result.stderr
    assert "Traceback" not in result.stderr
