"""The multi-seed packing study's claims: the machinery on synthetic results, the
``packing-table --check`` command, and the cache key of states files."""

from __future__ import annotations

import importlib.metadata

import numpy as np
import pytest
from click.testing import CliRunner

from model import cli as model_cli
from model import packing_study
from model.config import preset
from model.packing import symmetric_gap
from model.packing_study import (
    CLAIMS,
    Cell,
    claims_markdown,
    failed_claims,
    measure_hidden,
    study_markdown,
    summarise,
)

SEEDS = 5


def _record(k: int, act: str, seed: int, **changes) -> dict:
    """A run for which every README claim holds (a study that confirms the README)."""
    sym = symmetric_gap(k, act)
    record = {
        "classes": k, "activation": act, "seed": seed, "accuracy": 1.0, "dead": False,
        "min_angle": 0.8 * sym, "symmetric": sym, "spread": 5.0, "radius_min": 0.5,
        "radius_max": 0.9, "corners": min(k, 4), "edges": max(k - 4, 0),
        "origin": 1 if act == "relu" and k >= 3 else 0, "on_axis": 0, "inside": 0,
    }  # fmt: skip
    if act == "unit_disk":
        record.update(accuracy=0.9, min_angle=0.5 * sym)
    if act == "tanh" and k == 3:
        record.update(corners=2, edges=1, min_angle=0.75 * sym)
    if act == "tanh" and k == 4:
        record["min_angle"] = sym
    if act == "tanh" and k == 5 and seed == 0:  # two classes in one corner
        record.update(min_angle=0.0, accuracy=(k - 1) / k)
    if act == "relu" and k in (2, 3, 4) and seed < 2:
        record["dead"] = True
    if act == "relu" and k >= 6:
        record["accuracy"] = 0.8
    record.update(changes)
    return record


def _cells(change=None) -> list[Cell]:
    """Synthetic study; ``change(record)`` may edit each record."""
    cells = []
    for act in ("tanh", "relu", "unit_disk"):
        for k in range(2, 8):
            runs = [_record(k, act, s) for s in range(SEEDS)]
            if change is not None:
                for run in runs:
                    change(run)
            cells.append(Cell(k, act, runs))
    return cells


def test_every_claim_holds_on_a_study_that_confirms_them():
    assert failed_claims(_cells()) == []


@pytest.mark.parametrize(
    ("name", "change"),
    [
        ("tanh-k-1", lambda r: r.update(accuracy=0.985) if r["activation"] == "tanh" else None),
        (
            "tanh-corners-k4",
            lambda r: (
                r.update(corners=3)
                if (r["activation"], r["classes"], r["seed"]) in {("tanh", 4, 0), ("tanh", 4, 1)}
                else None
            ),
        ),
        ("relu-dies", lambda r: r.update(dead=False)),
        (
            "disk-not-symmetric",
            lambda r: (
                r.update(min_angle=r["symmetric"]) if r["activation"] == "unit_disk" else None
            ),
        ),
    ],
)
def test_a_claim_that_does_not_hold_is_named(name, change):
    failed = [claim.name for claim in failed_claims(_cells(change))]
    assert failed == [name]


def test_claim_names_are_unique_and_the_readme_list_carries_them():
    names = [claim.name for claim in CLAIMS]
    assert len(set(names)) == len(names)
    text = claims_markdown()
    assert all(f"(`{name}`)" in text for name in names)
    assert text.count("\n- ") + 1 == len(CLAIMS)


def test_the_study_page_states_the_current_claims_and_check_reads_it_by_default():
    from model.paths import REPO_ROOT

    assert claims_markdown() in (REPO_ROOT / "docs" / "packing-study.md").read_text()
    assert model_cli._check_claims(_cells(), None) == 0  # no --readme: the study's page


def test_the_table_gives_counts_and_ranges():
    cells = _cells(lambda r: r.update(accuracy=0.9 + 0.02 * r["seed"]))
    table = study_markdown(cells)
    row = next(line for line in table.splitlines() if line.startswith("| 4 | relu |"))
    assert "2 of 5" in row  # died
    assert "96.0% [94.0%-98.0%]" in row  # median and range of the 3 live seeds
    assert "seeds 0 to 4" in table


def _check(tmp_path, monkeypatch, cells, readme_text=None):
    monkeypatch.setattr(packing_study, "run_study", lambda **kw: cells)
    readme = tmp_path / "README.md"
    readme.write_text(readme_text if readme_text is not None else summarise(cells))
    return CliRunner().invoke(
        model_cli.cli, ["packing-table", "--check", "--readme", str(readme)], catch_exceptions=False
    )


def test_check_passes_when_every_claim_holds_and_the_readme_states_them(tmp_path, monkeypatch):
    result = _check(tmp_path, monkeypatch, _cells())
    assert result.exit_code == 0, result.output
    assert f"{len(CLAIMS)} of {len(CLAIMS)} claims hold" in result.output


def test_check_fails_naming_the_claim_that_does_not_hold(tmp_path, monkeypatch):
    cells = _cells(lambda r: r.update(dead=False))
    result = _check(tmp_path, monkeypatch, cells, readme_text=summarise(_cells()))
    assert result.exit_code == 1
    assert "claim 'relu-dies' does not hold" in result.output
    assert "Traceback" not in result.output


def test_check_fails_when_the_readme_states_other_claims(tmp_path, monkeypatch):
    result = _check(tmp_path, monkeypatch, _cells(), readme_text="# old claims\n")
    assert result.exit_code == 1
    assert "does not state the current claims" in result.output


def test_measure_hidden_counts_corners_and_axes():
    labels = np.repeat(np.arange(4), 10)
    corners = np.array([[0.95, 0.95], [-0.95, 0.95], [-0.95, -0.95], [0.9, -0.3]])
    tanh = measure_hidden(np.repeat(corners, 10, axis=0), labels, 4, "tanh")
    assert tanh["corners"] == 3 and tanh["edges"] == 1
    quadrant = np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 3.0], [1.0, 1.0]])
    relu = measure_hidden(np.repeat(quadrant, 10, axis=0), labels, 4, "relu")
    assert (relu["origin"], relu["on_axis"], relu["inside"]) == (1, 2, 1)


# -- the cache key -----------------------------------------------------------------------------
def test_cache_name_changes_with_the_torch_thread_count(monkeypatch):
    monkeypatch.delenv("BENDSPACE_TORCH_THREADS", raising=False)
    default = preset("packing").cache_name()
    monkeypatch.setenv("BENDSPACE_TORCH_THREADS", "1")
    assert preset("packing").cache_name() == default  # 1 is the default
    monkeypatch.setenv("BENDSPACE_TORCH_THREADS", "2")
    assert preset("packing").cache_name() != default


def test_cache_name_changes_with_the_torch_version(monkeypatch):
    default = preset("spirals2d").cache_name()
    real = importlib.metadata.version

    def fake(name):
        return "0.0.1" if name == "torch" else real(name)

    monkeypatch.setattr(importlib.metadata, "version", fake)
    assert preset("spirals2d").cache_name() != default


# -- real runs, cheap ----------------------------------------------------------------------------
def test_measured_runs_are_cached_and_tanh_never_dies(monkeypatch):
    """Short tanh runs for three seeds: none dies (claim tanh-k-1 holds for every seed);
    the second study reads the cached records instead of training."""
    cells = packing_study.run_study(
        seeds=3, classes=(3,), activations=("tanh",), epochs=60, progress=False
    )
    (cell,) = cells
    assert cell.seeds == 3 and cell.dead == 0
    assert sorted(r["seed"] for r in cell.runs) == [0, 1, 2]
    import model.train

    def no_training(*args, **kwargs):
        raise AssertionError("trained again instead of reading the cache")

    monkeypatch.setattr(model.train, "train", no_training)
    again = packing_study.run_study(
        seeds=3, classes=(3,), activations=("tanh",), epochs=60, progress=False
    )
    assert again[0].runs == cell.runs
