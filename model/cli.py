"""Command line: ``python -m model train PRESET``, ``info FILE`` and ``packing-table``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from model.activations import CHOICES
from model.config import PRESETS, preset
from model.files import interrupt_on_sigterm
from model.limits import MAX_EPOCHS, MAX_SEED, MAX_SNAPSHOTS, LimitError, check_lr, check_writable
from model.states import StatesError, load_states
from model.text import markup_safe, printable

__all__ = ["main"]


def _fail(message: str, code: int = 2) -> None:
    click.echo(f"error: {printable(message, 600)}", err=True)
    sys.exit(code)


@click.group()
def cli() -> None:
    """Train the networks and inspect their states files."""


@cli.command()
@click.argument("preset_name", metavar="PRESET", type=click.Choice(sorted(PRESETS)))
@click.option("--epochs", type=click.IntRange(1, MAX_EPOCHS), help="Passes over the training data.")
@click.option(
    "--seed", type=click.IntRange(0, MAX_SEED), help="Seed for the initial weights and batches."
)
@click.option("--lr", type=float, help="Adam learning rate, in (0, 10].")
@click.option("--classes", type=click.IntRange(2, 7), help="Classes (spirals and packing).")
@click.option("--activation", type=click.Choice(CHOICES), help="Hidden-layer activation.")
@click.option(
    "--snapshots", type=click.IntRange(2, MAX_SNAPSHOTS), help="How many log-spaced snapshots."
)
@click.option("--full-mnist", is_flag=True, help="Download the 60,000 training digits too.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="States file.")
def train(preset_name, epochs, seed, lr, classes, activation, snapshots, full_mnist, out) -> None:
    """Train PRESET and export its per-layer, per-snapshot states."""
    from model.cache import states_path
    from model.train import TrainingError, train_and_export

    try:
        check_lr(lr)
        if out is not None:
            check_writable(out)
    except LimitError as err:
        _fail(str(err))
    config = preset(
        preset_name, epochs=epochs, seed=seed, lr=lr, classes=classes,
        activation=activation, snapshots=snapshots,
    )  # fmt: skip
    if full_mnist:
        if config.dataset != "mnist":
            _fail(f"--full-mnist applies to the mnist presets, not {preset_name}")
        config = config.replace(data_args={**config.data_args, "full": True})
    path = out or states_path(config)
    click.echo(f"config: {config.to_dict()}", err=True)
    try:
        train_and_export(config, path)
    except TrainingError as err:
        _fail(str(err), 1)
    states = load_states(path)
    click.echo(f"wrote {path} ({_summary_line(states)})")


def _summary_line(states) -> str:
    meta = states.meta
    parts = [f"accuracy {meta['final_accuracy']:.2%}"]
    if meta.get("final_heldout_accuracy") is not None:
        parts.append(f"held-out {meta['final_heldout_accuracy']:.2%}")
    parts.append(f"{states.n_snapshots} snapshots")
    return ", ".join(parts)


@cli.command()
@click.argument("file", type=click.Path(path_type=Path))
def info(file: Path) -> None:
    """Print a readable summary of a states FILE."""
    from rich.console import Console
    from rich.table import Table

    try:
        states = load_states(file)
    except StatesError as err:
        _fail(str(err))
    meta = states.meta
    console = Console(highlight=False)
    say = console.print
    say(f"[bold]{markup_safe(file)}[/bold]  schema v{int(states['version'])}")
    widths = "-".join(map(str, states.widths))
    say(f"network {widths}  activations {_safe_join(states.activations)}")
    say(
        f"preset {markup_safe(meta.get('name'))}  seed {markup_safe(meta.get('seed'))}  "
        f"{_summary_line(states)}"
    )
    steps = states["steps"]
    say(f"snapshots at steps {steps[0]} .. {steps[-1]} ({len(steps)} log-spaced)")
    table = Table("stage", "name", "width", "shown as")
    for t in range(len(states["stage_kind"])):
        shown = "aligned PCA to 3-D" if states.is_projected(t) else "as is"
        table.add_row(str(t), states.stage_label(t), str(int(states["stage_dim"][t])), shown)
    say(table)
    say(f"{len(states['labels'])} traced points, {states.n_classes} classes")
    if "grid_pred" in states.arrays:
        say(f"decision grid {states['grid_pred'].shape[1]}^2 over {states['grid_extent']}")
    say(f"versions {markup_safe(meta.get('versions'))}")
    final_loss, first_loss = float(states["loss"][-1]), float(states["loss"][0])
    if final_loss > first_loss:
        say(
            f"[yellow]warning:[/yellow] the final loss {final_loss:.4g} is above the first "
            f"{first_loss:.4g}: training went the wrong way (learning rate too high?)"
        )


def _safe_join(names) -> str:
    return ", ".join(markup_safe(name) for name in names)


@cli.command("packing-table")
@click.option(
    "--seeds", type=click.IntRange(1, 100), default=5, show_default=True,
    help="Seeds per (k, activation): 0 .. N-1.",
)  # fmt: skip
@click.option(
    "--jobs", type=click.IntRange(1, 64), default=None,
    help="Trainings at the same time (one torch thread each) [default: half the cores].",
)  # fmt: skip
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("media/packing_table.md"),
    show_default=True,
    help="Markdown file for the table and claims (docs/packing-study.md: only its marked block).",
)
@click.option(
    "--check", is_flag=True,
    help="Re-measure and exit 1 naming every stated claim that does not hold here.",
)  # fmt: skip
@click.option(
    "--readme", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="With --check: the page whose claims must be the generated ones [default: the "
    "project's docs/packing-study.md].",
)  # fmt: skip
def packing_table_cmd(seeds: int, jobs: int | None, out: Path, check: bool, readme) -> None:
    """Train k = 2..7 x tanh/relu/unit_disk packing networks for several seeds and tabulate.

    Runs are measured from their final weights and cached (media/states/packing-study),
    so a second call trains nothing.
    """
    from model.packing import write_block
    from model.packing_study import jobs_default, run_study, summarise
    from model.train import TrainingError

    if not check:
        try:
            check_writable(out)
        except LimitError as err:
            _fail(str(err))
    try:
        cells = run_study(seeds=seeds, jobs=jobs or jobs_default())
    except TrainingError as err:
        _fail(str(err), 1)
    if check:
        sys.exit(_check_claims(cells, readme))
    text = summarise(cells)
    click.echo(text)
    try:
        write_block(out, text)
    except OSError as err:
        _fail(f"cannot write {out} ({err.strerror}); choose another --out")
    click.echo(f"wrote {out}", err=True)


def _check_claims(cells, readme: Path | None) -> int:
    """0 if every claim holds and the study's page states exactly them, else 1 (named)."""
    from model.packing_study import CLAIMS, claims_markdown, failed_claims
    from model.paths import REPO_ROOT

    readme = readme or REPO_ROOT / "docs" / "packing-study.md"
    problems = [f"claim {c.name!r} does not hold here: {c.text}" for c in failed_claims(cells)]
    try:
        stated = readme.read_text(encoding="utf-8")
    except OSError as err:
        problems.append(f"cannot read {readme} ({err.strerror})")
    else:
        if claims_markdown() not in stated:
            problems.append(
                f"{readme} does not state the current claims: regenerate it with "
                f"`python -m model packing-table --out {readme}`"
            )
    for line in problems:
        click.echo(f"FAILED {printable(line, 600)}", err=True)
    held = len(CLAIMS) - sum(line.startswith("claim ") for line in problems)
    runs = sum(c.seeds for c in cells)
    click.echo(f"{held} of {len(CLAIMS)} claims hold over {runs} runs on this machine")
    return 1 if problems else 0


@cli.command(
    "custom",
    add_help_option=False,
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
)
@click.pass_context
def custom_cmd(ctx: click.Context) -> None:
    """Train and export YOUR points and network to a states file (see `custom --help`)."""
    from model.custom_cli import main as custom_main

    sys.exit(custom_main(ctx.args, prog_name="python -m model custom"))


def main() -> None:
    interrupt_on_sigterm()
    try:
        cli(prog_name="python -m model")
    except KeyboardInterrupt:
        click.echo("interrupted: nothing half-written was left", err=True)
        sys.exit(130)
