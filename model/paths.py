"""Where the project keeps its files: the repository root and the states cache folder.

Its own module, importing nothing of the project, so that both the data sets
(:mod:`model.data`) and the cache (:mod:`model.cache`, which trains through
:mod:`model.train`, which loads the data sets) can use it without a cycle.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["REPO_ROOT", "cache_dir"]

#: The project folder (the parent of ``model/``), whatever the current directory.
REPO_ROOT = Path(__file__).resolve().parent.parent


def cache_dir() -> Path:
    """``$NNVIZ_CACHE`` if set, else ``media/states`` in the project."""
    return Path(os.environ.get("NNVIZ_CACHE") or REPO_ROOT / "media" / "states")
