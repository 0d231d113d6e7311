"""``python -m model custom``: YOUR labelled points and YOUR network, trained into a states file.

The model half of ``render.py custom`` (which then renders the scenes of
``scenes/custom.py``, see :mod:`rendering.custom`). Reads labelled points (CSV
or ``.npz``), builds an MLP from ``--widths`` or takes the user's own
``nn.Sequential`` from ``--model FILE.py:FUNCTION`` (optionally with
``--weights``), trains it (or exports it as it is) and writes
``OUT/states.npz``. Every bad input is one line on stderr and exit code 2, and
nothing is written: the states file is written (atomically) only after every
check has passed. Imports nothing from the scenes or the renderer.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import click

from model.activations import CHOICES as ACTIVATION_CHOICES
from model.limits import (
    MAX_EPOCHS,
    MAX_LAYERS,
    MAX_POINTS,
    MAX_SEED,
    MAX_SNAPSHOTS,
    MAX_WIDTH,
    LimitError,
    check_lr,
    check_run_size,
    check_writable,
)
from model.paths import REPO_ROOT
from model.text import display, display_name, printable

__all__ = [
    "CustomCommandError",
    "OneLineCommand",
    "custom_options",
    "default_out_dir",
    "main",
    "model_command",
    "prepare_states",
    "render_hint",
    "run_command",
    "say",
]


class CustomCommandError(Exception):
    """A problem the user can fix: one line on stderr and ``exit_code`` (2: bad input)."""

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def say(message: str) -> None:
    """One line for the user, on stderr (stdout stays for the files written)."""
    click.echo(printable(message, 600), err=True)


class OneLineCommand(click.Command):
    """A click command whose every error is one line on stderr: usage errors exit 2.

    click's own display of a usage error is four lines (usage, hint, blank,
    error); this one says ``error: MESSAGE (see `PROG --help`)``. In
    standalone mode (the default) it exits with the code; with
    ``standalone_mode=False`` it returns it.
    """

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
            code = result if isinstance(result, int) else 0
        except click.UsageError as err:
            path = err.ctx.command_path if err.ctx is not None else prog_name or self.name
            say(f"error: {err.format_message()} (see `{path} --help`)")
            code = 2
        except click.ClickException as err:
            say(f"error: {err.format_message()}")
            code = err.exit_code
        except click.Abort:
            say("interrupted")
            code = 130
        if standalone_mode:
            sys.exit(code)
        return code


def default_out_dir(data_path: Path) -> Path:
    """``media/custom/<data file name>`` in the project: where a run writes by default."""
    return REPO_ROOT / "media" / "custom" / _safe_name(Path(data_path).stem)


def _safe_name(stem: str) -> str:
    name = "".join(c if c.isalnum() or c in "-_" else "_" for c in stem).strip("_")
    return name or "custom"


def _parse_widths(text: str) -> tuple[int, ...]:
    text = text.strip()
    if text.lower() in ("", "none", "-"):
        return ()
    parts = text.split(",")
    if len(parts) > MAX_LAYERS:
        raise CustomCommandError(
            f"--widths: {len(parts)} hidden layers, at most {MAX_LAYERS} can be trained and shown"
        )
    try:
        widths = tuple(int(part) for part in parts)
    except ValueError:
        widths = ()
    if not widths or min(widths) < 1:
        raise CustomCommandError(
            f"--widths {text[:60]!r}: give the hidden layer widths as positive integers, like 2,2,2"
        )
    _check_widths(widths, "--widths")
    return widths


def _parse_image_size(text: str | None) -> tuple[int, int] | None:
    """``--image-size 28`` or ``32x24`` as ``(width, height)``."""
    if text is None:
        return None
    parts = text.lower().replace("×", "x").split("x")
    try:
        numbers = [int(part) for part in parts]
    except ValueError:
        numbers = []
    if len(numbers) not in (1, 2) or not all(1 <= n <= 4096 for n in numbers):
        raise CustomCommandError(
            f"--image-size {text[:40]!r}: give the width in pixels, or WIDTHxHEIGHT, "
            "like 28 or 32x24"
        )
    return (numbers[0], numbers[-1])


def _check_widths(hidden: Sequence[int], what: str) -> None:
    """At most MAX_LAYERS hidden layers of 1..MAX_WIDTH neurons each."""
    if len(hidden) > MAX_LAYERS:
        raise CustomCommandError(
            f"{what}: {len(hidden)} hidden layers, at most {MAX_LAYERS} can be trained and shown"
        )
    for width in hidden:
        if not 1 <= width <= MAX_WIDTH:
            raise CustomCommandError(
                f"{what}: a layer of width {width}; give widths from 1 to {MAX_WIDTH:,}"
            )


_OPTIONS = (
    click.option(
        "--data",
        "data_path",
        required=True,
        type=click.Path(path_type=Path),
        help="Points: a CSV of feature columns (1 to 4,096) and a label column; an .npz with "
        "arrays x and y; an .npy of features (labels in --label FILE.npy, default labels.npy "
        "beside it); or a folder of images, one sub-folder per class.",
    ),
    click.option(
        "--label",
        metavar="COLUMN",
        help="The label column: its header name or 1-based number [default: the last column]; "
        "for an .npy, the labels' .npy file.",
    ),
    click.option(
        "--one-hot",
        is_flag=True,
        help="Turn each text column of a CSV into 0/1 columns, one per value (without it a "
        "text column is refused).",
    ),
    click.option(
        "--image-size",
        metavar="W[xH]",
        help="A folder of images: resize every image to this size [default: the first's].",
    ),
    click.option(
        "--colour/--grey",
        "colour",
        default=False,
        help="A folder of images: keep red, green and blue, or make them grey [default: grey].",
    ),
    click.option(
        "--widths",
        metavar="LIST",
        help="Hidden layer widths, e.g. 2,2,2; the input size comes from the data and the "
        "output size is the number of classes [default: 2,2,2].",
    ),
    click.option(
        "--activation",
        type=click.Choice(ACTIVATION_CHOICES),
        help="Activation after every hidden layer [default: tanh].",
    ),
    click.option(
        "--model",
        "model_spec",
        metavar="FILE.py:FUNCTION",
        help="Your own network: FUNCTION() in FILE.py returns an nn.Sequential "
        "(instead of --widths/--activation).",
    ),
    click.option(
        "--weights",
        type=click.Path(path_type=Path),
        help="A state dict for --model (torch.save(model.state_dict(), path)); loaded with "
        "weights_only=True. Without --epochs the model is exported as it is.",
    ),
    click.option(
        "--epochs",
        type=click.IntRange(0, MAX_EPOCHS),
        help="Full-batch Adam steps; 0 exports the model untrained [default: 500, or 0 with "
        "--weights].",
    ),
    click.option("--lr", type=float, help="Adam learning rate, in (0, 10] [2e-2]."),
    click.option(
        "--seed",
        type=click.IntRange(0, MAX_SEED),
        default=0,
        show_default=True,
        help="Initial weights' seed.",
    ),
    click.option(
        "--snapshots",
        type=click.IntRange(2, MAX_SNAPSHOTS),
        help="Log-spaced training snapshots [default: 60].",
    ),
    click.option(
        "--points",
        "sample_points",
        type=click.IntRange(10, MAX_POINTS),
        help="Points traced through the network (a random sample if fewer than the data) [2000].",
    ),
    click.option(
        "--standardize",
        is_flag=True,
        help="Shift and scale each feature to mean 0, deviation 1 before training (the means "
        "and scales are kept in the states).",
    ),
    click.option(
        "--out",
        "out_dir",
        type=click.Path(file_okay=False, path_type=Path),
        help="Output folder [default: media/custom/<data file name>].",
    ),
)


def custom_options(function: Callable) -> Callable:
    """The data, network and training options (the keyword arguments of :func:`prepare_states`)."""
    for option in reversed(_OPTIONS):
        function = option(function)
    return function


def _is_folder(path: str | Path) -> bool:
    """Whether ``path`` is a folder; a name the system refuses (over 255 bytes, a loop)
    is not one, and the file reader then says what is wrong with it in one line."""
    try:
        return Path(path).is_dir()
    except OSError:
        return False


def prepare_states(
    *,
    data_path: Path,
    label: str | None = None,
    one_hot: bool = False,
    image_size: str | None = None,
    colour: bool = False,
    widths: str | None = None,
    activation: str | None = None,
    model_spec: str | None = None,
    weights: Path | None = None,
    epochs: int | None = None,
    lr: float | None = None,
    seed: int = 0,
    snapshots: int | None = None,
    sample_points: int | None = None,
    standardize: bool = False,
    out_dir: Path | None = None,
) -> Path:
    """Read the points, build (or load) the network, train or export it: ``OUT/states.npz``.

    The arguments are the command's options (:func:`custom_options`); progress
    goes to stderr.

    Returns
    -------
    Path
        The states file written.

    Raises
    ------
    CustomCommandError
        A bad input (exit code 2; nothing written) or a diverging training (exit code 1).
    """
    # 1. options that contradict each other
    if model_spec and (widths is not None or activation is not None):
        raise CustomCommandError(
            "--model brings its own layers: drop --widths/--activation, or drop --model"
        )
    if weights is not None and not model_spec:
        raise CustomCommandError(
            "--weights needs --model FILE.py:FUNCTION to build the network it fits"
        )
    if standardize and weights is not None:
        raise CustomCommandError(
            "--standardize changes the inputs the --weights were trained on; drop one of them"
        )
    hidden = _parse_widths(widths if widths is not None else "2,2,2")
    size = _parse_image_size(image_size)
    if (size is not None or colour) and not _is_folder(data_path):
        raise CustomCommandError(
            f"--image-size and --colour are for a folder of images; {data_path} is a file"
        )
    if (label or one_hot) and _is_folder(data_path):
        raise CustomCommandError(
            f"{data_path} is a folder of images: its sub-folders are the classes, so it takes "
            "no --label or --one-hot"
        )
    states_path = Path(out_dir or default_out_dir(data_path)) / "states.npz"
    try:
        check_lr(lr)
        check_writable(states_path, "--out")
    except LimitError as err:
        raise CustomCommandError(str(err)) from None

    # 2. data, model, weights: all checked before anything is written
    from model.points import CustomError, load_points, standardized  # numpy only, no torch yet

    try:
        if _is_folder(data_path):  # a folder of images, one sub-folder per class
            from model.image_folder import load_image_folder

            points = load_image_folder(data_path, size, colour)
        else:
            points = load_points(data_path, label, one_hot=one_hot)
        if standardize:
            points = standardized(points)
    except CustomError as err:
        raise CustomCommandError(str(err)) from None

    from model.config import custom_config

    if epochs is None:
        epochs = 0 if weights is not None else 500
    config = custom_config(
        name=_safe_name(Path(data_path).stem), epochs=epochs, lr=lr, seed=seed,
        snapshots=snapshots, sample_points=sample_points,
    )  # fmt: skip

    def check_size(layer_widths: list[int]) -> None:
        try:
            check_run_size(
                layer_widths, len(points.y), epochs, config.snapshots, config.sample_points
            )
        except LimitError as err:
            raise CustomCommandError(str(err)) from None

    if not model_spec:
        check_size([points.dims, *hidden, points.n_classes])  # before torch builds it
    from model.custom import check_compatible, load_model_factory, load_weights, network_from_model

    try:
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
        if model_spec:  # --widths were checked above; the output width is the class count
            _check_widths(network.widths[1:-1], model_spec)
    except CustomError as err:
        raise CustomCommandError(str(err)) from None
    check_size(network.widths)

    # 3. train (or not) and write the states file
    kind = ""
    if points.image:
        height, width, channels = points.image
        kind = f" ({width} x {height} {'RGB' if channels == 3 else 'grey'} images)"
    say(
        f"data: {points.source}, {len(points.y)} points, {points.dims}-D{kind}, "
        f"{points.n_classes} classes ({', '.join(map(display_name, points.label_names))})"
    )
    say(f"network: {'-'.join(map(str, network.widths))} ({', '.join(network.activations)})")
    if network.inserted:
        say(f"note: identity layer(s) {network.inserted} hold back-to-back activations")
    from model.custom import export_custom, train_and_export_custom
    from model.files import temporary_name
    from model.states import StatesError, load_states
    from model.train import TrainingError

    start = time.perf_counter()
    # Written under a temporary name and validated before it takes the final
    # name: a file the scenes could not read is never left behind.
    created = _missing_folders(states_path.parent)
    states_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_name(states_path)  # ends in .npz, as np.savez wants
    try:
        if epochs == 0:
            export_custom(model, points, tmp, config, model_name=model_name)
        else:
            say(f"training {epochs} epochs (full-batch Adam, lr {config.lr:g}, seed {seed})")
            train_and_export_custom(
                model, points, tmp, config, model_name, progress=sys.stderr.isatty()
            )
        states = load_states(tmp)
        os.replace(tmp, states_path)
    except TrainingError as err:
        raise CustomCommandError(str(err), exit_code=1) from None
    except StatesError as err:
        reason = str(err).removeprefix(f"{tmp}: ").split(";")[0]
        raise CustomCommandError(
            f"{model_name}: the states it gives cannot be shown ({reason}); nothing written"
        ) from None
    except CustomError as err:
        raise CustomCommandError(str(err)) from None
    finally:
        tmp.unlink(missing_ok=True)
        if not states_path.exists():
            for folder in created:  # innermost first; only the empty folders this run made
                with contextlib.suppress(OSError):
                    folder.rmdir()
    say(
        f"wrote {display(states_path)} (accuracy {states.meta['final_accuracy']:.1%}, "
        f"{states.n_snapshots} snapshot(s), {time.perf_counter() - start:.1f} s)"
    )
    return states_path


def _missing_folders(folder: Path) -> list[Path]:
    """``folder`` and its ancestors that do not exist yet, innermost first."""
    missing = []
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    return missing


def render_hint(states_path: Path) -> str:
    """The line that says how to render a states file with the generic scenes."""
    return f"render later: STATES={display(states_path)} manim -ql scenes/custom.py Stretching"


@click.command(
    cls=OneLineCommand,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog="Example: python -m model custom --data points.csv --widths 2,2,2 --epochs 500. "
    "Output: OUT/states.npz; `render.py custom` with the same options also renders it.",
)
@custom_options
@click.option("--no-render", is_flag=True, hidden=True, help="Kept for old scripts: no effect.")
@click.pass_context
def model_command(ctx: click.Context, no_render: bool, **options) -> None:
    """Train (or export) YOUR network on YOUR labelled points into a states file.

    Trains an MLP of --widths (or your own --model) on --data with full-batch
    Adam and writes the per-layer, per-snapshot states. It does not render:
    `render.py custom` takes the same options and renders the scenes too.
    """
    try:
        hint = render_hint(prepare_states(**options))
        say(f"{hint} (or run `render.py custom` with the same options)")
        code = 0
    except CustomCommandError as err:
        say(f"error: {err}")
        code = err.exit_code
    ctx.exit(code)


def run_command(command: click.Command, argv: Sequence[str] | None, prog_name: str) -> int:
    """Run a :class:`OneLineCommand` on ``argv`` (default: the process's); return its exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    return command.main(args=args, prog_name=prog_name, standalone_mode=False)


def main(argv: Sequence[str] | None = None, prog_name: str = "python -m model custom") -> int:
    """``python -m model custom`` on ``argv`` (without the ``custom`` word); the exit code."""
    return run_command(model_command, argv, prog_name)


if __name__ == "__main__":
    sys.exit(main())
