"""Process plumbing for the batch and its workers: cores, signals, liveness."""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path

from model.files import interrupt_on_sigterm

__all__ = [
    "WORKER_BYTES",
    "WORKER_BYTES_PER_PIXEL",
    "available_memory",
    "cores",
    "die_with_parent",
    "interrupt_on_sigterm",
    "spawning_deaf_to_ctrl_c",
    "stop_pool",
    "usable_workers",
    "worker_signals",
    "workers_line",
]


def cores() -> int:
    """Cores this process may use (the affinity mask, not the machine's total)."""
    with contextlib.suppress(AttributeError):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


@contextlib.contextmanager
def spawning_deaf_to_ctrl_c():
    """Processes spawned inside ignore Ctrl-C from their first instruction.

    A spawned worker installs :func:`worker_signals` only once it has imported what it
    runs; Ctrl-C in a terminal reaches the whole process group, and a worker still
    starting printed a ``KeyboardInterrupt`` traceback (seen under load: the Ctrl-C test
    failed in 3 of 5 runs at load averages of 5 to 10). An ignored signal stays ignored
    across ``exec``, and Python then installs no handler of its own. The batch itself is
    deaf for the few milliseconds a spawn takes.
    """
    try:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread: nothing to set
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


#: A render worker's peak memory is about WORKER_BYTES + WORKER_BYTES_PER_PIXEL x a frame's
#: pixels: measured peaks (VmHWM) of 433 MiB at 1280x720 and 665 MiB at 1920x1080.
WORKER_BYTES, WORKER_BYTES_PER_PIXEL = 250 << 20, 210


def available_memory() -> int | None:
    """Bytes of memory free for new processes (``MemAvailable``), or None where unknown."""
    with contextlib.suppress(OSError, ValueError, IndexError, StopIteration):
        lines = Path("/proc/meminfo").read_text(encoding="ascii").splitlines()
        kilobytes = next(line for line in lines if line.startswith("MemAvailable:")).split()[1]
        return int(kilobytes) << 10
    return None


def usable_workers(wanted: int, width: int, height: int) -> tuple[int, str | None]:
    """``wanted`` workers, at most one a core and as many as free memory holds at this size.

    More workers than cores only share them (every chunk gets slower, and each
    costs its memory); more than memory holds would swap or be killed. Returns
    the number to start and, when it is fewer than ``wanted``, a warning line.
    """
    n_cores, memory = cores(), available_memory()
    each = WORKER_BYTES + WORKER_BYTES_PER_PIXEL * width * height
    fits = n_cores if memory is None else max(1, min(n_cores, memory // each))
    if wanted <= fits:
        return wanted, None
    room = "" if memory is None else f" and {memory / 2**30:.1f} GB of free memory"
    return fits, (
        f"--jobs {wanted}: {n_cores} core(s){room} run {fits} worker(s) of about "
        f"{each / 2**20:,.0f} MB at {width}x{height}; using {fits}"
    )


def workers_line(n_workers: int, width: int, height: int) -> str:
    """The one line a batch starts with: its workers, and the machine that decided them."""
    memory = available_memory()
    each = WORKER_BYTES + WORKER_BYTES_PER_PIXEL * width * height
    room = "" if memory is None else f", {memory / 2**30:.1f} GB of free memory"
    return (
        f"{n_workers} worker(s): {cores()} core(s){room}, about {each / 2**20:,.0f} MB a "
        f"worker at {width}x{height} (--jobs to change)"
    )


def die_with_parent() -> None:
    """Ask Linux to stop this worker when the batch process dies (best effort)."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def worker_signals() -> None:
    """A pool worker's signals: Ctrl-C is the batch's to handle, SIGTERM ends the worker.

    Ctrl-C in a terminal reaches every process of the group; the workers ignore
    it, and the batch stops them (:func:`stop_pool`). SIGTERM exits: a running
    task unwinds first (``finally`` blocks and :func:`model.files.write_atomic`
    clean up), and a worker waiting for a task ends without a traceback.
    """

    def stop(signum, frame):
        raise SystemExit(128 + signum)

    with contextlib.suppress(ValueError):  # only the main thread may set handlers
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, stop)


def stop_pool(pool) -> None:
    """Stop a ``ProcessPoolExecutor`` at once: cancel what waits, end its running processes."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        with contextlib.suppress(Exception):
            process.terminate()
    for process in processes:
        with contextlib.suppress(Exception):
            process.join(30)
