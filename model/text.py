"""Text from files and users, made safe to print: control characters escaped, rich markup inert."""

from __future__ import annotations

import re
from pathlib import Path

__all__ = ["display", "markup_safe", "one_line", "printable"]

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # keeps tab and newline


def printable(value: object, limit: int = 300) -> str:
    """``str(value)`` on one line, control characters (ANSI escapes, bells) shown as ``\\xNN``.

    Cut to ``limit`` characters, so a hostile string cannot flood the terminal.
    """
    text = " ".join(str(value).split()) if isinstance(value, str) else str(value)
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
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
