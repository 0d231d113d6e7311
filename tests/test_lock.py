"""The lock (constraints.txt) agrees with pyproject.toml, the set-up and this venv."""

from __future__ import annotations

import importlib.metadata
import re
from pathlib import Path

import pytest
import tomllib
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]


def lock() -> dict[str, Version]:
    """constraints.txt as {canonical name: pinned version}; every line must be a pin."""
    pins = {}
    for number, line in enumerate((ROOT / "constraints.txt").read_text().splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        req = Requirement(line)
        specs = list(req.specifier)
        assert len(specs) == 1 and specs[0].operator == "==", (
            f"constraints.txt line {number}: {line!r} is not a pin (name==version)"
        )
        pins[canonicalize_name(req.name)] = Version(specs[0].version)
    return pins


def project_requirements() -> list[Requirement]:
    """pyproject.toml's dependencies and every extra's, as written."""
    with open(ROOT / "pyproject.toml", "rb") as f:
        project = tomllib.load(f)["project"]
    lines = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        lines += extra
    return [Requirement(line) for line in lines]


def test_every_requirement_of_every_extra_is_pinned_inside_its_range():
    pins = lock()
    for req in project_requirements():
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} (pyproject.toml) is not in constraints.txt: run make lock"
        # the +cpu of torch's local version is not part of the range
        assert req.specifier.contains(Version(pins[name].base_version), prereleases=True), (
            f"constraints.txt pins {req.name}=={pins[name]}, outside pyproject.toml's "
            f"{req.specifier}: run make lock"
        )
        for extra in req.extras:  # dask[distributed] pins distributed too
            assert canonicalize_name(extra) in pins, f"{req.name}[{extra}] is not pinned"


def test_the_set_up_installs_the_locked_torch():
    setup = (ROOT / "scripts" / "setup.sh").read_text()
    spec = re.search(r"TORCH_SPEC:-torch==([\w.+]+)", setup)
    assert spec, "scripts/setup.sh no longer names its default torch"
    assert Version(spec.group(1)).base_version == lock()["torch"].base_version
    assert '-c "$constraints"' in setup and "constraints.txt" in setup


def test_this_venv_holds_the_locked_versions():
    """The suite runs in the venv the set-up made: what it installed is what is locked."""
    if not (Path(__import__("sys").prefix) / "pyvenv.cfg").exists():
        pytest.skip("not running in a venv")
    wrong = []
    for name, version in lock().items():
        try:
            installed = Version(importlib.metadata.version(name))
        except importlib.metadata.PackageNotFoundError:
            continue  # an extra this venv was not made with
        if installed != version and name != "torch":
            wrong.append(f"{name} {installed} (locked {version})")
    assert not wrong, "installed versions differ from constraints.txt: " + ", ".join(wrong)
