"""The gallery pages: ``gallery.html`` (from the template ``gallery.html``) and ``gallery.md``.

Both are rebuilt from the stamps under the output folder after every run and
written beside it; every card plays the video with the GIF as fallback (from
its poster frame, not the blank first one), shows the interactive page beside
it when there is one (``-f html``) and offers HTML and Markdown embed snippets.

A stamp's text (a scene file's name is its story) and any JSON file beside the
stamps are untrusted: only stamps that pass :func:`rendering.plan.stamps.stamp_problem`
are shown, every text goes through :func:`_html` or :func:`_markdown`, and every
file name through :func:`_url`.
"""

from __future__ import annotations

import html
import os
import re
import sys
from collections.abc import Callable, Sequence
from importlib.resources import files
from pathlib import Path
from string import Template
from urllib.parse import quote

from model.text import display, printable, visible
from rendering.plan.options import THEMES
from rendering.plan.registry import SceneEntry
from rendering.plan.stamps import load_stamp, write_text_atomic

__all__ = ["collect_stamps", "page_template", "start_seconds", "write_gallery"]


def page_template() -> Template:
    """The HTML page around the cards (``$sections`` marks where they go)."""
    return Template(files("rendering.outputs").joinpath("gallery.html").read_text(encoding="utf-8"))


def start_seconds(stamp: dict) -> float:
    """Where a card's video starts playing: at its poster frame, so the first picture the
    reader sees is the poster's and not the nearly blank first frame (then it loops)."""
    fps = float(stamp.get("fps") or 1)
    return round(int(stamp.get("poster_frame") or 0) / fps, 2)


def _html(value: object) -> str:
    """Text for HTML (an element's text or a quoted attribute): one line, control and bidi
    characters shown as escapes, ``<>&"'`` as character references."""
    return html.escape(visible(" ".join(str(value).split())))


_MARKDOWN_SPECIAL = re.compile(r"[\\`*_\[\]~$|#]")
_MARKDOWN_LIST = re.compile(r"(\d+)([.)])")  # "1986. A year" would start an ordered list


def _markdown(value: object) -> str:
    """Text for Markdown, shown as written: no raw HTML (``<>&`` as character references),
    no emphasis, link, code, table or heading syntax (backslash escapes), nothing that
    starts a block (one line, its first character escaped where it would)."""
    text = html.escape(visible(" ".join(str(value).split())), quote=False)
    text = _MARKDOWN_SPECIAL.sub(lambda m: "\\" + m.group(), text)
    if text[:1] in ("+", "-", "="):  # a list item or a heading's underline
        return "\\" + text
    number = _MARKDOWN_LIST.match(text)
    return f"{number[1]}\\{number[2]}{text[number.end() :]}" if number else text


def _url(path: str) -> str:
    """A relative URL of a file path: every character but letters, digits, ``/_.-~``
    percent-encoded, so a name cannot end the attribute or the Markdown link, or be a
    ``javascript:`` URL (the colon is encoded: the path stays relative)."""
    return quote(path, safe="/")


def _interactive_embed(src: str, title: str) -> str:
    return (
        f'<iframe src="{html.escape(src)}" width="720" height="450" style="border:0" '
        f'loading="lazy" title="{_html(title)} (interactive)"></iframe>'
    )


def _card(stamp: dict, prefix: str, index: int, interactive: str | None = None) -> str:
    """One stamp's figure; ``prefix`` (the theme folder) and ``interactive`` are URLs."""
    out = stamp["outputs"]
    src = {fmt: f"{prefix}/{_url(file)}" for fmt, file in out.items()}
    esc = html.escape  # for URLs (already percent-encoded) and HTML quoted in a <pre>
    start = start_seconds(stamp)
    at = f"#t={start:g}" if start > 0 else ""  # a media fragment: no script needed
    sources = "".join(
        f'<source src="{esc(src[fmt])}{at}" type="video/{kind}">'
        for fmt, kind in (("webm", "webm"), ("mp4", "mp4"))
        if fmt in src
    )
    vtt = (stamp.get("subtitles") or {}).get("vtt")
    if vtt and sources:  # a narrated scene: its words, for whoever plays it muted
        sources += (
            f'<track kind="subtitles" src="{esc(f"{prefix}/{_url(vtt)}")}" srclang="en" '
            'label="English">'
        )
    title = _html(stamp["title"])
    fallback = f'<img src="{esc(src["gif"])}" alt="{title}">' if "gif" in src else ""
    poster = f' poster="{esc(src["png"])}"' if "png" in src else ""
    size = f'width="{int(stamp["width"])}" height="{int(stamp["height"])}"'
    if sources:
        media = (
            f'<video autoplay muted loop playsinline preload="auto" {size}{poster}>'
            f"{sources}{fallback}</video>"
        )
    else:
        media = fallback
    snippet_html = media.replace("><", ">\n  <").replace("\n  </video>", "\n</video>")
    gif = src.get("gif") or src.get("png", "")
    snippet_md = f"![{_markdown(stamp['title'])}]({gif})"
    if "mp4" in src:
        snippet_md += f"\n\n[{_markdown(stamp['title'])} (MP4)]({src['mp4']})"
    meta = (
        f"{_html(stamp['story'])} &middot; {_html(stamp['theme'])} &middot; "
        f"{float(stamp['duration']):.1f} s &middot; {int(stamp['width'])}&times;"
        f"{int(stamp['height'])} at {int(stamp['fps'])} fps"
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
    return f"""<figure id="{_html(stamp["scene"])}-{_html(stamp["theme"])}"{wide}>
{shown}
<figcaption><h3>{title}</h3>{_html(stamp["description"])}
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


def _warn_on_stderr(line: str) -> None:
    print(printable(line, 600), file=sys.stderr)


def collect_stamps(
    out: Path, order: Sequence[SceneEntry] = (), warn: Callable[[str], None] | None = None
) -> list[dict]:
    """Every finished output set under ``out`` (one stamp per scene and theme), gallery order.

    A JSON file in ``out/<theme>/`` that is not a stamp of this program (foreign,
    malformed, or another folder's) is skipped with one line to ``warn``
    (default: stderr); a stamp whose outputs are not all there is skipped quietly.
    """
    warn = warn or _warn_on_stderr
    rank = {entry.name: i for i, entry in enumerate(order)}
    stamps = []
    for theme_dir in sorted(p for p in out.iterdir() if p.is_dir() and not p.name.startswith(".")):
        for path in sorted(theme_dir.glob("*.json")):
            stamp, problem = load_stamp(path)
            if problem:
                warn(
                    f"warning: skipped {display(path)}: {problem} (not a stamp this program "
                    "wrote; move it out of the output folder)"
                )
                continue
            if stamp and all((theme_dir / f).is_file() for f in stamp["outputs"].values()):
                stamps.append(stamp)
    theme_rank = {theme: i for i, theme in enumerate(THEMES)}
    return sorted(
        stamps,
        key=lambda s: (theme_rank.get(s["theme"], 9), rank.get(s["scene"], len(rank)), s["scene"]),
    )


def write_gallery(
    out: Path, order: Sequence[SceneEntry] = (), warn: Callable[[str], None] | None = None
) -> tuple[Path, Path]:
    """Write ``gallery.html`` and ``gallery.md`` beside the ``out`` folder, from its stamps
    (``warn`` gets a line for each file skipped, see :func:`collect_stamps`)."""
    stamps = collect_stamps(out, order, warn) if out.is_dir() else []
    page_dir = out.parent
    prefix = _url(os.path.relpath(out, page_dir))
    sections, md = [], ["# bendspace gallery", ""]
    groups: dict[tuple[str, str], list[dict]] = {}
    for stamp in stamps:
        groups.setdefault((stamp["theme"], stamp["story"]), []).append(stamp)
    index = 0
    for (theme, story), members in groups.items():
        folder = f"{prefix}/{_url(theme)}"
        cards = []
        for stamp in members:
            page = out / theme / f"{stamp['scene']}.html"
            interactive = f"{folder}/{_url(page.name)}" if page.is_file() else None
            cards.append(_card(stamp, folder, index, interactive))
            index += 1
        sections.append(
            f"<h2>{_html(_story_title(story))} ({_html(theme)} theme)</h2>\n"
            '<div class="grid">\n' + "\n".join(cards) + "\n</div>"
        )
        md += [f"## {_markdown(_story_title(story))} ({_markdown(theme)} theme)", ""]
        for stamp in members:
            src = {fmt: f"{folder}/{_url(file)}" for fmt, file in stamp["outputs"].items()}
            title = _markdown(stamp["title"])
            md += [f"### {title}", "", _markdown(stamp["description"]), ""]
            if "gif" in src:
                md += [f"![{title}]({src['gif']})", ""]
            links = [f"[{fmt.upper()}]({src[fmt]})" for fmt in ("mp4", "webm", "mov") if fmt in src]
            if (out / theme / f"{stamp['scene']}.html").is_file():
                links.append(f"[interactive]({folder}/{_url(stamp['scene'] + '.html')})")
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
