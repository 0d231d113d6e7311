"""Bad option sets for `render.py custom`, `python -m model custom` and `render.py`.

Every one is refused before any work: one line on stderr, exit code 2, no
traceback, nothing written. The reproducers of the reliability issue's
"options" list are cases here.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from custom_harness import two_moons, write_csv
from render_harness import FIXTURES

from model.custom_cli import main as model_custom_main
from model.files import TEMP_PREFIX, clean_stale_temporaries
from rendering.cli import cli as render_cli
from rendering.custom import main as render_custom_main

MODELS = """
import os, sys
from torch import nn

def zero_width():
    return nn.Sequential(nn.Linear(2, 0), nn.Tanh(), nn.Linear(0, 2))

def wide():
    return nn.Sequential(nn.Linear(2, 5000), nn.Tanh(), nn.Linear(5000, 2))

def leaves():
    sys.exit(3)
"""

REMOVES_ITS_FOLDER = """
import os, sys
sys.path.remove(os.path.dirname(os.path.abspath(__file__)))
from torch import nn

def build():
    return nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 2))
"""


@pytest.fixture
def workdir(tmp_path) -> Path:
    x, y = two_moons(20)
    write_csv(tmp_path / "moons.csv", x, y)
    (tmp_path / "models.py").write_text(MODELS)
    (tmp_path / "removes.py").write_text(REMOVES_ITS_FOLDER)
    return tmp_path


TWELVE = ",".join(["1024"] * 12)
BAD_OPTIONS = [
    (["--lr", "nan"], "finite learning rate"),
    (["--lr", "inf"], "finite learning rate"),
    (["--lr", "1e3"], "finite learning rate"),
    (["--lr", "0"], "finite learning rate"),
    (["--seed", str(10**22)], "'--seed'"),
    (["--seed", "-1"], "'--seed'"),
    (["--snapshots", "1000000000"], "'--snapshots'"),
    (["--epochs", str(10**12)], "'--epochs'"),
    (["--points", str(10**9)], "'--points'"),
    (["--widths", "100000", "--epochs", "5"], "give widths from 1 to 1,024"),
    (["--widths", ",".join(["2"] * 13)], "at most 12"),
    (["--widths", "2,0"], "positive integers"),
    (["--widths", "9" * 5000], "positive integers"),
    (["--widths", TWELVE], "the states file would take"),
    (["--widths", "1024,1024", "--snapshots", "400"], "the states file would take"),
    (["--out", "/proc/forbidden"], "cannot write into /proc"),
    (["--model", "{d}/models.py:zero_width"], "every layer needs at least one neuron"),
    (["--model", "{d}/models.py:wide"], "give widths from 1 to 1,024"),
    (["--model", "{d}/models.py:leaves"], "raised SystemExit"),
    (["--data", "/dev/zero"], "not a regular file"),
    (["--label", "²"], "no label column named '²'"),
]
COMMANDS = {"render.py custom": render_custom_main, "python -m model custom": model_custom_main}


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize(
    ("args", "words"), BAD_OPTIONS, ids=[" ".join(a)[:30] for a, _ in BAD_OPTIONS]
)
def test_bad_options_are_one_line_exit_2_and_write_nothing(workdir, capsys, command, args, words):
    out = workdir / "out"
    before = sorted(workdir.rglob("*"))
    argv = ["--data", str(workdir / "moons.csv"), "--epochs", "3", "--out", str(out)]
    argv += [a.format(d=workdir) for a in args]
    if command == "render.py custom":
        argv.append("--no-render")
    code = COMMANDS[command](argv)
    err = capsys.readouterr().err.strip()
    assert code == 2, err
    assert words in err
    assert len(err.splitlines()) == 1 and err.startswith("error: ") and len(err) < 700
    assert "Traceback" not in err
    assert sorted(workdir.rglob("*")) == before  # nothing written, no folder made


def test_a_model_that_takes_its_folder_off_sys_path_still_loads(workdir, capsys):
    out = workdir / "out"
    argv = ["--data", str(workdir / "moons.csv"), "--model", f"{workdir}/removes.py:build"]
    code = model_custom_main([*argv, "--epochs", "3", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    assert (out / "states.npz").is_file()


# -- render.py ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "words"),
    [
        ("import no_such_module_here\n", "ModuleNotFoundError: No module named"),
        ("def broken(:\n", "SyntaxError"),
        ("import sys\nsys.exit(0)\n", "SystemExit"),
    ],
    ids=["import-error", "syntax-error", "exits"],
)
def test_render_py_file_that_does_not_import_is_named_and_exits_2(tmp_path, source, words):
    broken = tmp_path / "broken.py"
    broken.write_text(source)
    for extra in (["--list"], ["--scene", "TinyMove"]):
        result = CliRunner().invoke(
            render_cli,
            ["--file", str(broken), "--file", str(FIXTURES / "tiny_scenes.py"), *extra,
             "--out", str(tmp_path / "out")],
        )  # fmt: skip
        assert result.exit_code == 2, result.output
        err = result.stderr.strip()
        assert "broken.py does not import" in err and words in err
        assert len(err.splitlines()) == 1 and "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_render_py_out_not_writable_is_refused_before_rendering():
    result = CliRunner().invoke(
        render_cli,
        ["--file", str(FIXTURES / "tiny_scenes.py"), "--scene", "TinyMove",
         "--out", "/proc/forbidden"],
    )  # fmt: skip
    assert result.exit_code == 2
    err = result.stderr.strip()
    assert "--out /proc/forbidden: cannot write into /proc" in err
    assert len(err.splitlines()) == 1


def test_a_killed_renders_log_files_are_removed_by_the_next_run(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    folder = tmp_path / "gallery" / "dark"
    folder.mkdir(parents=True)
    stale = folder / f"{TEMP_PREFIX}{dead.pid}-abcdefgh-TinyMove-dark.log"
    stale.touch()
    alive = folder / f"{TEMP_PREFIX}{os.getpid()}-abcdefgh-TinySlow-dark.log"
    alive.touch()
    assert clean_stale_temporaries(tmp_path / "gallery") == [stale]
    assert not stale.exists() and alive.exists()
