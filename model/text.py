"""Text from files and users, made safe to show: control and bidi characters escaped, markup inert.

Every name or message that reaches a terminal, a page or a video goes through
:func:`visible` (names through :func:`display_name`), so a class name cannot
reorder the text around it (U+202E), hide itself (U+200B) or move the cursor
(ESC): such characters are shown as escapes (``\\u202e``, ``\\x1b``).
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

__all__ = [
    "MAX_NAME_CHARS",
    "display",
    "display_name",
    "markup_safe",
    "name_problem",
    "one_line",
    "printable",
    "visible",
]

#: A class name longer than this, as shown (escapes counted), is refused where it is read:
#: the video's legend has about 5.6 scene units right of the plot, and 24 characters of
#: ordinary text at its font take 5.0 (measured with ``scenes.lib.legend``).
MAX_NAME_CHARS = 24

# Control (Cc), format (Cf: the bidi embeddings, overrides, isolates and marks, zero-width
# spaces, BOM), surrogates (Cs) and the line and paragraph separators (Zl, Zp). The
# zero-width joiner and non-joiner stay: emoji sequences and Persian words need them.
_ESCAPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_KEPT = frozenset("\u200c\u200d")
_CANDIDATE = re.compile(r"[^\x20-\x7e]")  # only these can need an escape: ASCII is fast


def _escape(char: str) -> str:
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def visible(text: object, keep: str = "") -> str:
    """``str(text)`` with its control, bidi and invisible format characters shown as escapes.

    ``keep`` lists characters left as they are (``printable`` keeps tab and newline).
    """

    def replace(match: re.Match) -> str:
        char = match.group()
        if char in keep or char in _KEPT:
            return char
        return _escape(char) if unicodedata.category(char) in _ESCAPED_CATEGORIES else char

    return _CANDIDATE.sub(replace, str(text))


def display_name(name: object) -> str:
    """A class name as every output draws or prints it: :func:`visible`, newlines included."""
    return visible(name)


def name_problem(name: object) -> str | None:
    """Why ``name`` cannot be a class name (too long as shown), or None if it can."""
    shown = display_name(name)
    if len(shown) <= MAX_NAME_CHARS:
        return None
    return (
        f"is {len(shown)} characters long as shown; class names are drawn in the video's "
        f"legend, where at most {MAX_NAME_CHARS} fit"
    )


def printable(value: object, limit: int = 300) -> str:
    """``str(value)`` on one line, control and bidi characters (ANSI escapes, bells, U+202E)
    shown as ``\\xNN`` / ``\\uNNNN``.

    Cut to ``limit`` characters, so a hostile string cannot flood the terminal.
    """
    text = " ".join(str(value).split()) if isinstance(value, str) else str(value)
    text = visible(text, keep="\t\n")
    return text if len(text) <= limit else text[: limit - 3] + "..."


def markup_safe(value: object, limit: int = 300) -> str:
    """:func:`printable`, with rich's markup escaped so ``[/bold]`` prints as it is."""
    from rich.markup import escape

    return escape(printable(value, limit))


def one_line(err: BaseException) -> str:
    """``Type: first line of the message``, for a table cell or a stderr line."""
    lines = str(err).strip().splitlines()
    return printable(f"{type(err).__name__}: {lines[0] if lines else ''}".rstrip(": "))


def display(path: str | Path) -> str:
    """``path`` relative to the current folder when it is inside it, else as given."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except (ValueError, OSError):
        return str(path)
