"""The film: the video version's scenes in order, narrated, joined into one MP4 with chapters.

:func:`make_film` renders (or reuses, by the batch's up-to-date stamps) every
card and scene as MP4, puts a short fade through the background at each join
(:mod:`rendering.outputs.transitions`), joins them without re-encoding when
their streams match (otherwise they are decoded and encoded again), and adds
the narration: every part's lines on the film's clock, mixed and brought to
-16 LUFS as one AAC track, with a ``mov_text`` subtitle track, a chapter
marker per chapter, and beside the MP4 the ``.srt``, the ``.vtt``, the
``0:00 Primer`` chapter list and the narration script (each line's id, time
and text: what a person records for ``--voice DIR``; as text and as JSON). The chapters come from
``scenes/film.py`` (:func:`film_chapters`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from model.files import write_atomic, write_text_atomic
from rendering.batch import BatchRequest, run_batch
from rendering.errors import RenderError
from rendering.outputs.sound import SoundMuxer, SoundTrack, sound_track, srt_text, vtt_text
from rendering.outputs.transitions import edge_frames, fade_clip, fade_frames
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
    "narration_script",
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
    lines: list[dict] = field(default_factory=list)  # the narration on the film's clock
    loudness: float | None = None  # LUFS integrated, as mixed (None: silent)
    true_peak: float | None = None  # dBTP, as mixed
    beside: dict[str, Path] = field(default_factory=dict)  # srt, vtt, script

    @property
    def text(self) -> str:
        """The chapter list, one ``0:00 Title`` a line."""
        return chapter_list(self.chapters)


def film_chapters() -> list[Chapter]:
    """The chapters of ``scenes/film.py``: the title card, one per chapter card with the
    scenes it names, and the end card."""
    from scenes.film import CHAPTERS, CLOSING, OPENING

    return [
        Chapter(OPENING.title, OPENING.__name__, ()),
        *[Chapter(card.title, card.__name__, tuple(card.beats)) for card in CHAPTERS],
        Chapter(CLOSING.title, CLOSING.__name__, ()),
    ]


def narration_script(lines: Sequence[dict]) -> str:
    """The narration as a person records it: per line its id (the WAV's name), time and text."""
    head = (
        "# The film's narration: record each line as <id>.wav in one folder, then\n"
        "# render.py --film --voice FOLDER. Times are where the line starts and how long\n"
        "# the synthetic voice takes; a longer recording makes its scene wait for it.\n\n"
    )
    return head + "".join(
        f"{line['id']}\t{timestamp(line['start'])}.{int(line['start'] * 10) % 10}\t"
        f"{line['seconds']:.1f} s\n{line['text']}\n\n"
        for line in lines
    )


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


def _remux(parts: Sequence[Path], tmp: Path, chapters: list[dict], sound=None) -> None:
    """Copy the packets of every part, one after another, shifted by the parts before."""
    import av

    with av.open(str(tmp), "w", format="mp4", options={"movflags": "+faststart"}) as out:
        stream = muxer = None
        offset = Fraction(0)  # seconds
        for path in parts:
            with av.open(str(path)) as container:
                source = container.streams.video[0]
                if stream is None:
                    stream = out.add_stream_from_template(source)
                    muxer = SoundMuxer(out, "mp4", sound) if sound is not None else None
                shift = round(offset / source.time_base)  # muxing rebases to the output's
                for packet in container.demux(source):
                    if packet.dts is None:  # the demuxer's empty flush packet
                        continue
                    packet.pts += shift
                    packet.dts += shift
                    packet.stream = stream
                    if muxer is not None:
                        muxer.until(float(packet.dts * source.time_base))
                    out.mux(packet)
                frames, rate = _frames_and_rate(path)
                offset += Fraction(frames) / rate
        if muxer is not None:
            muxer.finish()
        out.set_chapters(chapters)


def _reencode(parts: Sequence[Path], tmp: Path, chapters: list[dict], sound=None) -> None:
    """Decode every part and encode one H.264 stream at the first part's size and rate."""
    import av

    with av.open(str(parts[0])) as first:
        src = first.streams.video[0]
        width, height, rate = src.codec_context.width, src.codec_context.height, src.average_rate
    with av.open(str(tmp), "w", format="mp4", options={"movflags": "+faststart"}) as out:
        stream = out.add_stream("libx264", rate=Fraction(rate), options={"crf": "20"})
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        muxer = SoundMuxer(out, "mp4", sound) if sound is not None else None
        index = 0
        for path in parts:
            with av.open(str(path)) as container:
                for frame in container.decode(video=0):
                    frame = frame.reformat(width=width, height=height, format="yuv420p")
                    frame.pts, frame.time_base = index, Fraction(1) / Fraction(rate)
                    index += 1
                    for packet in stream.encode(frame):
                        if muxer is not None and packet.dts is not None:
                            muxer.until(float(packet.dts * packet.time_base))
                        out.mux(packet)
        out.mux(stream.encode())
        if muxer is not None:
            muxer.finish()
        out.set_chapters(chapters)


def join_videos(
    parts: Sequence[Path],
    path: Path,
    marks: Sequence[tuple[str, int]],
    sound: SoundTrack | None = None,
) -> tuple[list[float], bool]:
    """Join MP4 ``parts`` into ``path`` with a chapter at each ``(title, first part index)``.

    Returns each part's length in seconds and whether the parts were copied
    as they are (True) or, their streams differing, encoded again (False).
    ``sound`` adds its audio and subtitle tracks.
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
    write_atomic(path, lambda tmp: (_remux if same else _reencode)(parts, tmp, chapters, sound))
    return lengths, same


def read_chapters(path: Path) -> list[tuple[str, float]]:
    """The chapter markers of a video file: ``(title, start in seconds)``."""
    import av

    with av.open(str(path)) as container:
        return [
            (c["metadata"].get("title", ""), float(c["start"] * c["time_base"]))
            for c in container.chapters()
        ]


def _render_parts(chapters, entries, out, cards_dir, options, theme, n_jobs, console, force):
    """Render what is not up to date; each part's MP4 path and stamp, in the film's order."""
    by_name = {entry.name: entry for entry in entries}
    missing = [n for chapter in chapters for n in chapter.parts if n not in by_name]
    if missing:
        raise RenderError(f"the film names unknown scenes: {', '.join(missing)}")
    if not chapters or not any(chapter.parts for chapter in chapters):
        raise RenderError("the film has no scenes")
    cards = {chapter.card for chapter in chapters if chapter.card}
    jobs: dict[str, Job] = {}
    for chapter in chapters:
        for part in chapter.parts:
            jobs.setdefault(part, Job(by_name[part], theme))
    groups = [
        ([job for n, job in jobs.items() if n not in cards], out),
        ([job for n, job in jobs.items() if n in cards], cards_dir),
    ]
    train_states(list(jobs.values()), console, n_jobs)
    for group, folder in groups:
        plan_jobs(group, folder, ["mp4"], options, force)
        run_batch(BatchRequest(group, folder, ["mp4"], options, n_jobs), console)
    failed = [job for job in jobs.values() if job.status != "done" and job.status != "skipped"]
    if failed:
        reasons = "; ".join(f"{job.entry.name}: {job.reason or job.status}" for job in failed)
        raise RenderError(f"the film is missing parts that did not render: {reasons}")
    found = []
    for chapter in chapters:
        for part in chapter.parts:
            folder = cards_dir if part in cards else out
            stamp = jobs[part].stamp
            found.append((output_folder(folder, theme, options) / stamp["outputs"]["mp4"], stamp))
    return found, list(jobs.values())


def _with_fades(found, work: Path, fps: int) -> list[list[Path]]:
    """Each part as [fade in, part, fade out]: its edge frames eased from and to the background."""
    n = fade_frames(fps)
    pieces = []
    for k, (path, stamp) in enumerate(found):
        first, last = edge_frames(path)
        background = stamp.get("background") or "#000000"
        rise = fade_clip(first, background, n, work / f"in{k:03d}.mp4", fps, rising=True)
        sink = fade_clip(last, background, n, work / f"out{k:03d}.mp4", fps, rising=False)
        pieces.append([rise, path, sink])
    return pieces


def _film_lines(found, pieces, options: RenderOptions) -> list[dict]:
    """Every part's narration on the film's clock (a part starts after the ones before it)."""
    from scenes.lib.voice import voice_named

    lines, start = [], 0.0
    for (_, stamp), files in zip(found, pieces, strict=True):
        lengths = [float(Fraction(n) / rate) for n, rate in map(_frames_and_rate, files)]
        for line in stamp.get("narration", []):
            clip = Path(line["clip"])
            if not clip.is_file():  # the voice cache was cleared: the same engine says it again
                clip = voice_named(options.voice).clip(line["id"], line["text"])
            lines.append(line | {"start": start + lengths[0] + line["start"], "clip": str(clip)})
        start += sum(lengths)
    return lines


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
    gallery render at the same options is reused and vice versa); the cards,
    which are not gallery scenes, into ``film_dir/cards/``. With another voice
    than the installed engine (``options.voice``: a folder of recordings, or
    ``none`` for the silent film) the parts are timed for it and rendered into
    ``film_dir/<recorded|silent>/`` instead, leaving the gallery as it is.

    Raises
    ------
    RenderError
        If a chapter names an unknown scene or a part fails to render.
    """
    out, film_dir = Path(out).resolve(), Path(film_dir).resolve()
    cards_dir = film_dir / "cards"
    if options.voice:
        out = film_dir / ("silent" if options.voice.lower() == "none" else "recorded")
        cards_dir = out / "cards"
    found, jobs = _render_parts(
        chapters, entries, out, cards_dir, options, theme, n_jobs, console, force
    )

    # Join the parts in order, each between its fades, a chapter mark at each chapter's start.
    path = film_dir / f"{name}-{theme}.mp4"
    path.parent.mkdir(parents=True, exist_ok=True)
    work = film_dir / f".{name}-{theme}-fades"
    work.mkdir(exist_ok=True)
    try:
        pieces = _with_fades(found, work, options.fps)
        lines = _film_lines(found, pieces, options)
        files, firsts, names, marks = [], [], [], []
        for chapter in chapters:
            if chapter.parts:
                marks.append((chapter.title, len(files)))
            for part in chapter.parts:
                firsts.append(len(files))
                files += pieces[len(names)]
                names.append(part)
        total = sum(float(Fraction(n) / r) for n, r in map(_frames_and_rate, files))
        sound = sound_track(lines, total) if lines else None
        lengths, same = join_videos(files, path, marks, sound)
    finally:
        for file in work.glob("*.mp4"):
            file.unlink()
        work.rmdir()
    part_lengths = [sum(lengths[first : first + 3]) for first in firsts]
    starts = [(title, sum(lengths[:first])) for title, first in marks]
    chapters_path = path.with_suffix(".chapters.txt")
    write_text_atomic(chapters_path, chapter_list(starts))
    beside = {}
    if sound is not None:
        beside["srt"] = write_text_atomic(path.with_suffix(".srt"), srt_text(sound.cues))
        beside["vtt"] = write_text_atomic(path.with_suffix(".vtt"), vtt_text(sound.cues))
    if lines:
        script = narration_script(lines)
        beside["script"] = write_text_atomic(path.with_suffix(".script.txt"), script)
        timed = [{k: line[k] for k in ("id", "start", "seconds", "text")} for line in lines]
        beside["script-json"] = write_text_atomic(
            path.with_suffix(".script.json"), json.dumps(timed, indent=1)
        )
    return Film(
        path, chapters_path, starts, list(zip(names, part_lengths, strict=True)),
        sum(lengths), same, jobs, lines,
        sound.lufs if sound else None, sound.true_peak if sound else None, beside,
    )  # fmt: skip
