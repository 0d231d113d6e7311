"""``render.py custom`` / ``python -m model custom``: your own points and network, animated.

Reads labelled points (CSV or ``.npz``), builds an MLP from ``--widths`` or
takes the user's own ``nn.Sequential`` from ``--model FILE.py:FUNCTION``
(optionally with ``--weights``), trains it (or exports it as it is), writes
the states file and renders the generic scenes of ``scenes/custom.py`` with
render.py's batch machinery. Every bad input is one line on stderr and exit
code 2, and nothing is written: the states file is written (atomically) only
after every check has passed.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import click

__all__ = ["CUSTOM_SCENES", "custom_command", "main", "render_custom_scenes"]

REPO_ROOT = Path(__file__).resolve().parent.parent
CUSTOM_SCENES = ("Stretching", "Boundary", "Training")
ACTIVATION_CHOICES = ("tanh", "relu", "leaky_relu", "sigmoid", "elu", "gelu", "unit_disk")
QUALITY_CHOICES = ("draft", "720p30", "1080p60", "1440p60", "4k")


class _Bad(Exception):
    """A bad input: one line, exit code 2."""


def _say(message: str) -> None:
    click.echo(message, err=True)


def _parse_widths(text: str) -> tuple[int, ...]:
    text = text.strip()
    if text.lower() in ("", "none", "-"):
        return ()
    try:
        widths = tuple(int(part) for part in text.split(","))
    except ValueError:
        widths = ()
    if not widths or min(widths) < 1:
        raise _Bad(
            f"--widths {text!r}: give the hidden layer widths as positive integers, like 2,2,2"
        )
    return widths


@click.command(
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog="Example: render.py custom --data points.csv --widths 2,2,2 --activation tanh "
    "--epochs 500. Outputs: OUT/states.npz, OUT/videos/<theme>/<Scene>.mp4 and friends.",
)
@click.option(
    "--data",
    "data_path",
    required=True,
    type=click.Path(path_type=Path),
    help="Points: a CSV with 2 or 3 coordinate columns and a label column, or an .npz "
    "with arrays x and y.",
)
@click.option(
    "--label",
    metavar="COLUMN",
    help="The label column: its header name or 1-based number [default: the last column].",
)
@click.option(
    "--widths",
    metavar="LIST",
    help="Hidden layer widths, e.g. 2,2,2; the input size comes from the data and the "
    "output size is the number of classes [default: 2,2,2].",
)
@click.option(
    "--activation",
    type=click.Choice(ACTIVATION_CHOICES),
    help="Activation after every hidden layer [default: tanh].",
)
@click.option(
    "--model",
    "model_spec",
    metavar="FILE.py:FUNCTION",
    help="Your own network: FUNCTION() in FILE.py returns an nn.Sequential "
    "(instead of --widths/--activation).",
)
@click.option(
    "--weights",
    type=click.Path(path_type=Path),
    help="A state dict for --model (torch.save(model.state_dict(), path)); loaded with "
    "weights_only=True. Without --epochs the model is exported as it is.",
)
@click.option(
    "--epochs",
    type=click.IntRange(0),
    help="Full-batch Adam steps; 0 exports the model untrained [default: 500, or 0 with "
    "--weights].",
)
@click.option("--lr", type=click.FloatRange(0, min_open=True), help="Adam learning rate [2e-2].")
@click.option("--seed", type=int, default=0, show_default=True, help="Initial weights' seed.")
@click.option(
    "--snapshots", type=click.IntRange(2), help="Log-spaced training snapshots [default: 60]."
)
@click.option(
    "--points",
    "sample_points",
    type=click.IntRange(10),
    help="Points traced through the network (a random sample if fewer than the data) [2000].",
)
@click.option(
    "--standardize",
    is_flag=True,
    help="Shift and scale each coordinate to mean 0, deviation 1 before training.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Output folder [default: media/custom/<data file name>].",
)
@click.option(
    "--render/--no-render",
    default=True,
    show_default=True,
    help="Render the scenes after writing the states file.",
)
@click.option(
    "--scene",
    "scenes",
    multiple=True,
    type=click.Choice(CUSTOM_SCENES),
    help="Render only this scene (repeatable) [default: all three].",
)
@click.option(
    "--quality",
    "-q",
    type=click.Choice(QUALITY_CHOICES),
    default="720p30",
    show_default=True,
    help="Video size and frame rate.",
)
@click.option(
    "--format",
    "-f",
    "formats",
    default="mp4,png",
    show_default=True,
    help="Comma-separated outputs: mp4, webm, gif, png, mov, alpha-webm.",
)
@click.option("--theme", type=click.Choice(["dark", "light", "both"]), default="dark")
@click.pass_context
def custom_command(ctx: click.Context, **options) -> None:
    """Animate YOUR labelled points and YOUR small network: train, export, render.

    Trains an MLP of --widths (or your own --model) on --data with full-batch
    Adam, writes the per-layer, per-snapshot states and renders the
    Stretching, Boundary and Training scenes from them.
    """
    try:
        code = _run(**options)
    except _Bad as err:
        _say(f"error: {err}")
        code = 2
    ctx.exit(code)


def _run(
    *,
    data_path: Path,
    label: str | None,
    widths: str | None,
    activation: str | None,
    model_spec: str | None,
    weights: Path | None,
    epochs: int | None,
    lr: float | None,
    seed: int,
    snapshots: int | None,
    sample_points: int | None,
    standardize: bool,
    out_dir: Path | None,
    render: bool,
    scenes: Sequence[str],
    quality: str,
    formats: str,
    theme: str,
) -> int:
    # 1. options that contradict each other
    if model_spec and (widths is not None or activation is not None):
        raise _Bad("--model brings its own layers: drop --widths/--activation, or drop --model")
    if weights is not None and not model_spec:
        raise _Bad("--weights needs --model FILE.py:FUNCTION to build the network it fits")
    if standardize and weights is not None:
        raise _Bad(
            "--standardize changes the inputs the --weights were trained on; drop one of them"
        )
    wanted_formats = [f.strip() for f in formats.split(",") if f.strip()]
    known = ("mp4", "webm", "gif", "png", "mov", "alpha-webm")
    for fmt in wanted_formats:
        if fmt not in known:
            raise _Bad(f"--format {fmt!r}: choose from {', '.join(known)}")
    hidden = _parse_widths(widths if widths is not None else "2,2,2")

    # 2. data, model, weights: all checked before anything is written
    from model.custom import (
        CustomError,
        check_compatible,
        custom_config,
        load_model_factory,
        load_points,
        load_weights,
        network_from_model,
        standardized,
    )

    try:
        points = load_points(data_path, label)
        if standardize:
            points = standardized(points)
        if model_spec:
            model = load_model_factory(model_spec, seed=seed)
            model_name = model_spec
            if weights is not None:
                load_weights(model, weights)
        else:
            import torch

            from model.train import build_mlp

            torch.manual_seed(seed)
            model = build_mlp([points.dims, *hidden, points.n_classes], activation or "tanh")
            model_name = "-".join(map(str, [points.dims, *hidden, points.n_classes]))
            model_name += f" {activation or 'tanh'} MLP"
        network = network_from_model(model)
        check_compatible(network, points, model_name)
    except CustomError as err:
        raise _Bad(str(err)) from None

    if epochs is None:
        epochs = 0 if weights is not None else 500
    config = custom_config(
        name=_safe_name(data_path.stem), epochs=epochs, lr=lr, seed=seed,
        snapshots=snapshots, sample_points=sample_points,
    )  # fmt: skip
    out_dir = out_dir or REPO_ROOT / "media" / "custom" / _safe_name(data_path.stem)
    states_path = out_dir / "states.npz"

    # 3. train (or not) and write the states file
    _say(
        f"data: {points.source}, {len(points.y)} points, {points.dims}-D, "
        f"{points.n_classes} classes ({', '.join(points.label_names)})"
    )
    _say(f"network: {'-'.join(map(str, network.widths))} ({', '.join(network.activations)})")
    if network.inserted:
        _say(f"note: identity layer(s) {network.inserted} hold back-to-back activations")
    from model.custom import export_custom, train_and_export_custom
    from model.states import load_states
    from model.train import TrainingError

    start = time.perf_counter()
    try:
        if epochs == 0:
            export_custom(model, points, states_path, config, model_name=model_name)
        else:
            _say(f"training {epochs} epochs (full-batch Adam, lr {config.lr:g}, seed {seed})")
            train_and_export_custom(
                model, points, states_path, config, model_name, progress=sys.stderr.isatty()
            )
    except TrainingError as err:
        _say(f"error: {err}")
        return 1
    states = load_states(states_path)
    meta = states.meta
    _say(
        f"wrote {_display(states_path)} (accuracy {meta['final_accuracy']:.1%}, "
        f"{states.n_snapshots} snapshot(s), {time.perf_counter() - start:.1f} s)"
    )
    if not render:
        _say(f"render later: STATES={_display(states_path)} manim -ql scenes/custom.py Stretching")
        return 0

    # 4. render the generic scenes
    return render_custom_scenes(
        states_path, out_dir / "videos", list(scenes) or list(CUSTOM_SCENES), quality,
        wanted_formats, theme,
    )  # fmt: skip


def _safe_name(stem: str) -> str:
    name = "".join(c if c.isalnum() or c in "-_" else "_" for c in stem).strip("_")
    return name or "custom"


def _display(path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def render_custom_scenes(
    states_path: Path,
    out: Path,
    scenes: Sequence[str],
    quality: str = "720p30",
    formats: Sequence[str] = ("mp4", "png"),
    theme: str = "dark",
) -> int:
    """Render the generic scenes for ``states_path`` into ``out/<theme>/`` with render.py.

    ``STATES`` is set for the worker processes; ``--force`` is passed because
    render.py's up-to-date hash does not cover a states file named by ``STATES``.
    Returns render.py's exit code.
    """
    os.environ["STATES"] = str(Path(states_path).resolve())
    try:
        import render
    except ImportError as err:
        _say(f"error: render.py cannot be imported ({err}); render by hand with manim")
        return 1
    argv = [
        *[arg for name in scenes for arg in ("--scene", name)],
        "--out", str(Path(out).resolve()), "--quality", quality, "--format", ",".join(formats),
        "--theme", theme, "--force",
    ]  # fmt: skip
    try:
        render.main(argv)
        code = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    if code == 0:
        themes = ["dark", "light"] if theme == "both" else [theme]
        for name in scenes:
            for t in themes:
                for fmt in formats:
                    suffix = {"alpha-webm": ".alpha.webm"}.get(fmt, f".{fmt}")
                    path = Path(out) / t / f"{name}{suffix}"
                    if path.is_file():
                        click.echo(_display(path))
    return code


def main(argv: Sequence[str] | None = None, prog_name: str = "render.py custom") -> int:
    """Run the command on ``argv`` (without the ``custom`` word); return the exit code.

    Usage errors (an unknown option, a missing ``--data``) are one line too.
    """
    try:
        result = custom_command.main(
            args=list(sys.argv[1:] if argv is None else argv),
            prog_name=prog_name,
            standalone_mode=False,
        )
    except click.UsageError as err:
        _say(f"error: {err.format_message()} (see `{prog_name} --help`)")
        return 2
    except click.ClickException as err:
        _say(f"error: {err.format_message()}")
        return err.exit_code
    except click.Abort:
        _say("interrupted")
        return 130
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    sys.exit(main())
