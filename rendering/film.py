"""The film: the video version's scenes in order, joined into one MP4 with chapter markers.

:func:`make_film` renders (or reuses, by the batch's up-to-date stamps) every
chapter card and scene as MP4, joins them without re-encoding when their
streams match (same size, frame rate, codec and codec setup; otherwise they
are decoded and encoded again), writes one chapter marker per chapter into the
MP4 and a ``0:00 Primer`` chapter list beside it, ready for a video
description. The chapters come from ``scenes/film.py`` (:func:`film_chapters`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from model.files import write_atomic, write_text_atomic
from rendering.batch import BatchRequest, run_batch
from rendering.errors import RenderError
from rendering.plan.jobs import Job, plan_jobs
from rendering.plan.options import RenderOptions
from rendering.plan.registry import SceneEntry
from rendering.plan.stamps import output_folder
from rendering.run.training import train_states

__all__ = [
    "Chapter",
    "Film",
    "chapter_list",
    "film_chapters",
    "join_videos",
    "make_film",
    "read_chapters",
    "timestamp",
]

CHAPTER_TIME_BASE = Fraction(1, 1000)  # chapter marks in milliseconds


@dataclass(frozen=True)
class Chapter:
    """A chapter: its title, its title card (a scene name, or None) and its scenes in order."""

    title: str
    card: str | None
    scenes: tuple[str, ...]

    @property
    def parts(self) -> tuple[str, ...]:
        """The scenes that make the chapter, card first."""
        return ((self.card,) if self.card else ()) + self.scenes


@dataclass
class Film:
    """What :func:`make_film` made: the MP4, the chapter list, and each part's length."""

    path: Path
    chapters_path: Path
    chapters: list[tuple[str, float]]  # (title, start in seconds)
    parts: list[tuple[str, float]] = field(default_factory=list)  # (scene, seconds)
    duration: float = 0.0
    remuxed: bool = True  # False: the parts did not match and were encoded again
    jobs: list[Job] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The chapter list, one ``0:00 Title`` a line."""
        return chapter_list(self.chapters)


def film_chapters() -> list[Chapter]:
    """The chapters of ``scenes/film.py``: one per chapter card, with the scenes it names."""
    from scenes.film import CHAPTERS

    return [Chapter(card.title, card.__name__, tuple(card.beats)) for card in CHAPTERS]


def timestamp(seconds: float) -> str:
    """``m:ss`` (``h:mm:ss`` from an hour), as video descriptions write chapter times."""
    whole = int(seconds + 1e-6)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def chapter_list(chapters: Sequence[tuple[str, float]]) -> str:
    """``0:00 Primer`` lines, one per chapter, ending with a newline."""
    return "".join(f"{timestamp(start)} {title}\n" for title, start in chapters)


def _stream_signature(path: Path) -> tuple:
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        ctx = stream.codec_context
        return (ctx.name, ctx.width, ctx.height, ctx.pix_fmt, stream.average_rate,
                bytes(ctx.extradata or b""))  # fmt: skip


def _frames_and_rate(path: Path) -> tuple[int, Fraction]:
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = stream.frames  # from the MP4 index; count the packets if it is missing
        if not frames:
            frames = sum(1 for packet in container.demux(stream) if packet.size)
        return int(frames), Fraction(stream.average_rate)


def _remux(parts: Sequence[Path], tmp: Path, chapters: list[dict]) -> None:
    """Copy the packets of every part, one after another, shifted by the parts before."""
    import av

    with av.open(str(tmp), "w", format="mp4", options={"movflags": "+faststart"}) as out:
        stream = None
        offset = Fraction(0)  # seconds
        for path in parts:
            with av.open(str(path)) as container:
                source = container.streams.video[0]
                if stream is None:
                    stream = out.add_stream_from_template(source)
                shift = round(offset / source.time_base)  # muxing rebases to the output's
                for packet in container.demux(source):
                    if packet.dts is None:  # the demuxer's empty flush packet
                        continue
                    packet.pts += shift
                    packet.dts += shift
                    packet.stream = stream
                    out.mux(packet)
                frames, rate = _frames_and_rate(path)
                offset += Fraction(frames) / rate
        out.set_chapters(chapters)


def _reencode(parts: Sequence[Path], tmp: Path, chapters: list[dict]) -> None:
    """Decode every part and encode one H.264 stream at the first part's size and rate."""
    import av

    with av.open(str(parts[0])) as first:
        src = first.streams.video[0]
        width, height, rate = src.codec_context.width, src.codec_context.height, src.average_rate
    with av.open(str(tmp), "w", format="mp4", options={"movflags": "+faststart"}) as out:
        stream = out.add_stream("libx264", rate=Fraction(rate), options={"crf": "20"})
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        index = 0
        for path in parts:
            with av.open(str(path)) as container:
                for frame in container.decode(video=0):
                    frame = frame.reformat(width=width, height=height, format="yuv420p")
                    frame.pts, frame.time_base = index, Fraction(1) / Fraction(rate)
                    index += 1
                    out.mux(stream.encode(frame))
        out.mux(stream.encode())
        out.set_chapters(chapters)


def join_videos(
    parts: Sequence[Path], path: Path, marks: Sequence[tuple[str, int]]
) -> tuple[list[float], bool]:
    """Join MP4 ``parts`` into ``path`` with a chapter at each ``(title, first part index)``.

    Returns each part's length in seconds and whether the parts were copied
    as they are (True) or, their streams differing, encoded again (False).
    """
    lengths = [float(Fraction(n) / rate) for n, rate in map(_frames_and_rate, parts)]
    starts = [sum(lengths[:i]) for i in range(len(parts) + 1)]
    total = starts[-1]
    chapters = []
    for k, (title, first) in enumerate(marks):
        end = starts[marks[k + 1][1]] if k + 1 < len(marks) else total
        chapters.append({
            "id": k + 1, "start": round(starts[first] / CHAPTER_TIME_BASE),
            "end": round(end / CHAPTER_TIME_BASE), "time_base": CHAPTER_TIME_BASE,
            "metadata": {"title": title},
        })  # fmt: skip
    same = len({_stream_signature(p) for p in parts}) == 1
    write_atomic(path, lambda tmp: (_remux if same else _reencode)(parts, tmp, chapters))
    return lengths, same


def read_chapters(path: Path) -> list[tuple[str, float]]:
    """The chapter markers of a video file: ``(title, start in seconds)``."""
    import av

    with av.open(str(path)) as container:
        return [
            (c["metadata"].get("title", ""), float(c["start"] * c["time_base"]))
            for c in container.chapters()
        ]


def make_film(
    chapters: Sequence[Chapter],
    entries: Sequence[SceneEntry],
    out: Path,
    film_dir: Path,
    options: RenderOptions,
    theme: str,
    n_jobs: int,
    console,
    *,
    force: bool = False,
    name: str = "bendspace",
) -> Film:
    """Render what is not up to date, then join the film into ``film_dir/<name>-<theme>.mp4``.

    Scenes are rendered into ``out/<theme>/`` (the gallery's folder, so a
    gallery render at the same options is reused and vice versa); the
    chapter cards, which are not gallery scenes, into ``film_dir/cards/``.

    Raises
    ------
    RenderError
        If a chapter names an unknown scene or a part fails to render.
    """
    by_name = {entry.name: entry for entry in entries}
    missing = [n for chapter in chapters for n in chapter.parts if n not in by_name]
    if missing:
        raise RenderError(f"the film names unknown scenes: {', '.join(missing)}")
    if not chapters or not any(chapter.parts for chapter in chapters):
        raise RenderError("the film has no scenes")
    out, film_dir = Path(out).resolve(), Path(film_dir).resolve()
    cards = {chapter.card for chapter in chapters if chapter.card}
    jobs: dict[str, Job] = {}
    for chapter in chapters:
        for part in chapter.parts:
            jobs.setdefault(part, Job(by_name[part], theme))
    groups = [
        ([job for n, job in jobs.items() if n not in cards], out),
        ([job for n, job in jobs.items() if n in cards], film_dir / "cards"),
    ]
    train_states(list(jobs.values()), console, n_jobs)
    for group, folder in groups:
        plan_jobs(group, folder, ["mp4"], options, force)
        run_batch(BatchRequest(group, folder, ["mp4"], options, n_jobs), console)
    failed = [job for job in jobs.values() if job.status != "done" and job.status != "skipped"]
    if failed:
        reasons = "; ".join(f"{job.entry.name}: {job.reason or job.status}" for job in failed)
        raise RenderError(f"the film is missing parts that did not render: {reasons}")

    # Join the parts in order, a chapter mark at each chapter's first part.
    paths, names, marks = [], [], []
    for chapter in chapters:
        if chapter.parts:
            marks.append((chapter.title, len(paths)))
        for part in chapter.parts:
            folder = (film_dir / "cards") if part in cards else out
            paths.append(output_folder(folder, theme, options) / jobs[part].stamp["outputs"]["mp4"])
            names.append(part)
    path = film_dir / f"{name}-{theme}.mp4"
    path.parent.mkdir(parents=True, exist_ok=True)
    lengths, same = join_videos(paths, path, marks)
    starts = [(title, sum(lengths[:first])) for title, first in marks]
    chapters_path = path.with_suffix(".chapters.txt")
    write_text_atomic(chapters_path, chapter_list(starts))
    return Film(path, chapters_path, starts, list(zip(names, lengths, strict=True)),
                sum(lengths), same, list(jobs.values()))  # fmt: skip
