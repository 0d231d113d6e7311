"""``render.py custom --from-page RUN.json``: the videos of a run exported from the playground.

The playground's "export run" saves the points, the network and every snapshot
of what the reader trained; this command writes ``OUT/states.npz`` from it
(:mod:`model.page_run`, nothing trained again) and renders the generic scenes of
``scenes/custom.py`` from that file, as ``render.py custom`` does. A bad file is
one line and exit code 2, and nothing is written.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import click

from model.custom_cli import CustomCommandError, default_out_dir, render_hint, run_command, say
from model.text import display
from rendering.custom import CUSTOM_SCENES, output_options, render_custom_scenes
from rendering.errors import RenderError
from rendering.plan.options import parse_formats

__all__ = ["from_page_command", "main", "states_from_page", "wants_from_page"]


def states_from_page(run_path: Path, out_dir: Path) -> Path:
    """Check the exported run and write ``out_dir/states.npz`` from it (atomically, validated).

    Raises
    ------
    CustomCommandError
        The file is not a run the page exports (exit code 2; nothing written).
    """
    from model.files import temporary_name
    from model.limits import LimitError, check_writable
    from model.page_run import read_page_run, write_page_states
    from model.points import CustomError
    from model.states import StatesError, load_states

    states_path = Path(out_dir) / "states.npz"
    try:
        check_writable(states_path, "--out")
        run = read_page_run(run_path)
    except (LimitError, CustomError) as err:
        raise CustomCommandError(str(err)) from None
    states_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_name(states_path)
    try:
        write_page_states(run, tmp)
        states = load_states(tmp)  # a file the scenes cannot read never takes the name
        os.replace(tmp, states_path)
    except StatesError as err:
        raise CustomCommandError(f"{run_path}: the run cannot be shown ({err})") from None
    finally:
        tmp.unlink(missing_ok=True)
    say(
        f"wrote {display(states_path)} from {display(run_path)}: {len(run.points.y)} points, "
        f"network {'-'.join(map(str, run.widths))} {run.activation}, {states.n_snapshots} "
        f"snapshot(s) to step {run.steps[-1]} (accuracy {run.accuracy[-1]:.1%})"
    )
    return states_path


@click.command(
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog="Example: render.py custom --from-page bendspace-moons-2-3-3-2-tanh-step800.json "
    "-q draft. Outputs: OUT/states.npz, OUT/videos/<theme>/<Scene>.mp4 and friends.",
)
@click.option(
    "--from-page",
    "run_path",
    required=True,
    type=click.Path(path_type=Path),
    help="A run saved by the playground's 'export run' (window.bendspace.exportRun()).",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Output folder [default: media/custom/<file name>].",
)
@click.option("--render/--no-render", default=True, show_default=True, help="Render the scenes.")
@output_options
@click.pass_context
def from_page_command(
    ctx: click.Context,
    run_path: Path,
    out_dir: Path | None,
    render: bool,
    scenes: Sequence[str],
    quality: str,
    formats: str,
    theme: str,
) -> None:
    """Render the videos of a run you trained in the playground page, without training again."""
    try:
        try:
            wanted = parse_formats([formats])
        except RenderError as err:
            raise CustomCommandError(f"--format: {err}") from None
        out_dir = Path(out_dir or default_out_dir(run_path))
        states_path = states_from_page(run_path, out_dir)
    except CustomCommandError as err:
        say(f"error: {err}")
        ctx.exit(err.exit_code)
    if not render:
        say(render_hint(states_path))
        ctx.exit(0)
    names = list(scenes) or list(CUSTOM_SCENES)
    ctx.exit(render_custom_scenes(states_path, out_dir / "videos", names, quality, wanted, theme))


def wants_from_page(argv: Sequence[str]) -> bool:
    """True if ``render.py custom``'s arguments ask for ``--from-page``."""
    return any(arg == "--from-page" or arg.startswith("--from-page=") for arg in argv)


def main(argv: Sequence[str] | None = None, prog_name: str = "render.py custom") -> int:
    """Run the command on ``argv`` (without the ``custom`` word); return the exit code."""
    return run_command(from_page_command, argv, prog_name)
