"""``render.py custom``: train YOUR network on YOUR points, then render the generic scenes.

The model half (:func:`model.custom_cli.prepare_states`) writes
``OUT/states.npz``; this module renders ``scenes/custom.py``'s scenes from it
through the batch (:func:`rendering.batch.render_jobs`) into
``OUT/videos/<theme>/``, each scene showing that file
(``entry.with_states(StatesFile(...))``). The up-to-date hash covers the
file's bytes, so a second run with the same data skips the render.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

import click

from model.custom_cli import (
    CustomCommandError,
    OneLineCommand,
    custom_options,
    default_out_dir,
    prepare_states,
    render_hint,
    run_command,
    say,
)
from model.sources import StatesFile
from model.text import display
from rendering.batch import BatchRequest, Job, render_jobs
from rendering.errors import RenderError
from rendering.plan.options import (
    FORMATS,
    THEMES,
    parse_formats,
    quality_option,
    render_options,
    themes_for,
)
from rendering.plan.registry import SCENES_DIR, discover
from rendering.plan.stamps import output_folder
from rendering.run.process import cores, interrupt_on_sigterm, usable_workers, workers_line

__all__ = [
    "CUSTOM_FILE",
    "CUSTOM_SCENES",
    "custom_command",
    "main",
    "output_options",
    "render_custom_scenes",
]

CUSTOM_FILE = SCENES_DIR / "custom.py"
CUSTOM_SCENES = ("Stretching", "Boundary", "Training")


def output_options(command):
    """``--scene``, ``-q``, ``-f`` and ``--theme``: what a custom run renders (the
    ``--from-page`` command takes the same)."""
    options = [
        click.option(
            "--scene",
            "scenes",
            multiple=True,
            type=click.Choice(CUSTOM_SCENES),
            help="Render only this scene (repeatable) [default: all three].",
        ),
        quality_option("Video size and frame rate."),
        click.option(
            "--format",
            "-f",
            "formats",
            default="mp4,png",
            show_default=True,
            help=f"Comma-separated outputs: {', '.join(FORMATS)}.",
        ),
        click.option("--theme", type=click.Choice([*THEMES, "both"]), default="dark"),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@click.command(
    cls=OneLineCommand,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog="Example: render.py custom --data points.csv --widths 2,2,2 --activation tanh "
    "--epochs 500. Outputs: OUT/states.npz, OUT/videos/<theme>/<Scene>.mp4 and friends. "
    "A run exported from the playground page: render.py custom --from-page RUN.json.",
)
@custom_options
@click.option(
    "--render/--no-render",
    default=True,
    show_default=True,
    help="Render the scenes after writing the states file.",
)
@output_options
@click.pass_context
def custom_command(
    ctx: click.Context,
    render: bool,
    scenes: Sequence[str],
    quality: str,
    formats: str,
    theme: str,
    **options,
) -> None:
    """Animate YOUR labelled points and YOUR small network: train, export, render.

    Trains an MLP of --widths (or your own --model) on --data with full-batch
    Adam, writes the per-layer, per-snapshot states and renders the
    Stretching, Boundary and Training scenes from them.
    """
    try:
        try:
            wanted = parse_formats([formats])
        except RenderError as err:
            raise CustomCommandError(f"--format: {err}") from None
        out_dir = Path(options.pop("out_dir") or default_out_dir(options["data_path"]))
        states_path = prepare_states(**options, out_dir=out_dir)
    except CustomCommandError as err:
        say(f"error: {err}")
        ctx.exit(err.exit_code)
    if not render:
        say(render_hint(states_path))
        ctx.exit(0)
    scene_names = list(scenes) or list(CUSTOM_SCENES)
    videos = out_dir / "videos"
    ctx.exit(render_custom_scenes(states_path, videos, scene_names, quality, wanted, theme))


def render_custom_scenes(
    states_path: Path,
    out: Path,
    scenes: Sequence[str] = CUSTOM_SCENES,
    quality: str = "720p30",
    formats: Sequence[str] = ("mp4", "png"),
    theme: str = "dark",
    n_jobs: int | None = None,
) -> int:
    """Render the generic scenes showing ``states_path`` into ``out/<theme>/``.

    Returns
    -------
    int
        The exit code: 0, 1 if a scene failed, 130 if interrupted.
    """
    from rich.console import Console

    console = Console(stderr=True, width=None if sys.stderr.isatty() else 150)
    os.environ.setdefault("BENDSPACE_THEME", "dark" if theme == "both" else theme)
    entries, broken = discover([CUSTOM_FILE])
    if broken:
        say(f"error: {display(CUSTOM_FILE)} does not import: {broken[CUSTOM_FILE.resolve()]}")
        return 1
    by_name = {entry.name: entry for entry in entries}
    source = StatesFile(states_path)
    chosen = [by_name[name].with_states(source) for name in scenes]
    jobs = [Job(entry, t) for t in themes_for(theme) for entry in chosen]
    interrupt_on_sigterm()
    options = render_options(quality)
    n_jobs, warning = usable_workers(n_jobs or cores(), options.width, options.height)
    if warning:
        say(f"warning: {warning}")
    console.print(workers_line(n_jobs, options.width, options.height), highlight=False)
    request = BatchRequest(jobs, out, formats, options, n_jobs, order=entries)
    result = render_jobs(request, console)
    console.print(f"gallery: {display(result.page)}, {display(result.markdown)}")
    if result.interrupted:
        console.print("interrupted: no partial files were left; run again to finish the batch")
        return 130
    if result.failed:
        return 1
    for name in scenes:
        for shown in themes_for(theme):
            for fmt in formats:
                folder = (
                    Path(out) / shown if fmt == "html" else output_folder(Path(out), shown, options)
                )
                path = folder / f"{name}{FORMATS[fmt][0]}"
                if path.is_file():
                    click.echo(display(path))
    return 0


def main(argv: Sequence[str] | None = None, prog_name: str = "render.py custom") -> int:
    """Run the command on ``argv`` (without the ``custom`` word); return the exit code."""
    return run_command(custom_command, argv, prog_name)
