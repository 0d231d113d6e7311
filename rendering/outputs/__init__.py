"""What a render leaves. The modules, one job each:

- ``encode``: the video encoders (MP4, WebM, transparent video) and the poster's frame;
- ``gif``: the GIF, from its small frames per chunk to its one palette;
- ``segments``: a chunk's pieces, and the final files joined from them;
- ``page``: the gallery pages (template ``gallery.html``);
- ``interactive``: the interactive pages (``interactive.html`` and ``.js``);
- ``measure``: PSNR, GIF and MP4 facts for the tests and the benchmark.
"""
