"""The README starts short, its Layout is the tree, and every page's links lead somewhere."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
PAGES = [README, *sorted((ROOT / "docs").glob("*.md"))]
README_MAX_LINES = 120


def layout() -> dict[str, str]:
    """The README's Layout block: path -> what its line says."""
    section = README.read_text(encoding="utf-8").split("\n## Layout\n", 1)[1]
    block = re.search(r"```\n(.*?)```", section, re.DOTALL)
    assert block, "no code block under '## Layout'"
    entries = {}
    for line in block.group(1).splitlines():
        path, _, says = line.partition(" ")
        entries[path] = says.strip()
    return entries


def tracked_top_level() -> set[str]:
    """The folders and the Python files at the top of the checkout that git keeps."""
    files = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    if not files:
        pytest.skip("not a git checkout")
    tops = set()
    for name in files:
        first, _, rest = name.partition("/")
        if first.startswith("."):
            continue
        if rest:
            tops.add(first + "/")
        elif first.endswith(".py"):
            tops.add(first)
    return tops


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_the_readme_starts_short():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES, f"README.md is {len(lines)} lines: move detail to docs/"
    assert "make demo" in "\n".join(lines[:60]) and "make test" in "\n".join(lines[:60])


def test_the_layout_names_every_top_level_folder_and_nothing_that_is_not_there():
    entries = layout()
    missing = tracked_top_level() - set(entries)
    assert not missing, f"Layout leaves out {sorted(missing)}"
    gone = [path for path in entries if path != "media/" and not (ROOT / path).exists()]
    assert not gone, f"Layout names what is not in the tree: {gone}"


def test_the_layout_names_every_folder_of_rendering_and_its_modules():
    entries = layout()
    for folder in sorted(
        p for p in (ROOT / "rendering").iterdir() if (p / "__init__.py").is_file()
    ):
        key = f"rendering/{folder.name}/"
        assert key in entries, f"Layout leaves out {key}"
        modules = {p.stem for p in folder.glob("*.py") if p.stem != "__init__"}
        named = set(re.findall(r"\w+", entries[key]))
        assert modules <= named, f"{key} in the Layout leaves out {sorted(modules - named)}"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_link_of_a_page_leads_somewhere(page):
    text = page.read_text(encoding="utf-8")
    text = re.sub(r"```.*?```|`[^`]*`", "", text, flags=re.DOTALL)  # examples, not links
    broken = []
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+:", target):  # https:, mailto:
            continue
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        if file.is_relative_to(ROOT / "media"):
            continue  # rendered by `make demo`, not kept in git
        if not file.exists():
            broken.append(target)
        elif anchor and file.suffix == ".md":
            headings = re.findall(r"^#+ (.*)$", file.read_text(encoding="utf-8"), re.MULTILINE)
            if anchor not in {slug(h) for h in headings}:
                broken.append(target)
    assert not broken, f"{page.name}: links that lead nowhere: {broken}"
