"""The palette and the theme: every colour and font of every scene is chosen here."""

from __future__ import annotations

import os
from dataclasses import dataclass

from manim import ManimColor, Scene

__all__ = [
    "MONO",
    "PALETTES",
    "SANS",
    "THEMES",
    "Palette",
    "apply_theme",
    "palette",
    "theme_name",
]

MONO = "DejaVu Sans Mono"  # for numbers: columns line up
SANS = "DejaVu Sans"  # for words

# Ten class colours, colour-blind aware (blue/orange first), one set per theme:
# bright on the dark video background, deeper on a white blog page.
_CLASSES_DARK = (
    "#4da3ff", "#ff8c42", "#3ecf8e", "#ff5c8a", "#b48cff",
    "#f2c94c", "#2ec4c4", "#d08c5a", "#e8e8e8", "#9be15d",
)  # fmt: skip
_CLASSES_LIGHT = (
    "#1f6fd1", "#e0621a", "#16935b", "#d6336c", "#7b4fd6",
    "#b8860b", "#12878f", "#8b5a2b", "#666666", "#4f8f17",
)  # fmt: skip


@dataclass(frozen=True)
class Palette:
    """The colours of one theme (hex strings)."""

    name: str
    background: str
    ink: str  # text, decision line
    muted: str  # secondary text
    grid: str  # warped grid lines
    axis: str  # reference axes
    accent: str  # highlights (the decision line)
    highlight: str  # the lit term of a formula
    classes: tuple[str, ...]

    def class_color(self, k: int) -> str:
        """Colour of class ``k`` (wraps after ten classes)."""
        return self.classes[k % len(self.classes)]


PALETTES: dict[str, Palette] = {
    "dark": Palette(
        "dark",
        "#0e1117",
        "#eceff4",
        "#9aa3b2",
        "#56607a",
        "#7a849a",
        "#ffffff",
        "#ffd166",
        _CLASSES_DARK,
    ),
    "light": Palette(
        "light",
        "#ffffff",
        "#1b1f27",
        "#5b6270",
        "#aab2c2",
        "#7d8596",
        "#111111",
        "#b36b00",
        _CLASSES_LIGHT,
    ),
}

THEMES: tuple[str, ...] = tuple(PALETTES)  # every CLI and the renderer read this


def theme_name() -> str:
    """``$BENDSPACE_THEME`` (``dark`` or ``light``; anything else means ``dark``)."""
    name = os.environ.get("BENDSPACE_THEME", "dark").strip().lower()
    return name if name in PALETTES else "dark"


def palette(name: str | None = None) -> Palette:
    """The palette of a theme, by default the one ``$BENDSPACE_THEME`` selects."""
    return PALETTES[name or theme_name()]


def apply_theme(scene: Scene, name: str | None = None) -> Palette:
    """Set the scene's camera background to the theme's and return the palette."""
    pal = palette(name)
    scene.camera.background_color = ManimColor(pal.background)
    return pal
