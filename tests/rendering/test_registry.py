"""rendering.plan.registry: which scenes a file holds, what they declare, how they are picked."""

from __future__ import annotations

import pytest
from render_harness import run_render

import rendering
from model.sources import Preset, StatesFile


def test_registry_skips_abstract_and_imported_classes(scene_dir):
    entries, _ = rendering.discover([scene_dir / "tiny_scenes.py"])
    names = [entry.name for entry in entries]
    # source order; neither the abstract TinyBase nor manim's imported Scene
    assert names == ["TinyMove", "TinySlow", "TinyFail", "TinyStates", "TinyNarrated"]
    move = entries[0]
    assert move.description == "A circle and a square trade places under a label."
    assert move.title == "Tiny Move" and move.poster_time == 1.5 and move.gallery
    assert not entries[1].gallery


def test_unknown_scene_story_and_format_list_the_valid_ones(scene_dir):
    scene_file = str(scene_dir / "tiny_scenes.py")
    result = run_render("--file", scene_file, "--scene", "Nope")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "unknown scene 'Nope'; valid scenes:" in result.stderr and "TinyMove" in result.stderr
    result = run_render("--file", scene_file, "--story", "nope", "--list")
    assert result.returncode == 0 and "TinyMove" in result.stdout  # --list wins
    result = run_render("--file", scene_file, "--story", "nope")
    assert result.returncode == 2 and "valid stories:" in result.stderr
    assert "tiny_scenes" in result.stderr
    result = run_render("--file", scene_file, "--scene", "TinyMove", "-f", "mp4,avi")
    assert result.returncode == 2 and "unknown format 'avi'; valid formats: mp4" in result.stderr


def test_missing_system_library_names_the_install_command(tmp_path):
    broken = tmp_path / "needs_pango.py"
    broken.write_text('raise OSError("libpango-1.0.so.0: cannot open shared object file")\n')
    result = run_render("--file", str(broken), "--list")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "missing system library libpango-1.0.so.0: install it with `apt-get install" in (
        result.stderr
    )
    err = ImportError("libpangocairo-1.0.so.0: cannot open shared object file: No such file")
    assert rendering.system_library_hint(err) == (
        "missing system library libpangocairo-1.0.so.0: install it with "
        "`apt-get install -y libcairo2-dev libpango1.0-dev pkg-config`"
    )
    assert rendering.system_library_hint(ImportError("No module named 'manim'")) is None


def test_declared_states_and_overrides(scene_dir, tmp_path):
    entries, _ = rendering.discover([scene_dir / "tiny_scenes.py"])
    states = next(e for e in entries if e.name == "TinyStates")
    assert states.sources == (Preset("spirals2d", epochs=30, snapshots=3),)
    assert states.states_sources == states.sources and states.overrides == ()
    mine = states.with_states(StatesFile(tmp_path / "mine.npz"))
    assert mine.states_sources == (StatesFile(tmp_path / "mine.npz"),)
    assert mine.sources == states.sources and mine.name == "TinyStates"


def test_select_picks_the_gallery_by_default_and_names_on_request(scene_dir):
    entries, broken = rendering.discover([scene_dir / "tiny_scenes.py"])
    assert [e.name for e in rendering.select(entries, broken=broken)] == ["TinyMove"]
    picked = rendering.select(entries, ["TinyFail"], ["tiny_scenes"], broken)
    assert [e.name for e in picked] == [
        "TinyFail", "TinyMove", "TinySlow", "TinyStates", "TinyNarrated"
    ]  # fmt: skip
    with pytest.raises(rendering.RenderError, match="unknown story 'nope'; valid stories"):
        rendering.select(entries, (), ["nope"], broken)
