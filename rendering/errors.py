"""User-facing problems in one line: the error type, its text and path display."""

from __future__ import annotations

import re

from model.text import display, one_line

__all__ = ["RenderError", "display", "one_line", "system_library_hint"]

APT_HINTS = {  # a fragment of a missing library's file name -> the Debian install line
    "cairo": "apt-get install -y libcairo2-dev libpango1.0-dev pkg-config",
    "pango": "apt-get install -y libcairo2-dev libpango1.0-dev pkg-config",
    "glib": "apt-get install -y libglib2.0-0",
    "ffi": "apt-get install -y libffi8",
}


class RenderError(Exception):
    """A user-facing problem: one line, no traceback."""


def system_library_hint(err: BaseException) -> str | None:
    """For an import error caused by a missing shared library, the line that says how to fix it."""
    text = str(err)
    match = re.search(r"([\w.+-]+\.so[\w.]*): cannot open shared object file", text)
    if not match and "no library called" not in text:
        return None
    lib = match.group(1) if match else text.split("no library called")[-1].strip(" \"'")
    for fragment, command in APT_HINTS.items():
        if fragment in lib.lower():
            return f"missing system library {lib}: install it with `{command}`"
    return f"missing system library {lib}: install the package that provides it (apt-file search)"
