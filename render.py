"""Render the gallery in batch: MP4, WebM, GIF, poster PNG and transparent video, in parallel.

``python render.py`` renders every gallery scene found in ``scenes/*.py``;
``--scene``/``--story`` pick a part and ``--list`` shows them all;
``python render.py custom --data points.csv`` trains your own network on your
own points and renders the generic scenes. See ``--help`` for the options.

This file is the entry point only; the renderer is the ``rendering`` package,
a folder a question:

- ``rendering/plan/``: what to render and whether it is current (scenes, options, stamps, cuts)
- ``rendering/draw/``: drawing a scene or a chunk with manim (every manim patch in ``patches``)
- ``rendering/outputs/``: what a render leaves: encoders, the GIF, the pages, measurements
- ``rendering/run/``: running it on workers: the scheduler, the pool and Dask, training states
- ``rendering/batch.py``, ``rendering/film.py``: the batch and the film
- ``rendering/cli.py`` and ``rendering/custom.py``: the two commands
"""

from __future__ import annotations

from rendering.cli import main

__all__ = ["main"]

if __name__ == "__main__":
    main()
