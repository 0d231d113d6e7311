"""The playground: a page that trains a small network live and shows it stage by stage.

``render.py playground --out FILE`` writes it as one stand-alone HTML file, and
every interactive page whose input is 2-D carries it too (:func:`with_playground`,
opened by its "train it yourself" button or a ``#play`` fragment, with that
page's points and network). The reader changes the data (generated, or points
clicked in), the network and the learning rate; a Web Worker trains it with
full-batch Adam (``playground.js``: torch's initialisation and update in float64,
the stages of :mod:`model.stages`) and the page draws the stages, the regions,
the loss curve and the network as it learns (``playground_ui.js``). No library,
no request to any host: it works from disk and in an iframe. "export run" saves
one JSON file that ``render.py custom --from-page`` renders.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from importlib.resources import files
from pathlib import Path
from string import Template

import click
import numpy as np

from model.activations import CHOICES
from model.limits import LimitError, check_writable
from model.text import display
from rendering.outputs.escape import script_json
from rendering.plan.stamps import write_text_atomic
from scenes.lib.palette import PALETTES, THEMES

__all__ = [
    "ASSETS",
    "build_playground",
    "main",
    "page_config",
    "playground_block",
    "playground_command",
    "playground_config",
    "with_playground",
    "write_playground",
]

#: The files the playground is made of (the interactive pages' digest covers them too).
ASSETS = ("playground.html", "playground.js", "regions.js", "playground_ui.js")
DEFAULT_OUT = Path("media") / "playground.html"
PAGE_LAYERS, PAGE_WIDTHS = 6, (2, 3)  # the networks the playground offers

_STANDALONE = Template("""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Train it yourself - bendspace playground</title>
<style>html, body { margin: 0; height: 100%; overflow: hidden; background: $background; }</style>
</head>
<body>
$block
</body>
</html>
""")


def _asset(name: str) -> str:
    return files("rendering.outputs").joinpath(name).read_text(encoding="utf-8")


def _inline_script(name: str) -> str:
    source = _asset(name)
    if "</script" in source.lower() or "<!--" in source:
        raise ValueError(f"{name} holds '</script' or '<!--'; it cannot be inlined")
    return source


def playground_config(theme: str = "dark", page: dict | None = None) -> dict:
    """What the page script reads: palettes, theme, the activations offered, the page's run."""
    return {
        "theme": theme,
        "palettes": {name: vars(p) | {"classes": list(p.classes)} for name, p in PALETTES.items()},
        "activations": list(CHOICES),
        "page": page,
    }


def playground_block(config: dict) -> str:
    """The playground's style, markup and scripts: the body of the stand-alone page."""
    return Template(_asset("playground.html")).substitute(
        config=script_json(config),
        engine=_inline_script("playground.js"),
        regions=_inline_script("regions.js"),
        ui=_inline_script("playground_ui.js"),
    )


def build_playground(theme: str = "dark") -> str:
    """The stand-alone page's HTML."""
    block = playground_block(playground_config(theme))
    return _STANDALONE.substitute(background=PALETTES[theme].background, block=block)


def page_config(data: dict) -> dict | None:
    """Where the playground of an interactive page starts: that page's points, class names
    and network (from :func:`rendering.outputs.interactive.page_data`'s dict); ``None``
    unless the page's input is 2-D and its weights are in it.

    Hidden layers are kept to what the playground offers (at most six, 2 or 3 wide).
    """
    if data.get("mode") != "weights" or data["widths"][0] != 2:
        return None
    points = np.frombuffer(base64.b64decode(data["inputs"]), dtype="<f4").reshape(-1, 2)
    labels = np.frombuffer(base64.b64decode(data["labels"]), dtype=np.uint8)
    hidden = [min(max(int(w), PAGE_WIDTHS[0]), PAGE_WIDTHS[-1]) for w in data["widths"][1:-1]]
    activation = data["activations"][0][0] if len(data["widths"]) > 2 else "tanh"
    return {
        "title": data["title"],
        "points": np.round(points.astype(np.float64), 5).tolist(),
        "labels": labels.astype(int).tolist(),
        "names": list(data["classNames"]),
        "widths": hidden[:PAGE_LAYERS] or [2, 2],
        "activation": activation if activation in CHOICES else "tanh",
        "lr": 0.02,  # the presets' and render.py custom's
    }


def with_playground(page: str, data: dict) -> str:
    """An interactive page with the playground added before ``</body>``, if its input is 2-D."""
    start = page_config(data)
    if start is None:
        return page
    block = playground_block(playground_config(data["theme"], start))
    head, tail = page.rsplit("</body>", 1)
    return head + block + "\n</body>" + tail


def write_playground(path: Path, theme: str = "dark") -> int:
    """Write the stand-alone page atomically; returns its size in bytes."""
    page = build_playground(theme)
    write_text_atomic(Path(path), page)
    return len(page.encode("utf-8"))


@click.command(
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog="Example: render.py playground --out playground.html, then open "
    "playground.html#play&data=moons&widths=3,3&act=tanh&lr=0.03&seed=2",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=DEFAULT_OUT,
    show_default=True,
    help="The HTML file to write.",
)
@click.option("--theme", type=click.Choice(THEMES), default="dark", show_default=True)
@click.pass_context
def playground_command(ctx: click.Context, out: Path, theme: str) -> None:
    """Write the playground: one HTML file that trains a network live in the browser.

    Pick data (spirals, disk and ring, moons, XOR, blobs, or points you click in),
    hidden layers and activation; watch full-batch Adam bend the plane, stage by
    stage. Works offline, from disk; `render.py custom --from-page` renders an
    exported run.
    """
    try:
        if out.suffix.lower() not in (".html", ".htm"):
            raise LimitError(f"--out {out}: give a file name ending in .html")
        check_writable(out, "--out")
    except LimitError as err:
        click.echo(f"error: {err}", err=True)
        ctx.exit(2)
    size = write_playground(out, theme)
    click.echo(f"{display(out)} ({size / 1000:.0f} kB)")


def main(argv: Sequence[str] | None = None, prog_name: str = "render.py playground") -> int:
    """``render.py playground`` on ``argv`` (without the word); returns the exit code."""
    from model.custom_cli import run_command

    return run_command(playground_command, argv, prog_name)
