"""Issue 28, as an attacker would probe it: files we own, names we trust, options we take.

- Temporaries and work folders are created exclusively under names no one can
  plant beforehand; a link at a temporary's name or at the final name is never
  written through (finding 5).
- Stale cleanup removes only entries with our marker (finding 4).
- A Dask worker cannot make the client write anywhere, and a worker with other
  code refuses the chunk (finding 2).
- Every bad option is one line and exit 2 with nothing written, on both
  commands, and a seeded fuzz of option values finds no other ending
  (findings 6 and 7).
"""

from __future__ import annotations

import math
import os
import random
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
from concurrent.futures import Future
from pathlib import Path
from typing import ClassVar

import pytest
from custom_harness import two_moons, write_csv
from render_harness import FIXTURES, ROOT, run_render

import rendering
import rendering.cli
import rendering.custom
import rendering.run.executors
import rendering.run.tasks
from model.files import (
    TEMP_PREFIX,
    WORK_MARKER,
    clean_stale_temporaries,
    remove_temporary,
    temporary_name,
    work_folder,
    write_atomic,
    write_text_atomic,
)
from model.limits import check_writable_folder
from model.text import printable
from rendering.batch import BatchResult
from rendering.plan.options import FORMATS, GIF_DELAYS_CS, MAX_POSTER_SECONDS
from rendering.run.process import cores, usable_workers

PID = os.getpid()


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def _tree(root: Path) -> dict[str, tuple]:
    """Every entry under ``root`` (links not followed): what it is, its size and content time."""
    found = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(folder) / name
            info = path.lstat()
            if stat.S_ISLNK(info.st_mode):
                found[str(path)] = ("link", os.readlink(path))
            elif stat.S_ISDIR(info.st_mode):
                found[str(path)] = ("folder",)
            else:
                found[str(path)] = ("file", info.st_size, info.st_mtime_ns)
    return found


@pytest.fixture
def predictable_names(monkeypatch):
    """mkstemp's and mkdtemp's random parts made known in advance: aaaaaaaa, then bbbbbbbb."""
    names = iter(["aaaaaaaa", "bbbbbbbb", "cccccccc"])
    monkeypatch.setattr(tempfile, "_get_candidate_names", lambda: names)


# -- finding 5: links planted at a temporary's name or at the final name ----------------------


def test_a_link_planted_at_a_temporarys_name_is_not_followed(tmp_path, predictable_names):
    victim = tmp_path / "victim.txt"
    victim.write_text("mine")
    out = tmp_path / "out"
    out.mkdir()
    old = [out / f".gallery.html.tmp-{PID}.html", out / f".gallery.html.tmp-{PID}"]
    for name in old:  # the names before the fix: known from the pid alone
        name.symlink_to(victim)
    # The name mkstemp is about to try (made known here): the creation skips it.
    planted = out / f"{TEMP_PREFIX}{PID}-aaaaaaaa-gallery.html"
    planted.symlink_to(victim)
    write_text_atomic(out / "gallery.html", "<p>the page</p>")
    assert victim.read_text() == "mine"
    page = out / "gallery.html"
    assert not page.is_symlink() and page.read_text() == "<p>the page</p>"
    assert stat.S_IMODE(page.stat().st_mode) == 0o666 & ~_umask()  # as open() would make it
    for link in [*old, planted]:  # left as they were: not ours to remove
        assert link.is_symlink() and os.readlink(link) == str(victim)
    assert sorted(p.name for p in out.iterdir()) == sorted(["gallery.html", planted.name] + [
        p.name for p in old
    ])  # fmt: skip


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def test_a_link_at_the_final_name_is_replaced_not_followed(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("mine")
    out = tmp_path / "out"
    out.mkdir()
    (out / "gallery.html").symlink_to(victim)
    write_text_atomic(out / "gallery.html", "<p>the page</p>")
    assert victim.read_text() == "mine"
    assert not (out / "gallery.html").is_symlink()
    assert (out / "gallery.html").read_text() == "<p>the page</p>"


def test_a_work_folder_is_new_and_private_whatever_is_planted(tmp_path, predictable_names):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    (out / f".SpiralsStretching.work.tmp-{PID}").symlink_to(elsewhere, target_is_directory=True)
    planted = out / f"{TEMP_PREFIX}{PID}-aaaaaaaa-SpiralsStretching.work"
    planted.symlink_to(elsewhere, target_is_directory=True)
    work = work_folder(out, "SpiralsStretching")
    assert work.parent == out and work.name.startswith(f"{TEMP_PREFIX}{PID}-bbbbbbbb-")
    assert work.is_dir() and not work.is_symlink()
    assert stat.S_IMODE(work.stat().st_mode) == 0o700
    assert (work / WORK_MARKER).read_text() == work.name
    write_atomic(work / "chunk000.mp4", lambda tmp: tmp.write_bytes(b"frames"))
    assert list(elsewhere.iterdir()) == []
    assert remove_temporary(work) and not work.exists()
    assert not remove_temporary(planted) and planted.is_symlink()


def test_a_temporary_is_never_made_through_a_planted_name(tmp_path, predictable_names):
    victim = tmp_path / "victim.txt"
    victim.write_text("mine")
    (tmp_path / f"{TEMP_PREFIX}{PID}-aaaaaaaa-states.npz").symlink_to(victim)
    tmp = temporary_name(tmp_path / "states.npz")
    assert tmp.name == f"{TEMP_PREFIX}{PID}-bbbbbbbb-states.npz"
    assert tmp.is_file() and not tmp.is_symlink() and tmp.stat().st_size == 0
    assert victim.read_text() == "mine"


@pytest.mark.slow
def test_a_render_with_links_planted_at_every_old_name_writes_through_none(scene_dir, tmp_path):
    # The finding's attack, on a whole render (in this process: the pid is known).
    from rich.console import Console

    victim = tmp_path / "victim.txt"
    victim.write_text("mine")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = tmp_path / "media" / "gallery"
    options = rendering.RenderOptions(128, 72, 5)
    folder = rendering.output_folder(out, "dark", options)
    folder.mkdir(parents=True)
    links = {
        tmp_path / "media" / f".gallery.html.tmp-{PID}.html": victim,
        tmp_path / "media" / f".gallery.md.tmp-{PID}.md": victim,
        tmp_path / "media" / "gallery.html": victim,  # the final name too
        folder / f".TinyMove.work.tmp-{PID}": elsewhere,
        folder / "TinyMove.png": victim,
    }
    for link, target in links.items():
        link.symlink_to(target, target_is_directory=target.is_dir())
    entries, _ = rendering.discover([scene_dir / "tiny_scenes.py"])
    jobs = [rendering.Job(entry, "dark") for entry in entries if entry.name == "TinyMove"]
    request = rendering.BatchRequest(jobs, out, ["mp4", "png"], options, 1, order=entries)
    result = rendering.render_jobs(request, Console(quiet=True))
    assert not result.failed, [job.reason for job in result.jobs]
    assert victim.read_text() == "mine" and list(elsewhere.iterdir()) == []
    for final in (tmp_path / "media" / "gallery.html", folder / "TinyMove.png"):
        assert final.is_file() and not final.is_symlink()
    assert rendering.video_info(folder / "TinyMove.mp4")["frames"] == 10  # 2 s at 5 fps
    assert not [p for p in tmp_path.rglob(f"{TEMP_PREFIX}*")]  # our temporaries: all gone


# -- finding 4: cleanup removes only what is ours -------------------------------------------


def test_cleanup_leaves_every_entry_that_is_not_ours(tmp_path):
    home = tmp_path / "home"
    foreign = [
        home / ".bashrc.tmp-31000",
        home / "proj" / "deep" / ".data.tmp-31001.json",
        home / ".dirstate.tmp-31003" / "state",  # a folder of someone else's
    ]
    for path in foreign:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("not yours")
    dead = _dead_pid()
    stale_file = home / "proj" / f"{TEMP_PREFIX}{dead}-abcdefgh-Scene.mp4"
    stale_file.write_bytes(b"half a video")
    stale_work = work_folder(home, "Scene")
    stale_work = stale_work.rename(home / f"{TEMP_PREFIX}{dead}-abcdefgh-Scene.work")
    (stale_work / WORK_MARKER).write_text(stale_work.name)  # its marker names it
    (stale_work / "chunk000.mp4").write_bytes(b"frames")
    unmarked = home / f"{TEMP_PREFIX}{dead}-bcdefghi-Other.work"  # our name, no marker
    (unmarked / "keep").parent.mkdir()
    (unmarked / "keep").write_text("no marker: not ours")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / WORK_MARKER).write_text(f"{TEMP_PREFIX}{dead}-cdefghij-Link.work")
    link = home / f"{TEMP_PREFIX}{dead}-cdefghij-Link.work"  # our name, a link: not ours
    link.symlink_to(elsewhere, target_is_directory=True)
    live = temporary_name(home / "Live.mp4")  # ours, its writer (this process) alive

    removed = clean_stale_temporaries(home)
    assert sorted(removed) == sorted([stale_file, stale_work])
    assert all(path.read_text() == "not yours" for path in foreign)
    assert (unmarked / "keep").is_file() and link.is_symlink() and live.is_file()
    assert (elsewhere / WORK_MARKER).is_file()
    write_atomic(home / "x.txt", lambda tmp: tmp.write_text("x"))  # cleans its folder too
    assert all(path.exists() for path in foreign)
    # A batch stopped by Ctrl-C: its own temporaries are abandoned too, still only ours.
    assert clean_stale_temporaries(home, abandoned=PID) == [live]
    assert all(path.exists() for path in foreign) and (unmarked / "keep").is_file()


# -- finding 2: a Dask worker's names, and its checkout ----------------------------------------


class _FakeClient:
    """A Dask client whose tasks run here; a chunk's result comes back with ``names`` added."""

    def __init__(self, names: list[str]) -> None:
        self.names = names

    def nthreads(self) -> dict:
        return {"tcp://127.0.0.1:1": 1}

    def run(self, function) -> dict:
        return {"tcp://127.0.0.1:1": function()}

    def submit(self, function, *args, **kwargs) -> Future:
        future: Future = Future()
        try:
            if function is rendering.run.tasks.prepare_worker:  # not in this process
                future.set_result(os.getpid())
            elif function is rendering.run.tasks.chunk_bytes_task:  # a worker that lies
                back = {"files": {"chunk000.mp4": b"frames"}, "result": {"count": 1}}
                back["files"] |= {name: b"pwned" for name in self.names}
                future.set_result(back)
            else:
                future.set_result(function(*args))
        except Exception as err:
            future.set_exception(err)
        return future

    def set_metadata(self, *args) -> None:
        pass

    def close(self) -> None:
        pass


def _hostile_names(tmp_path: Path) -> list[str]:
    return [str(tmp_path / "abs" / "pwned"), "../../x/pwned", "../../../../x/pwned"]


@pytest.mark.parametrize("which", range(3))
def test_a_worker_returning_a_path_is_refused_and_nothing_is_written(tmp_path, which):
    name = _hostile_names(tmp_path)[which]
    out = tmp_path / "media" / "gallery"
    folder = out / "dark"
    folder.mkdir(parents=True)
    work = work_folder(folder, "TinyMove")
    spec = {"name": "TinyMove", "theme": "dark", "hash": "0", "work": str(work),
            "formats": ["mp4", "png"]}  # fmt: skip
    before = _tree(tmp_path)
    executor = rendering.run.executors.DaskExecutor(client=_FakeClient([name]))
    for chunk in ({"index": 0}, None, {"whole": True}):  # a chunk, the open chunk, a whole scene
        error = executor._stored(spec, chunk, None).exception(timeout=10)
        assert isinstance(error, rendering.RenderError)
        message = str(error)
        assert len(message.splitlines()) == 1 and message.startswith("refused a file name")
        assert printable(repr(name), 80) in message
    assert _tree(tmp_path) == before  # not even the chunk's own file: nothing of it is trusted
    executor.close()


def test_a_chunks_own_files_are_taken(tmp_path):
    spec = {"name": "TinyMove", "formats": ["mp4", "gif", "png"]}
    files = {"chunk002.mp4": b"a", "chunk002.gif.mov": b"b", "poster.png": b"c"}
    assert rendering.run.executors.checked_files(files, spec, {"index": 2}) == files
    for bad in ({"chunk003.mp4": b"a"}, {"chunk002.webm": b"a"}, {"poster.png": "text"}, [1]):
        with pytest.raises(rendering.RenderError, match="refused"):
            rendering.run.executors.checked_files(bad, spec, {"index": 2})


def test_a_render_on_a_lying_cluster_fails_in_one_line_and_writes_nothing_outside(
    scene_dir, tmp_path, monkeypatch, capsys, fakes
):
    import distributed

    monkeypatch.setattr(
        distributed, "Client", lambda *a, **k: _FakeClient(_hostile_names(tmp_path))
    )
    out = tmp_path / "media" / "gallery"
    argv = ["--file", str(scene_dir / "tiny_scenes.py"), "--scene", "TinyMove", "--fps", "5",
            "--width", "128", "-f", "mp4,png", "--out", str(out), "--scheduler", "x:1"]  # fmt: skip
    fakes.real_render = True
    code, _, err = _run(argv, capsys)
    assert code == 1, err
    failed = [line for line in err.splitlines() if "FAILED" in line and "TinyMove" in line]
    assert failed and "refused" in failed[0] and "Traceback" not in err
    outside = [p for p in _tree(tmp_path) if not p.startswith(str(out.parent))]
    assert outside == [], outside
    assert not (tmp_path / "abs").exists() and not list(tmp_path.rglob("pwned"))


def _checkout_copy(root: Path) -> Path:
    def not_code(folder: str, names: list[str]) -> list[str]:
        keep = [n for n in names if n.endswith(".py") or (Path(folder) / n).is_dir()]
        return [n for n in names if n not in keep or n == "__pycache__"]

    for package in rendering.run.tasks.CHECKOUT_PACKAGES:
        shutil.copytree(ROOT / package, root / package, ignore=not_code)
    return root


def test_an_edited_rendering_module_changes_the_checkout_hash(tmp_path, monkeypatch):
    scene = FIXTURES / "tiny_scenes.py"
    mine = _checkout_copy(tmp_path / "client")
    theirs = _checkout_copy(tmp_path / "worker")  # the same code in another folder
    digests = {}
    for name, root in (("client", mine), ("worker", theirs)):
        monkeypatch.setattr(rendering.run.tasks, "REPO_ROOT", root)
        digests[name] = rendering.run.tasks.checkout_digest(scene, [])
    assert digests["client"] == digests["worker"]
    for module in ("rendering/draw/chunk.py", "rendering/outputs/encode.py", "model/stages.py"):
        edited = theirs / module
        original = edited.read_text()
        edited.write_text(original + "\n# a worker's own change\n")
        assert rendering.run.tasks.checkout_digest(scene, []) != digests["client"], module
        edited.write_text(original)
        assert rendering.run.tasks.checkout_digest(scene, []) == digests["client"]


def test_a_worker_with_other_code_refuses_the_plan(tmp_path, monkeypatch):
    spec = {"name": "TinyMove", "path": str(FIXTURES / "tiny_scenes.py"), "relative": None,
            "theme": "dark", "overrides": [], "checkout": "0" * 16}  # fmt: skip
    with pytest.raises(RuntimeError, match="checkout differs"):
        rendering.run.tasks.checked_plan_task(spec)


# -- findings 6 and 7: one line and exit 2 for every bad option ----------------------------------


class _FakePool:
    """The local workers, not started: the options are what is tested."""

    made: ClassVar[list[int]] = []

    def __init__(self, n_workers: int) -> None:
        self.n_workers = n_workers
        _FakePool.made.append(n_workers)

    def close(self, kill: bool = False) -> None:
        pass


class _Fakes:
    """What the commands handed to the batch (it renders nothing unless ``real_render``)."""

    def __init__(self) -> None:
        self.calls: list[dict] = []
        self.real_render = False


@pytest.fixture
def fakes(monkeypatch):
    """The batch and the local pool replaced (so options alone are tested), the process's
    SIGTERM handler and theme kept."""
    found = _Fakes()
    real = rendering.cli.render_jobs

    def render_jobs(request, console):
        found.calls.append({"jobs": request.jobs, "out": Path(request.out),
                            "formats": list(request.formats), "options": request.options,
                            "n_jobs": request.n_jobs})  # fmt: skip
        if found.real_render:
            return real(request, console)
        out = Path(request.out)
        return BatchResult(list(request.jobs), out.parent / "gallery.html", out / "x.md")

    monkeypatch.setattr(rendering.cli, "render_jobs", render_jobs)
    monkeypatch.setattr(rendering.custom, "render_jobs", render_jobs)
    monkeypatch.setattr(rendering.cli, "LocalExecutor", _FakePool)
    monkeypatch.delenv("BENDSPACE_THEME", raising=False)
    _FakePool.made = []
    handler = signal.getsignal(signal.SIGTERM)
    yield found
    signal.signal(signal.SIGTERM, handler)


def _run(argv: list[str], capsys) -> tuple[int, str, str]:
    """``render.py ARGV`` in this process: exit code, stdout, stderr."""
    capsys.readouterr()
    try:
        rendering.cli.main(argv)
        code = 0
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else int(done.code is not None)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def places(tmp_path) -> dict[str, Path]:
    """Folders an --out can name: fine, too long a name, a link loop, under a file, dangling."""
    (tmp_path / "loop1").symlink_to(tmp_path / "loop2")
    (tmp_path / "loop2").symlink_to(tmp_path / "loop1")
    (tmp_path / "a-file").write_text("a file")
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    x, y = two_moons(20)
    write_csv(tmp_path / "moons.csv", x, y)
    return {
        "ok": tmp_path / "media" / "gallery",
        "long": tmp_path / ("a" * 256) / "gallery",
        "long-last": tmp_path / ("é" * 128),  # 256 bytes in UTF-8
        "loop": tmp_path / "loop1",
        "in-loop": tmp_path / "loop1" / "gallery",
        "under-file": tmp_path / "a-file" / "gallery",
        "dangling": tmp_path / "dangling",
        "forbidden": Path("/proc/forbidden"),
        "data": tmp_path / "moons.csv",
    }


BAD_RENDER_OPTIONS = [
    (["--poster-at", "1e308"], "--poster-at 1e+308"),
    (["--poster-at", "-1e308"], "--poster-at -1e+308"),
    (["--poster-at", "nan"], "--poster-at nan"),
    (["--poster-at", "inf"], "--poster-at inf"),
    (["--poster-at", "-inf"], "--poster-at -inf"),
    (["--poster-at", "86401"], "--poster-at 86401"),
    (["--gif-fps", "1e-308"], "--gif-fps 1e-308"),
    (["--gif-fps", "0.001"], "whole centiseconds from 2 to 65,535"),
    (["--gif-fps", "0"], "--gif-fps 0"),
    (["--gif-fps", "-12.5"], "--gif-fps -12.5"),
    (["--gif-fps", "nan"], "--gif-fps nan"),
    (["--gif-fps", "inf"], "--gif-fps inf"),
    (["--gif-fps", "100"], "--gif-fps 100"),  # 1 cs: browsers play it as 10
    (["--gif-fps", "15"], "--gif-fps 15"),  # 6.67 cs
    (["-f", ","], "--format names no format"),
    (["-f", ""], "--format names no format"),
    (["-f", " , ,"], "--format names no format"),
    (["-f", "mp4,mkv"], "unknown format 'mkv'"),
    (["--out", "{long}"], "is 256 bytes long, over the 255"),
    (["--out", "{long-last}"], "is 256 bytes long, over the 255"),
    (["--out", "{loop}"], "a loop of symbolic links"),
    (["--out", "{in-loop}"], "a loop of symbolic links"),
    (["--out", "{under-file}"], "a-file is a file, not a folder"),
    (["--out", "{dangling}"], "a symbolic link to nothing"),
    (["--out", "{forbidden}"], "cannot write into /proc"),
    (["--jbos", "2"], "No such option '--jbos'"),
    (["--jobs", "0"], "Invalid value for '--jobs'"),
    (["--jobs", "65"], "Invalid value for '--jobs'"),
    (["--fps", "x"], "Invalid value for '--fps'"),
    (["--quality", "9k"], "Invalid value for '--quality'"),
    (["--theme", "nope"], "Invalid value for '--theme'"),
    (["--width", "10"], "Invalid value for '--width'"),
    (["--file", "{ok}/missing.py"], "missing.py not found"),
    (["--file", "{long}.py"], "File name too long"),
    (["--file", "{in-loop}.py"], "not found"),
]
BAD_CUSTOM_OPTIONS = [
    (["-f", ","], "--format names no format"),
    (["-f", ""], "--format names no format"),
    (["-f", "mp4,mkv"], "unknown format 'mkv'"),
    (["--out", "{long}"], "is 256 bytes long, over the 255"),
    (["--out", "{loop}"], "a loop of symbolic links"),
    (["--out", "{in-loop}"], "a loop of symbolic links"),
    (["--out", "{under-file}"], "a-file is a file, not a folder"),
    (["--out", "{dangling}"], "a symbolic link to nothing"),
    (["--bogus"], "No such option '--bogus'"),
    (["--scene", "Nope"], "Invalid value for '--scene'"),
    (["--epochs", "x"], "Invalid value for '--epochs'"),
    (["--data", "{long}.csv"], "File name too long"),
]


def _argv(args: list[str], places: dict[str, Path]) -> list[str]:
    return [_fill(a, {k: str(v) for k, v in places.items()}) for a in args]


def _assert_refused(code: int, err: str, words: str, before: dict, after: dict) -> None:
    assert code == 2, err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert words in lines[0], lines[0]
    assert "Traceback" not in err and len(lines[0]) < 2000
    assert after == before  # nothing written, no folder made


@pytest.mark.parametrize(
    ("args", "words"), BAD_RENDER_OPTIONS, ids=[" ".join(a)[:30] for a, _ in BAD_RENDER_OPTIONS]
)
def test_a_bad_render_option_is_one_line_exit_2_and_writes_nothing(
    args, words, places, tmp_path, capsys, fakes
):
    base = ["--file", str(FIXTURES / "tiny_scenes.py"), "--scene", "TinyMove",
            "--out", str(places["ok"])]  # fmt: skip
    before = _tree(tmp_path)
    code, _, err = _run(base + _argv(args, places), capsys)
    _assert_refused(code, err, words, before, _tree(tmp_path))
    assert fakes.calls == [] and _FakePool.made == []  # no worker started


@pytest.mark.parametrize(
    ("args", "words"), BAD_CUSTOM_OPTIONS, ids=[" ".join(a)[:30] for a, _ in BAD_CUSTOM_OPTIONS]
)
def test_a_bad_custom_option_is_one_line_exit_2_and_writes_nothing(
    args, words, places, tmp_path, capsys, fakes
):
    base = ["custom", "--data", str(places["data"]), "--epochs", "3", "--out", str(tmp_path / "c")]
    before = _tree(tmp_path)
    code, _, err = _run(base + _argv(args, places), capsys)
    _assert_refused(code, err, words, before, _tree(tmp_path))


def test_custom_without_data_is_one_line(tmp_path, capsys, fakes):
    code, _, err = _run(["custom", "--out", str(tmp_path / "c")], capsys)
    _assert_refused(code, err, "Missing option '--data'", {}, _tree(tmp_path))


def test_jobs_beyond_the_cores_are_capped_with_one_warning(places, capsys, fakes):
    argv = ["--file", str(FIXTURES / "tiny_scenes.py"), "--scene", "TinyMove", "--jobs", "64",
            "--out", str(places["ok"])]  # fmt: skip
    code, _, err = _run(argv, capsys)
    assert code == 0, err
    warnings = [line for line in err.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and warnings[0].startswith("warning: --jobs 64:"), err
    assert _FakePool.made == [cores()] and fakes.calls[0]["n_jobs"] == cores()


def test_workers_are_as_many_as_memory_holds(monkeypatch):
    monkeypatch.setattr(rendering.run.process, "available_memory", lambda: 1 << 30)
    monkeypatch.setattr(rendering.run.process, "cores", lambda: 8)
    n, warning = usable_workers(8, 1920, 1080)  # about 667 MB each
    assert n == 1 and "1.0 GB of free memory" in warning and "using 1" in warning
    assert usable_workers(4, 640, 360) == (3, usable_workers(4, 640, 360)[1])  # 294 MB each
    assert usable_workers(1, 3840, 2160)[0] == 1  # one worker always runs
    monkeypatch.setattr(rendering.run.process, "available_memory", lambda: None)
    assert usable_workers(8, 1920, 1080) == (8, None)


# -- the fuzz: every option set ends in exit 0 with valid outputs, or exit 2 in one line ------

JUNK = ["", " ", "-", "--", "x", "0", "-1", "1e308", "-1e308", "nan", "inf", "1e-308", "9" * 40,
        "é" * 300, "a\nb", "\x1b[31mred", "[bold]x[/bold]", "../../x", ",", "%s", "{}"]  # fmt: skip
RENDER_VALUES = {
    "--scene": ["TinyMove", "TinySlow", "Nope"],
    "--story": ["tiny_scenes", "spirals", "nope"],
    "--quality": ["draft", "720p30", "4k", "9k"],
    "--fps": ["1", "5", "120", "121", "0", "2.5"],
    "--width": ["64", "65", "7680", "7681", "63"],
    "-f": ["mp4", "mp4,gif", "png,webm", "html", "gif,mov,alpha-webm", ",", "", "mkv", "mp4,,png"],
    "--theme": ["dark", "light", "both", "none"],
    "--jobs": ["1", "2", "64", "65", "0"],
    "--chunks": ["1", "3", "256", "257", "0"],
    "--gif-width": ["120", "640", "1920", "119", "1921"],
    "--gif-fps": ["10", "12.5", "25", "50", "0.0015259021896696422", "51", "0.001", "15", "7"],
    "--poster-at": ["0", "1.5", "-1", "86400", "-86400", "86400.5", "1e308", "-0"],
    "--out": [
        "{ok}",
        "{long}",
        "{long-last}",
        "{loop}",
        "{in-loop}",
        "{under-file}",
        "{dangling}",
        "{forbidden}",
    ],
    "--file": ["{tiny}", "{ok}/missing.py", "{long}.py"],
    "--list": None,
    "--force": None,
    "--bogus": None,
}
CUSTOM_VALUES = {
    "--data": ["{data}", "{data}", "{ok}/missing.csv", "{long}.csv", "{loop}"],
    "--label": ["label", "3", "nope", "0"],
    "--widths": ["2", "2,2", "3,2,2", "0", "2,", "1025", ",".join(["2"] * 13), "none"],
    "--activation": ["tanh", "relu", "sigmoid", "nope"],
    "--epochs": ["0", "1", "3", "-1", str(10**12)],
    "--lr": ["0.02", "1", "10", "0", "11", "nan", "-inf"],
    "--seed": ["0", "7", str(2**32), "-1"],
    "--snapshots": ["2", "3", "1", "401"],
    "--points": ["10", "40", "9", "200001"],
    "--out": [
        "{c}",
        "{long}",
        "{loop}",
        "{in-loop}",
        "{under-file}",
        "{dangling}",
        "{forbidden}",
    ],
    "-f": ["mp4", "mp4,png", "gif", ",", "", "mkv"],
    "--quality": ["draft", "9k"],
    "--theme": ["dark", "both", "nope"],
    "--scene": ["Stretching", "Boundary", "Nope"],
    "--standardize": None,
    "--no-render": None,
    "--bogus": None,
}


def _case(rng: random.Random, values: dict, required: dict[str, str]) -> list[str]:
    """Some options with good, bad or junk values; ``required`` are present most of the time."""
    argv: list[str] = []
    for option, value in required.items():
        if rng.random() < 0.95:
            argv += [option, value]
    for option in rng.sample(list(values), rng.randint(0, 5)):
        pool = values[option]
        if pool is None:  # a flag (or an option that does not exist)
            if option != "--bogus" or rng.random() < 0.2:
                argv.append(option)
            continue
        value = rng.choice(JUNK) if rng.random() < 0.15 else rng.choice(pool)
        argv += [option, value]
    return argv


def _check_render_call(call: dict) -> None:
    """What ``render.py`` handed to the batch is what the checks promise."""
    options = call["options"]
    assert call["formats"] and set(call["formats"]) <= set(FORMATS)
    delay = 100 / options.gif_fps
    assert abs(delay - round(delay)) < 1e-6 and GIF_DELAYS_CS[0] <= round(delay) <= GIF_DELAYS_CS[1]
    assert options.poster_at is None or abs(options.poster_at) <= MAX_POSTER_SECONDS
    assert options.width % 2 == 0 and 64 <= options.width <= 7680 and 1 <= options.fps <= 120
    assert 1 <= call["n_jobs"] <= cores()
    check_writable_folder(call["out"])  # raises if not


def _fill(value: str, subs: dict[str, str]) -> str:
    for key, place in subs.items():
        value = value.replace("{" + key + "}", place)
    return value


def _fuzz(command: str, n: int, places: dict, tmp_path: Path, capsys, fakes) -> dict[int, int]:
    rng = random.Random(f"issue 28 {command}")
    subs = {k: str(v) for k, v in places.items()} | {
        "tiny": str(FIXTURES / "tiny_scenes.py"), "c": str(tmp_path / "custom")
    }  # fmt: skip
    endings: dict[int, int] = {}
    for index in range(n):
        if command == "render.py":
            argv = _case(rng, RENDER_VALUES, {"--file": "{tiny}", "--out": "{ok}"})
        else:
            argv = ["custom", *_case(rng, CUSTOM_VALUES, {"--data": "{data}", "--out": "{c}"})]
            argv += ["--epochs", "2"] if "--epochs" not in argv else []
        argv = [_fill(a, subs) for a in argv]
        if command == "custom" and "--out" not in argv:
            continue  # the default --out is inside the project
        fakes.calls = []
        before = _tree(tmp_path)
        code, out, err = _run(argv, capsys)
        endings[code] = endings.get(code, 0) + 1
        what = f"case {index}: {argv!r}\n{err}"
        assert "Traceback" not in err, what
        if code == 2:
            _assert_refused(code, err, "", before, _tree(tmp_path))
            continue
        assert code == 0, what
        if command == "render.py" and "--list" in argv:
            assert ("TinyMove" if subs["tiny"] in argv else "SpiralsStretching") in out, what
        elif command == "render.py":
            assert len(fakes.calls) == 1, what
            _check_render_call(fakes.calls[0])
        else:
            from model.states import load_states

            folder = Path(argv[len(argv) - 1 - argv[::-1].index("--out") + 1])
            states = load_states(folder / "states.npz")
            assert states.n_snapshots >= 2, what
            if "--no-render" not in argv:
                assert len(fakes.calls) == 1 and fakes.calls[0]["formats"], what
    return endings


@pytest.mark.parametrize(
    ("command", "n"),
    [("render.py", 500), pytest.param("custom", 160, marks=pytest.mark.slow)],  # it trains
)
def test_an_option_fuzz_ends_in_exit_0_or_one_line_exit_2(
    command, n, places, tmp_path, capsys, fakes, monkeypatch
):
    cwd = tmp_path / "cwd" / "a" / "b"  # relative junk like ../../x stays inside tmp_path
    cwd.mkdir(parents=True)
    monkeypatch.chdir(cwd)
    endings = _fuzz(command, n, places, tmp_path, capsys, fakes)
    assert set(endings) <= {0, 2} and sum(endings.values()) >= n * 0.9, endings
    assert endings.get(0, 0) >= n // 20 and endings.get(2, 0) >= n // 4, endings  # both paths


@pytest.mark.slow
@pytest.mark.parametrize(
    "extra",
    [
        ["--gif-fps", "0.0015259021896696422", "--poster-at", "86400"],  # 655.35 s a frame
        ["--gif-fps", "50", "--poster-at", "-86400", "--fps", "10"],
        ["--gif-fps", "50", "--fps", "60", "--chunks", "3", "--jobs", "2"],
    ],
    ids=["slowest-gif", "fastest-gif", "chunked"],
)
def test_extreme_valid_options_render_valid_files(scene_dir, tmp_path, extra):
    out = tmp_path / "gallery"
    result = run_render(
        "--file", str(scene_dir / "tiny_scenes.py"), "--scene", "TinyMove", "--width", "128",
        "--fps", "5", "-f", "mp4,gif,png", "--out", str(out), "--jobs", "1", *extra,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    fps = int(extra[extra.index("--fps") + 1]) if "--fps" in extra else 5
    folder = rendering.output_folder(out, "dark", rendering.RenderOptions(128, 72, fps))
    assert rendering.video_info(folder / "TinyMove.mp4")["frames"] == 2 * fps
    gif = rendering.gif_info(folder / "TinyMove.gif")
    assert gif["frames"] >= 1
    assert math.isclose(100 / float(extra[1]), gif["delays"][0], abs_tol=1)
    assert (folder / "TinyMove.png").stat().st_size > 0
