"""The ``render.py`` command line: pick scenes and options, run the batch, say what happened."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

import click

from model.custom_cli import OneLineCommand, run_command
from model.limits import LimitError, check_writable_folder
from model.text import markup_safe, printable
from rendering.batch import BatchRequest, Job, render_jobs
from rendering.errors import RenderError, display
from rendering.plan.options import (
    DEFAULT_FORMATS,
    FORMATS,
    THEMES,
    parse_formats,
    quality_option,
    render_options,
    themes_for,
)
from rendering.plan.registry import REPO_ROOT, SceneEntry, discover, scene_files, select
from rendering.run.executors import LocalExecutor
from rendering.run.process import cores, interrupt_on_sigterm, usable_workers, workers_line

__all__ = ["DEFAULT_OUT", "cli", "main", "print_list"]

DEFAULT_OUT = REPO_ROOT / "media" / "gallery"


def print_list(entries: Sequence[SceneEntry], broken: dict[Path, str]) -> None:
    """One line per scene: story, name, description (and files that do not import)."""
    width = max((len(entry.name) for entry in entries), default=10)
    story_width = max((len(entry.story) for entry in entries), default=8)
    for entry in entries:
        extra = "" if entry.gallery else "  [not in the default gallery]"
        print(f"{entry.story:<{story_width}}  {entry.name:<{width}}  {entry.description}{extra}")
    for path, reason in broken.items():
        print(f"{path.stem:<{story_width}}  (does not import: {reason})")
    if not entries and not broken:
        print("no scenes found in scenes/*.py")


@click.command(
    cls=OneLineCommand,
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog="Examples: render.py --list; render.py --story spirals -q draft; "
    "render.py --scene SpiralsStretching -f mp4,gif,mov --theme both; "
    "render.py custom --help; render.py playground --help.",
)
@click.option(
    "--scene", "scenes", multiple=True, metavar="NAME", help="Render this scene (repeatable)."
)
@click.option(
    "--story",
    "stories",
    multiple=True,
    metavar="NAME",
    help="Render every scene of a story: primer, spirals, disks, mnist, packing, custom.",
)
@click.option("--list", "list_only", is_flag=True, help="List every scene with its description.")
@click.option(
    "--file",
    "files",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also take scenes from this file (repeatable).",
)
@quality_option()
@click.option("--fps", type=click.IntRange(1, 120), help="Override the preset's frame rate.")
@click.option(
    "--width",
    type=click.IntRange(64, 7680),
    help="Override the preset's width in pixels (height follows at 16:9).",
)
@click.option(
    "--format",
    "-f",
    "format_values",
    multiple=True,
    metavar="LIST",
    help=f"Comma-separated outputs: {', '.join(FORMATS)} [default: {','.join(DEFAULT_FORMATS)}].",
)
@click.option(
    "--theme",
    type=click.Choice([*THEMES, "both"]),
    default="dark",
    show_default=True,
    help="Colour theme (scenes read BENDSPACE_THEME); outputs go to OUT/<theme>/ "
    "(other qualities than 720p30 to OUT/<theme>/<quality>/).",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(1, 64),
    default=cores(),
    show_default="number of cores",
    help="Worker processes: every scene is cut into chunks that run on all of them "
    "(at most the cores, and what free memory holds).",
)
@click.option(
    "--chunks",
    "chunks_per_scene",
    type=click.IntRange(1, 256),
    show_default="one per worker",
    help="Chunks each scene is cut into (contiguous animation ranges of similar length).",
)
@click.option(
    "--scheduler",
    metavar="tcp://HOST:PORT",
    help="Render the chunks on this Dask cluster instead (pip install -e '.[cluster]').",
)
@click.option("--force", is_flag=True, help="Render even if the outputs are up to date.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_OUT,
    show_default="media/gallery",
    help="Output folder; the gallery pages go beside it.",
)
@click.option(
    "--gif-width",
    type=click.IntRange(120, 1920),
    default=640,
    show_default=True,
    help="GIF width in pixels (480 to 640 suits a blog).",
)
@click.option(
    "--gif-fps",
    type=float,
    help="GIF frame rate, 100/n for a whole n from 2 to 65,535: 10, 12.5, 20, 25, 50 "
    "[default: 12.5, or the video's rate if lower].",
)
@click.option(
    "--poster-at",
    type=float,
    metavar="SECONDS",
    help="Poster frame time for every scene, within a day (negative: from the end) "
    "[default: the scene's poster_time, else 2/3 of the way].",
)
@click.option(
    "--film",
    is_flag=True,
    help="Render the whole video version (scenes/film.py's chapters) as one MP4 with chapter "
    "markers, into the folder 'film' beside --out; reuses up-to-date scene renders.",
)
@click.option(
    "--voice",
    "voice_dir",
    type=click.Path(file_okay=False, path_type=Path),
    metavar="DIR",
    help="With --film: a person's recordings, one <line id>.wav per line of the narration "
    "script (written beside the film), used instead of the synthetic voice.",
)
@click.option(
    "--no-voice",
    is_flag=True,
    help="With --film: the silent film (no narration, no audio, no subtitles).",
)
def cli(
    scenes,
    stories,
    list_only,
    files,
    quality,
    fps,
    width,
    format_values,
    theme,
    jobs,
    chunks_per_scene,
    scheduler,
    force,
    out,
    gif_width,
    gif_fps,
    poster_at,
    film=False,
    voice_dir=None,
    no_voice=False,
) -> None:
    """Render bendspace scenes to MP4, WebM, GIF, poster PNG and transparent video."""
    from rich.console import Console

    console = Console(stderr=True, width=None if sys.stderr.isatty() else 150)
    pool = None  # the workers, started before the scenes are found
    try:
        try:  # every option is checked before any worker starts or any file is written
            formats = parse_formats(format_values) or list(DEFAULT_FORMATS)
            options = render_options(quality, fps, width, gif_width, gif_fps, poster_at)
            options = _with_voice(options, film, voice_dir, no_voice)
            for path in files:
                _check_scene_file(path)
            if not list_only:
                check_writable_folder(out)
                check_writable_folder(
                    Path(out).resolve().parent, "--out (the gallery pages beside it)"
                )
                jobs, warning = usable_workers(jobs, options.width, options.height)
                if warning:
                    console.print(
                        f"[yellow]warning:[/yellow] {markup_safe(warning)}",
                        highlight=False,
                        soft_wrap=True,
                    )
            os.environ.setdefault("BENDSPACE_THEME", "dark" if theme == "both" else theme)
            if not (list_only or film or scheduler):
                # They import manim while this process imports and finds the scenes.
                pool = LocalExecutor(jobs)
            entries, broken = discover(scene_files(files))
            for path in files:  # a file asked for by name must import
                reason = broken.get(Path(path).resolve())
                if reason is not None:
                    raise RenderError(f"--file {display(path)} does not import: {reason}")
            if list_only:
                print_list(entries, broken)
                return
            if film and (scenes or stories):
                raise RenderError(
                    "--film renders the chapters of scenes/film.py; drop --scene/--story"
                )
            selected = select(entries, scenes, stories, broken)
            if not selected:
                raise RenderError("no scenes to render: scenes/*.py defines none yet (see --list)")
        except (RenderError, LimitError) as err:
            console.print(
                f"[red]error:[/red] {markup_safe(str(err), 1500)}", highlight=False, soft_wrap=True
            )
            sys.exit(2)

        interrupt_on_sigterm()
        if film:
            _film(entries, out, options, theme, jobs, console, force)
            return
        if pool is not None:  # the batch's first line: what the machine gave it
            console.print(workers_line(jobs, options.width, options.height), highlight=False)
        jobs_list = [Job(entry, t) for t in themes_for(theme) for entry in selected]
        try:
            request = BatchRequest(
                jobs_list, out, formats, options, jobs, force=force, order=entries,
                scheduler=scheduler, chunks_per_scene=chunks_per_scene, executor=pool,
            )  # fmt: skip
            result = render_jobs(request, console)
        except RenderError as err:  # e.g. --scheduler without dask, or no scheduler there
            console.print(
                f"[red]error:[/red] {markup_safe(str(err), 600)}", highlight=False, soft_wrap=True
            )
            sys.exit(2)
        whole_gallery = not scenes and not stories
        if broken and whole_gallery:
            for path, reason in broken.items():
                console.print(
                    f"[red]not importable:[/red] {display(path)}: {reason}", highlight=False
                )
        console.print(f"gallery: {display(result.page)}, {display(result.markdown)}")
        if result.interrupted:
            console.print("interrupted: no partial files were left; run again to finish the batch")
            sys.exit(130)
        if result.failed or (broken and whole_gallery):
            sys.exit(1)
    finally:
        if pool is not None:
            pool.close(kill=True)  # if the batch did not take it (nothing to render, an error)


def _with_voice(options, film: bool, voice_dir: Path | None, no_voice: bool):
    """The options with the film's narrator: a folder of recordings, ``none``, or the engine."""
    from dataclasses import replace

    if (voice_dir or no_voice) and not film:
        raise RenderError("--voice and --no-voice choose the film's narrator: add --film")
    if voice_dir and no_voice:
        raise RenderError("--voice DIR and --no-voice exclude each other: give one")
    if no_voice:
        return replace(options, voice="none")
    if voice_dir is None:
        return options
    try:
        found = voice_dir.is_dir() and any(voice_dir.glob("*.wav"))
    except OSError as err:
        raise RenderError(f"--voice {printable(str(voice_dir), 300)}: {err.strerror}") from None
    if not found:
        raise RenderError(
            f"--voice {printable(str(voice_dir), 300)}: not a folder of <line id>.wav recordings "
            "(render.py --film writes the script of lines beside the film)"
        )
    return replace(options, voice=str(voice_dir.resolve()))


def _check_scene_file(path: Path) -> None:
    """A ``--file`` must be a readable file (a name too long or a link loop is said so)."""
    try:
        found = path.is_file() and os.access(path, os.R_OK)
    except OSError as err:
        raise RenderError(f"--file {printable(str(path), 300)}: {err.strerror}") from None
    if not found:
        raise RenderError(
            f"scene file {printable(str(path), 300)} not found; give the path of a .py file"
        )


def _film(entries, out, options, theme, jobs, console, force) -> None:
    """``--film``: render or reuse the chapters' scenes, join them, print the chapter list."""
    from rendering.film import film_chapters, make_film

    for name in themes_for(theme):
        try:
            made = make_film(film_chapters(), entries, out, Path(out).resolve().parent / "film",
                             options, name, jobs, console, force=force)  # fmt: skip
        except KeyboardInterrupt:
            console.print("interrupted: no partial files were left; run again to finish the film")
            sys.exit(130)
        except RenderError as err:
            console.print(f"[red]error:[/red] {markup_safe(str(err), 600)}", highlight=False)
            sys.exit(1)
        rendered = sum(job.status == "done" for job in made.jobs)
        how = "copied without re-encoding" if made.remuxed else "encoded again (parts differ)"
        sound = "silent"
        if made.loudness is not None:
            sound = (
                f"{len(made.lines)} narrated lines, {made.loudness:.1f} LUFS, "
                f"true peak {made.true_peak:.1f} dBTP"
            )
        beside = "".join(f", {kind} {display(path)}" for kind, path in made.beside.items())
        console.print(
            f"film: {display(made.path)} ({made.duration:.1f} s, {len(made.parts)} parts, "
            f"{rendered} rendered, {len(made.jobs) - rendered} reused; {how}; {sound})\n"
            f"chapters: {display(made.chapters_path)}{beside}",
            highlight=False,
        )
        print(made.text, end="")


def main(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point (``bendspace-render``, ``render.py``).

    ``render.py custom ...`` runs :mod:`rendering.custom` (train, export and
    render the user's own network and data); ``render.py playground`` writes
    the playground page (:mod:`rendering.outputs.playground`).
    """
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "playground":  # the stand-alone playground page
        from rendering.outputs.playground import main as playground_main

        sys.exit(playground_main(args[1:], prog_name="render.py playground"))
    if args and args[0] == "custom":
        from rendering.from_page import main as from_page_main
        from rendering.from_page import wants_from_page

        if wants_from_page(args[1:]):  # the videos of a run exported from the playground
            sys.exit(from_page_main(args[1:], prog_name="render.py custom"))
        from rendering.custom import main as custom_main

        sys.exit(custom_main(args[1:], prog_name="render.py custom"))
    sys.exit(run_command(cli, args, "render.py"))
