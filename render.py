"""Render the gallery in batch (filled in by the render issue)."""


def main() -> None:
    raise SystemExit("render.py: not built yet")
