"""Shared fixtures: one fresh states cache per test session."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

# Test files live in tests/model, tests/scenes and tests/rendering (imported by
# path, --import-mode=importlib); the shared helpers beside this file import by name.
sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture(scope="session", autouse=True)
def states_cache(tmp_path_factory):
    """Point the states cache at a fresh folder, so every claim is trained anew."""
    path = tmp_path_factory.mktemp("states")
    old = os.environ.get("BENDSPACE_CACHE")
    os.environ["BENDSPACE_CACHE"] = str(path)
    yield path
    if old is None:
        os.environ.pop("BENDSPACE_CACHE", None)
    else:
        os.environ["BENDSPACE_CACHE"] = old


@pytest.fixture(scope="session", autouse=True)
def no_voice():
    """Scenes say nothing and wait for nothing: their tests see the animation's own timing
    (the narration's tests choose a voice, tones they write, for themselves)."""
    old = os.environ.get("BENDSPACE_VOICE")
    os.environ["BENDSPACE_VOICE"] = "none"
    yield
    if old is None:
        os.environ.pop("BENDSPACE_VOICE", None)
    else:
        os.environ["BENDSPACE_VOICE"] = old


@pytest.fixture(autouse=True)
def no_voice_after_each_test(no_voice):
    """Silence again after every test: rendering in this process (``rendering.run.tasks``)
    sets ``BENDSPACE_VOICE`` from its options as a worker does, and the next module's
    renders then waited for the voice (three scene tests failed in the whole suite, none
    alone)."""
    yield
    os.environ["BENDSPACE_VOICE"] = "none"


@pytest.fixture(scope="session")
def trained():
    """``trained(name, **changes)``: a preset's States, trained once per session."""
    from model.cache import states_for

    return lambda name, **changes: states_for(name, progress=False, **changes)


@pytest.fixture
def small_frames():
    """manim's config at 640 x 360 pixels for one test (cameras made in it read it)."""
    from manim import config

    saved = config.pixel_width, config.pixel_height
    config.pixel_width, config.pixel_height = 640, 360
    yield
    config.pixel_width, config.pixel_height = saved


def pytest_sessionstart(session):
    """One line on what this run trains with (shown under -q too): the suite's numbers
    depend on it."""
    from model.config import numeric_environment

    env = numeric_environment()
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    perturb = env.get("perturb", "off")
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None:
        return
    reporter.write_line(
        f"bendspace: {cores} cores; torch {env['torch']} on {env['torch_threads']} thread(s), "
        f"BENDSPACE_PERTURB {perturb} (make test-portable runs the suite as another machine)"
    )
