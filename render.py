"""Render the gallery in batch: MP4, WebM, GIF, poster PNG and transparent video, in parallel.

``python render.py`` renders every gallery scene found in ``scenes/*.py``;
``--scene``/``--story`` pick a part and ``--list`` shows them all;
``python render.py custom --data points.csv`` trains your own network on your
own points and renders the generic scenes. See ``--help`` for the options.

This file is the entry point only; the renderer is the ``rendering`` package,
one module a job:

- ``rendering/registry.py``: find the scenes in the story files (``--list``)
- ``rendering/options.py``: qualities, formats, themes, the options that decide the pixels
- ``rendering/stamps.py``: the up-to-date hash and stamps, temporary files
- ``rendering/batch.py``: train states once, skip what is up to date, run the chunks
- ``rendering/chunks.py``: a scene cut into animation ranges, drawn and encoded per chunk, joined
- ``rendering/executors.py``: where the chunks run: a local process pool or a Dask cluster
- ``rendering/worker.py``: the tasks: plan a scene, render a chunk, finish the outputs
- ``rendering/encode.py``: PyAV encoders (MP4, WebM, GIF palette, transparent video)
- ``rendering/page.py``: ``media/gallery.html`` (template ``gallery.html``) and ``gallery.md``
- ``rendering/measure.py``: PSNR, GIF and MP4 facts for the tests and the benchmark
- ``rendering/cli.py`` and ``rendering/custom.py``: the two commands
"""

from __future__ import annotations

from rendering.cli import main

__all__ = ["main"]

if __name__ == "__main__":
    main()
