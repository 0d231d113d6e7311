"""Issue 28, every output escaped: hostile names and stamps in the gallery, Markdown, the
interactive page, the terminal and the video's labels; foreign files beside the stamps."""

from __future__ import annotations

import io
import json
import re
import shutil
import time
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from browser_harness import CHROMIUM, Chromium
from markdown_it import MarkdownIt
from PIL import Image
from render_harness import FIXTURES, run_render
from rich.console import Console
from torch import nn

from model.custom import CustomError, export_custom, points_from_arrays
from model.states import StatesError, load_states
from model.text import MAX_NAME_CHARS, display_name, printable, visible
from rendering.batch import print_table
from rendering.custom import main as custom_main
from rendering.outputs.interactive import build_page, page_data, script_json, write_page
from rendering.outputs.page import collect_stamps, write_gallery
from rendering.outputs.playground import with_playground
from rendering.plan.jobs import Job
from rendering.plan.registry import SceneEntry
from rendering.plan.stamps import read_stamp, up_to_date
from scenes.custom import Stretching
from scenes.lib import legend, palette
from scenes.lib.captions import class_names

needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium")

# Every dialog a payload could open is recorded (and logged as a console error, which the
# harness collects from every frame) instead of shown.
HOOK = """window.__alerts = [];
for (const name of ["alert", "confirm", "prompt"]) {
  window[name] = (message) => {
    window.__alerts.push(String(message));
    console.error("dialog " + name + ": " + message);
  };
}"""
# An element with an event-handler attribute, a script beyond the page's own, an element
# only a payload brings: none of these may be in a page built from hostile input.
INJECTED = """(() => [...document.querySelectorAll("*")]
  .filter((e) => [...e.attributes].some((a) => a.name.startsWith("on"))
                 || e.tagName.toLowerCase() === "svg"
                 || e.tagName === "IFRAME" && !e.matches("iframe[src$='.html']"))
  .map((e) => e.outerHTML.slice(0, 80)))()"""
BIDI = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: the text after it reads backwards
ZERO_WIDTH = "\u200b"


def open_hooked(browser: Chromium, url: str, wait_for: str = "document.readyState === 'complete'"):
    """Open ``url`` with ``alert``, ``confirm`` and ``prompt`` hooked before any script runs."""
    browser.open("about:blank")
    browser.send("Page.addScriptToEvaluateOnNewDocument", source=HOOK)
    browser.send("Page.navigate", url=url)
    end = time.monotonic() + 20
    while not browser.evaluate(wait_for):
        assert time.monotonic() < end, f"timed out waiting for {wait_for}"
        time.sleep(0.1)


def skipped(warnings: list[str]) -> list[str]:
    """The names of the files the warnings say were skipped, sorted."""
    return sorted(Path(re.match(r"warning: skipped (.*?\.json): ", w)[1]).name for w in warnings)


def dialogs(browser: Chromium) -> list[str]:
    """Dialogs any frame opened, from the console (and the top frame's own record)."""
    found = [p for p in browser.problems() if "dialog " in p]
    return found + list(browser.evaluate("window.__alerts") or [])


# -- the gallery from crafted stamps ----------------------------------------------------------


def stamp(scene: str, theme: str = "dark", **changes) -> dict:
    """A stamp as rendering.run.tasks writes it, with ``changes``."""
    return {
        "hash": "0123456789abcdef", "scene": scene, "story": "spirals", "title": scene,
        "description": "A scene.", "theme": theme, "quality": "720p30", "width": 64,
        "height": 36, "fps": 10, "gif_fps": 12.5, "frames": 20, "duration": 2.0,
        "poster_frame": 5, "background": "#000000",
        "outputs": {fmt: f"{scene}.{fmt}" for fmt in ("mp4", "webm", "gif", "png")},
        "render_seconds": 0.5, "chunks": 1, "plays": [10, 10], "still": [True, False],
    } | changes  # fmt: skip


def put(folder: Path, data: dict) -> dict:
    """Write ``data`` as ``folder/<scene>.json`` with every output it names (tiny pictures)."""
    folder.mkdir(parents=True, exist_ok=True)
    for file in data["outputs"].values():
        path = folder / file
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix in (".gif", ".png"):
            Image.new("RGB", (4, 4), (200, 90, 20)).save(path)
        else:
            path.write_bytes(b"")  # a video the browser cannot play: the card shows the GIF
    (folder / f"{data['scene']}.json").write_text(json.dumps(data))
    return data


STORY = "x<img src=x onerror=alert(1)>"  # a scene file's name: `--file 'x<img ...>.py'`
TITLE = '"><img src=x onerror=alert(2)>'
DESCRIPTION = f"<script>alert(3)</script><!-- {BIDI}gnp.exe *bold* [link](javascript:alert(4))"
THEME = "<img src=x onerror=alert(5)>"  # a folder name may hold all of this
GIF = 'x" onerror="alert(6).gif'  # an output's file name
MP4 = "javascript:alert(7).mp4"


@pytest.fixture
def hostile_out(tmp_path) -> Path:
    out = tmp_path / "media" / "gal lery#?"  # the output folder's name goes into every URL
    outputs = {"gif": GIF, "mp4": MP4, "png": "Hostile.png", "webm": "Hostile.webm"}
    put(out / "dark", stamp("Hostile", story=STORY, title=TITLE, description=DESCRIPTION,
                            outputs=outputs))  # fmt: skip
    (out / "dark" / "Hostile.html").write_text("<!doctype html><title>page</title><p>page")
    put(out / THEME, stamp("Other", theme=THEME, story=f"a{BIDI}b{ZERO_WIDTH}c\x1b[31m"))
    # and stamps whose numbers are text: skipped with a warning (see the next tests)
    put(out / "dark", stamp("Width", width='64" onload="alert(8)'))
    put(out / "dark", stamp("Fps", fps="10 <svg onload=alert(9)>"))
    return out


class _Tags(HTMLParser):
    """Every start tag of a page with its attributes, as a browser's tokenizer sees them."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append((tag, dict(attrs)))


def test_gallery_escapes_every_field_of_a_hostile_stamp(hostile_out):
    warnings: list[str] = []
    page, _ = write_gallery(hostile_out, warn=warnings.append)
    text = page.read_text()
    tags = _Tags(text).tags
    assert [tag for tag, _ in tags if tag in ("script", "svg")] == ["script"]  # the page's own
    assert not [(tag, a) for tag, attrs in tags for a in attrs if a.startswith("on")]
    urls = [attrs.get("src") or attrs.get("poster") for tag, attrs in tags
            if tag in ("img", "source", "iframe", "video")]  # fmt: skip
    prefix = "gal%20lery%23%3F/"  # the output folder "gal lery#?", percent-encoded
    assert urls and all(url.startswith(prefix) and ":" not in url for url in urls), urls
    assert f"{prefix}dark/x%22%20onerror%3D%22alert%286%29.gif" in urls
    assert f"{prefix}dark/javascript%3Aalert%287%29.mp4#t=0.5" in urls
    alts = [attrs["alt"] for tag, attrs in tags if tag == "img"]
    assert TITLE in alts  # an attribute's value, whole: it could not end the attribute
    assert "<h3>&quot;&gt;&lt;img src=x onerror=alert(2)&gt;</h3>" in text  # the title, as text
    assert BIDI not in text and ZERO_WIDTH not in text and "\x1b" not in text
    assert "a\\u202eb\\u200bc\\x1b[31m" in text  # shown escaped
    assert skipped(warnings) == ["Fps.json", "Width.json"], warnings
    assert "Width" not in text and "Fps" not in text


def test_markdown_carries_no_raw_html_from_names_or_stamps(hostile_out):
    _, markdown = write_gallery(hostile_out, warn=lambda line: None)
    text = markdown.read_text()
    assert not re.search(r"<[A-Za-z/!?]", text)  # no tag, comment or declaration at all
    # Rendered as GitHub would (raw HTML allowed), it is headings, paragraphs, our links
    # and images, and the hostile text shown as text.
    rendered = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    html = rendered.render(text)
    tags = set(re.findall(r"</?([a-z0-9]+)", html))
    assert tags <= {"h1", "h2", "h3", "p", "a", "img"}, tags
    links = re.findall(r'(?:src|href)="([^"]*)"', html)
    assert links and all(link.startswith("gal%20lery%23%3F/") for link in links), links
    assert "&lt;script&gt;alert(3)&lt;/script&gt;&lt;!-- \\u202egnp.exe *bold*" in html
    assert "[link](javascript:alert(4))" in html  # not a link: the brackets are escaped
    assert "<h2>X&lt;img src=x onerror=alert(1)&gt; (dark theme)</h2>" in html
    assert "<h3>&quot;&gt;&lt;img src=x onerror=alert(2)&gt;</h3>" in html


@needs_chromium
def test_hostile_gallery_runs_no_script_in_headless_chromium(hostile_out, tmp_path):
    page, _ = write_gallery(hostile_out, warn=lambda line: None)
    browser = Chromium(str(tmp_path / "profile"))
    try:
        open_hooked(browser, page.as_uri())
        time.sleep(0.5)  # images fail or load, the iframe loads, the videos error out
        scripts = browser.evaluate("document.scripts.length")
        injected = browser.evaluate(INJECTED)
        titles = browser.evaluate("[...document.querySelectorAll('h3')].map((e) => e.textContent)")
        metas = browser.evaluate(
            "[...document.querySelectorAll('.meta')].map((e) => e.textContent)"
        )
        headings = browser.evaluate(
            "[...document.querySelectorAll('h2')].map((e) => e.textContent)"
        )
        body = browser.evaluate("document.body.innerText")
        found = dialogs(browser)
    finally:
        browser.close()
    assert found == [] and scripts == 1 and injected == []
    assert TITLE in titles and "Other" in titles  # shown literally
    assert any(meta.startswith(STORY) for meta in metas)
    assert "X<img src=x onerror=alert(1)> (dark theme)" in headings
    assert f"{THEME} theme)" in " ".join(headings)
    assert BIDI not in body and "a\\u202eb\\u200bc\\x1b[31m" in body


# -- foreign and malformed files beside the stamps ---------------------------------------------


def small(scene: str, **changes) -> str:
    """A stamp's JSON with one output, ``<scene>.gif`` (made by the fixture), and ``changes``."""
    return json.dumps(stamp(scene, outputs={"gif": f"{scene}.gif"}) | changes)


FOREIGN = {  # file name -> content; each stamp's files exist: only the JSON is wrong
    "manifest.json": json.dumps({"name": "an app", "version": 3}),  # the issue's: no theme
    "NoTheme.json": json.dumps(
        {k: v for k, v in json.loads(small("NoTheme")).items() if k != "theme"}
    ),
    "Duration.json": small("Duration", duration="2.0"),  # the ValueError
    "Nan.json": small("Nan", duration=float("nan")),
    "Bool.json": small("Bool", width=True),
    "Plays.json": small("Plays", plays=[1, "2"]),
    "Outputs.json": small("Outputs", outputs=["Outputs.gif"]),
    "Escape.json": small("Escape", outputs={"gif": "../dark/Escape.gif"}),
    "Absolute.json": small("Absolute", outputs={"gif": "/etc/hostname"}),
    "Format.json": small("Format", outputs={"exe": "Format.gif"}),
    "Light.json": small("Light", theme="light"),  # another folder's theme
    "Renamed.json": small("Good"),  # another scene's stamp
    "List.json": "[1, 2, 3]",
    "Broken.json": '{"scene": "Broken",',
    "Deep.json": "[" * 100_000,
    "Binary.json": b"\xff\xfe\x00garbage",
    "Huge.json": " " * 1_100_000 + small("Huge"),
}


@pytest.fixture
def foreign_out(tmp_path) -> Path:
    out = tmp_path / "gallery"
    put(out / "dark", stamp("Good"))
    put(out / "light", stamp("Good", theme="light"))
    for name, content in FOREIGN.items():
        path = out / "dark" / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
        Image.new("RGB", (4, 4)).save(path.with_suffix(".gif"))
    (out / "dark" / "Folder.json").mkdir()  # a folder with a stamp's name
    return out


def test_foreign_or_malformed_json_beside_the_stamps_is_skipped_with_one_warning(foreign_out):
    for _ in range(2):  # every later run too
        warnings: list[str] = []
        stamps = collect_stamps(foreign_out, warn=warnings.append)
        assert [(s["scene"], s["theme"]) for s in stamps] == [("Good", "dark"), ("Good", "light")]
        assert skipped(warnings) == sorted([*FOREIGN, "Folder.json"]), warnings
        for line in warnings:
            assert "\n" not in line and len(line) < 160 + len(str(foreign_out))
            assert line.startswith("warning: skipped ") and "move it out" in line
    page, markdown = write_gallery(foreign_out, warn=lambda line: None)
    assert page.read_text().count("<figure") == 2 and markdown.read_text().count("### Good") == 2
    # the batch's own readers see no stamp there: the scene is rendered again, not skipped
    for name in FOREIGN:
        path = foreign_out / "dark" / name
        assert read_stamp(path) is None
        assert not up_to_date(read_stamp(path), "0123456789abcdef", ["gif"], path.parent)
    assert up_to_date(read_stamp(foreign_out / "dark" / "Good.json"), "0123456789abcdef",
                      ["gif", "png"], foreign_out / "dark")  # fmt: skip


def test_gallery_warnings_go_to_stderr_by_default(foreign_out, capsys):
    collect_stamps(foreign_out)
    err = capsys.readouterr().err.splitlines()
    assert len(err) == len(FOREIGN) + 1 and any("manifest.json: no 'scene'" in e for e in err)


@pytest.mark.slow
def test_render_with_a_hostile_file_name_and_a_foreign_manifest(tmp_path):
    """The issue's own reproduction: ``--file 'x<img src=x onerror=alert(7)>.py'``, and a
    ``manifest.json`` without ``theme`` left in the output folder (about 4 s)."""
    scene_file = tmp_path / "x<img src=x onerror=alert(7)>.py"
    shutil.copy(FIXTURES / "tiny_scenes.py", scene_file)
    shutil.copy(FIXTURES / "tiny_palette.py", tmp_path / "tiny_palette.py")
    out = tmp_path / "media" / "gallery"
    (out / "dark").mkdir(parents=True)
    (out / "dark" / "manifest.json").write_text('{"name": "an app"}')
    args = ["--file", str(scene_file), "--scene", "TinyMove", "--width", "128", "--fps", "4",
            "-f", "gif,png", "--jobs", "1", "--out", str(out)]  # fmt: skip
    for _ in range(2):  # and the run after it: the foreign file still does not crash it
        result = run_render(*args)
        assert result.returncode == 0, result.stderr
        warned = [line for line in result.stderr.splitlines() if "manifest.json" in line]
        assert len(warned) == 1 and warned[0].startswith("warning: skipped "), result.stderr
    page = (out.parent / "gallery.html").read_text()
    assert "<img src=x" not in page and "x&lt;img src=x onerror=alert(7)&gt;" in page
    markdown = (out.parent / "gallery.md").read_text()
    assert "## X&lt;img src=x onerror=alert(7)&gt; (dark theme)" in markdown
    assert not re.search(r"<[A-Za-z/!?]", markdown)


# -- the interactive page ----------------------------------------------------------------------

HOSTILE_NAMES = ["<!--", "<script>", "<svg onload=alert(1)>", f"a{BIDI}b\u2028"]
PAGE_TITLE = "</title><svg onload=alert(2)> & </script>"


@pytest.fixture(scope="module")
def hostile_states(tmp_path_factory):
    """A custom export (untrained, one snapshot) whose classes have hostile names."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 2))
    y = np.array(HOSTILE_NAMES, dtype=object)[np.arange(40) % 4]
    points = points_from_arrays(x, y.astype(str))
    model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 4))
    path = export_custom(model, points, tmp_path_factory.mktemp("hostile") / "states.npz")
    return load_states(path)


@pytest.fixture(scope="module")
def hostile_page(hostile_states, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("page") / "Stretching.html"
    write_page(path, hostile_states, Stretching, "dark", PAGE_TITLE)
    return path


def test_script_json_never_holds_what_ends_a_script_or_a_line():
    data = {"names": [*HOSTILE_NAMES, "</script>", "&amp;", "\u2029", "é"]}
    text = script_json(data)
    assert not re.search("[<>&\u2028\u2029]", text)
    assert json.loads(text) == data


def _own_scripts(data: dict) -> list[str]:
    """The script elements the page has with harmless names and title: its own (the
    replay's, and the playground's on a 2-D page)."""
    plain = data | {
        "title": "plain",
        "classNames": [f"c{i}" for i in range(len(data["classNames"]))],
    }
    page = with_playground(build_page(plain, "0"), plain)
    return [tag for tag, _ in _Tags(page).tags if tag == "script"]


def test_interactive_page_text_is_escaped(hostile_states, hostile_page):
    data = page_data(hostile_states, Stretching, "dark", PAGE_TITLE)
    assert data["classNames"] == ["<!--", "<script>", "<svg onload=alert(1)>", "a\\u202eb\\u2028"]
    assert data["classNames"] == class_names(hostile_states)  # the video's names, the same
    text = hostile_page.read_text()
    own = _own_scripts(data)
    assert len(own) >= 2 and [tag for tag, _ in _Tags(text).tags if tag == "script"] == own
    assert re.findall(r"<!--|</script|</title|<svg", text) == ["</title", *["</script"] * len(own)]
    digest = text.split('digest" content="')[1].split('"')[0]
    assert text == with_playground(build_page(data, digest), data)


@needs_chromium
def test_hostile_class_names_and_fragments_in_headless_chromium(
    hostile_states, hostile_page, tmp_path
):
    ready = "document.body && document.body.dataset.ready === '1'"
    url = hostile_page.as_uri()
    browser = Chromium(str(tmp_path / "profile"), 900, 560)
    seen = {}
    data = page_data(hostile_states, Stretching, "dark", PAGE_TITLE)
    plain = tmp_path / "plain.html"  # the same page with harmless names: its own scripts
    names = [f"c{i}" for i in range(len(data["classNames"]))]
    plain.write_text(with_playground(build_page(data | {"classNames": names}, "0"), data))
    try:
        open_hooked(browser, plain.as_uri(), ready)
        own = browser.evaluate("document.scripts.length")
        for fragment in ("", "#theme=__proto__", "#theme=constructor", "#theme=toString&stage=2"):
            open_hooked(browser, url + fragment, ready)
            seen[fragment] = browser.evaluate(
                "({scripts: document.scripts.length,"
                " title: document.getElementById('title').textContent, doc: document.title,"
                " legend: [...document.querySelectorAll('#legend div')].map((e) => e.textContent),"
                " theme: bendspace.state.theme, errors: bendspace.errors,"
                " bg: getComputedStyle(document.body).getPropertyValue('--bg')})"
            )
        # a fragment changed after loading goes through the same lookup
        browser.evaluate("location.hash = 'theme=__proto__'")
        browser.evaluate("new Promise((r) => setTimeout(r, 100))")
        after = browser.evaluate("({theme: bendspace.state.theme, errors: bendspace.errors})")
        injected = browser.evaluate(INJECTED)
        found = dialogs(browser)
        problems = [p for p in browser.problems() if "dialog " not in p]
    finally:
        browser.close()
    assert found == [] and problems == [] and injected == []
    shown = ["<!--", "<script>", "<svg onload=alert(1)>", "a\\u202eb\\u2028"]
    assert own >= 2  # the replay's two, and the playground's
    for fragment, page in seen.items():
        assert page["scripts"] == own, fragment
        assert page["title"] == PAGE_TITLE and page["doc"] == f"{PAGE_TITLE} - bendspace"
        assert page["legend"] == shown, fragment
        assert page["theme"] == "dark" and page["errors"] == [] and page["bg"], fragment
    assert after == {"theme": "dark", "errors": []}


# -- names everywhere: terminal, video, the length cap -------------------------------------------


def test_control_and_bidi_characters_are_shown_escaped():
    assert display_name(f"a{BIDI}b\x1b[2J\u2066c\u2069\n\t\ufeff\ud800") == (
        "a\\u202eb\\x1b[2J\\u2066c\\u2069\\x0a\\x09\\ufeff\\ud800"
    )
    assert display_name("café 数据 👩\u200d💻") == "café 数据 👩\u200d💻"  # letters and emoji stay
    assert visible(display_name(BIDI)) == display_name(BIDI)  # escaping twice changes nothing
    assert printable(f"x{BIDI}\x07y\nz") == "x\\u202e\\x07y z"  # one line for the terminal


def test_the_videos_legend_draws_the_escaped_names(hostile_states):
    keys = legend(class_names(hostile_states), palette("dark"))
    drawn = [row[1].original_text for row in keys]  # manim's Text: what it was given
    assert drawn == ["<!--", "<script>", "<svg onload=alert(1)>", "a\\u202eb\\u2028"]
    raw = legend([f"x{BIDI}y"], palette("dark"))  # a scene's own names are escaped too
    assert raw[0][1].original_text == "x\\u202ey"


def test_the_terminal_prints_class_names_escaped(tmp_path, capsys):
    rows = [f"{i / 10},{(i * 7 % 10) / 10},{['a' + BIDI + 'b', 'c' + ZERO_WIDTH][i % 2]}"
            for i in range(10)]  # fmt: skip
    (tmp_path / "bidi.csv").write_text("x,y,label\n" + "\n".join(rows) + "\n")
    code = custom_main(["--data", str(tmp_path / "bidi.csv"), "--epochs", "0", "--no-render",
                        "--out", str(tmp_path / "out")])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 0, err
    assert "2 classes (a\\u202eb, c\\u200b)" in err and BIDI not in err and ZERO_WIDTH not in err


def test_over_long_class_names_are_refused_where_they_are_read(tmp_path, capsys):
    long = "n" * (MAX_NAME_CHARS + 1)
    with pytest.raises(CustomError, match=f"class name 'n+' in the labels is {MAX_NAME_CHARS + 1}"):
        points_from_arrays(np.zeros((4, 2)) + np.arange(4)[:, None], [long, "b", long, "b"])
    # escapes count: what is drawn is what is capped
    with pytest.raises(CustomError, match="characters long as shown"):
        points_from_arrays(np.arange(8.0).reshape(4, 2), [BIDI * 5, "b", "b", "b"])
    points_from_arrays(np.arange(8.0).reshape(4, 2), ["n" * MAX_NAME_CHARS, "b", "b", "b"])
    # the command: one line, exit 2, nothing written
    rows = [f"{i},{i % 3},{[long, 'short'][i % 2]}" for i in range(8)]
    (tmp_path / "long.csv").write_text("x,y,label\n" + "\n".join(rows) + "\n")
    out = tmp_path / "out"
    code = custom_main(["--data", str(tmp_path / "long.csv"), "--no-render", "--out", str(out)])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and err.startswith("error: ")
    assert f"at most {MAX_NAME_CHARS} fit; shorten it" in err and not out.exists()


def test_a_states_file_with_an_over_long_class_name_is_refused(hostile_states, tmp_path):
    with np.load(hostile_states.path, allow_pickle=False) as archive:
        arrays = dict(archive)
    meta = json.loads(str(arrays["meta"]))
    meta["label_names"][3] = "x" * 500
    arrays["meta"] = np.array(json.dumps(meta))
    path = tmp_path / "long.npz"
    np.savez(path, **arrays)
    with pytest.raises(StatesError, match=r"meta 'label_names' has a name that is 500") as err:
        load_states(path)
    assert "\n" not in str(err.value) and len(str(err.value)) < 300 + len(str(path)) + 100


def test_the_closing_table_prints_a_failure_reason_as_text(tmp_path):
    """rich reads ``[...]`` as markup: an error message with ``[/bold]`` raised MarkupError."""
    entry = SceneEntry("TinyMove", "tiny", "Tiny Move", "", tmp_path / "tiny.py", 0)
    failed = Job(entry, "dark", status="failed", reason=f"RuntimeError: [/bold] [red]{BIDI}x")
    console = Console(file=io.StringIO(), width=200)
    print_table([failed], tmp_path, console)
    printed = console.file.getvalue()
    assert "FAILED: RuntimeError: [/bold] [red]\\u202ex" in printed and BIDI not in printed
