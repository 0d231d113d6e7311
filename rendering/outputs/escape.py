"""Text made safe for where a page puts it: JSON inside a ``<script>`` element."""

from __future__ import annotations

import json

__all__ = ["script_json"]

# Inside <script> the HTML parser ends the element at "</script", and "<!--" with
# "<script" puts it in a state where "</script>" no longer ends it: the page's program is
# swallowed. JSON text may spell any character as \uXXXX, so these never appear raw;
# U+2028 and U+2029 end a line in older JavaScript parsers.
_SCRIPT_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026",
                   "\u2028": "\\u2028", "\u2029": "\\u2029"}  # fmt: skip


def script_json(data: object) -> str:
    """``data`` as JSON safe to put inside a ``<script>`` element (parsed back unchanged).

    NaN and infinities are refused (``ValueError``): ``JSON.parse`` has no spelling for them.
    """
    text = json.dumps(data, separators=(",", ":"), allow_nan=False)
    return text.translate(str.maketrans(_SCRIPT_ESCAPES))
