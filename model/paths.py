"""Where the project keeps its files: the repository root and the states cache folder.

Its own module, importing nothing of the project, so that both the data sets
(:mod:`model.data`) and the cache (:mod:`model.cache`, which trains through
:mod:`model.train`, which loads the data sets) can use it without a cycle.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["CACHE_VARIABLES", "REPO_ROOT", "cache_dir"]

#: The project folder (the parent of ``model/``), whatever the current directory.
REPO_ROOT = Path(__file__).resolve().parent.parent


#: The variables that move the states cache, the first one set wins. ``NNVIZ_CACHE`` is
#: the project's name before it was bendspace, still read so that old set-ups keep
#: their cache.
CACHE_VARIABLES = ("BENDSPACE_CACHE", "NNVIZ_CACHE")


def cache_dir() -> Path:
    """``$BENDSPACE_CACHE`` (or the older ``$NNVIZ_CACHE``) if set, else ``media/states``."""
    for name in CACHE_VARIABLES:
        if os.environ.get(name):
            return Path(os.environ[name])
    return REPO_ROOT / "media" / "states"
