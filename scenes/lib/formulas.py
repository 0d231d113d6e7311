"""Typeset math through manim's own TeX path, plain text where TeX is missing.

:func:`formula` is a ``MathTex`` (one part per argument, so a term can be lit),
:func:`matrix` a ``DecimalMatrix``, :func:`number` a ``DecimalNumber``. Every
scene writes its math through these, so one check decides how math is drawn:
with ``latex`` and ``dvisvgm`` on the PATH and manim's default template
compiling, TeX; otherwise one warning line (what is missing, how to install it)
and a readable fallback in the house font, never a traceback.

Each formula is made once per process and handed out as copies (a copy of a
parsed MathTex takes about a millisecond; LaTeX plus the SVG parse about half a
second the first time). The SVG of every TeX string is kept in one folder for
every render, :data:`TEX_CACHE` (``media/Tex``), not under each render's own
media folder (``render.py`` gives every scene a work folder, removed after it):
LaTeX runs once per string on this machine, not once per scene, chunk or
worker. Each string is compiled in a private folder and its SVG renamed into
the shared one, so two workers typesetting the same string never read a
half-written file.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
from collections import OrderedDict
from collections.abc import Callable, Sequence

import numpy as np
from manim import (
    LEFT,
    RIGHT,
    DecimalMatrix,
    DecimalNumber,
    MathTex,
    VGroup,
    VMobject,
    config,
)

from model.paths import REPO_ROOT
from scenes.lib.mobjects import kept_copy
from scenes.lib.palette import MONO, SANS

__all__ = [
    "TEX_CACHE",
    "TEX_PACKAGES",
    "formula",
    "labelled",
    "matrix",
    "matrix_rows",
    "number",
    "plain_text",
    "tex_available",
]

#: The Debian packages manim's default template needs (``standalone`` is in latex-extra).
TEX_PACKAGES = (
    "texlive-latex-base texlive-latex-recommended texlive-latex-extra "
    "texlive-fonts-recommended dvisvgm"
)
_HINT = "scripts/setup.sh installs TeX"
_TEX: dict[str, bool] = {}  # "ok": the answer of the one check, once made


def tex_available() -> bool:
    """True if manim can typeset: ``latex`` and ``dvisvgm`` found and a probe formula compiles.

    Checked once per process. When the answer is no, one warning line says what
    is missing and how to install it; every formula is then drawn as plain text.
    """
    if "ok" in _TEX:
        return _TEX["ok"]
    missing = [tool for tool in ("latex", "dvisvgm") if shutil.which(tool) is None]
    if not missing:
        _share_tex_cache()
    reason = f"{' and '.join(missing)} not found" if missing else _probe()
    _TEX["ok"] = reason is None
    if reason is not None:
        logging.getLogger("manim").warning(f"formulas drawn as plain text: {reason}; {_HINT}")
    return _TEX["ok"]


#: Where every render keeps the SVG of each TeX string (the tests' renders too).
TEX_CACHE = REPO_ROOT / "media" / "Tex"


def _share_tex_cache() -> None:
    """Make manim's TeX mobjects take their SVGs from :data:`TEX_CACHE`; idempotent."""
    from manim.mobject.text import tex_mobject
    from manim.utils.tex_file_writing import tex_hash

    compile_svg = tex_mobject.tex_to_svg_file
    if getattr(compile_svg, "shared", False):
        return

    def tex_to_svg_file(expression: str, environment: str | None = None, tex_template=None):
        template = tex_template or config["tex_template"]
        if environment is not None:
            code = template.get_texcode_for_expression_in_env(expression, environment)
        else:
            code = template.get_texcode_for_expression(expression)
        kept = TEX_CACHE / f"{tex_hash(code)}.svg"  # manim's own name for it
        if kept.exists():
            return kept
        TEX_CACHE.mkdir(parents=True, exist_ok=True)
        old = config.tex_dir
        with tempfile.TemporaryDirectory(prefix=".typesetting-", dir=TEX_CACHE) as private:
            config.tex_dir = private
            try:
                svg = compile_svg(expression, environment, template)
            finally:
                config.tex_dir = old
            os.replace(svg, kept)  # whole, at once: another worker reads all of it or none
        return kept

    tex_to_svg_file.shared = True
    tex_mobject.tex_to_svg_file = tex_to_svg_file


def _probe() -> str | None:
    """Typeset ``x`` with manim's template, quietly; the reason it failed, or None."""
    log = logging.getLogger("manim")
    level = log.level
    log.setLevel(logging.CRITICAL)  # manim logs LaTeX's whole error context: one line instead
    try:
        MathTex("x")
    except (OSError, ValueError, RuntimeError) as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        return f"LaTeX failed on manim's template ({first})"
    finally:
        log.setLevel(level)
    return None


# ---------------------------------------------------------------------------
# Plain-text fallback
# ---------------------------------------------------------------------------

_SUB = str.maketrans("0123456789+-()ijklmnx", "₀₁₂₃₄₅₆₇₈₉₊₋₍₎ᵢⱼₖₗₘₙₓ")
_SUP = str.maketrans("0123456789+-()nT", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁽⁾ⁿᵀ")
_SYMBOLS = {
    r"\tanh": "tanh", r"\sigma": "σ", r"\pi": "π", r"\cdot": "·", r"\times": "×",
    r"\in": "∈", r"\approx": "≈", r"\to": "→", r"\mapsto": "↦", r"\leq": "≤", r"\geq": "≥",
    r"\quad": "  ", r"\qquad": "    ", r"\,": " ", r"\;": " ", r"\!": "", r"\left": "",
    r"\right": "", r"\big": "", r"\Big": "", r"\mathbb{R}": "ℝ", r"\dots": "…", r"\ldots": "…",
}  # fmt: skip


def plain_text(tex: str) -> str:
    """A readable plain-text form of a small TeX formula (``x^2`` -> ``x²``, ``\\tanh`` ->
    ``tanh``), for where TeX is missing."""
    s = tex
    s = re.sub(r"\\(?:operatorname|mathrm|text|mathbf|mathit)\{([^{}]*)\}", r"\1", s)
    s = re.sub(r"\\sqrt\{([^{}]*)\}", r"sqrt(\1)", s)
    s = re.sub(r"\\frac\{([^{}]*)\}\{([^{}]*)\}", r"(\1)/(\2)", s)
    for command in sorted(_SYMBOLS, key=len, reverse=True):
        s = s.replace(command, _SYMBOLS[command])

    def script(table: dict, mark: str) -> Callable[[re.Match], str]:
        def put(m: re.Match) -> str:
            body = m.group(1) if m.group(1) is not None else m.group(2)
            if all(ord(c) in table for c in body):  # every character has a small form
                return body.translate(table)
            return f"{mark}({body})" if len(body) > 1 else f"{mark}{body}"

        return put

    s = re.sub(r"_\{([^{}]*)\}|_(\S)", script(_SUB, "_"), s)
    s = re.sub(r"\^\{([^{}]*)\}|\^(\S)", script(_SUP, "^"), s)
    s = s.replace("{", "").replace("}", "").replace("\\", "")
    return re.sub(r" {3,}", "  ", s).strip()


# ---------------------------------------------------------------------------
# Made once per process, handed out as copies
# ---------------------------------------------------------------------------

_MADE: OrderedDict[tuple, VMobject] = OrderedDict()
MADE_KEPT = 256


def _kept(key: tuple, make: Callable[[], VMobject]) -> VMobject:
    """A copy of the mobject ``make()`` built once per process for ``key``."""
    key = (*key, str(config.renderer), _TEX.get("ok"))
    return kept_copy(_MADE, key, make, MADE_KEPT)


def _plain(content: str, color: str, font_size: float, mono: bool = False) -> VMobject:
    from scenes.lib.captions import _text  # captions imports nothing from here

    return _text(content, MONO if mono else SANS, font_size * 0.78, color)


# ---------------------------------------------------------------------------
# The public makers
# ---------------------------------------------------------------------------


def formula(
    *parts: str, color: str, font_size: float = 34, plain: Sequence[str] | None = None
) -> VMobject:
    """``MathTex(*parts)``: ``result[i]`` is part ``i``, so a term can be lit on its own.

    Without TeX, a row of plain texts (``plain`` gives each part's, else
    :func:`plain_text` makes them), with the same one-part-per-argument layout.
    """
    if tex_available():
        return _kept(("tex", parts, color, font_size),
                     lambda: MathTex(*parts, color=color, font_size=font_size))  # fmt: skip
    words = list(plain) if plain is not None else [plain_text(p) for p in parts]
    return _kept(("plain", tuple(words), color, font_size),
                 lambda: _plain_row(words, color, font_size))  # fmt: skip


_SPACED = {"=", "+", "-", "−", "∈", "·", "×", "≈", "→", "↦", "≤", "≥"}


def _plain_row(words: Sequence[str], color: str, font_size: float) -> VMobject:
    """One line of plain text whose ``[i]`` is the glyphs of ``words[i]`` (laid out as one
    text, so the parts share a baseline); a binary sign gets a space each side."""
    line = ""
    for word in words:
        spaced = word.strip() in _SPACED
        line += (" " if spaced and line else "") + word + (" " if spaced else "")
    mob = _plain(line.strip(), color, font_size)
    glyphs, at = list(mob.submobjects), 0
    groups = []
    for word in words:
        n = len("".join(word.split()))
        groups.append(VGroup(*glyphs[at : at + n]))
        at += n
    mob.submobjects = groups
    return mob


def number(value: float, color: str, digits: int = 2, font_size: float = 30) -> VMobject:
    """A ``DecimalNumber`` (plain text without TeX)."""
    if tex_available():
        return _kept(("number", f"{value:.{digits}f}", color, font_size),
                     lambda: DecimalNumber(value, num_decimal_places=digits, color=color,
                                           font_size=font_size))  # fmt: skip
    return _plain(f"{value:.{digits}f}", color, font_size, mono=True)


def matrix(values: np.ndarray, color: str, digits: int = 2, font_size: float = 30) -> VMobject:
    """A ``DecimalMatrix`` of ``values`` (a 1-D array is a column), in brackets.

    Without TeX, a grid of plain numbers between two drawn brackets.
    """
    v = np.atleast_2d(np.asarray(values, dtype=np.float64))
    if v.shape[0] == 1 and np.ndim(values) == 1:
        v = v.T
    cells = tuple(tuple(f"{x:.{digits}f}" for x in row) for row in v)
    unit = font_size / 48  # DecimalMatrix lays out at manim's default size, 48

    def typeset() -> VMobject:
        mob = DecimalMatrix(v, element_to_mobject_config={"num_decimal_places": digits},
                            h_buff=1.1 + 0.3 * digits, v_buff=0.75)  # fmt: skip
        return mob.scale(unit).set_color(color)

    def drawn() -> VMobject:
        grid = [[_plain(c, color, font_size, mono=True) for c in row] for row in cells]
        widths = [max(grid[i][j].width for i in range(len(grid))) for j in range(len(grid[0]))]
        line = max(c.height for row in grid for c in row) + 0.22 * unit
        gap, rows = 0.45 * unit, VGroup()
        for i, row in enumerate(grid):
            right = 0.0
            for j, c in enumerate(row):  # right-aligned columns, one line per row
                right += widths[j] + (gap if j else 0.0)
                c.move_to([right, -i * line, 0], aligned_edge=RIGHT)
            rows.add(VGroup(*row))
        return VGroup(_bracket(rows, color, LEFT), rows, _bracket(rows, color, RIGHT))

    if tex_available():
        return _kept(("matrix", cells, color, font_size), typeset)
    return _kept(("drawn matrix", cells, color, font_size), drawn)


def matrix_rows(mob: VMobject) -> list[VMobject]:
    """The rows of a :func:`matrix` (typeset or drawn), top first, to colour one apart."""
    if isinstance(mob, DecimalMatrix):
        return list(mob.get_rows())
    return list(mob[1])


def _bracket(content: VMobject, color: str, side: np.ndarray) -> VMobject:
    """A square bracket drawn beside ``content`` (``side`` LEFT or RIGHT)."""
    pad, lip = 0.12, 0.1
    x = content.get_left()[0] - pad if side[0] < 0 else content.get_right()[0] + pad
    top, bottom = content.get_top()[1] + pad, content.get_bottom()[1] - pad
    inward = lip if side[0] < 0 else -lip
    mark = VMobject(stroke_color=color, stroke_width=2.2)
    mark.set_points_as_corners([[x + inward, top, 0], [x, top, 0], [x, bottom, 0],
                                [x + inward, bottom, 0]])  # fmt: skip
    return mark


def labelled(name: str, body: VMobject, color: str, font_size: float = 30) -> VGroup:
    """``name = body`` (``name`` in TeX, e.g. ``W_2``), the sign centred on the body."""
    sign = formula(name, "=", color=color, font_size=font_size)
    return VGroup(sign, body).arrange(RIGHT, buff=0.15)
