"""The layout's rules, read from the source: imports point one way, no cycles, small modules.

``model`` <- ``scenes`` <- ``rendering`` <- ``render.py`` (and ``bench`` on top):
a module never imports from a layer above its own; inside ``rendering`` the
folders are floors too (:data:`RENDERING_FLOORS`), from ``errors`` and ``plan``
up to the commands; no story file in
``scenes/`` imports another story file, the project's modules import each
other without a cycle (imports inside functions count: they run too), no
module is over 600 lines and ``render.py`` stays a thin entry point.
``BENDSPACE_ARCH_ROOT=/path/to/checkout`` checks another checkout.
"""

from __future__ import annotations

import ast
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(os.environ.get("BENDSPACE_ARCH_ROOT") or Path(__file__).resolve().parent.parent)
LAYERS = {"model": 0, "scenes": 1, "rendering": 2, "render": 3, "bench": 4}
# Inside rendering/, each folder (or top-level module) on a floor: a module imports only
# from its own floor or the ones below. What to render comes first, then what a render
# leaves, then drawing into it, then running the drawing on workers, then the batch
# and the film that run the workers, then the commands, then the package's face.
RENDERING_FLOORS = {
    "rendering.errors": 0,
    "rendering.plan": 1,
    "rendering.outputs": 2,
    "rendering.draw": 3,
    "rendering.run": 4,
    "rendering.batch": 5,
    "rendering.film": 5,
    "rendering.cli": 6,
    "rendering.custom": 6,
    "rendering.from_page": 6,
    "rendering": 7,
}
MAX_LINES = 600
MAX_ENTRY_LINES = 120  # render.py


@dataclass(frozen=True)
class Import:
    """One import of a project module: who imports what, where."""

    importer: str
    imported: str
    file: Path
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.importer} imports {self.imported}"


def project_modules(root: Path) -> dict[str, Path]:
    """Dotted name -> file of every module in the layers (``pkg/__init__.py`` is ``pkg``)."""
    modules = {}
    for top in LAYERS:
        script = root / f"{top}.py"
        if script.is_file():
            modules[top] = script
        folder = root / top
        if folder.is_dir():
            for path in sorted(folder.rglob("*.py")):
                parts = list(path.relative_to(root).with_suffix("").parts)
                if parts[-1] == "__init__":
                    parts.pop()
                modules[".".join(parts)] = path
    return modules


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The longest project module that ``name`` (``pkg.mod.attr``) falls in, if any."""
    parts = name.split(".")
    while parts:
        if ".".join(parts) in modules:
            return ".".join(parts)
        parts.pop()
    return None


def imports(root: Path) -> list[Import]:
    """Every import of a project module by a project module, anywhere in its file."""
    modules = project_modules(root)
    found = []
    for importer, path in modules.items():
        package = importer if path.name == "__init__.py" else importer.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                names = [f"{base}.{alias.name}" for alias in node.names]
            for name in names:
                target = _resolve(name, modules)
                item = Import(importer, target or "", path.relative_to(root), node.lineno)
                if target and target != importer and item not in found:
                    found.append(item)
    return found


def _layer(module: str) -> int:
    return LAYERS[module.split(".")[0]]


def _is_story(module: str) -> bool:
    parts = module.split(".")
    return len(parts) == 2 and parts[0] == "scenes" and parts[1] != "lib"


def upward_imports(root: Path) -> list[str]:
    """Imports of a module from a layer above the importer's."""
    return [str(i) for i in imports(root) if _layer(i.imported) > _layer(i.importer)]


def rendering_floor(module: str) -> int | None:
    """The floor of a ``rendering`` module: its longest prefix in :data:`RENDERING_FLOORS`."""
    parts = module.split(".")
    while parts:
        if ".".join(parts) in RENDERING_FLOORS:
            return RENDERING_FLOORS[".".join(parts)]
        parts.pop()
    return None


def unplaced_rendering_modules(root: Path) -> list[str]:
    """``rendering`` modules on no floor (a new folder must say where it stands)."""
    return [
        name
        for name in project_modules(root)
        if name.split(".")[0] == "rendering" and name != "rendering"
        and RENDERING_FLOORS.get(".".join(name.split(".")[:2])) is None
    ]  # fmt: skip


def upward_rendering_imports(root: Path) -> list[str]:
    """Imports inside ``rendering`` of a module from a floor above the importer's."""
    found = []
    for item in imports(root):
        if item.importer.split(".")[0] != "rendering" or item.imported.split(".")[0] != "rendering":
            continue
        low, high = rendering_floor(item.importer), rendering_floor(item.imported)
        if low is not None and high is not None and high > low:
            found.append(str(item))
    return found


def story_imports(root: Path) -> list[str]:
    """Imports of one story file (``scenes/x.py``, not the library) by another."""
    return [str(i) for i in imports(root) if _is_story(i.importer) and _is_story(i.imported)]


def import_cycles(root: Path) -> list[str]:
    """Every cycle of imports among project modules, one line each (the imports that close it)."""
    edges: dict[str, list[Import]] = {}
    for item in imports(root):
        edges.setdefault(item.importer, []).append(item)
    cycles, state = [], {}  # module -> "open" while on the current path, "done" after

    def visit(module: str, path: list[Import]) -> None:
        state[module] = "open"
        for item in edges.get(module, []):
            if state.get(item.imported) == "open":
                start = next(k for k, p in enumerate(path) if p.importer == item.imported)
                loop = [*path[start:], item] if path else [item]
                cycles.append(" -> ".join(str(step) for step in loop))
            elif item.imported not in state:
                visit(item.imported, [*path, item])
        state[module] = "done"

    for module in sorted(edges):
        if module not in state:
            visit(module, [])
    return cycles


def oversized_modules(root: Path) -> list[str]:
    """Modules over :data:`MAX_LINES` lines, and ``render.py`` over :data:`MAX_ENTRY_LINES`."""
    problems = []
    for module, path in project_modules(root).items():
        lines = len(path.read_text().splitlines())
        limit = MAX_ENTRY_LINES if module == "render" else MAX_LINES
        if lines > limit:
            problems.append(f"{path.relative_to(root)}: {lines} lines (at most {limit})")
    return problems


def test_no_module_imports_from_a_layer_above():
    assert upward_imports(ROOT) == []


def test_rendering_folders_import_only_their_floor_and_below():
    assert unplaced_rendering_modules(ROOT) == []
    assert upward_rendering_imports(ROOT) == []


def test_the_project_root_is_defined_once():
    defined = [
        str(path.relative_to(ROOT))
        for path in project_modules(ROOT).values()
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Assign)
        and any(getattr(target, "id", None) == "REPO_ROOT" for target in node.targets)
    ]
    assert defined == ["model/paths.py"]  # everyone else imports it from there


def test_no_story_file_imports_another_story_file():
    assert story_imports(ROOT) == []


def test_no_import_cycle():
    assert import_cycles(ROOT) == []


def test_modules_are_small_and_render_py_is_thin():
    assert oversized_modules(ROOT) == []
    assert (ROOT / "render.py").is_file() and (ROOT / "rendering" / "__init__.py").is_file()


@pytest.fixture
def tangled(tmp_path) -> Path:
    """A small project with one of every fault (the checks must find each)."""
    files = {
        "model/__init__.py": "",
        "model/train.py": "def run():\n    import render\n",  # upward, inside a function
        "scenes/__init__.py": "",
        "scenes/lib.py": "from model import train\n",
        "scenes/spirals.py": "from scenes.lib import x\n",
        "scenes/disks.py": "from .spirals import SpiralsStretching\n",  # story -> story
        "rendering/__init__.py": "from rendering.cli import main\n",
        "rendering/cli.py": "from . import batch\n",
        "rendering/batch.py": "import rendering.cli\n",  # cycle cli -> batch -> cli
        "rendering/plan/__init__.py": "",
        "rendering/plan/stamps.py": "def f():\n    from rendering.run.tasks import x\n",  # up
        "rendering/run/__init__.py": "",
        "rendering/run/tasks.py": "x = 1\n",
        "rendering/loose.py": "",  # on no floor
        "render.py": "from rendering.cli import main\nfrom model.train import run\n" + "\n" * 130,
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return tmp_path


def test_the_checks_find_every_fault(tangled):
    assert upward_imports(tangled) == ["model/train.py:2: model.train imports render"]
    assert story_imports(tangled) == ["scenes/disks.py:1: scenes.disks imports scenes.spirals"]
    cycles = import_cycles(tangled)
    assert len(cycles) == 2  # rendering.cli <-> rendering.batch; model.train -> render -> ...
    assert any("rendering.cli imports rendering.batch" in c for c in cycles)
    assert any("model.train imports render" in c for c in cycles)
    assert oversized_modules(tangled) == ["render.py: 132 lines (at most 120)"]
    assert unplaced_rendering_modules(tangled) == ["rendering.loose"]
    assert upward_rendering_imports(tangled) == [
        "rendering/batch.py:1: rendering.batch imports rendering.cli",
        "rendering/plan/stamps.py:2: rendering.plan.stamps imports rendering.run.tasks",
    ]
