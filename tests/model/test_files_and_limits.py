"""Atomic writes, stale temporaries, option bounds and divergence: one line, nothing left behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from model.cli import cli
from model.files import (
    TEMP_PREFIX,
    clean_stale_temporaries,
    is_own_temporary,
    temporary_name,
    write_atomic,
)
from model.limits import LimitError, check_lr, check_writable

REPO = Path(__file__).resolve().parents[2]


def test_write_atomic_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "out.npz"

    def broken(tmp: Path) -> None:
        tmp.write_bytes(b"half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, broken)
    assert list(tmp_path.iterdir()) == []


def test_stale_temporaries_of_dead_processes_are_removed(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f"{TEMP_PREFIX}{dead.pid}-abcd_123-states.npz"
    stale.write_bytes(b"x")
    live = temporary_name(tmp_path / "other.npz")
    live.write_bytes(b"y")
    assert live.name.endswith("-other.npz") and is_own_temporary(live) == os.getpid()
    assert clean_stale_temporaries(tmp_path) == [stale]
    assert live.exists() and not stale.exists()
    write_atomic(tmp_path / "states.npz", lambda tmp: tmp.write_bytes(b"ok"))  # cleans too


def test_sigterm_during_a_save_leaves_no_temporary(tmp_path):
    script = (
        "import time\n"
        "from model.files import interrupt_on_sigterm, write_atomic\n"
        "interrupt_on_sigterm()\n"
        "def slow(tmp):\n"
        "    tmp.write_bytes(b'partial')\n"
        "    print('writing', flush=True)\n"
        "    time.sleep(30)\n"
        f"write_atomic({str(tmp_path / 'states.npz')!r}, slow)\n"
    )
    env = os.environ | {"PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    )
    assert proc.stdout.readline().strip() == b"writing"
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=20)
    assert proc.returncode != 0
    time.sleep(0.1)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "args, words",
    [
        (["--lr", "nan"], "finite learning rate"),
        (["--lr", "1e3"], "finite learning rate"),
        (["--seed", str(10**22)], "range"),
        (["--snapshots", str(10**9)], "range"),
        (["--epochs", str(10**12)], "range"),
        (["--out", "/proc/forbidden/x.npz"], "cannot write"),
    ],
)
def test_train_options_are_bounded_before_any_work(args, words):
    result = CliRunner().invoke(cli, ["train", "spirals2d", *args])
    assert result.exit_code == 2, result.output
    assert words in result.output
    assert "Traceback" not in result.output


def test_limits_functions():
    check_lr(0.01)
    for bad in (0.0, -1.0, float("inf"), float("nan"), 11.0):
        with pytest.raises(LimitError):
            check_lr(bad)
    with pytest.raises(LimitError, match="is a folder"):
        check_writable(Path("/tmp"))


def test_a_loss_far_above_its_start_stops_training():
    from model.config import preset
    from model.train import TrainingError, train

    config = preset(
        "spirals2d", epochs=200, lr=10.0, snapshots=3, hidden=(64, 64), activation="relu"
    )
    with pytest.raises(TrainingError, match="diverged"):
        train(config, progress=False)


def test_a_run_whose_states_would_be_too_slow_to_load_is_refused_before_training():
    from model.limits import check_run_size
    from model.states import MAX_TRACE_MULADDS, trace_cost

    # the MNIST preset's shape loads in about a second: allowed
    check_run_size([784, 128, 64, 10], 60_000, 40, 28, 2000)
    assert trace_cost([784, 128, 64, 10], 28, 2000) < MAX_TRACE_MULADDS / 10
    # a file under the size bound (20 snapshots of 1.9M weights) but whose 10,000 traced
    # points would take minutes to push through them on every load is not
    with pytest.raises(LimitError, match="multiply-adds"):
        check_run_size([784, 1024, 1024, 10], 10_000, 1, 20, 10_000)
