"""Process plumbing for the batch and its workers: cores, signals, liveness."""

from __future__ import annotations

import contextlib
import os
import signal

from model.files import interrupt_on_sigterm

__all__ = ["cores", "die_with_parent", "interrupt_on_sigterm", "stop_pool", "worker_signals"]


def cores() -> int:
    """Cores this process may use (the affinity mask, not the machine's total)."""
    with contextlib.suppress(AttributeError):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


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
