"""The gallery pages: ``gallery.html`` (from the template ``gallery.html``) and ``gallery.md``.

Both are rebuilt from the stamps under the output folder after every run and
written beside it; every card plays the video with the GIF as fallback (from
its poster frame, not the blank first one), shows the interactive page beside
it when there is one (``-f html``) and offers HTML and Markdown embed snippets.
"""

from __future__ import annotations

import html
import os
from collections.abc import Sequence
from importlib.resources import files
from pathlib import Path
from string import Template

from rendering.plan.options import THEMES
from rendering.plan.registry import SceneEntry
from rendering.plan.stamps import read_stamp, write_text_atomic

__all__ = ["collect_stamps", "page_template", "start_seconds", "write_gallery"]


def page_template() -> Template:
    """The HTML page around the cards (``$sections`` marks where they go)."""
    return Template(files("rendering.outputs").joinpath("gallery.html").read_text(encoding="utf-8"))


def start_seconds(stamp: dict) -> float:
    """Where a card's video starts playing: at its poster frame, so the first picture the
    reader sees is the poster's and not the nearly blank first frame (then it loops)."""
    fps = float(stamp.get("fps") or 1)
    return round(int(stamp.get("poster_frame") or 0) / fps, 2)


def _interactive_embed(src: str, title: str) -> str:
    return (
        f'<iframe src="{html.escape(src)}" width="720" height="450" style="border:0" '
        f'loading="lazy" title="{html.escape(title)} (interactive)"></iframe>'
    )


def _card(stamp: dict, prefix: str, index: int, interactive: str | None = None) -> str:
    out = stamp["outputs"]
    src = {fmt: f"{prefix}/{file}" for fmt, file in out.items()}
    esc = html.escape
    start = start_seconds(stamp)
    at = f"#t={start:g}" if start > 0 else ""  # a media fragment: no script needed
    sources = "".join(
        f'<source src="{esc(src[fmt])}{at}" type="video/{kind}">'
        for fmt, kind in (("webm", "webm"), ("mp4", "mp4"))
        if fmt in src
    )
    fallback = f'<img src="{esc(src["gif"])}" alt="{esc(stamp["title"])}">' if "gif" in src else ""
    poster = f' poster="{esc(src["png"])}"' if "png" in src else ""
    size = f'width="{stamp["width"]}" height="{stamp["height"]}"'
    if sources:
        media = (
            f'<video autoplay muted loop playsinline preload="auto" {size}{poster}>'
            f"{sources}{fallback}</video>"
        )
    else:
        media = fallback
    snippet_html = media.replace("><", ">\n  <").replace("\n  </video>", "\n</video>")
    gif = src.get("gif") or src.get("png", "")
    snippet_md = f"![{stamp['title']}]({gif})"
    if "mp4" in src:
        snippet_md += f"\n\n[{stamp['title']} (MP4)]({src['mp4']})"
    meta = (
        f"{stamp['story']} &middot; {stamp['theme']} &middot; {stamp['duration']:.1f} s "
        f"&middot; {stamp['width']}&times;{stamp['height']} at {stamp['fps']} fps"
    )
    shown, wide, page_snippet = media, "", ""
    if interactive:  # the network itself beside its video, and its embed snippet
        embed = _interactive_embed(interactive, stamp["title"])
        shown = f'<div class="pair">{media}\n{embed}</div>'
        wide = ' class="wide"'
        page_snippet = (
            f'<p>Interactive page <button data-copy="page-{index}">copy</button></p>\n'
            f'<pre id="page-{index}">{esc(embed)}</pre>\n'
        )
    return f"""<figure id="{esc(stamp["scene"])}-{esc(stamp["theme"])}"{wide}>
{shown}
<figcaption><h3>{esc(stamp["title"])}</h3>{esc(stamp["description"])}
<div class="meta">{meta}</div></figcaption>
<details><summary>embed</summary>
<p>HTML <button data-copy="html-{index}">copy</button></p>
<pre id="html-{index}">{esc(snippet_html)}</pre>
<p>Markdown <button data-copy="md-{index}">copy</button></p>
<pre id="md-{index}">{esc(snippet_md)}</pre>
{page_snippet}</details>
</figure>"""


def _story_title(story: str) -> str:
    return story.replace("_", " ").capitalize()


def collect_stamps(out: Path, order: Sequence[SceneEntry] = ()) -> list[dict]:
    """Every finished output set under ``out`` (one stamp per scene and theme), gallery order."""
    rank = {entry.name: i for i, entry in enumerate(order)}
    stamps = []
    for theme_dir in sorted(p for p in out.iterdir() if p.is_dir() and not p.name.startswith(".")):
        for path in sorted(theme_dir.glob("*.json")):
            stamp = read_stamp(path)
            if stamp and all((theme_dir / f).is_file() for f in stamp.get("outputs", {}).values()):
                stamps.append(stamp)
    theme_rank = {theme: i for i, theme in enumerate(THEMES)}
    return sorted(
        stamps,
        key=lambda s: (theme_rank.get(s["theme"], 9), rank.get(s["scene"], len(rank)), s["scene"]),
    )


def write_gallery(out: Path, order: Sequence[SceneEntry] = ()) -> tuple[Path, Path]:
    """Write ``gallery.html`` and ``gallery.md`` beside the ``out`` folder, from its stamps."""
    stamps = collect_stamps(out, order) if out.is_dir() else []
    page_dir = out.parent
    prefix = os.path.relpath(out, page_dir)
    sections, md = [], ["# bendspace gallery", ""]
    groups: dict[tuple[str, str], list[dict]] = {}
    for stamp in stamps:
        groups.setdefault((stamp["theme"], stamp["story"]), []).append(stamp)
    index = 0
    for (theme, story), members in groups.items():
        cards = []
        for stamp in members:
            page = out / theme / f"{stamp['scene']}.html"
            interactive = f"{prefix}/{theme}/{page.name}" if page.is_file() else None
            cards.append(_card(stamp, f"{prefix}/{theme}", index, interactive))
            index += 1
        sections.append(
            f'<h2>{html.escape(_story_title(story))} ({theme} theme)</h2>\n<div class="grid">\n'
            + "\n".join(cards)
            + "\n</div>"
        )
        md += [f"## {_story_title(story)} ({theme} theme)", ""]
        for stamp in members:
            src = {fmt: f"{prefix}/{theme}/{file}" for fmt, file in stamp["outputs"].items()}
            md += [f"### {stamp['title']}", "", stamp["description"], ""]
            if "gif" in src:
                md += [f"![{stamp['title']}]({src['gif']})", ""]
            links = [f"[{fmt.upper()}]({src[fmt]})" for fmt in ("mp4", "webm", "mov") if fmt in src]
            if (out / theme / f"{stamp['scene']}.html").is_file():
                links.append(f"[interactive]({prefix}/{theme}/{stamp['scene']}.html)")
            if links:
                md += [" · ".join(links), ""]
    if not stamps:
        sections.append("<p>Nothing rendered yet: run <code>python render.py</code>.</p>")
        md.append("Nothing rendered yet: run `python render.py`.")
    page = page_dir / "gallery.html"
    write_text_atomic(page, page_template().substitute(sections="\n".join(sections)))
    markdown = page_dir / "gallery.md"
    write_text_atomic(markdown, "\n".join(md).rstrip() + "\n")
    return page, markdown
